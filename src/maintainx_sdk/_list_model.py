"""The base of the models of a bare JSON array answer (imported only by the areas that have one).

Kept out of :mod:`maintainx_sdk._models` because defining a ``RootModel`` subclass imports
``pydantic.root_model``, whose own class pydantic builds at once (about 15 ms).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from pydantic import PrivateAttr, RootModel

from ._models import KeepsResponse, require_response, same_data
from ._response import APIResponse

_T = TypeVar("_T")


class APIListModel(RootModel[list[_T]], KeepsResponse, Generic[_T]):
    """A bare JSON array the API returned: iterate it, index it, or read ``.root``."""

    _response: APIResponse | None = PrivateAttr(default=None)

    @property
    def raw_response(self) -> APIResponse:
        """The HTTP answer behind this list (status, headers, attempts, body)."""
        return require_response(self, self._response)

    def __eq__(self, other: object) -> bool:
        """Equal when the items are (not the answer they came in: see :func:`same_data`)."""
        return same_data(self, other)

    def __iter__(self) -> Iterator[_T]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def __getitem__(self, index: int) -> _T:
        return self.root[index]
