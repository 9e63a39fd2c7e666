"""A raw-socket HTTP server on 127.0.0.1 that misbehaves on purpose (tests only).

Each connection's request is read up to the blank line (plus a Content-Length body), then
``answer`` decides what bytes go back and how: it gets the request's raw bytes and a
``send`` function, and may sleep between sends to trickle.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Send = Callable[[bytes], None]
Answer = Callable[[bytes, Send], None]


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


class RawServer:
    """Counts what it sent and whether the client hung up early."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.bytes_sent = 0
        self.client_gave_up = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            while not self._stop.is_set():
                request = _read_request(conn)
                if not request:
                    return
                self.requests.append(request)

                def send(data: bytes) -> None:
                    if self._stop.is_set():
                        raise ConnectionAbortedError("server stopping")
                    conn.sendall(data)
                    self.bytes_sent += len(data)

                try:
                    self.answer(request, send)
                except OSError:
                    self.client_gave_up.set()
                    return

    @contextmanager
    def running(self) -> Iterator[RawServer]:
        self._accept.start()
        try:
            yield self
        finally:
            self._stop.set()
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._sock.close()
            self._accept.join(timeout=5)
            for thread in self._threads:
                thread.join(timeout=5)


def response_bytes(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A complete HTTP/1.1 answer."""
    lines = [f"HTTP/1.1 {status} X"]
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    fields.update(headers or {})
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
