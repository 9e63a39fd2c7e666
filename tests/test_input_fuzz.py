"""Property: every generated method of three API areas refuses bad arguments before any I/O.

Each example calls one method of ``work_orders``, ``parts`` or ``purchase_orders`` (sub-
resources included) on the blocking client over a recording transport, with arguments drawn
from a pool of hostile values. Whatever the arguments, the call raises nothing but the
SDK's own errors (or ``TypeError`` for a keyword the method does not have), and when any
argument does not fit its annotation strictly, nothing is sent.
"""

from __future__ import annotations

import inspect
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import httpx
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintainx_sdk import (
    APIResponseValidationError,
    MaintainX,
    MaintainXError,
    RateLimit,
    RetryPolicy,
    ValidationError,
)
from maintainx_sdk._omit import Omit
from maintainx_sdk._request import MAX_URL_LENGTH
from maintainx_sdk._resource import SyncAPIResource
from maintainx_sdk.pagination import SyncPager
from tests.conftest import TEST_KEY
from tests.helpers.api_records import WORK_ORDER
from tests.helpers.client_flavours import FLAVOURS, invoke
from tests.helpers.recording_handler import RecordingHandler

AREAS = ("work_orders", "parts", "purchase_orders")
#: A keyword no generated method has.
WRONG_KEYWORD = "no_such_argument"


class _Opaque:
    def __str__(self) -> str:
        return "opaque"


HOSTILE: list[Any] = [
    True,
    False,
    0,
    7,
    -1,
    10**30,
    1.5,
    2.0,
    math.nan,
    math.inf,
    -math.inf,
    "",
    "text",
    "12",
    "x" * 20_000,
    b"bytes",
    bytearray(b"raw"),
    _Opaque(),
    Decimal("1.5"),
    {1, 2},
    frozenset({"a"}),
    [],
    [1, 2],
    ["a", "b"],
    [math.nan],
    [_Opaque()],
    (3, 4),
    {"a": 1},
    {"a": {"b": 1}},
    {"a": [1, {"b": math.nan}]},
    {"a": math.inf},
    {1: "a"},
    {"a": _Opaque()},
    None,
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    date(2026, 1, 2),
    "2026-01-02T03:04:05Z",
]


def _methods() -> list[tuple[str, Callable[..., Any]]]:
    client = MaintainX(api_key=TEST_KEY)
    found: list[tuple[str, Callable[..., Any]]] = []

    def walk(resource: SyncAPIResource, prefix: str) -> None:
        for name in sorted(dir(type(resource))):
            if name.startswith("_"):
                continue
            attr = inspect.getattr_static(type(resource), name)
            if inspect.isfunction(attr):
                found.append((f"{prefix}.{name}", attr))
                continue
            value = getattr(resource, name)
            if isinstance(value, SyncAPIResource):
                walk(value, f"{prefix}.{name}")

    for area in AREAS:
        walk(getattr(client, area), area)
    client.close()
    return found


METHODS = _methods()


