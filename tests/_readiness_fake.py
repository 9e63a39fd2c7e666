"""A tiny stateful stand-in for the MaintainX API (MockTransport) used by the readiness tests."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from tests.conftest import TEST_KEY


class FakeAPI:
    """Work orders, users, organizations; bearer auth; X-Rate-Limit headers; fault hooks."""

    def __init__(
        self,
        *,
        key: str = TEST_KEY,
        organizations: tuple[int, ...] = (1,),
        remaining: int = 97,
        limit: int = 100,
    ) -> None:
        self.key = key
        self.organizations = organizations
        self.remaining = remaining
        self.limit = limit
        self.work_orders: dict[int, dict[str, object]] = {}
        self.next_id = 100
        self.requests: list[httpx.Request] = []
        #: (method, path prefix) -> callable returning a response or raising, consulted first
        self.faults: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}

    def _headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": "42",
        }

    def _json(self, status: int, body: object | None = None) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=self._headers())
        return httpx.Response(status, json=body, headers=self._headers())

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/v1")
        for (method, prefix), fault in list(self.faults.items()):
            if request.method == method and path.startswith(prefix):
                return fault(request)
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return httpx.Response(401, headers=self._headers())
        multi_org = len(self.organizations) > 1 and path != "/organizations"
        if multi_org and "x-organization-id" not in request.headers:
            return self._json(400, {"errors": [{"error": "Missing x-organization-id header."}]})
        if path == "/users":
            return self._json(200, {"users": [{"id": 1}], "nextCursor": None})
        if path == "/organizations":
            return self._json(
                200, {"organizations": [{"id": o, "name": f"org {o}"} for o in self.organizations]}
            )
        if path == "/workorders" and request.method == "POST":
            body = json.loads(request.content)
            self.next_id += 1
            self.work_orders[self.next_id] = {"id": self.next_id, "status": "OPEN", **body}
            return self._json(200, {"id": self.next_id})
        if path.startswith("/workorders/"):
            parts = path.split("/")
            wo = self.work_orders.get(int(parts[2]))
            if wo is None:
                return self._json(404, {"error": "Work Order Not Found"})
            if request.method == "GET":
                return self._json(200, {"workOrder": wo})
            if request.method == "PATCH" and parts[-1] == "status":
                wo["status"] = json.loads(request.content)["status"]
                return self._json(200, {"workOrder": wo})
            if request.method == "DELETE":
                del self.work_orders[wo["id"]]  # type: ignore[arg-type]
                return self._json(204)
        return self._json(404, {"error": "no route"})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


class LoopbackServer:
    """Serves a :class:`FakeAPI` over real HTTP on 127.0.0.1 (for the CLI, which builds its
    own client from the environment)."""

    def __init__(self, api: FakeAPI) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        fake = api

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command,
                    f"http://127.0.0.1{self.path}",
                    headers=dict(self.headers.items()),
                    content=body,
                )
                response = fake.handler(request)
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
