"""Operations the spec serves without auth never carry the key."""

from __future__ import annotations

import httpx

from maintainx_sdk import MaintainX
from tests.conftest import TEST_KEY


def test_versions_and_permit_sign_send_no_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/versions"):
            return httpx.Response(200, json=[{"version": "1"}])
        return httpx.Response(
            201,
            json={
                "success": True,
                "workPermit": {"id": 1, "status": "SIGNED"},
                "workOrder": {"id": 2, "blockedByWorkPermitReason": None},
            },
        )

    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler)) as mx:
        mx.versions.list()
        mx.work_permits.sign(5, external_link_uuid="u-1", signer_name="Ann")
        mx.request("GET", "/users")
    assert [("authorization" in r.headers) for r in seen] == [False, False, True]
    assert seen[0].url.path == "/versions"
