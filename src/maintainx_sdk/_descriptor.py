"""The :class:`Operation` descriptor: one API operation as the generated namespaces declare it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

BodyKind = Literal["json", "binary"]

R = TypeVar("R")

ModelSource = type[BaseModel] | Callable[[], type[BaseModel]] | None
"""A model class, or a function returning it. Generated namespaces pass ``lambda: _m.Name``
so that an area's model module is imported, and its classes made, when one of its operations
first needs a model, not when the namespace loads."""


class Operation(Generic[R]):
    """One API operation as the SDK knows it; ``R`` is what a call returns (for a list, what
    each item of its pager is). Treat it as immutable; its models resolve on first read."""

    __slots__ = (
        "_body_model",
        "_item_model",
        "_query_model",
        "_response_model",
        "auth",
        "body_kind",
        "cacheable",
        "deprecated",
        "int_path_params",
        "invalidates",
        "items_key",
        "method",
        "name",
        "path",
        "retry_safe",
        "success_status",
        "summary",
        "unwrap",
    )

    def __init__(
        self,
        name: str,
        method: str,
        path: str,
        success_status: int = 200,
        query_model: ModelSource = None,
        body_model: ModelSource = None,
        response_model: ModelSource = None,
        body_kind: BodyKind | None = None,
        unwrap: str | None = None,
        items_key: str | None = None,
        item_model: ModelSource = None,
        int_path_params: tuple[str, ...] = (),
        retry_safe: bool | None = None,
        cacheable: bool = False,
        invalidates: tuple[str, ...] = (),
        auth: bool = True,
        deprecated: bool = False,
        summary: str = "",
    ) -> None:
        self.name = name
        """Python name, ``"<resource path>.<method>"``, e.g. ``"work_orders.comments.list"``."""
        self.method = method
        self.path = path
        self.success_status = success_status
        self._query_model = query_model
        self._body_model = body_model
        self._response_model = response_model
        self.body_kind = body_kind
        self.unwrap = unwrap
        """The attribute of ``response_model`` holding the record, when the answer is an
        envelope."""
        self.items_key = items_key
        self._item_model = item_model
        self.int_path_params = int_path_params
        """Path parameters the spec types as integers (ids); anything else is rejected before
        I/O."""
        self.retry_safe = retry_safe
        self.cacheable = cacheable
        self.invalidates = invalidates
        self.auth = auth
        self.deprecated = deprecated
        self.summary = summary

    def __repr__(self) -> str:
        return f"Operation(name={self.name!r}, method={self.method!r}, path={self.path!r})"

    @property
    def query_model(self) -> type[BaseModel] | None:
        model = self._query_model = _resolve(self._query_model)
        return model

    @property
    def body_model(self) -> type[BaseModel] | None:
        model = self._body_model = _resolve(self._body_model)
        return model

    @property
    def response_model(self) -> type[BaseModel] | None:
        model = self._response_model = _resolve(self._response_model)
        return model

    @property
    def item_model(self) -> type[BaseModel] | None:
        model = self._item_model = _resolve(self._item_model)
        return model

    @property
    def paginated(self) -> bool:
        return self.items_key is not None


def _resolve(source: ModelSource) -> type[BaseModel] | None:
    if source is None or isinstance(source, type):
        return source
    return source()
