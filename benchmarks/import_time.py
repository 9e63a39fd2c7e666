"""Import cost of ``maintainx_sdk`` next to the cost of its dependencies, with and without redis.

    python benchmarks/import_time.py [--runs N] [--quick]

Each sample is a fresh interpreter (the wall time of a whole ``python -c "import ..."`` is
what a user's process pays). Every command runs in two environments: this one (with the
``redis`` extra installed) and one without redis, which the benchmark builds offline in a
temporary directory: a bare ``python -m venv --without-pip`` whose only ``.pth`` file points
at a folder of links to this environment's packages, minus redis. All commands of both
environments alternate within each round, so drift in machine load hits them alike; medians
are compared after subtracting the median of ``python -c pass`` ("imports alone").

The dependency baseline is every runtime dependency except pybreaker, which the SDK imports
only when its circuit breaker records a first failure (pybreaker imports redis whenever it
is installed, and redis the OpenTelemetry SDK). Goals: ``import maintainx_sdk`` at most 1.1x
the dependencies; a client with its first namespace (``work_orders``) loaded at most 1.5x.
``import maintainx_sdk`` loads none of the dependencies but httpx (a client loads them when
it is made), so it can cost less than they do; the row "dependencies, then maintainx_sdk"
imports them first and shows what the SDK's own modules add on top of them.
The script also checks that neither imports redis, the OpenTelemetry SDK, asyncio or
pybreaker.
"""

from __future__ import annotations

import argparse
import os
import site
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import maintainx_sdk

DEPS = (
    "import httpx, tenacity, cachetools, opentelemetry.trace, opentelemetry.metrics; "
    "from pydantic import BaseModel, TypeAdapter"  # pydantic loads its model machinery lazily
)
ALL_DEPS = DEPS + "; import pybreaker"
SDK = "import maintainx_sdk"
DEPS_THEN_SDK = f"{DEPS}; {SDK}"
SDK_FIRST_USE = (
    "import maintainx_sdk; mx = maintainx_sdk.MaintainX(api_key='benchmark-key-0123'); "
    "mx.work_orders"
)
BASELINE = "pass"
COMMANDS = {
    "python -c pass": BASELINE,
    "dependencies": DEPS,
    "+ pybreaker (all deps)": ALL_DEPS,
    "maintainx_sdk": SDK,
    "dependencies, then sdk": DEPS_THEN_SDK,
    "client + work_orders": SDK_FIRST_USE,
}
UNWANTED = ("redis", "opentelemetry.sdk", "asyncio", "pybreaker")
CHECK = (
    SDK_FIRST_USE + "; import sys; print(','.join(sorted({m for m in sys.modules "
    f"for u in {UNWANTED!r} if m == u or m.startswith(u + '.')}})))"
)


def environment_without_redis(root: Path) -> str:
    """A python in ``root`` that sees this environment's packages except redis; its path."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    shadow = root / "packages"
    shadow.mkdir()
    src = Path(maintainx_sdk.__file__).resolve().parent.parent
    for packages in map(Path, site.getsitepackages()):
        for entry in packages.iterdir():
            name = entry.name.lower()
            if name.startswith("redis") or entry.suffix == ".pth":
                continue
            if not (shadow / entry.name).exists():
                (shadow / entry.name).symlink_to(entry)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "maintainx_benchmark.pth").write_text(f"{src}\n{shadow}\n")
    return str(python)


def sample(python: str, code: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def sample_environment(pycache: Path) -> dict[str, str]:
    """The environment of the timed runs: bytecode cached (in ``pycache``, outside the tree).

    An installed wheel has its ``.pyc`` files (pip compiles them); with
    ``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would instead recompile the SDK's
    sources in every sample while the dependencies load their cached bytecode.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--quick", action="store_true", help="3 runs")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    with tempfile.TemporaryDirectory(prefix="mx-import-") as tmp:
        envs = {"with redis": sys.executable, "without redis": environment_without_redis(Path(tmp))}
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        probe = subprocess.run(
            [envs["without redis"], "-c", "import redis"], capture_output=True, env=env
        )
        if probe.returncode == 0:
            raise SystemExit("the environment without redis can import redis")
        for name, python in envs.items():
            loaded = subprocess.run(
                [python, "-c", CHECK], check=True, capture_output=True, text=True
            ).stdout.strip()
            print(
                f"{name}: the client with work_orders loaded imported: {loaded or 'none of'} "
                f"{', '.join(UNWANTED)}"
            )
        timed_env = sample_environment(Path(tmp) / "pycache")
        jobs = [(env_name, name) for env_name in envs for name in COMMANDS]
        for env_name, name in jobs:  # warm the OS file cache and the .pyc files
            sample(envs[env_name], COMMANDS[name], timed_env)
        times: dict[tuple[str, str], list[float]] = {job: [] for job in jobs}
        for round_no in range(runs):
            for job in jobs if round_no % 2 == 0 else jobs[::-1]:
                times[job].append(sample(envs[job[0]], COMMANDS[job[1]], timed_env))
    med = {job: statistics.median(values) for job, values in times.items()}
    print(f"runs per command: {runs} (fresh interpreter each), python {sys.version.split()[0]}")
    for env_name in envs:
        base = med[(env_name, "python -c pass")]
        deps = med[(env_name, "dependencies")] - base
        print(f"{env_name}:")
        for name in COMMANDS:
            value = med[(env_name, name)]
            print(
                f"  {name:<24} median {value * 1000:7.1f} ms   imports alone "
                f"{(value - base) * 1000:7.1f} ms   {(value - base) / deps:5.2f}x dependencies"
            )
        sdk = (med[(env_name, "maintainx_sdk")] - base) / deps
        first = (med[(env_name, "client + work_orders")] - base) / deps
        own = (med[(env_name, "dependencies, then sdk")] - base) / deps
        print(
            f"  ratio import maintainx_sdk {sdk:.2f}x (goal <= 1.1x); "
            f"client + work_orders {first:.2f}x (goal <= 1.5x); "
            f"dependencies, then maintainx_sdk {own:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
