"""The package's public face: what ``from maintainx_sdk import ...`` offers users."""

from __future__ import annotations

import inspect

import maintainx_sdk
from maintainx_sdk import errors, idempotency, webhooks, workflow


def test_all_is_sorted_unique_and_resolves() -> None:
    names = maintainx_sdk.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(maintainx_sdk, name) is not None, name


def test_every_error_class_is_exported_at_the_top() -> None:
    classes = {
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and obj.__module__ == errors.__name__ and not name.startswith("_")
    }
    assert classes <= set(maintainx_sdk.__all__)
    for name in classes - {"RetryRecord"}:
        assert issubclass(getattr(maintainx_sdk, name), maintainx_sdk.MaintainXError), name


def test_feature_modules_raise_the_same_classes_the_top_level_exports() -> None:
    for name in (
        "WebhookVerificationError",
        "MissingSignatureHeaderError",
        "MalformedSignatureHeaderError",
        "SignatureMismatchError",
        "StaleWebhookError",
    ):
        assert getattr(webhooks, name) is getattr(maintainx_sdk, name)
    assert issubclass(maintainx_sdk.IdempotencyKeyReuseError, maintainx_sdk.IdempotencyError)
    assert issubclass(maintainx_sdk.IdempotencyInProgressError, maintainx_sdk.IdempotencyError)
    assert idempotency.guarded_create is not None


def test_clients_policies_and_operations_are_at_the_top() -> None:
    for name in ("MaintainX", "AsyncMaintainX", "RetryPolicy", "BreakerPolicy", "CachePolicy"):
        assert name in maintainx_sdk.__all__
    assert maintainx_sdk.TablePolicy is workflow.TablePolicy
    assert maintainx_sdk.allowed_transitions("DONE", allow_reopen=True) == ("OPEN",)
    ops = maintainx_sdk.operations()
    assert len(ops) == 169
    assert {(o.method, o.path) for o in ops if o.python_name == "work_orders.set_status"} == {
        ("PATCH", "/workorders/{id}/status")
    }
