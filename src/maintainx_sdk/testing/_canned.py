"""Spec-shaped canned answers for operations without emulated state (filled in below)."""

from __future__ import annotations

from ._router import Route


def routes() -> list[Route]:
    return []
