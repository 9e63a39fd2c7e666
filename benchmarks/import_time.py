"""Import cost of ``maintainx_sdk`` next to the cost of its dependencies alone.

    python benchmarks/import_time.py [--runs N]

Each sample is a fresh interpreter (``python -X importtime`` is not used: the wall time of a
whole ``python -c "import ..."`` is what a user's process pays). The two commands alternate,
so drift in machine load hits both alike; the medians and their ratio are printed. The goal
is a ratio of at most 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

DEPS = "import httpx, pydantic, tenacity, pybreaker, cachetools, opentelemetry"
SDK = "import maintainx_sdk"
SDK_FIRST_USE = "import maintainx_sdk, maintainx_sdk.resources.work_orders"
BASELINE = "pass"


def sample(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    commands = {
        "python -c pass": BASELINE,
        "dependencies": DEPS,
        "maintainx_sdk": SDK,
        "sdk + work_orders": SDK_FIRST_USE,
    }
    for code in commands.values():  # warm the OS file cache and the .pyc files
        sample(code)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, code in commands.items():
            times[name].append(sample(code))
    med = {name: statistics.median(values) for name, values in times.items()}
    base = med["python -c pass"]
    print(
        f"runs per command: {args.runs} (fresh interpreter each), python {sys.version.split()[0]}"
    )
    for name, value in med.items():
        print(
            f"  {name:<20} median {value * 1000:7.1f} ms   (imports alone {(value - base) * 1000:7.1f} ms)"
        )
    ratio = med["maintainx_sdk"] / med["dependencies"]
    ratio_net = (med["maintainx_sdk"] - base) / (med["dependencies"] - base)
    print(
        f"ratio maintainx_sdk / dependencies: {ratio:.2f}x wall, {ratio_net:.2f}x imports only (goal <= 1.5x)"
    )
    first_use = (med["sdk + work_orders"] - base) / (med["dependencies"] - base)
    print(f"ratio with the work_orders namespace loaded: {first_use:.2f}x imports only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
