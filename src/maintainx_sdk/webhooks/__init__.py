"""Webhooks: verify deliveries, parse typed events, dispatch them exactly once.

>>> from maintainx_sdk import webhooks
>>> webhooks.verify(request.headers, raw_body, full_url, secret)   # doctest: +SKIP
>>> event = webhooks.parse_event(raw_body, "WORK_ORDER_STATUS_CHANGE")  # doctest: +SKIP

See ``docs/webhooks.md`` for a receiver that acknowledges fast and processes in the background.
"""

from __future__ import annotations

from .._signing import BODY_SIGNATURE_HEADER, URI_SIGNATURE_HEADER
from .._webhook_base import UnknownEvent, WebhookEvent, WebhookObject
from ..errors import (
    MalformedSignatureHeaderError,
    MissingSignatureHeaderError,
    SignatureMismatchError,
    StaleWebhookError,
    WebhookVerificationError,
)
from ..webhook_events import EVENT_MODELS, EventType
from ._dispatch import ANY, DispatchResult, HandlerResult, WebhookDispatcher
from ._events import (
    EventBody,
    delivery_key,
    event_type_from_url,
    infer_event_types,
    webhook_url,
)
from ._parse_event import parse_event
from ._verify import (
    DEFAULT_TOLERANCE,
    SignatureHeader,
    Verification,
    parse_signature_header,
    verify,
)

__all__ = [
    "ANY",
    "BODY_SIGNATURE_HEADER",
    "DEFAULT_TOLERANCE",
    "EVENT_MODELS",
    "EventBody",
    "URI_SIGNATURE_HEADER",
    "DispatchResult",
    "EventType",
    "HandlerResult",
    "MalformedSignatureHeaderError",
    "MissingSignatureHeaderError",
    "SignatureHeader",
    "SignatureMismatchError",
    "StaleWebhookError",
    "UnknownEvent",
    "Verification",
    "WebhookDispatcher",
    "WebhookEvent",
    "WebhookObject",
    "WebhookVerificationError",
    "delivery_key",
    "event_type_from_url",
    "infer_event_types",
    "parse_event",
    "parse_signature_header",
    "verify",
    "webhook_url",
]