def _union_args(annotation: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return None


def fits(value: Any, annotation: Any, *, id_param: bool = False) -> bool | None:
    """Whether ``value`` fits ``annotation`` strictly: True, False, or None when only the
    SDK's own validation can tell (a nested model given as a dict, a date as a string)."""
    if annotation is Any:
        return _plain_json(value)
    members = _union_args(annotation)
    if members is not None:
        verdicts = [fits(value, m, id_param=id_param) for m in members]
        return True if True in verdicts else (None if None in verdicts else False)
    if annotation is type(None):
        return value is None
    if annotation is Omit:
        return isinstance(value, Omit)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return fits(value, typing.get_args(annotation)[0], id_param=id_param)
    if origin is Literal:
        return (
            isinstance(value, str | int)
            and not isinstance(value, bool)
            and (value in typing.get_args(annotation))
        )
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        if id_param and isinstance(value, str) and value.strip().isdigit():
            return None  # ids read from JSON or a CSV are accepted as digit strings
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if annotation is str:
        return isinstance(value, str)
    if annotation is bytes:
        return isinstance(value, bytes | bytearray)
    if annotation in (datetime, date):
        if isinstance(value, str):
            return None
        return isinstance(value, annotation)
    if origin in (list, Sequence, tuple):
        if not isinstance(value, list | tuple):
            return False
        (item,) = typing.get_args(annotation)[:1] or (Any,)
        verdicts = [fits(v, item) for v in value]
        return False if False in verdicts else (None if None in verdicts else True)
    if origin in (dict, Mapping):
        if not isinstance(value, Mapping):
            return False
        _, item = typing.get_args(annotation)
        verdicts = [isinstance(k, str) for k in value] + [fits(v, item) for v in value.values()]
        return False if False in verdicts else (None if None in verdicts else True)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return None if isinstance(value, Mapping | pydantic.BaseModel) else False
    return None


def _plain_json(value: Any, depth: int = 0) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain_json(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_plain_json(v) for v in value)
    return False


RECORDER = RecordingHandler()
CLIENT = MaintainX(
    api_key=TEST_KEY,
    transport=httpx.MockTransport(RECORDER),
    rate_limit=RateLimit.disabled(),
    retry=RetryPolicy(max_attempts=1),
)


def _bound(client: MaintainX, qualified: str, function: Callable[..., Any]) -> Callable[..., Any]:
    target: Any = client
    for part in qualified.split(".")[:-1]:
        target = getattr(target, part)
    return getattr(target, qualified.split(".")[-1])


def test_the_three_areas_have_their_generated_methods() -> None:
    names = {name for name, _ in METHODS}
    assert {"work_orders.create", "parts.list", "purchase_orders.update"} <= names
    assert len(METHODS) >= 35


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_bad_arguments_raise_a_typed_error_and_send_nothing(data: st.DataObject) -> None:
    name, function = data.draw(st.sampled_from(METHODS), label="method")
    signature = inspect.signature(function, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != "self"]
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    verdicts: list[bool | None] = []
    for param in params:
        required = param.default is inspect.Parameter.empty
        if param.name == "idempotency_key" or not (
            required or data.draw(st.booleans(), label=f"give {param.name}")
        ):
            continue
        value = data.draw(st.sampled_from(HOSTILE), label=param.name)
        if param.name == "cursor" and value is None:
            verdicts.append(True)  # no cursor: the first page (as SyncPager(cursor=None))
        else:
            positional = param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
            verdicts.append(fits(value, param.annotation, id_param=positional))
        if param.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            args.append(value)
        else:
            kwargs[param.name] = value
    wrong = data.draw(st.integers(0, 9), label="wrong keyword") == 0
    if wrong:
        kwargs[WRONG_KEYWORD] = 1
    bad = wrong or False in verdicts
    RECORDER.requests.clear()
    method = _bound(CLIENT, name, function)
    try:
        result = method(*args, **kwargs)
        if isinstance(result, SyncPager):
            result.first_page()
    except TypeError as exc:
        assert wrong, f"{name}: TypeError without a wrong keyword: {exc}"
        assert not RECORDER.requests
        return
    except APIResponseValidationError:  # the recorder's empty 200, to arguments that fit
        assert RECORDER.requests and not bad, f"{name}: {args} {kwargs} were sent"
        return
    except ValidationError:
        assert not RECORDER.requests, f"{name}: sent a request, then raised ValidationError"
        return
    except MaintainXError:
        # Only an answer can cause any other SDK error (the recorder's empty 200).
        assert RECORDER.requests and not bad, f"{name}: {args} {kwargs} were sent"
        return
    else:
        assert not bad, f"{name}: {args} {kwargs} were sent"
    finally:
        for request in RECORDER.requests:
            assert len(request.url.raw_path) <= MAX_URL_LENGTH + 10


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda mx: mx.work_orders.attachments.upload(1, "a.png", b"x", content_type=5),
            "content_type",
        ),
        (lambda mx: mx.work_orders.comments.list(1, cursor=5), "cursor"),
        (lambda mx: mx.assets.list(custom_fields="abc"), "custom_fields"),
        (lambda mx: mx.parts.list(limit=""), "limit"),
        (lambda mx: mx.parts.list(limit=math.inf), "limit"),
        (lambda mx: mx.parts.list(limit=1.5), "limit"),
        (lambda mx: mx.work_orders.list(title="x" * 1_000_000), "title"),
        (
            lambda mx: mx.work_orders.create(title="t", external_data={"a": object()}),
            "externalData",
        ),
        (
            lambda mx: mx.work_orders.create(title="t", external_data={"a": {"b": math.nan}}),
            "externalData",
        ),
        (lambda mx: mx.work_orders.attachments.upload(1, _Opaque(), b"x"), "filename"),
        (lambda mx: mx.assets.list(location_id=True), "location_id"),
        (lambda mx: mx.work_orders.create(title=b"bytes"), "title"),
        (lambda mx: mx.assets.list(organization_ids={1, 2}), "organization_ids"),
        (lambda mx: mx.assets.list(custom_fields={"a": {"b": 1}}), "custom_fields"),
    ],
)
def test_each_reported_bad_input_is_refused_before_io(
    call: Callable[[MaintainX], Any], field: str
) -> None:
    RECORDER.requests.clear()
    with pytest.raises(ValidationError) as caught:
        call(CLIENT)
    assert not RECORDER.requests
    assert field in str(caught.value) or any(
        field in str(e.get("field", "")) for e in caught.value.errors
    ), str(caught.value)


