"""A transport that crashes the caller's process mid-call, then passes requests on."""

from __future__ import annotations

import httpx


class CrashingTransport(httpx.BaseTransport):
    """The emulator must never raise a non-HTTP error; this stands for the caller's own
    worker crashing. The first ``method`` request raises ``error``; every other request
    goes to ``inner``."""

    def __init__(self, inner: httpx.BaseTransport, *, method: str, error: Exception) -> None:
        self.inner = inner
        self.method = method.upper()
        self.error = error
        self.crashed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self.method and not self.crashed:
            self.crashed = True
            raise self.error
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
