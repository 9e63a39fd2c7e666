"""Special endpoints of the catalog resources (filled in below)."""

from __future__ import annotations

from ._router import Route


def routes() -> list[Route]:
    return []
