"""Every public submodule is an attribute of ``maintainx_sdk``, loaded on first use."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import maintainx_sdk

#: A name each submodule must provide, reached as a user writes it after ``import maintainx_sdk``.
ATTRIBUTES = {
    "breaker": "BreakerPolicy",
    "bulk": "BulkResult",
    "cache": "CachePolicy",
    "checkpoints": "SQLiteCheckpointStore",
    "cli": "main",
    "errors": "APIError",
    "idempotency": "guarded_create",
    "mirror": "SQLiteMirror",
    "models": "__name__",
    "observability": "__name__",
    "pagination": "__name__",
    "progress": "Progress",
    "progress_bars": "TqdmProgress",
    "ratelimit": "RateLimiter",
    "ratelimit_redis": "__name__",
    "readiness": "check",
    "reconcile": "__name__",
    "resources": "__name__",
    "retry": "RetryPolicy",
    "settings": "HardeningSettings",
    "sync": "IncrementalSync",
    "testing": "Emulator",
    "webhook_events": "EVENT_MODELS",
    "webhooks": "__name__",
    "workflow": "allowed_transitions",
}


def test_the_table_covers_every_public_submodule() -> None:
    on_disk = {m.name for m in pkgutil.iter_modules(maintainx_sdk.__path__)}
    assert {name for name in on_disk if not name.startswith("_")} == maintainx_sdk.SUBMODULES
    assert set(ATTRIBUTES) == maintainx_sdk.SUBMODULES


@pytest.mark.parametrize("name", sorted(ATTRIBUTES))
def test_submodule_is_an_attribute_in_a_fresh_interpreter(name: str) -> None:
    code = (
        "import maintainx_sdk\n"
        f"assert '{name}' in dir(maintainx_sdk)\n"
        f"getattr(maintainx_sdk.{name}, {ATTRIBUTES[name]!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_readiness_check_runs_as_users_write_it() -> None:
    code = (
        "import maintainx_sdk\n"
        "report = maintainx_sdk.readiness.check()\n"
        "print(type(report).__name__, len(report.checks), report.get('secrets.api_key').status)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    kind, count, key_status = proc.stdout.split()
    assert kind == "ReadinessReport" and int(count) > 10
    assert key_status == "fail"  # no key in this bare environment, and it says so


def test_import_stays_lazy() -> None:
    code = (
        "import sys, maintainx_sdk\n"
        "loaded = [m for m in ('readiness', 'testing', 'sync', 'bulk', 'webhooks', 'idempotency',"
        " 'observability', 'ratelimit_redis', 'pagination', 'reconcile')"
        " if 'maintainx_sdk.' + m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_unknown_attribute_still_raises() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        maintainx_sdk.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_typed_usage_module_runs() -> None:
    from .typed_usage import readiness_at_start_up, submodules_are_typed

    assert readiness_at_start_up() is False  # no key in the test environment
    assert submodules_are_typed() == ["RetryPolicy", "APIError", "Emulator"]
