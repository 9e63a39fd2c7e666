"""Every answer body is parsed in one guarded place: empty or malformed success bodies are
``APIResponseValidationError`` (retried for safe requests), never raw ``JSONDecodeError``
and never an empty success."""

from __future__ import annotations

import json

import httpx
import pytest

from maintainx_sdk import APIError, MaintainX, RetryPolicy, ValidationError
from maintainx_sdk._models import EmptyResponse
from maintainx_sdk._operation import build_request
from maintainx_sdk._resource import SyncAPIResource
from maintainx_sdk.errors import APIResponseValidationError, NotFoundError, OutcomeUnknownError
from maintainx_sdk.idempotency import guarded_create

from .conftest import TEST_KEY
from .helpers.api_records import WORK_ORDER
from .helpers.client_flavours import FLAVOURS, invoke
from .helpers.hand_built_operations import CREATE_WO
from .helpers.logged_emulator import LoggedEmulator

NO_WAIT = RetryPolicy(backoff_base=0)
Answer = tuple[int, bytes]


class Answers:
    """Answers requests in order from a list; the last answer repeats."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})


GOOD_WO = json.dumps({"workOrder": WORK_ORDER}).encode()
BAD_BODIES = [b"", b'{"workOrder": {"id": 1, "ti', b"<html>oops</html>", b"[" * 100_000]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("body", BAD_BODIES, ids=["empty", "truncated", "html", "deep"])
def test_a_read_answered_200_with_an_unusable_body_is_retried_then_typed(
    flavour: str, body: bytes
) -> None:
    answers = Answers((200, body))
    with pytest.raises(APIResponseValidationError) as info:
        invoke(flavour, answers, lambda mx: mx.work_orders.get(1), retry=NO_WAIT)
    assert info.value.status_code == 200 and info.value.attempts == 3
    assert len(answers.requests) == 3  # a safe read is asked again


NOT_A_PAGE = [b"null", b"[1, 2]", b'"text"', b"{}", b'{"workOrders": null}', b"\xef\xbb\xbf{}"]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    "body", NOT_A_PAGE, ids=["null", "array", "string", "no-key", "null-list", "bom"]
)
def test_a_list_answered_200_with_no_page_is_retried_then_typed(flavour: str, body: bytes) -> None:
    answers = Answers((200, body))
    with pytest.raises(APIResponseValidationError, match="not a page") as info:
        invoke(flavour, answers, lambda mx: mx.work_orders.list(limit=5), retry=NO_WAIT)
    assert info.value.attempts == 3
    assert len(answers.requests) == 3  # a page read is as safe to repeat as any GET


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_list_whose_page_comes_whole_on_the_retry_succeeds(flavour: str) -> None:
    page = json.dumps({"workOrders": [WORK_ORDER], "nextCursor": None}).encode()
    answers = Answers((200, b"null"), (200, page))
    items = invoke(flavour, answers, lambda mx: mx.work_orders.list(limit=5), retry=NO_WAIT)
    assert [wo.id for wo in items] == [1] and len(answers.requests) == 2


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_read_whose_body_comes_whole_on_the_retry_succeeds(flavour: str) -> None:
    answers = Answers((200, b""), (200, b'{"workOrder": {"id"'), (200, GOOD_WO))
    wo = invoke(flavour, answers, lambda mx: mx.work_orders.get(1), retry=NO_WAIT)
    assert wo.id == 1 and wo.raw_response.attempts == 3


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("body", [b"", b"{}", b'{"id": 5'], ids=["empty", "no-id", "truncated"])
def test_a_create_answered_without_an_id_is_an_error_and_not_sent_again(
    flavour: str, body: bytes
) -> None:
    answers = Answers((200, body))
    with pytest.raises(APIResponseValidationError) as info:
        invoke(flavour, answers, lambda mx: mx.work_orders.create(title="t"), retry=NO_WAIT)
    assert info.value.status_code == 200
    assert len(answers.requests) == 1  # applied: sending it again could create twice


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_operation_whose_success_has_no_body_may_be_empty(flavour: str) -> None:
    answers = Answers((200, b""))
    result = invoke(flavour, answers, lambda mx: mx.work_orders.delete(1))
    assert isinstance(result, EmptyResponse)


def test_the_status_pre_read_of_set_status_is_typed() -> None:
    answers = Answers((200, b'{"workOrder": {"status": "OP'))
    with (
        MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(answers), retry=NO_WAIT) as mx,
        pytest.raises(APIResponseValidationError),
    ):
        mx.work_orders.set_status(1, "DONE")
    assert {r.method for r in answers.requests} == {"GET"}  # nothing was changed


def test_a_raw_request_body_that_is_not_json_is_typed_when_read() -> None:
    answers = Answers((200, b"not json"))
    with MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(answers)) as mx:
        response = mx.request("GET", "/users")
        with pytest.raises(APIResponseValidationError, match="GET /users -> 200"):
            response.json()


def test_a_malformed_lookup_page_of_a_guarded_create_is_typed() -> None:
    api = LoggedEmulator()
    api.fault("POST", "/workorders", "applied-500")
    api.fault("GET", "/workorders", *["malformed"] * 5)  # every look-up page is malformed
    mx = api.client(retry=NO_WAIT)
    request = build_request(CREATE_WO, body={"title": "Pump"})
    with mx, pytest.raises(OutcomeUnknownError) as info:
        SyncAPIResource(mx)._run(guarded_create(mx.idempotency_store, CREATE_WO, request, "k-1"))
    assert isinstance(info.value.__cause__, APIResponseValidationError)
    assert api.count("GET", "/workorders") == 3  # the look-up read was retried first


# --- a DELETE whose first answer was lost ----------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_404_to_a_repeated_delete_after_a_lost_answer_means_deleted(flavour: str) -> None:
    deleted: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if deleted:
            return httpx.Response(404, json={"error": "Not found"})
        deleted.append(1)  # applied, then the answer is lost
        raise httpx.ReadTimeout("timed out", request=request)

    result = invoke(flavour, handler, lambda mx: mx.work_orders.delete(1), retry=NO_WAIT)
    assert isinstance(result, EmptyResponse) and result.raw_response.attempts == 2


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_404_to_a_first_delete_is_still_not_found(flavour: str) -> None:
    answers = Answers((404, b'{"error": "Not found"}'))
    with pytest.raises(NotFoundError):
        invoke(flavour, answers, lambda mx: mx.work_orders.delete(1), retry=NO_WAIT)


def test_a_404_after_an_answered_failure_is_still_not_found() -> None:
    answers = Answers((503, b'{"error": "busy"}'), (404, b'{"error": "Not found"}'))
    with pytest.raises(NotFoundError):
        invoke("sync", answers, lambda mx: mx.work_orders.delete(1), retry=NO_WAIT)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("body", [b"not json", b'{"workOrder": {"id": "x"}}'])
def test_a_malformed_answer_is_an_api_error_that_says_where_it_came_from(
    flavour: str, body: bytes
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    with pytest.raises(APIResponseValidationError) as info:
        invoke(flavour, handler, lambda mx: mx.work_orders.get(7))
    err = info.value
    assert isinstance(err, APIError) and isinstance(err, ValidationError)
    # a safe read is asked again (max_attempts=3) before the error is raised
    assert (err.method, err.path, err.status_code, err.attempts) == ("GET", "/workorders/7", 200, 3)
    assert str(err).startswith("GET /workorders/7 -> 200: work_orders.get: invalid response body")
    assert err.errors
