"""Routes: (method, path template) -> handler, matched segment by segment.

Templates name their slots as the spec does (``/teams/{teamId}/members/{userId}``); a
concrete path matches the template with the same literal segments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from ._context import Ctx
from ._http import Reply

Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_shape: dict[tuple[str, int], list[tuple[tuple[str, ...], Route]]] = {}
        self._templates: dict[tuple[str, str], Route] = {}
        for route in routes:
            key = (route.method, route.template)
            if key in self._templates:
                raise ValueError(f"duplicate route {route.method} {route.template}")
            self._templates[key] = route
            segs = route.segments
            self._by_shape.setdefault((route.method, len(segs)), []).append((segs, route))
        for candidates in self._by_shape.values():  # literal-heavy templates first
            candidates.sort(key=lambda c: -sum(not s.startswith("{") for s in c[0]))

    def routes(self) -> list[Route]:
        return list(self._templates.values())

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = path.strip("/").split("/")
        for segs, route in self._by_shape.get((method, len(parts)), ()):
            params: dict[str, str] = {}
            for seg, part in zip(segs, parts, strict=True):
                if seg.startswith("{"):
                    if not part:
                        break
                    params[seg[1:-1]] = unquote(part)
                elif seg != part:
                    break
            else:
                return route, params
        return None

    def allowed_methods(self, path: str) -> list[str]:
        methods = {m for (m, _n) in self._by_shape}
        return sorted(m for m in methods if self.match(m, path) is not None)
