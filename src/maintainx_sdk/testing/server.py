"""The emulator as a real HTTP/1.1 keep-alive server on loopback.

>>> with Emulator(work_orders=10).serve() as server:
...     mx = MaintainX(api_key=server.api_key, base_url=server.base_url)

Wire faults are real: a reset closes the socket without an answer, a hang holds the
connection open past the client's timeout (``hang_seconds``), latency is slept per request.
The ``maintainx-sdk emulator`` command lives in :mod:`.emulator_cli`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Mapping
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from typing import Protocol

from ._outcome import Outcome


class RawDispatcher(Protocol):
    """What the server needs of the emulator (an :class:`~.emulator.Emulator` is one)."""

    @property
    def api_key(self) -> str: ...

    @property
    def max_hang(self) -> float | None: ...

    def dispatch_raw(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Outcome: ...


#: How long a "hang" fault holds a connection on the server (clients time out first).
DEFAULT_HANG_SECONDS = 30.0


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    emulator: RawDispatcher
    hang_seconds: float
    stopping: threading.Event
    connections: int = 0


class _BadRequest(Exception):
    pass


class _Handler(socketserver.StreamRequestHandler):
    """A small HTTP/1.1 server loop: keep-alive, Content-Length or chunked bodies, one write
    per response. (About 2x the throughput of ``http.server``, which parses headers with the
    e-mail parser; see docs/benchmarks.md.)"""

    disable_nagle_algorithm = True
    timeout = 300  # seconds an idle keep-alive connection may hold its thread
    server: _Server

    def handle(self) -> None:
        self.server.connections += 1  # only ever incremented; a lost race undercounts by one
        try:
            while self._one():
                pass
        except (ConnectionError, TimeoutError, _BadRequest):
            pass

    def _one(self) -> bool:
        rfile = self.rfile
        line = rfile.readline(_MAX_LINE)
        while line in (b"\r\n", b"\n"):
            line = rfile.readline(_MAX_LINE)
        if not line:
            return False
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            self._write(
                400, [("content-type", "application/json")], b'{"error":"Bad request line"}', False
            )
            return False
        headers: dict[str, str] = {}
        while True:
            raw = rfile.readline(_MAX_LINE)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self._body(headers)
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        outcome = self.server.emulator.dispatch_raw(method, target, headers, body)
        if outcome.delay:
            time.sleep(outcome.delay)
        if outcome.hang:
            self.server.stopping.wait(self.server.hang_seconds)
            return False
        if outcome.disconnect:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return False
        self._write(
            outcome.status, outcome.headers, outcome.body, keep_alive, head=method == "HEAD"
        )
        return keep_alive

    def _body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)
        length = headers.get("content-length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise _BadRequest from None
        return self.rfile.read(size) if size > 0 else b""

    def _write(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        keep_alive: bool,
        *,
        head: bool = False,
    ) -> None:
        lines = [
            f"HTTP/1.1 {status} {_reason(status)}",
            f"date: {formatdate(usegmt=True)}",
            "server: maintainx-emulator",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        lines.append(f"content-length: {len(body)}")
        if not keep_alive:
            lines.append("connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head_bytes if head else head_bytes + body)


_MAX_LINE = 65537


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class EmulatorServer:
    """A running loopback server; a context manager. ``base_url`` ends in ``/v1``."""

    def __init__(
        self,
        emulator: RawDispatcher,
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
    def connections(self) -> int:
        """TCP connections accepted so far (keep-alive clients reuse one)."""
        return self._server.connections

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
