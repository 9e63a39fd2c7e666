"""A raw-socket HTTP/1.1 proxy on 127.0.0.1 that spoils answers on the wire (benchmarks only).

Every request is forwarded to the upstream server (so a write is applied); for a seeded
share of the *successful* answers the client then gets, instead of the real answer:

* ``trickle-headers``: the answer's header bytes one at a time, slowly (a server that keeps
  a connection alive without ever finishing its headers);
* ``empty-200``: ``200`` with an empty body;
* ``truncated``: the first half of the body, with a ``Content-Length`` that matches it (the
  JSON is cut off but the framing is consistent, so only parsing can notice).
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections import Counter

KINDS = ("trickle-headers", "empty-200", "truncated")
#: Seconds between trickled header bytes: each read is quick, the whole is endless.
TRICKLE_STEP = 0.1


def _read_message(sock: socket.socket, buffer: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(head, body, rest) of one HTTP message with a Content-Length body, or None at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n", rest[:length], rest[length:]


def _with_length(head: bytes, length: int) -> bytes:
    lines = [
        line
        for line in head.rstrip(b"\r\n").split(b"\r\n")
        if not line.lower().startswith(b"content-length:")
    ]
    return b"\r\n".join([*lines, b"Content-Length: " + str(length).encode()]) + b"\r\n\r\n"


class FaultProxy:
    """Forwards to ``upstream`` (host, port) and spoils ``rate`` of the 2xx answers."""

    def __init__(self, upstream: tuple[str, int], *, rate: float, seed: int) -> None:
        self.upstream = upstream
        self.rate = rate
        self.rng = random.Random(seed)
        self.faults: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _pick(self) -> str | None:
        with self._lock:
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(KINDS)
            self.faults[kind] += 1
            return kind

    def _serve(self, client: socket.socket) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending = b""
        with client:
            while not self._stop.is_set():
                try:
                    request = _read_message(client, pending)
                    if request is None:
                        return
                    head, body, pending = request
                    answer = self._forward(head + body)
                    if answer is None:
                        return  # the upstream cut the connection: so do we
                    self._answer(client, *answer)
                except OSError:
                    return  # the client gave up (a trickle past its deadline) or went away

    def _forward(self, request: bytes) -> tuple[bytes, bytes] | None:
        with socket.create_connection(self.upstream) as upstream:
            upstream.sendall(request)
            answer = _read_message(upstream, b"")
        return None if answer is None else (answer[0], answer[1])

    def _answer(self, client: socket.socket, head: bytes, body: bytes) -> None:
        status = head.split(b" ", 2)[1]
        kind = self._pick() if status.startswith(b"2") else None
        if kind == "trickle-headers":
            for byte in head:
                client.sendall(bytes([byte]))
                time.sleep(TRICKLE_STEP)
            client.sendall(body)
        elif kind == "empty-200":
            client.sendall(_with_length(b"HTTP/1.1 200 OK\r\n\r\n", 0))
        elif kind == "truncated":
            cut = body[: len(body) // 2]
            client.sendall(_with_length(head, len(cut)) + cut)
        else:
            client.sendall(head + body)
