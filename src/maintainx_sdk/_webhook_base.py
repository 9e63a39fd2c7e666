"""Base classes of the webhook payload models (the models themselves are generated)."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr
from pydantic.alias_generators import to_camel


class WebhookObject(BaseModel):
    """A lenient payload object: unknown fields are kept, attributes are snake_case."""

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        protected_namespaces=(),
    )


class WebhookEvent(WebhookObject):
    """One webhook delivery's payload. ``event_type`` names the event (``"NEW_WORK_ORDER"``).

    ``payload`` is the JSON object exactly as delivered (before validation).
    """

    EVENT_TYPE: ClassVar[str] = ""
    _event_type: str | None = PrivateAttr(default=None)
    _payload: dict[str, Any] | None = PrivateAttr(default=None)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        """Validate a delivered ``payload`` as this event, keeping it as delivered (``payload``)."""
        event = cls.model_validate(payload)
        event._payload = payload
        return event

    @property
    def event_type(self) -> str:
        return self._event_type or self.EVENT_TYPE

    @property
    def payload(self) -> dict[str, Any]:
        if self._payload is None:
            return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return self._payload


class UnknownEvent(WebhookEvent):
    """A delivery the SDK has no model for, or whose payload did not fit its model.

    Every field is kept (``payload``, and as attributes via ``model_extra``); ``candidates``
    lists the event types the payload could be when the type had to be inferred, and
    ``parse_error`` says why a known type's model did not accept it.
    """

    _candidates: tuple[str, ...] = PrivateAttr(default=())
    _parse_error: str | None = PrivateAttr(default=None)

    @classmethod
    def from_payload(
        cls,
        payload: dict[str, Any],
        event_type: str | None = None,
        *,
        candidates: tuple[str, ...] = (),
        parse_error: str | None = None,
    ) -> Self:
        """A delivery kept unparsed: its ``payload``, the ``event_type`` it was delivered as,
        the types it could be (``candidates``) and why its model refused it (``parse_error``)."""
        event = super().from_payload(payload)
        event._event_type = event_type
        event._candidates = candidates
        event._parse_error = parse_error
        return event

    @property
    def candidates(self) -> tuple[str, ...]:
        return self._candidates

    @property
    def parse_error(self) -> str | None:
        return self._parse_error