def test_a_wrong_keyword_stays_a_type_error() -> None:
    with pytest.raises(TypeError):
        CLIENT.parts.list(no_such_argument=1)  # type: ignore[call-arg]


# --- integer path parameters are checked before any request ---------------------------


WO = {**WORK_ORDER, "id": 42}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("bad", ["abc", "4 2", "", True, 4.5, None, "²"])
def test_integer_path_ids_are_checked_before_any_request(flavour: str, bad: Any) -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    with pytest.raises(ValidationError) as info:
        invoke(flavour, rec, lambda mx: mx.work_orders.get(bad))
    assert info.value.errors[0]["field"] == "id"
    assert rec.requests == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_digit_strings_are_accepted_as_ids(flavour: str) -> None:
    rec = RecordingHandler(default=(200, {"workOrder": WO}))
    wo = invoke(flavour, rec, lambda mx: mx.work_orders.get(" 42"))
    assert wo.id == 42
    assert rec.last.url.path == "/v1/workorders/42"


def test_every_integer_path_parameter_is_checked() -> None:
    rec = RecordingHandler(default=(200, {}))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(rec)) as mx:
        with pytest.raises(ValidationError, match="'userId' must be an integer"):
            mx.teams.members.delete(1, "bob")
        # String path parameters (file names) are left alone.
        mx.work_orders.attachments.upload(
            7, "report 1.pdf", b"%PDF", content_type="application/pdf"
        )
    assert [r.url.raw_path for r in rec.requests] == [
        b"/v1/workorders/7/attachments/report%201.pdf"
    ]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", ["..", "."])
def test_a_dot_segment_file_name_is_refused_before_it_rewrites_the_url(
    flavour: str, name: str
) -> None:
    """``attachments.delete(5, "..")`` sent ``DELETE /v1/workorders/5`` (the URL's dot segments
    are resolved): it deleted the work order instead of an attachment."""
    rec = RecordingHandler(default=(204, None))
    with pytest.raises(ValidationError) as info:
        invoke(flavour, rec, lambda mx: mx.work_orders.attachments.delete(5, name))
    assert info.value.errors[0]["field"] == "filename"
    assert rec.requests == []
