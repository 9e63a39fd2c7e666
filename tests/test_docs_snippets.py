"""What the guides promise holds for a stranger: every ```python block of ``docs/*.md``
parses, the blocks of one page written as one module (in order, as ``tests/test_readme.py``
does for the README) pass ``mypy --strict`` and pyright strict, and each page's module runs
against the emulator on loopback. Every ``maintainx_sdk.x.y`` name in backticks in the docs
and the README resolves.

A mark in an HTML comment on the line right above a block changes what is done with it:

* ``<!-- snippet: fragment -->``: a deliberate fragment; it must parse (top-level ``await``
  allowed) but is neither type-checked nor run.
* ``<!-- snippet: no-run -->``: type-checked, not run (it needs a service of your own).
* ``<!-- snippet: needs redis -->`` (or ``otel``, ``tqdm``, ``rich``): type-checked, and run
  only when the dependency is there (Redis: ``$REDIS_URL``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import maintainx_sdk
from maintainx_sdk.testing import Emulator

from .test_type_checkers import mypy_errors, needs_pyright, pyright_errors

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
MARK = re.compile(r"<!--\s*snippet:\s*(.*?)\s*-->\s*\n\Z")
KINDS = {"fragment", "no-run", "needs"}

NEEDS: dict[str, Callable[[], bool]] = {
    "redis": lambda: bool(os.environ.get("REDIS_URL")),
    "otel": lambda: importlib.util.find_spec("opentelemetry.sdk") is not None,
    "tqdm": lambda: importlib.util.find_spec("tqdm") is not None,
    "rich": lambda: importlib.util.find_spec("rich") is not None,
}

# No module may reach past loopback: every connect outside 127.0.0.0/8 and ::1 is refused.
LOOPBACK_GUARD = """
import ipaddress, runpy, socket, sys

_connect = socket.socket.connect

def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise OSError(f"doc snippets run on loopback only, not {host!r}")
    return _connect(self, address)

socket.socket.connect = _loopback_only
runpy.run_path(sys.argv[1], run_name="__main__")
"""


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # the block's first code line in the markdown file (1-based)
    code: str
    marks: tuple[str, ...]

    @property
    def fragment(self) -> bool:
        return "fragment" in self.marks

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(m.split(None, 1)[1] for m in self.marks if m.startswith("needs "))

    @property
    def runs(self) -> bool:
        return not self.fragment and "no-run" not in self.marks


def blocks_of(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        mark = MARK.search(text, 0, match.start())
        marks = tuple(m.strip() for m in mark.group(1).split(",")) if mark else ()
        line = text.count("\n", 0, match.start()) + 2
        found.append(Block(path.name, line, match.group(1), marks))
    return found


@cache
def pages() -> dict[str, list[Block]]:
    found = {p.stem: blocks_of(p) for p in sorted(DOCS.glob("*.md"))}
    return {name: blocks for name, blocks in found.items() if blocks}


def all_blocks() -> list[Block]:
    return [block for blocks in pages().values() for block in blocks]


def module_of(blocks: list[Block], keep: Callable[[Block], bool]) -> tuple[str, list[str]]:
    """The page as one module, and for each of its lines where it comes from (page:line)."""
    lines: list[str] = []
    origin: list[str] = []
    for block in blocks:
        for n, code_line in enumerate(block.code.splitlines()):
            lines.append(code_line if keep(block) else "")
            origin.append(f"{block.page}:{block.line + n}")
        lines.append("")
        origin.append(f"{block.page}:{block.line}")
    return "\n".join(lines) + "\n", origin


def module_name(page: str) -> str:
    return "docs_" + page.replace("-", "_")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """One folder holding every page's module (fragments left out) for the type checkers."""
    folder = tmp_path_factory.mktemp("docs_snippets")
    origins = {}
    for page, blocks in pages().items():
        code, origin = module_of(blocks, lambda b: not b.fragment)
        (folder / f"{module_name(page)}.py").write_text(code, encoding="utf-8")
        origins[f"{module_name(page)}.py"] = origin
    return folder, origins


def where(origins: dict[str, list[str]], errors: list[tuple[str, int, str]]) -> list[str]:
    return [f"{origins[file][line - 1]}: {message}" for file, line, message in errors]


def test_the_docs_have_python_blocks_and_few_fragments() -> None:
    blocks = all_blocks()
    assert len(blocks) >= 30
    assert sum(b.fragment for b in blocks) <= 3, [f"{b.page}:{b.line}" for b in blocks]


@pytest.mark.parametrize("block", all_blocks(), ids=lambda b: f"{b.page}:{b.line}")
def test_each_block_parses_and_its_marks_are_known(block: Block) -> None:
    for mark in block.marks:
        kind, _, rest = mark.partition(" ")
        assert kind in KINDS, f"unknown snippet mark {mark!r}"
        assert kind != "needs" or rest in NEEDS, f"unknown dependency in {mark!r}"
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if block.fragment else 0
    compile(block.code, f"{block.page}:{block.line}", "exec", flags=flags | ast.PyCF_ONLY_AST)


def test_mypy_strict_passes_the_docs_snippets(
    generated: tuple[Path, dict[str, list[str]]],
) -> None:
    folder, origins = generated
    assert where(origins, mypy_errors(str(folder))) == []


