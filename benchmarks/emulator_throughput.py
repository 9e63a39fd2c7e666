"""How many simple GETs per second the emulator serves, so SDK benchmarks can show they
measure the client and not the emulator.

Measured side by side in one run, all on loopback (nothing leaves the machine):

* the bare handler, ``Emulator.handle`` (no HTTP at all);
* a minimal raw-socket keep-alive client (what the server itself sustains);
* a raw httpx keep-alive client (``httpx.Client``), 1 and 4 threads;
* httpx on the in-process transport (no socket);

with the server both in this process (a thread, as tests use it) and in a child process
(``maintainx-sdk emulator``; no GIL shared with the client).

    PYTHONPATH=src python benchmarks/emulator_throughput.py [--seconds 3] [--work-orders 1000]
        [--seed-work-orders 100000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from maintainx_sdk.testing import Emulator

KEY = "bench-key"


def rate(fn: Callable[[], None], seconds: float) -> float:
    """Calls of ``fn`` per second over about ``seconds`` (after a short warm-up)."""
    for _ in range(50):
        fn()
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(50):
            fn()
        count += 50
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def threaded_rate(make_fn: Callable[[], Callable[[], None]], threads: int, seconds: float) -> float:
    results: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        r = rate(make_fn(), seconds)
        with lock:
            results.append(r)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(results)


def raw_socket_get(base_url: str, path: str) -> Callable[[], None]:
    """A bare keep-alive HTTP/1.1 GET over one socket (to measure the server, not a client)."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = sock.makefile("rb")
    request = (
        f"GET {parts.path}{path} HTTP/1.1\r\nhost: {parts.netloc}\r\nauthorization: Bearer {KEY}\r\n\r\n"
    ).encode()

    def get() -> None:
        sock.sendall(request)
        status = reader.readline()
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        reader.read(length)
        if b" 200 " not in status:
            raise RuntimeError(status)

    return get


def httpx_get(base_url: str, path: str) -> Callable[[], None]:
    client = httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {KEY}"})
    return lambda: client.get(path).raise_for_status() and None


@contextmanager
def child_server(work_orders: int) -> Iterator[str]:
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [sys.executable, "-m", "maintainx_sdk.cli", "emulator", "--port", "0", "--api-key", KEY,
           "--work-orders", str(work_orders), "--rate-limit", "off", "--org-rate-limit", "off"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip().rsplit(" ", 1)[1]
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--work-orders", type=int, default=1000)
    parser.add_argument(
        "--seed-work-orders", type=int, default=100_000, help="seed-time row (0 = skip)"
    )
    args = parser.parse_args()
    secs = args.seconds

    if args.seed_work_orders:
        started = time.perf_counter()
        Emulator(work_orders=args.seed_work_orders, rate_limit=None, org_rate_limit=None)
        took = time.perf_counter() - started
        print(
            f"seeding {args.seed_work_orders:,} work orders: {took:.2f} s ({args.seed_work_orders / took:,.0f}/s)"
        )

    emu = Emulator(api_key=KEY, work_orders=args.work_orders, rate_limit=None, org_rate_limit=None)
    wid = next(iter(emu.org().table("workorders")))["id"]
    path = f"/workorders/{wid}"  # the same id in the child: same seed, same ids
    auth = {"authorization": f"Bearer {KEY}"}
    rows: list[tuple[str, float]] = []

    request = httpx.Request("GET", "https://api.getmaintainx.com/v1" + path, headers=auth)
    rows.append(("Emulator.handle, no HTTP", rate(lambda: emu.handle(request), secs)))
    with httpx.Client(transport=emu.transport(), base_url="https://x/v1", headers=auth) as c:
        rows.append(
            (
                "httpx, in-process transport",
                rate(lambda: c.get(path).raise_for_status() and None, secs),
            )
        )
    with emu.serve() as server:
        rows.append(
            (
                "raw socket, server thread in this process",
                rate(raw_socket_get(server.base_url, path), secs),
            )
        )
        rows.append(
            (
                "httpx x1, server thread in this process",
                rate(httpx_get(server.base_url, path), secs),
            )
        )
        rows.append(
            (
                "httpx x4 threads, server in this process",
                threaded_rate(lambda: httpx_get(server.base_url, path), 4, secs),
            )
        )
    with child_server(args.work_orders) as base_url:
        rows.append(
            ("raw socket, server in a child process", rate(raw_socket_get(base_url, path), secs))
        )
        rows.append(("httpx x1, server in a child process", rate(httpx_get(base_url, path), secs)))
        rows.append(
            (
                "httpx x4 threads, server in a child process",
                threaded_rate(lambda: httpx_get(base_url, path), 4, secs),
            )
        )

    reference = dict(rows)["httpx x1, server in a child process"]
    print(f"GET /v1{path}: keep-alive, {args.work_orders} work orders seeded, {secs:g} s per row")
    print(f"{'setup':<46} {'GET/s':>9} {'vs httpx x1 (child)':>20}")
    for name, value in rows:
        print(f"{name:<46} {value:>9,.0f} {value / reference:>19.2f}x")


if __name__ == "__main__":
    main()
