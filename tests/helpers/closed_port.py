"""A loopback port with nothing listening, for tests of an unreachable API."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A port on 127.0.0.1 that was bound, then released: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
