"""Both type checkers catch the mistakes of ``tests/typing_mistakes.py``: every line marked
``# expect-error`` is reported by ``mypy --strict`` and by ``pyright`` (strict, the project's
``[tool.pyright]``), and no other line is."""

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


@cache
def mypy_lines() -> frozenset[int]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(MISTAKES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = re.findall(r"^[^\n]*typing_mistakes\.py:(\d+): error:", result.stdout, re.M)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return frozenset(int(n) for n in found)


@cache
def pyright_lines() -> frozenset[int]:
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", str(MISTAKES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stdout)
    return frozenset(
        d["range"]["start"]["line"] + 1
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    )


def test_the_mistakes_module_marks_the_cases() -> None:
    assert len(marked_lines()) >= 14


def test_mypy_reports_every_marked_mistake_and_nothing_else() -> None:
    assert mypy_lines() == marked_lines()


@pytest.mark.skipif(
    importlib.util.find_spec("pyright") is None,
    reason="pyright is not installed (pip install -e '.[dev]' brings it)",
)
def test_pyright_reports_every_marked_mistake_and_nothing_else() -> None:
    assert pyright_lines() == marked_lines()
