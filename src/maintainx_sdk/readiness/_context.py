"""What the checks look at: the client, its hardening settings and the caller's options."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._config import ClientConfig
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .._client import AsyncMaintainX, MaintainX
    from ..settings import HardeningSettings


@dataclass(slots=True)
class CheckContext:
    """Inputs of every check. ``client`` is None when no client could be built."""

    client: MaintainX | AsyncMaintainX | None
    config: ClientConfig | None
    config_error: str | None = None
    project_dir: Path | None = None
    replicas: int | None = None
    sync: Any = None
    """The caller's incremental sync (its ``store`` is read), or a checkpoint store."""
    webhooks: bool | None = None
    webhook_secret: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @property
    def settings(self) -> HardeningSettings | None:
        """The client's public view of its hardening (``client.hardening``), or None."""
        return self.client.hardening if self.client is not None else None


def build_context(
    client: MaintainX | AsyncMaintainX | None,
    *,
    project_dir: str | os.PathLike[str] | None,
    replicas: int | None,
    sync: Any,
    webhooks: bool | None,
    webhook_secret: str | None,
    config_error: str | None = None,
) -> CheckContext:
    """The context for ``client``; ``project_dir`` must be an existing directory."""
    project = Path(project_dir).resolve() if project_dir is not None else None
    if project is not None and not project.is_dir():
        raise ConfigurationError(f"project_dir {str(project)!r} is not a directory")
    return CheckContext(
        client=client,
        config=client.config if client is not None else None,
        config_error=config_error,
        project_dir=project,
        replicas=replicas,
        sync=sync,
        webhooks=webhooks,
        webhook_secret=webhook_secret,
    )
