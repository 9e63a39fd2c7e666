"""A small engine for the CRUD resources: declare a :class:`Resource`, get its routes.

Records are stored whole (the detail shape); list items and other views are projections.
Keys starting with ``_`` are internal. ``None`` values are left out of answers unless the
spec marks the field required (and nullable), so every answer is spec-conformant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ._context import Ctx
from ._http import Reply
from ._paging import offset_page, page_body, parse_limit, sort_param, sorted_rows
from ._router import Route
from ._store import Row, Table, normalize_datetime
from ._validate import validate_body

Predicate = Callable[[Row], bool]
FilterBuilder = Callable[[Ctx], Predicate | None]


def project(
    row: Row, keys: Iterable[str] | None, keep_null: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The answer view of a record: ``keys`` (all public keys when None), ``None`` dropped
    unless the key is in ``keep_null``."""
    names = row.keys() if keys is None else keys
    out: dict[str, Any] = {}
    for name in names:
        if name.startswith("_"):
            continue
        value = row.get(name)
        if value is None and name not in keep_null:
            continue
        out[name] = value
    return out


def parse_int_list(ctx: Ctx, name: str) -> list[int]:
    out = []
    for raw in ctx.qlist(name):
        try:
            out.append(int(raw))
        except ValueError:
            raise ctx.bad(f"{name} must be a list of integer ids", name, raw) from None
    return out


def enum_list(ctx: Ctx, name: str, allowed: Iterable[str]) -> list[str]:
    allowed = tuple(allowed)
    values = ctx.qlist(name)
    for value in values:
        if value not in allowed:
            raise ctx.bad(f"{name} must be among {', '.join(allowed)}", name, value)
    return values


def date_filters(ctx: Ctx) -> list[Predicate]:
    """``updatedAt[gte|lte]`` / ``createdAt[gte|lte]`` (inclusive), raw or percent-encoded."""
    preds: list[Predicate] = []
    for fld in ("updatedAt", "createdAt"):
        for op in ("gte", "lte"):
            name = f"{fld}[{op}]"
            raw = ctx.q(name)
            if raw is None:
                continue
            bound = normalize_datetime(raw)
            if bound is None:
                raise ctx.bad(
                    f"{name} must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z", name, raw
                )
            preds.append(_bound(fld, bound, upper=op == "lte"))
    return preds


def _bound(field_name: str, bound: str, *, upper: bool) -> Predicate:
    if upper:
        return lambda r: bool(r[field_name] <= bound)
    return lambda r: bool(r[field_name] >= bound)


_LIST_PARAMS = frozenset(
    {
        "cursor",
        "limit",
        "sort",
        "expand",
        "updatedAt[gte]",
        "updatedAt[lte]",
        "createdAt[gte]",
        "createdAt[lte]",
    }
)


def custom_field_filters(ctx: Ctx, entity: str, known: frozenset[str]) -> list[Predicate]:
    """Query keys that are not parameters filter by custom field label (``label__c`` when the
    label clashes with one): values of one label OR together, labels AND. The field must exist."""
    labels: dict[str, list[str]] = {}
    for key, values in ctx.query.items():
        if key in known or key in _LIST_PARAMS:
            continue
        label = key[:-3] if key.endswith("__c") else key
        labels.setdefault(label, []).extend(values)
    if not labels:
        return []
    existing = {f["label"] for f in ctx.org.table("customfields") if f["entity"] == entity}
    for label in labels:
        if label not in existing:
            raise ctx.bad(
                f"unknown query parameter or custom field {label!r}; create the custom field first "
                f"(POST /customfields/{entity}), or append __c if the label clashes with a parameter",
                label,
            )
    return [_extra_field_in(label, set(values)) for label, values in labels.items()]


def _extra_field_in(label: str, wanted: set[str]) -> Predicate:
    return lambda r: str((r.get("extraFields") or {}).get(label)) in wanted


def all_of(preds: list[Predicate]) -> Predicate:
    if not preds:
        return lambda _r: True
    if len(preds) == 1:
        return preds[0]
    return lambda r: all(p(r) for p in preds)


