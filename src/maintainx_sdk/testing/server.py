"""The emulator as a real HTTP/1.1 keep-alive server on loopback, and its CLI.

>>> with Emulator(work_orders=10).serve() as server:
...     mx = MaintainX(api_key=server.api_key, base_url=server.base_url)

Wire faults are real: a reset closes the socket without an answer, a hang holds the
connection open past the client's timeout (``hang_seconds``), latency is slept per request.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from .emulator import Emulator

#: How long a "hang" fault holds a connection on the server (clients time out first).
DEFAULT_HANG_SECONDS = 30.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: Emulator
    hang_seconds: float
    stopping: threading.Event


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "maintainx-emulator"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; requests are counted on the emulator

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = httpx.Request(
            self.command,
            f"http://{host}{self.path}",
            headers=[(k, v) for k, v in self.headers.items()],
            content=body,
        )
        outcome = self.server.emulator.dispatch(request)
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.hang:
            self.server.stopping.wait(self.server.hang_seconds)
            self.close_connection = True
            return
        if outcome.disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response_only(outcome.status)
        self.send_header("date", self.date_time_string())
        for name, value in outcome.headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(outcome.body)))
        self.end_headers()
        if outcome.body and self.command != "HEAD":
            self.wfile.write(outcome.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class EmulatorServer:
    """A running loopback server; a context manager. ``base_url`` ends in ``/v1``."""

    def __init__(
        self,
        emulator: Emulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hang_seconds: float | None = None,
    ) -> None:
        self.emulator = emulator
        self._server = _Server((host, port), _Handler)
        self._server.emulator = emulator
        self._server.hang_seconds = hang_seconds or emulator.max_hang or DEFAULT_HANG_SECONDS
        self._server.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def api_key(self) -> str:
        return self.emulator.api_key

    def start(self) -> EmulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="maintainx-emulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging connections and close the socket."""
        self._server.stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"EmulatorServer(base_url={self.base_url!r})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maintainx-sdk emulator",
        description="Serve the MaintainX emulator on loopback until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8080, help="port (0 = any free port; default 8080)"
    )
    parser.add_argument(
        "--api-key", default="emulator-key", help="the API key the emulator accepts"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated data and random faults"
    )
    parser.add_argument(
        "--work-orders", type=int, default=25, help="work orders to generate (default 25)"
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
