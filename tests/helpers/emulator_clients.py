"""Helpers shared by the emulator tests: a raw httpx client on the in-process transport."""

from __future__ import annotations

from typing import Any

import httpx

from maintainx_sdk.testing import Emulator


def make_emulator(**kwargs: Any) -> Emulator:
    kwargs.setdefault("rate_limit", None)
    kwargs.setdefault("org_rate_limit", None)
    kwargs.setdefault("webhook_mode", "capture")
    kwargs.setdefault("webhook_sink", lambda delivery: None)
    return Emulator(**kwargs)


def raw_client(emulator: Emulator, api_key: str | None = None, **headers: str) -> httpx.Client:
    """An httpx client on the emulator's in-process transport, authenticated."""
    all_headers = {"authorization": f"Bearer {api_key or emulator.api_key}", **headers}
    return httpx.Client(
        transport=emulator.transport(),
        base_url="https://api.getmaintainx.com/v1",
        headers=all_headers,
    )


def collect(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following nextCursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = dict(params)
        if cursor:
            query["cursor"] = cursor
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body[key]
        cursor = body.get("nextCursor")
        if not cursor:
            return items
