"""Base classes of every generated model: lenient responses, strict requests.

The bare-array base, :class:`~maintainx_sdk._list_model.APIListModel`, lives apart: pydantic
builds ``RootModel`` the first time it is imported, and most areas never need it.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, PrivateAttr
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema

from ._response import APIResponse
from ._strict import strict_schema


class OpenEnum(enum.StrEnum):
    """A string enum that keeps values the API adds later instead of failing.

    ``Status("NEW_VALUE")`` returns a pseudo-member whose ``.value`` is ``"NEW_VALUE"``
    and whose ``is_known`` is False.
    """

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_known(self) -> bool:
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


class APIModel(BaseModel):
    """A model of something the API returned.

    Unknown fields are kept (``model_extra``) and attribute names are snake_case while the wire
    is camelCase. Nested models carry no per-instance state beyond their fields; the object a
    call returns is an :class:`APIResult` and tells how it was fetched (``raw_response``).
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The object as the API spells it (camelCase keys, nulls kept where set)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def same_data(model: BaseModel, other: object) -> bool:
    """Pydantic's equality without the private attributes: two objects that came in different
    answers (``raw_response``: its headers and timing differ) are equal when their data is."""
    return (
        type(model) is type(other)
        and isinstance(other, BaseModel)
        and model.__dict__ == other.__dict__
        and model.__pydantic_extra__ == other.__pydantic_extra__
    )


class KeepsResponse:
    """A model that remembers, in a ``_response`` private attribute it declares, the answer it
    came from (:class:`APIResult`, a bare-array :class:`~maintainx_sdk._list_model.APIListModel`)."""

    _response: APIResponse | None

    def attach_response(self, response: APIResponse) -> None:
        """Remember the HTTP answer this object came from (the SDK calls it; read it back as
        ``raw_response``)."""
        self._response = response


class APIResult(APIModel, KeepsResponse):
    """A model an SDK call returns (a record, a created id, a list item): it keeps the answer."""

    _response: APIResponse | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Equal when the data is (not the answer it came in: see :func:`same_data`)."""
        return same_data(self, other)

    @property
    def raw_response(self) -> APIResponse:
        """The HTTP answer behind this object: status, headers, attempts, retries, and the body
        as the API sent it (``.json()``: for a record, the envelope such as ``{"workOrder": ...}``).
        A pager item shares its page's answer (without the body)."""
        return require_response(self, self._response)


class APIPageItem(APIModel):
    """A list item a pager yields: it shares its page's answer (``raw_response``).

    Unlike :class:`APIResult` it declares no private attribute, so validating a page does not
    initialise one per item (a third of a page's validation time); the pager stores the
    page's answer on each item afterwards, in pydantic's private-attribute storage.
    """

    def __eq__(self, other: object) -> bool:
        """Equal when the data is (not the page it came in: see :func:`same_data`)."""
        return same_data(self, other)

    @property
    def raw_response(self) -> APIResponse:
        """The HTTP answer of the page this item came in: status, headers, attempts, retries
        (without the body: ``json()`` is not kept per page)."""
        private = self.__pydantic_private__
        return require_response(self, None if private is None else private.get(_RESPONSE))


_RESPONSE = "_response"


def attach_response(result: object, response: APIResponse) -> None:
    """Remember on ``result`` the answer it came from (only results and page items keep one)."""
    if isinstance(result, KeepsResponse):
        result.attach_response(response)
    elif isinstance(result, APIPageItem):
        _share_response([result], response)


def attach_page_response(items: list[Any], model: object, response: APIResponse) -> None:
    """Remember on each item of a page (validated as ``model``) the page's answer."""
    if isinstance(model, type) and issubclass(model, APIPageItem):
        _share_response(items, response)
    else:
        for item in items:
            attach_response(item, response)


def _share_response(items: list[APIPageItem], response: APIResponse) -> None:
    for item in items:
        private = item.__pydantic_private__
        if private is None:
            # A model without declared private attributes is validated with this storage
            # left unset; filling it here is what a declared attribute would have done.
            object.__setattr__(item, "__pydantic_private__", {_RESPONSE: response})
        else:
            private[_RESPONSE] = response


class RequestModel(BaseModel):
    """A request body or parameter set: validated strictly before anything is sent.

    Strictly means: no ``bool`` for an int, no float truncated to an int, no bytes or
    numbers for a string, finite floats only, no sets for a list, and free-form (``Any``)
    values plain JSON at any depth (see :mod:`maintainx_sdk._strict`).
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        alias_generator=to_camel,
        protected_namespaces=(),
        validate_default=False,
        defer_build=True,
    )
    wire_exclude_none: ClassVar[bool] = True

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return strict_schema(handler(source))


def require_response(model: object, response: APIResponse | None) -> APIResponse:
    """``response``, the answer behind ``model``; AttributeError when it has none."""
    # AttributeError, so hasattr() and getattr(model, "raw_response", None) keep working.
    if response is None:
        raise AttributeError(
            f"this {type(model).__name__} has no raw_response: only the object an SDK call "
            "returns (or a pager item) carries one, not models built by hand"
        )
    return response


class EmptyResponse(APIResult):
    """What an operation without a response body returns (for example a 204 on delete)."""
