"""A tiny MaintainX-shaped HTTP/1.1 server on 127.0.0.1 for the hardening benchmarks.

It answers GET /workorders/{id} and POST /workorders, enforces fixed-window quotas the way
the API documents them (X-Rate-Limit-* headers, windows starting at the first request, Reset
in whole seconds, 429 past quota), and injects seeded transient faults: 5xx answers,
connections cut before an answer, and writes that are applied *then* fail. It counts what
it stored, so a benchmark can prove that no create was duplicated.

It exists so the benchmarks do not depend on the emulator's API; they use the emulator
instead when ``--server emulator`` is given and it is installed.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "bench-key-0123456789"

FAULT_KINDS = ("500", "502", "503", "504", "reset", "applied-503", "applied-reset", "429")


@dataclass
class Stats:
    requests: int = 0
    rejected_429: int = 0
    windows: int = 0
    """Quota windows opened so far (the first request after a window ended opens one)."""
    rejected_by_window: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    #: (monotonic time, accepted under the quota) per request, for the quota plot.
    arrivals: list[tuple[float, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoopbackServer:
    """``with LoopbackServer(limit=50, window=2.0) as srv: srv.base_url``."""

    def __init__(
        self,
        *,
        limit: int | None = None,
        window: float = 60.0,
        fault_rate: float = 0.0,
        seed: int = 1,
        announce_limit: int = 1_000_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.announce_limit = announce_limit
        self.stats = Stats()
        self._window_start: float | None = None
        self._window_count = 0
        self._next_id = 1
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- decisions (under the stats lock) ---------------------------------------------

    def quota(self) -> tuple[bool, dict[str, str]]:
        """Count one request against the fixed window; (allowed, rate-limit headers)."""
        now = time.monotonic()
        limit = self.limit
        if limit is None:
            self.stats.arrivals.append((now, True))
            return True, {
                "X-Rate-Limit-Limit": str(self.announce_limit),
                "X-Rate-Limit-Remaining": str(self.announce_limit - 1),
                "X-Rate-Limit-Reset": str(math.ceil(self.window)),
            }
        if self._window_start is None or now >= self._window_start + self.window:
            self._window_start, self._window_count = now, 0
            self.stats.windows += 1
        allowed = self._window_count < limit
        if allowed:
            self._window_count += 1
        self.stats.arrivals.append((now, allowed))
        reset = max(0, math.ceil(self._window_start + self.window - now))
        return allowed, {
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(limit - self._window_count, 0)),
            "X-Rate-Limit-Reset": str(reset),
        }

    def fault(self) -> str | None:
        if self.fault_rate and self.rng.random() < self.fault_rate:
            return self.rng.choice(FAULT_KINDS)
        return None


def _handler_for(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else Nagle + delayed ACK add 40 ms per answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            data = json.dumps(body, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _cut(self) -> None:
            self.close_connection = True
            self.wfile.flush()

        def _common(self) -> tuple[str | None, dict[str, str]] | None:
            if self.headers.get("Authorization") != f"Bearer {KEY}":
                self._send(401, {"error": "unauthorized"}, {})
                return None
            with server.stats.lock:
                server.stats.requests += 1
                allowed, headers = server.quota()
                if not allowed:
                    server.stats.rejected_429 += 1
                    server.stats.rejected_by_window[server.stats.windows] += 1
                    self._send(429, {"error": "Too many requests"}, headers)
                    return None
                fault = server.fault()
                if fault:
                    server.stats.faults[fault] += 1
            return fault, headers

        def do_GET(self) -> None:
            common = self._common()
            if common is None:
                return
            fault, headers = common
            if fault == "429":
                self._send(429, {"error": "burst"}, {**headers, "Retry-After": "0.01"})
            elif fault in ("reset", "applied-reset"):
                self._cut()
            elif fault:
                self._send(int(fault.rsplit("-", 1)[-1]), {"error": "transient"}, headers)
            else:
                wo_id = self.path.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
                body = {
                    "workOrder": {
                        "id": int(wo_id) if wo_id.isdigit() else 0,
                        "title": "Replace filter",
                        "status": "OPEN",
                        "priority": "LOW",
                    }
                }
                self._send(200, body, headers)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length) or b"{}")
            common = self._common()
            if common is None:
                return
            fault, headers = common
            if fault == "429":
                self._send(429, {"error": "burst"}, {**headers, "Retry-After": "0.01"})
                return
            if fault in ("reset",):
                self._cut()
                return
            if fault and not fault.startswith("applied-"):
                self._send(int(fault), {"error": "transient"}, headers)
                return
            with server.stats.lock:
                server.stats.created[str(payload.get("title"))] += 1
                new_id = server._next_id
                server._next_id += 1
            if fault == "applied-reset":
                self._cut()
            elif fault == "applied-503":
                self._send(503, {"error": "applied then failed"}, headers)
            else:
                self._send(200, {"id": new_id}, headers)

    return Handler


class Target:
    """The server a benchmark runs against: the SDK's emulator, or the loopback above."""

    def __init__(
        self,
        kind: str,
        *,
        limit: int | None = None,
        window: float = 60.0,
        fault_rate: float = 0.0,
        seed: int = 1,
        work_orders: int = 0,
    ) -> None:
        self.kind = kind
        self._loop: LoopbackServer | None = None
        self._emu: Any = None
        self._srv: Any = None
        self._proc: subprocess.Popen[str] | None = None
        if kind == "emulator-process":
            self._start_process(work_orders)
            return
        if kind == "emulator":
            from maintainx_sdk.testing.emulator import Emulator

            quota = f"{limit}/{window:g}" if limit else None
            self._emu = Emulator(
                seed=seed,
                work_orders=work_orders,
                rate_limit=quota,
                org_rate_limit=None,
                keep_log=True,
                webhook_mode="sync",
            )
            if fault_rate:
                # 18 % of every request, plus 10 % applied-then-failed on writes: with 20 %
                # creates that is 20 % of all calls.
                base = fault_rate * 0.9
                self._emu.faults.configure(
                    seed=seed,
                    error_rate=base * 0.55,
                    rate_limit_rate=base * 0.1,
                    rate_limit_retry_after=0.01,
                    reset_rate=base * 0.35,
                    applied_rate=fault_rate / 2,
                )
            self._srv = self._emu.serve()
            self.base_url: str = self._srv.base_url
            self.api_key: str = self._emu.api_key
        else:
            self._loop = LoopbackServer(
                limit=limit, window=window, fault_rate=fault_rate, seed=seed
            )
            self._loop.__enter__()
            self.base_url = self._loop.base_url
            self.api_key = KEY

    def _start_process(self, work_orders: int) -> None:
        """The emulator in its own process (no GIL shared with the client)."""
        self.api_key = "bench-process-key"
        code = (
            "import sys\n"
            "from maintainx_sdk.testing.emulator import Emulator\n"
            f"emu = Emulator(api_key={self.api_key!r}, work_orders={max(work_orders, 1)}, "
            "rate_limit=None, org_rate_limit=None)\n"
            "srv = emu.serve()\n"
            "print('listening on', srv.base_url, flush=True)\n"
            "sys.stdin.read()\n"  # until the parent closes our stdin
            "srv.stop()\n"
        )
        args = [sys.executable, "-c", code]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if "listening on" in line:
                self.base_url = line.rsplit(" ", 1)[-1].strip()
                break
        else:
            raise RuntimeError("the emulator process did not start")
        import httpx

        body = httpx.get(
            f"{self.base_url}/workorders",
            params={"limit": 5},
            headers={"Authorization": f"Bearer {self.api_key}"},
        ).json()
        self._ids = sorted(int(w["id"]) for w in body["workOrders"])

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                self._proc.wait(timeout=10)
        if self._srv is not None:
            self._srv.stop()
            self._emu.close()
        if self._loop is not None:
            self._loop.__exit__()

    def received_429(self) -> int:
        if self._loop is not None:
            return self._loop.stats.rejected_429
        return sum(1 for e in self._emu.counters.log if e.status == 429)

    def arrivals(self) -> list[tuple[float, bool]]:
        """(seconds since the first request, accepted?) per request; loopback server only."""
        if self._loop is None:
            raise RuntimeError("request times are recorded by the loopback server only")
        seen = list(self._loop.stats.arrivals)
        start = seen[0][0] if seen else 0.0
        return [(t - start, ok) for t, ok in seen]

    def requests(self) -> int:
        if self._loop is not None:
            return self._loop.stats.requests
        return int(self._emu.counters.requests)

    def faults(self) -> dict[str, int]:
        if self._loop is not None:
            return dict(self._loop.stats.faults)
        kinds: Counter[str] = Counter()
        for e in self._emu.counters.log:
            if e.fault is not None:
                label = str(e.fault.status) if e.fault.kind == "status" else e.fault.kind
                kinds[("applied-" if e.fault.applied else "") + label] += 1
        return dict(kinds)

    def created(self) -> Counter[str]:
        """Stored work orders per title (to find duplicates)."""
        if self._loop is not None:
            return self._loop.stats.created
        rows = self._emu.org().table("workorders").rows.values()
        return Counter(str(r.get("title")) for r in rows)

    def work_order_ids(self) -> list[int]:
        if self._proc is not None:
            return self._ids
        if self._loop is not None:
            return [1]
        return sorted(self._emu.org().table("workorders").rows)


def default_server() -> str:
    """``emulator`` when the SDK's emulator is installed, else ``loopback``."""
    try:
        import maintainx_sdk.testing.emulator  # noqa: F401
    except ImportError:
        return "loopback"
    return "emulator"