@needs_pyright
def test_pyright_strict_passes_the_docs_snippets(
    generated: tuple[Path, dict[str, list[str]]],
) -> None:
    folder, origins = generated
    assert where(origins, pyright_errors(str(folder))) == []


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    """The emulator on loopback; webhooks are captured, never posted anywhere."""
    deliveries: list[object] = []
    emulator = Emulator(
        seed=3, work_orders=5, webhook_mode="capture", webhook_sink=deliveries.append
    )
    with emulator, emulator.serve() as server:
        yield emulator.api_key, server.base_url


# Pages whose every block is marked no-run (readiness: its example exits 1 on a bare
# emulator by design) are type-checked above and not collected here.
RUNNABLE_PAGES = sorted(page for page, blocks in pages().items() if any(b.runs for b in blocks))


@pytest.mark.parametrize("page", RUNNABLE_PAGES)
def test_each_page_runs_against_the_emulator(
    page: str, served: tuple[str, str], tmp_path: Path
) -> None:
    blocks = pages()[page]

    def runs(block: Block) -> bool:
        return block.runs and all(NEEDS[need]() for need in block.needs)

    if not any(runs(b) for b in blocks):
        pytest.skip("a block of this page needs what is not installed here")
    code, _ = module_of(blocks, runs)
    script = tmp_path / f"{module_name(page)}.py"
    script.write_text(code, encoding="utf-8")
    guard = tmp_path / "loopback_guard.py"
    guard.write_text(LOOPBACK_GUARD, encoding="utf-8")
    api_key, base_url = served
    env = dict(os.environ)
    env.update(MAINTAINX_API_KEY=api_key, MAINTAINX_BASE_URL=base_url)
    env.pop("MAINTAINX_API_KEY_FILE", None)
    env.pop("MAINTAINX_ORGANIZATION_ID", None)
    done = subprocess.run(
        [sys.executable, str(guard), str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- names in prose ---------------------------------------------------------------------------

SPAN = re.compile(r"`([^`\n]+)`")
DOTTED = re.compile(r"\bmaintainx_sdk(?:\.[A-Za-z_]\w*)+")


def prose_names() -> list[tuple[str, str]]:
    """(file, dotted name) of every ``maintainx_sdk.x.y`` in backticks outside code blocks."""
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        prose = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
        for span in SPAN.findall(prose):
            found += [(path.name, name) for name in DOTTED.findall(span)]
    return sorted(set(found))


def resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if not hasattr(target, attr):
                return False
            target = getattr(target, attr)
        return True
    return False


def test_the_docs_name_some_sdk_objects() -> None:
    assert len(prose_names()) >= 20
    assert len(member_claims()) >= 20


def test_every_sdk_name_in_the_docs_prose_resolves() -> None:
    assert [f"{file}: {name}" for file, name in prose_names() if not resolves(name)] == []


MEMBER = re.compile(r"(?<![\w.])([A-Z]\w*)((?:\.[a-z_]\w*)+)")


@cache
def sdk_classes() -> dict[str, list[type]]:
    """Every class defined in the SDK's modules, by name (a name may have several)."""
    found: dict[str, list[type]] = {}
    for info in pkgutil.walk_packages(maintainx_sdk.__path__, "maintainx_sdk."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == info.name:
                found.setdefault(name, []).append(value)
    return found


def has_member(owner: object, name: str) -> bool:
    fields = getattr(owner, "__dataclass_fields__", None) or getattr(owner, "model_fields", {})
    return hasattr(owner, name) or name in fields or name in getattr(owner, "__annotations__", {})


def member_claims() -> list[tuple[str, str]]:
    """(file, ``Class.member``) in backticks where ``Class`` is one of the SDK's classes."""
    classes = sdk_classes()
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        prose = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
        for span in SPAN.findall(prose):
            found += [(path.name, m.group(0)) for m in MEMBER.finditer(span) if m[1] in classes]
    return sorted(set(found))


def member_resolves(claim: str) -> bool:
    """``Class.a.b`` holds for one of the SDK's classes of that name."""
    name, *path = claim.split(".")
    for owner in sdk_classes()[name]:
        target: object = owner
        for attr in path:
            if not has_member(target, attr):
                break
            target = getattr(target, attr, None)
        else:
            return True
    return False


def test_every_sdk_class_member_named_in_the_docs_prose_exists() -> None:
    assert [
        f"{file}: {claim}" for file, claim in member_claims() if not member_resolves(claim)
    ] == []


CLIENT_PATH = re.compile(r"(?<![\w.])(?:mx|client)((?:\.[a-z_]\w*)+)")


def client_claims() -> list[tuple[str, str]]:
    """(file, ``mx.a.b``) in backticks: attributes, namespaces and methods of a client."""
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        prose = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
        for span in SPAN.findall(prose):
            found += [(path.name, m.group(0)) for m in CLIENT_PATH.finditer(span)]
    return sorted(set(found))


def test_every_client_attribute_named_in_the_docs_prose_exists() -> None:
    claims = client_claims()
    assert len(claims) >= 50
    missing = []
    with maintainx_sdk.MaintainX(
        api_key="doc-claims-key-0123", base_url="http://127.0.0.1:9/v1"
    ) as mx:
        for file, claim in claims:
            target: object = mx
            for attr in claim.split(".")[1:]:
                if not hasattr(target, attr):
                    missing.append(f"{file}: {claim}")
                    break
                target = getattr(target, attr)
    assert missing == []