def require(ctx: Ctx, table: Table, row_id: int, label: str) -> Row:
    row = table.get(row_id)
    if row is None:
        raise ctx.not_found(label)
    return row


def check_refs(ctx: Ctx, body: Mapping[str, Any], refs: Mapping[str, str]) -> None:
    """400 when an id field points at nothing (``{"assetId": "assets", ...}``)."""
    errors = []
    for key, table_name in refs.items():
        value = body.get(key)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, int | float) and ctx.org.table(table_name).get(int(v)) is None:
                errors.append({"error": f"{key} is not valid", "fieldPath": key, "fieldValue": v})
    if errors:
        raise ctx.bad_many(errors)


def stamp(ctx: Ctx, row_id: int) -> Row:
    """The keys every new record starts with: its id, timestamps and organization."""
    now = ctx.state.now()
    return {"id": row_id, "createdAt": now, "updatedAt": now, "organizationId": ctx.org.id}


Maker = Callable[[Ctx, int, dict[str, Any]], Row]


def simple_maker(defaults: dict[str, Any]) -> Maker:
    """A ``make`` for a record that is its stamp, ``defaults`` (copied) and the body."""

    def make(ctx: Ctx, row_id: int, body: dict[str, Any]) -> Row:
        row: Row = {
            **stamp(ctx, row_id),
            **{k: (v.copy() if isinstance(v, dict | list) else v) for k, v in defaults.items()},
        }
        row.update(body)
        return row

    return make


def eq_filter(param: str, key: str) -> FilterBuilder:
    """Rows whose ``key`` equals the query parameter ``param`` (as text), when it is given."""

    def build(ctx: Ctx) -> Predicate | None:
        value = ctx.q(param)
        if value is None:
            return None
        return lambda r: str(r.get(key)) == value

    return build


