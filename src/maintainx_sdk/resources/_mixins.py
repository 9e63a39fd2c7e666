# Placeholder until scripts/generate.py writes the real file.
"""Lazy resource properties of the clients."""

from __future__ import annotations


class SyncResourcesMixin:
    """Resource namespaces of :class:`MaintainX`."""


class AsyncResourcesMixin:
    """Resource namespaces of :class:`AsyncMaintainX`."""
