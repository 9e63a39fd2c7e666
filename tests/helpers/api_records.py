"""Minimal valid records as the API sends them, for canned answers."""

from __future__ import annotations

from typing import Any

#: A minimal valid work order as the API sends it (``GET /workorders/{id}`` -> ``workOrder``).
WORK_ORDER: dict[str, Any] = {
    "id": 1,
    "sequentialId": 1,
    "title": "t",
    "status": "OPEN",
    "createdAt": "2022-01-01T00:00:00Z",
    "updatedAt": "2022-01-01T00:00:00Z",
    "organizationId": 1,
}
