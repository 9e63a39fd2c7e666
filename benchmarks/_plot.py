"""PNG plots for the benchmark scripts (``--plot DIR``), shown by docs/benchmarks.md.

matplotlib comes with the ``bench`` extra (``pip install -e '.[bench]'``); it is imported
only when a plot is asked for, with the file-only Agg backend (no display needed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: Small files: the PNGs are committed under docs/.
DPI = 80
SIZE = (8.0, 4.5)


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - a clear message instead of a traceback
        raise SystemExit("--plot needs matplotlib: pip install -e '.[bench]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, metadata={"Software": None})
    _pyplot().close(fig)
    print(f"wrote {path}")
    return path


def quota_timeline(
    path: Path,
    arrivals: Mapping[str, Sequence[tuple[float, bool]]],
    *,
    limit: int,
    window: float,
) -> Path:
    """Accepted requests over time per client against the quota line; 429s as crosses.

    ``arrivals``: client -> (seconds since its run started, accepted?) per request the
    server saw.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=SIZE)
    end = max((t for runs in arrivals.values() for t, _ in runs), default=window)
    steps = math.ceil(end / window)
    xs = [0.0]
    ys = [float(limit)]
    for i in range(1, steps + 1):
        xs += [i * window, i * window]
        ys += [float(limit * i), float(limit * (i + 1))]
    ax.plot(xs, ys, color="black", linestyle="--", linewidth=1, label="quota (most allowed)")
    for name, runs in arrivals.items():
        ordered = sorted(runs)
        accepted_t, accepted_n, rejected_t, rejected_n = [], [], [], []
        count = 0
        for t, ok in ordered:
            if ok:
                count += 1
                accepted_t.append(t)
                accepted_n.append(count)
            else:
                rejected_t.append(t)
                rejected_n.append(count)
        (line,) = ax.step(accepted_t, accepted_n, where="post", label=name)
        if rejected_t:
            ax.scatter(rejected_t, rejected_n, marker="x", color=line.get_color(), s=18)
    ax.set_xlabel("seconds since the run started")
    ax.set_ylabel("requests accepted by the server")
    ax.set_title(f"Quota pacing: {limit} requests per {window:g} s (x = a 429 answer)")
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def bars(path: Path, title: str, values: Mapping[str, float], unit: str) -> Path:
    """One horizontal bar per label, its value written beside it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=SIZE)
    labels = list(values)[::-1]
    numbers = [values[k] for k in labels]
    ax.barh(labels, numbers, color="#4a7bb7")
    for y, v in enumerate(numbers):
        ax.text(v, y, f" {v:,.1f} {unit}", va="center", fontsize="small")
    ax.set_xlabel(unit)
    ax.set_title(title)
    ax.set_xlim(0, max(numbers) * 1.25)
    return _save(fig, path)


def lines(
    path: Path,
    title: str,
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    xlabel: str,
    ylabel: str,
) -> Path:
    """One line per series of (xs, ys)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=SIZE)
    for name, (xs, ys) in series.items():
        ax.plot(xs, ys, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _save(fig, path)
