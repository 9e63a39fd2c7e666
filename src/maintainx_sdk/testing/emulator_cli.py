"""``maintainx-sdk emulator``: serve the MaintainX emulator on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from .emulator import Emulator


def _int_in(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse type: an integer in ``low..high`` (a clear usage error otherwise)."""
    bounds = f"between {low} and {high}" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer {bounds}, got {text!r}"
            ) from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maintainx-sdk emulator",
        description="Serve the MaintainX emulator on loopback until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=_int_in(0, 65535),
        default=8080,
        help="port (0 = any free port; default 8080)",
    )
    parser.add_argument(
        "--api-key", default="emulator-key", help="the API key the emulator accepts"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated data and random faults"
    )
    parser.add_argument(
        "--work-orders",
        type=_int_in(0, None),
        default=25,
        help="work orders to generate (default 25)",
    )
    parser.add_argument(
        "--faults",
        default="",
        help="fault spec, e.g. '5xx=0.1;429=0.05;reset=0.01;latency=0.01-0.05;GET /workorders=503,503'",
    )
    parser.add_argument(
        "--rate-limit",
        default="100/60",
        help="per-user quota N/SECONDS (default 100/60; 'off' to disable)",
    )
    parser.add_argument(
        "--org-rate-limit",
        default="500/60",
        help="per-organization quota N/SECONDS (default 500/60; 'off')",
    )
    parser.add_argument(
        "--no-meter-quotas", action="store_true", help="do not enforce the meter-reading quotas"
    )
    return parser


def cli_main(argv: Sequence[str] | None = None) -> int:
    """``maintainx-sdk emulator``: serve until interrupted; prints the base URL and key."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)

    def quota(text: str) -> str | None:
        return None if text.lower() in ("off", "none", "0") else text

    try:
        emulator = Emulator(
            api_key=args.api_key,
            seed=args.seed,
            work_orders=args.work_orders,
            faults=args.faults or None,
            rate_limit=quota(args.rate_limit),
            org_rate_limit=quota(args.org_rate_limit),
            meter_quotas=not args.no_meter_quotas,
        )
    except ValueError as exc:
        print(f"maintainx-sdk emulator: {exc}", file=sys.stderr)
        return 2
    try:
        server = emulator.serve(args.host, args.port)
    except OSError as exc:
        print(
            f"maintainx-sdk emulator: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"MaintainX emulator listening on {server.base_url}", flush=True)
    print(f"API key: {emulator.api_key}", flush=True)
    print(
        f"export MAINTAINX_BASE_URL={server.base_url} MAINTAINX_API_KEY={emulator.api_key}",
        flush=True,
    )
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
        emulator.close()
    print("emulator stopped", flush=True)
    return 0
