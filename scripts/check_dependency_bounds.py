"""Run the retry, breaker and pipeline tests against the oldest and newest tenacity/pybreaker.

    python scripts/check_dependency_bounds.py              # floors from pyproject, then newest
    python scripts/check_dependency_bounds.py --isolated   # full installs (slower, no overlay)

The SDK drives both libraries through their public APIs only; this proves it works across
the whole range ``pyproject.toml`` allows. For each bound it builds a throwaway virtual
environment holding just ``tenacity`` and ``pybreaker`` (``==`` the floor, or the newest
release), layered over the running environment for everything else (the SDK, pytest,
hypothesis, ...): the pinned pair sits first on ``sys.path``, so it shadows the running
environment's copies. It checks that the interpreter really imports the pinned versions,
then runs the tests. pip's wheel cache is reused, so a rerun needs no download.

``--isolated`` instead installs the SDK with its ``dev`` extra into each environment
(what a user with those exact versions would have; about a minute more per bound).

Exit status: 0 when both bounds pass, 1 otherwise (the failing bound is named).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tenacity", "pybreaker")
TESTS = ("tests/test_retry.py", "tests/test_breaker.py", "tests/test_pipeline.py")
_FLOOR = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.-]+)\s*>=\s*(?P<floor>[0-9][0-9A-Za-z.]*)\s*$")


def floors(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``{package: floor}`` from the project's dependencies (``name>=X``, no upper bound)."""
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    found: dict[str, str] = {}
    for dep in deps:
        match = _FLOOR.match(dep)
        if match and match.group("name").lower() in PACKAGES:
            found[match.group("name").lower()] = match.group("floor")
    missing = [p for p in PACKAGES if p not in found]
    if missing:
        raise SystemExit(f"pyproject.toml has no plain 'name>=X' floor for {missing}")
    return found


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=False, text=True, capture_output=True, cwd=cwd)


def site_packages(venv: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    probe = run([str(venv / "bin" / "python"), "-c", code])
    return Path(probe.stdout.strip())


def build_env(venv: Path, requirements: list[str], *, isolated: bool) -> None:
    """A venv with ``requirements`` installed (and, isolated, the SDK with its dev extra)."""
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if isolated:
        made = run([sys.executable, "-m", "venv", str(venv)])
        if made.returncode:
            raise SystemExit(made.stderr)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        step = run([*pip, "-e", f"{ROOT}[dev]", *requirements])
    else:
        made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        if made.returncode:
            raise SystemExit(made.stderr)
        target = site_packages(venv)
        # --target into the empty venv: pip never sees (or touches) the running environment.
        step = run([*pip, "--no-deps", "--target", str(target), *requirements])
        # Then everything else comes from the running environment, after the pinned pair.
        here = sysconfig.get_paths()["purelib"]
        (target / "_overlay_parent.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    if step.returncode:
        raise SystemExit(f"pip install {' '.join(requirements)} failed:\n{step.stderr}")


_REPORT = """
import importlib.metadata as md, pathlib, sys, pybreaker, tenacity
for mod in (tenacity, pybreaker):
    name = mod.__name__
    home = pathlib.Path(mod.__file__).resolve()
    if not home.is_relative_to(pathlib.Path(sys.prefix).resolve()):
        sys.exit(f"{name} imported from {home}, not from the pinned environment")
    print(f"{name}=={md.version(name)}", end=" ")
"""


def check(label: str, requirements: list[str], *, isolated: bool, keep: bool) -> bool:
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f"mx-bounds-{label}-"))
    try:
        venv = tmp / "venv"
        build_env(venv, requirements, isolated=isolated)
        python = str(venv / "bin" / "python")
        versions = run([python, "-c", _REPORT])
        if versions.returncode:
            print(f"!! {label}: {versions.stderr.strip() or versions.stdout.strip()}")
            return False
        tests = run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS],
            cwd=ROOT,
        )
        lines = tests.stdout.strip().splitlines()
        summary = lines[-1] if lines else tests.stderr.strip()
        took = time.perf_counter() - started
        print(f"== {label}: {versions.stdout.strip()}: {summary} ({took:.0f} s)")
        if tests.returncode:
            print(tests.stdout[-4000:], tests.stderr[-2000:], sep="\n")
        return tests.returncode == 0
    finally:
        if keep:
            print(f"   kept {venv}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--isolated", action="store_true", help="full install per bound")
    parser.add_argument("--keep", action="store_true", help="keep the environments")
    args = parser.parse_args(argv)
    lows = floors()
    bounds = {
        "oldest": [f"{name}=={lows[name]}" for name in PACKAGES],
        "newest": [f"{name}>={lows[name]}" for name in PACKAGES],
    }
    ok = [
        check(label, reqs, isolated=args.isolated, keep=args.keep) for label, reqs in bounds.items()
    ]
    if not all(ok):
        failed = [label for label, good in zip(bounds, ok, strict=True) if not good]
        print(f"!! tenacity/pybreaker bounds failing: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