@dataclass(frozen=True)
class Resource:
    """A CRUD resource: where it lives, what it accepts, and how it answers."""

    table: str
    path: str
    items_key: str
    one_key: str
    label: str
    fields: Mapping[str, str]
    required: tuple[str, ...] = ()
    make: Maker | None = None
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    #: More checks of a body (nested shapes): returns error items, empty when valid.
    check: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    list_keys: tuple[str, ...] | None = None
    detail_keys: tuple[str, ...] | None = None
    keep_null_list: frozenset[str] = frozenset()
    keep_null_detail: frozenset[str] = frozenset()
    create_status: int = 201
    create_reply: Literal["id", "object"] = "id"
    patch_status: int = 200
    patch_key: str | None = None
    patch_fields: Mapping[str, str] | None = None
    patch_required: tuple[str, ...] = ()
    refs: Mapping[str, str] = field(default_factory=dict)
    filters: tuple[FilterBuilder, ...] = ()
    sorts: tuple[str, ...] = ()
    date_filters: bool = False
    multi_org: bool = False
    ops: frozenset[str] = frozenset({"create", "list", "get", "patch", "delete"})
    query_params: frozenset[str] = frozenset()
    custom_field_entity: str | None = None
    on_event: Mapping[str, str] = field(default_factory=dict)
    snapshot_key: str | None = None
    id_key: str | None = None
    #: How a PATCH changes a record (default: the shaped changes replace its keys).
    apply: Callable[[Ctx, Row, dict[str, Any]], None] | None = None

    def routes(self) -> list[Route]:
        one = self.path + "/{id}"
        out: list[Route] = []
        if "create" in self.ops:
            out.append(Route("POST", self.path, self.create))
        if "list" in self.ops:
            out.append(Route("GET", self.path, self.list))
        if "get" in self.ops:
            out.append(Route("GET", one, self.get))
        if "patch" in self.ops:
            out.append(Route("PATCH", one, self.patch))
        if "delete" in self.ops:
            out.append(Route("DELETE", one, self.delete))
        return out

    # -- views ----------------------------------------------------------------------
    def list_item(self, row: Row) -> dict[str, Any]:
        return project(row, self.list_keys, self.keep_null_list)

    def detail(self, row: Row) -> dict[str, Any]:
        return project(row, self.detail_keys, self.keep_null_detail)

    def list_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        """A list item as answered (the request may ask for more, such as ``expand``)."""
        return self.list_item(row)

    def detail_view(self, ctx: Ctx, row: Row) -> dict[str, Any]:
        """A record as ``GET`` answers it."""
        return self.detail(row)

    # -- handlers ---------------------------------------------------------------------
    def create(self, ctx: Ctx) -> Reply:
        body = ctx.body_object()
        errors = validate_body(body, self.fields, self.required)
        if self.check is not None:
            errors += self.check(body)
        if errors:
            raise ctx.bad_many(errors)
        check_refs(ctx, body, self.refs)
        assert self.make is not None
        row_id = ctx.state.next_id()
        row = self.make(ctx, row_id, {k: v for k, v in body.items() if k in self.fields})
        ctx.org.table(self.table).insert(row)
        self._event(ctx, "create", row)
        if self.create_reply == "object":
            return Reply(self.create_status, self.detail(row))
        return Reply(self.create_status, {"id": row_id})

    def list(self, ctx: Ctx) -> Reply:
        limit = parse_limit(ctx)
        sort = sort_param(ctx, ("id", *self.sorts), "id") if self.sorts else "id"
        preds = [p for build in self.filters if (p := build(ctx)) is not None]
        if self.date_filters:
            preds += date_filters(ctx)
        if self.custom_field_entity is not None:
            preds += custom_field_filters(ctx, self.custom_field_entity, self.query_params)
        match = all_of(preds)
        orgs = ctx.orgs if self.multi_org else (ctx.org,)
        if len(orgs) == 1:
            rows = sorted_rows(orgs[0].table(self.table), match, sort)
        else:
            merged = Table()
            for org in orgs:
                for row in org.table(self.table):
                    merged.insert(row)
            rows = sorted_rows(merged, match, sort)
        page, next_cursor = offset_page(ctx, rows, limit, sort)
        return Reply(
            200, page_body(ctx, self.items_key, [self.list_view(ctx, r) for r in page], next_cursor)
        )

    def get(self, ctx: Ctx) -> Reply:
        row = require(ctx, ctx.org.table(self.table), ctx.id_param(), self.label)
        return Reply(200, {self.one_key: self.detail_view(ctx, row)})

    def patch(self, ctx: Ctx) -> Reply:
        table = ctx.org.table(self.table)
        row = require(ctx, table, ctx.id_param(), self.label)
        body = ctx.body_object()
        fields = self.patch_fields if self.patch_fields is not None else self.fields
        errors = validate_body(body, fields, self.patch_required)
        if self.check is not None:
            errors += self.check(body)
        if errors:
            raise ctx.bad_many(errors)
        check_refs(ctx, body, self.refs)
        changes = {k: v for k, v in body.items() if k in fields}
        if self.apply is not None:
            self.apply(ctx, row, changes)
        else:
            row.update(self.shape(changes) if self.shape is not None else changes)
        row["updatedAt"] = ctx.state.now()
        table.touch()
        self._event(ctx, "patch", row)
        if self.patch_status == 204:
            return Reply(204)
        return Reply(self.patch_status, {self.patch_key or self.one_key: self.detail(row)})

    def delete(self, ctx: Ctx) -> Reply:
        table = ctx.org.table(self.table)
        row = require(ctx, table, ctx.id_param(), self.label)
        table.delete(row["id"])
        self._event(ctx, "delete", row)
        return Reply(204)

    def _event(self, ctx: Ctx, kind: str, row: Row) -> None:
        event = self.on_event.get(kind)
        if event is None or self.id_key is None:
            return
        payload: dict[str, Any] = {
            self.id_key: row["id"],
            "orgId": ctx.org.id,
            "occurredAt": ctx.state.now(),
        }
        if self.snapshot_key:
            key = (
                "deletedPart"
                if kind == "delete" and self.snapshot_key == "newPart"
                else self.snapshot_key
            )
            payload[key] = project(row, self.detail_keys)  # snapshots leave out nulls
        ctx.emit(event, payload)
