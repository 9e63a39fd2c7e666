"""Sync/async twins of ``maintainx_sdk``, read from the source (AST, nothing imported).

A pair of functions that repeats its logic for the blocking and the asyncio client is
written once instead: a sans-IO generator with two thin drivers (``_procedure``,
``_drivers``) or a shared class holding everything but the I/O line. What is measured is
``scripts/twins.py``'s: logic lines (no signature, docstring or ``await``) and how alike
they are. A pair that repeats more than a few lines at least 80 % alike fails here unless
it is in :data:`ALLOWED_TWINS`, with the reason it must stay.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("twins_script", ROOT / "scripts" / "twins.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


twins = _load_script()

#: The thick pairs that stay, and why. Each is the I/O itself, or a few lines of control flow
#: around two or three I/O steps whose every decision is already shared.
ALLOWED_TWINS: dict[str, str] = {
    # The call's I/O itself: perform the flow's Send and Sleep actions, blocking or awaited;
    # every decision (retry, rate limit, breaker, deadline) is in the sans-IO flow.
    "_drivers.py: run_sync / run_async": "the I/O of one call",
    # The procedure's I/O itself: send what `bounded` asks for (deadline, error routing and
    # scrubbing are in `bounded`); they differ in the one line that sends.
    "_procedure.py: run_procedure / arun_procedure": "the I/O of a procedure",
    # One bulk item's I/O: the one call of `fn`, blocking or awaited, fed into its item flow
    # (naming, outcome and progress are in `_bulk_items.item_flow`).
    "bulk.py: _call / _acall": "the I/O of one bulk item",
    # try/finally around two sends: the procedure run and, after an interruption, the direct
    # last-chance delete (outside the procedure, so any error is recorded, not raised). The
    # decision and the recording are shared (`_leftover`, `_recording_last_delete`).
    "readiness/_smoke.py: run_smoke / arun_smoke": "try/finally around two sends",
    # The page loop around three I/O steps, each blocking or awaited: the send, the store
    # transaction (`with` / `async with`) and the handler call. The pass, its checkpoints,
    # the in-transaction check, batch and save, the report are shared (`_SyncCore`, `Pass`).
    # A sans-IO generator would need drivers holding the transaction open across yields.
    "sync.py: IncrementalSync.run / AsyncIncrementalSync.run": "a loop around three I/O steps",
}


def test_no_thick_twin_outside_the_allow_list() -> None:
    found = [t for t in twins.find_twins() if t.thick and t.key not in ALLOWED_TWINS]
    shown = [f"{t.key}: {t.logic_lines} logic lines, {t.similarity:.0%} alike" for t in found]
    assert not found, (
        "sync/async twins repeat their logic; write it once (a sans-IO flow or a shared "
        "helper) or add the pair to ALLOWED_TWINS with the reason it must stay:\n"
        + "\n".join(shown)
    )


def test_the_allow_list_names_only_thick_twins() -> None:
    """A pair that became thin (or went away) leaves the list, so the list stays the truth."""
    thick = {t.key for t in twins.find_twins() if t.thick}
    assert sorted(set(ALLOWED_TWINS) - thick) == []


def test_each_module_keeping_a_pair_says_why() -> None:
    modules = {t.module for t in twins.find_twins()}
    silent = []
    for module in sorted(modules):
        source = (twins.PACKAGE_DIR / module).read_text(encoding="utf-8")
        doc = (ast.get_docstring(ast.parse(source)) or "").lower()
        if "twin" not in doc and "pair" not in doc:
            silent.append(module)
    assert silent == [], "say in the module docstring why its sync/async pairs stay"


SAMPLE = '''
from typing import overload

class Thing:
    def run(self, handler, *, a: int = 1, b: int = 2, c: int = 3) -> int:
        """A long docstring
        over several lines."""
        return forward(handler, a=a, b=b, c=c, d=1, e=2, f=3, g=4, h=5, i=6, j=7, k=8)

    @overload
    def go(self) -> int: ...
    def go(self, x=None):
        total = 0
        for item in self.items:
            if item.ok:
                total += item.value
            else:
                total -= 1
        self.log(total)
        return total

class AsyncThing:
    async def run(self, handler, *, a: int = 1, b: int = 2, c: int = 3) -> int:
        """Another docstring."""
        return await aforward(
            handler, a=a, b=b, c=c, d=1, e=2, f=3, g=4, h=5, i=6, j=7, k=8
        )

    async def go(self, x=None):
        total = 0
        async for item in self.items:
            if item.ok:
                total += await item.value
            else:
                total -= 1
        self.log(total)
        return total
'''


def test_the_measure_counts_logic_not_text() -> None:
    """A typed signature with a one-line delegation is thin however long it is written;
    a repeated loop is thick once ``await`` and ``async for`` are set aside."""
    found = {t.key.split(": ")[1]: t for t in twins.module_twins("sample.py", SAMPLE)}
    assert set(found) == {"Thing.run / AsyncThing.run", "Thing.go / AsyncThing.go"}
    thin, thick = found["Thing.run / AsyncThing.run"], found["Thing.go / AsyncThing.go"]
    assert thin.logic_lines == 2 and not thin.thick
    assert thin.source_lines > 8
    assert thick.logic_lines == 16 and thick.similarity == 1.0 and thick.thick
