"""The type checkers on code written against the SDK: ``mypy --strict`` and ``pyright``
(strict, the project's ``[tool.pyright]``) pass the examples, the README's code and
``tests/typed_usage.py``, and
catch the mistakes of ``tests/typing_mistakes.py``: every line marked ``# expect-error`` is
reported by both, and no other line is. (``.ci/run`` runs the clean checks too; here they
also guard every integration.)"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MISTAKES = ROOT / "tests" / "typing_mistakes.py"
MARK = "# expect-error"


def marked_lines() -> set[int]:
    lines = MISTAKES.read_text().splitlines()
    return {n for n, line in enumerate(lines, start=1) if line.rstrip().endswith(MARK)}


needs_pyright = pytest.mark.skipif(
    importlib.util.find_spec("pyright") is None,
    reason="pyright is not installed (pip install -e '.[dev]' brings it)",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def mypy_errors(*paths: str) -> list[tuple[str, int, str]]:
    """(file name, line, message) of every error ``mypy --strict`` reports."""
    result = run("mypy", "--strict", "--no-error-summary", *paths)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found = re.findall(r"^([^:\n]+):(\d+): error: (.*)$", result.stdout, re.M)
    return [(Path(f).name, int(n), msg) for f, n, msg in found]


def pyright_errors(*paths: str) -> list[tuple[str, int, str]]:
    """(file name, line, message) of every error ``pyright`` reports (no paths: its include)."""
    # --project: this repository's [tool.pyright], never a config file above it.
    result = run("pyright", "--project", str(ROOT), "--outputjson", *paths)
    report = json.loads(result.stdout)
    return [
        (Path(d["file"]).name, d["range"]["start"]["line"] + 1, d["message"])
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]


@cache
def mypy_lines() -> frozenset[int]:
    return frozenset(line for _, line, _ in mypy_errors(str(MISTAKES)))


@cache
def pyright_lines() -> frozenset[int]:
    return frozenset(line for _, line, _ in pyright_errors(str(MISTAKES)))


def test_mypy_strict_passes_the_examples_and_the_typed_usage_module() -> None:
    assert mypy_errors("examples", "tests/typed_usage.py") == []


@needs_pyright
def test_pyright_strict_passes_the_examples_and_the_typed_usage_module() -> None:
    assert pyright_errors() == []


def readme_script(tmp_path: Path) -> str:
    """The README's Python blocks as one module (as ``tests/test_readme.py`` runs them)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    script = tmp_path / "readme_blocks.py"
    script.write_text("\n".join(blocks))
    return str(script)


def test_mypy_strict_passes_the_readme_code(tmp_path: Path) -> None:
    assert mypy_errors(readme_script(tmp_path)) == []


@needs_pyright
def test_pyright_strict_passes_the_readme_code(tmp_path: Path) -> None:
    assert pyright_errors(readme_script(tmp_path)) == []


def test_the_mistakes_module_marks_the_cases() -> None:
    assert len(marked_lines()) >= 20


def test_mypy_reports_every_marked_mistake_and_nothing_else() -> None:
    assert mypy_lines() == marked_lines()


@needs_pyright
def test_pyright_reports_every_marked_mistake_and_nothing_else() -> None:
    assert pyright_lines() == marked_lines()
