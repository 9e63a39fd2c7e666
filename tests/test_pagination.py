from __future__ import annotations

import httpx
import pytest

from maintainx_sdk import (
    APIResponseValidationError,
    BadRequestError,
    CursorNotAdvancingError,
    MaintainX,
    ValidationError,
)
from maintainx_sdk._models import APIResult
from maintainx_sdk._operation import Operation
from maintainx_sdk.pagination import AsyncPager, SyncPager
from tests.conftest import TEST_KEY
from tests.helpers.paging_list_server import FakeList


def _pager(fake: FakeList, **kw: object) -> SyncPager[dict[str, object]]:
    query = kw.pop("query", None)
    return SyncPager(fake.client(), fake.op(), query=query, **kw)  # type: ignore[arg-type]


def test_walks_every_item_and_asks_for_the_largest_page() -> None:
    fake = FakeList()
    fake.add(450)
    pager = _pager(fake)
    assert [i["id"] for i in pager] == list(range(1, 451))
    assert [r.url.params["limit"] for r in fake.requests] == ["200", "200", "200"]
    assert pager.next_cursor is None
    assert pager.pages_fetched == 3


def test_explicit_page_size_is_kept() -> None:
    fake = FakeList()
    fake.add(10)
    pages = list(_pager(fake, query={"limit": 4}).iter_pages())
    assert [len(p.items) for p in pages] == [4, 4, 2]
    assert pages[0].cursor is None and pages[1].cursor == pages[0].next_cursor
    assert not pages[-1].has_next


def test_short_and_empty_pages_do_not_end_the_walk() -> None:
    answers = [
        {"workOrders": [{"id": 1}], "nextCursor": "a"},
        {"workOrders": [], "nextCursor": "b"},
        {"workOrders": [{"id": 2}, {"id": 3}]},
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answers.pop(0))

    mx = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler))
    op = Operation(name="wo.list", method="GET", path="/workorders", items_key="workOrders")
    assert [i["id"] for i in SyncPager(mx, op)] == [1, 2, 3]
    assert answers == []


@pytest.mark.parametrize("cursors", [["a", "a"], ["a", "b", "a"]])
def test_a_cursor_that_comes_back_raises(cursors: list[str]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"workOrders": [{"id": 1}], "nextCursor": cursors.pop(0)})

    mx = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler))
    op = Operation(name="wo.list", method="GET", path="/workorders", items_key="workOrders")
    with pytest.raises(CursorNotAdvancingError, match="again"):
        list(SyncPager(mx, op))


def test_max_items_shrinks_the_last_request_and_leaves_an_exact_resume_cursor() -> None:
    fake = FakeList()
    fake.add(30)
    pager = _pager(fake, query={"limit": 10}, max_items=25)
    first = [i["id"] for i in pager]
    assert first == list(range(1, 26))
    assert [r.url.params["limit"] for r in fake.requests] == ["10", "10", "5"]
    rest = [i["id"] for i in _pager(fake, query={"limit": 10}, cursor=pager.next_cursor)]
    assert rest == list(range(26, 31))


def test_max_pages_bounds_the_walk() -> None:
    fake = FakeList()
    fake.add(30)
    pager = _pager(fake, query={"limit": 10}, max_pages=2)
    assert len(list(pager)) == 20
    assert len(fake.requests) == 2
    assert pager.next_cursor is not None


def test_zero_bounds_send_nothing_and_negative_bounds_are_refused() -> None:
    fake = FakeList()
    fake.add(3)
    assert list(_pager(fake, max_items=0)) == []
    assert fake.requests == []
    with pytest.raises(ValidationError, match="max_pages must be >= 0"):
        list(_pager(fake, max_pages=-1))


def test_a_failed_page_can_be_resumed_from_next_cursor_without_loss() -> None:
    fake = FakeList()
    fake.add(50)
    pager = _pager(fake, query={"limit": 10})
    got: list[int] = []
    fake.before_request = lambda f, n: f.failures.append(400) if n == 3 else None
    with pytest.raises(BadRequestError):
        for page in pager.iter_pages():
            got.extend(i["id"] for i in page.items)  # type: ignore[misc]
    fake.before_request = None
    resumed = _pager(fake, query={"limit": 10}, cursor=pager.next_cursor)
    got.extend(i["id"] for i in resumed)
    assert got == list(range(1, 51))


def test_iterating_twice_starts_over() -> None:
    fake = FakeList()
    fake.add(5)
    pager = _pager(fake, query={"limit": 2})
    assert list(pager) == list(pager)


class _Item(APIResult):
    id: int
    title: str


def test_items_are_validated_into_the_item_model_with_raw_response() -> None:
    fake = FakeList()
    fake.add(3)
    op = Operation(
        name="fake.list", method="GET", path="/workorders", items_key="workOrders", item_model=_Item
    )
    items = list(SyncPager(fake.client(), op))
    assert [type(i) for i in items] == [_Item] * 3
    assert items[0].raw_response is not None and items[0].raw_response.status_code == 200


@pytest.mark.parametrize("offset", [False, True])
def test_a_page_that_fails_validation_is_asked_again_not_skipped(offset: bool) -> None:
    """Regression: the walk moved past a page before validating it, so going on after the
    error skipped that page (and an offset walk then dropped its ids as repeats)."""
    fake = FakeList(path="/assets", key="assets", offset=True) if offset else FakeList()
    fake.add(9)
    fake.items[5] = {**fake.items[5], "title": None}  # breaks _Item on the second page
    op = Operation(
        name="fake.list", method="GET", path=fake.path, items_key=fake.key, item_model=_Item
    )
    items = iter(SyncPager(fake.client(), op, query={"limit": 3}))
    got = [next(items).id for _ in range(3)]
    with pytest.raises(APIResponseValidationError):
        next(items)
    fake.items[5] = {**fake.items[5], "title": "fixed"}
    got.extend(item.id for item in items)
    assert got == list(range(1, 10))


async def test_async_page_that_fails_validation_is_asked_again() -> None:
    fake = FakeList()
    fake.add(6)
    fake.items[4] = {**fake.items[4], "title": None}
    op = Operation(
        name="fake.list", method="GET", path=fake.path, items_key=fake.key, item_model=_Item
    )
    pages = AsyncPager(fake.async_client(), op, query={"limit": 3}).iter_pages()
    got = [item.id for item in (await anext(pages)).items]
    with pytest.raises(APIResponseValidationError):
        await anext(pages)
    fake.items[4] = {**fake.items[4], "title": "fixed"}
    got.extend([item.id async for page in pages for item in page.items])
    assert got == list(range(1, 7))


def test_a_response_without_the_items_list_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"oops": []})

    mx = MaintainX(api_key=TEST_KEY, transport=httpx.MockTransport(handler))
    op = Operation(name="wo.list", method="GET", path="/workorders", items_key="workOrders")
    with pytest.raises(ValidationError, match="no 'workOrders' list"):
        list(SyncPager(mx, op))


def test_not_a_paginated_operation() -> None:
    op = Operation(name="wo.get", method="GET", path="/workorders/{id}")
    with pytest.raises(TypeError, match="not a paginated"):
        SyncPager(MaintainX(api_key=TEST_KEY), op)


# --- offset-backed lists ---------------------------------------------------------------------


def _offset_fake() -> FakeList:
    return FakeList(path="/assets", key="assets", offset=True)


def test_offset_list_without_sort_is_walked_by_updated_at_keyset() -> None:
    fake = _offset_fake()
    fake.add(25)

    def edit_while_paging(f: FakeList, n: int) -> None:
        if n == 2:  # after the first page: edit a seen row, delete one, add one
            f.touch(3)
            f.delete(5)
            f.add(1)

    fake.before_request = edit_while_paging
    pager = _pager(fake, query={"limit": 10})
    ids = [i["id"] for i in pager]
    assert len(ids) == len(set(ids))
    assert set(range(1, 26)) - {5} <= set(ids)  # deleted after being seen is fine too
    assert 26 in ids
    sent = fake.requests[1].url.params
    assert sent["sort"] == "updatedAt" and "updatedAt[gte]" in sent and "cursor" not in sent


def test_offset_list_with_a_descending_sort_drops_shifted_repeats() -> None:
    fake = _offset_fake()
    fake.add(20)
    fake.before_request = lambda f, n: f.add(3) if n == 2 else None
    pager = _pager(fake, query={"limit": 5, "sort": "-id"})
    ids = [i["id"] for i in pager]
    assert len(ids) == len(set(ids))
    assert set(range(1, 21)) <= set(ids)
    assert pager.duplicates_skipped >= 3


def test_anchor_follows_the_cursor_through_a_run_of_equal_timestamps() -> None:
    fake = _offset_fake()
    fake.add(3)
    fake.add(12, same_stamp=True)
    fake.add(3)
    ids = [i["id"] for i in _pager(fake, query={"limit": 5})]
    assert sorted(ids) == list(range(1, 19)) and len(ids) == 18


def test_anchor_starts_at_the_callers_updated_at_filter() -> None:
    fake = _offset_fake()
    fake.add(10)
    lower = fake.items[6]["updatedAt"]
    ids = [i["id"] for i in _pager(fake, query={"limit": 3, "updatedAt[gte]": lower})]
    assert ids == [6, 7, 8, 9, 10]


# --- async -----------------------------------------------------------------------------------


async def test_async_pager_walks_pages_and_items() -> None:
    fake = FakeList()
    fake.add(7)
    pager: AsyncPager[dict[str, object]] = AsyncPager(
        fake.async_client(), fake.op(), query={"limit": 3}
    )
    assert [i["id"] async for i in pager] == list(range(1, 8))
    sizes = [len(p.items) async for p in pager.iter_pages()]
    assert sizes == [3, 3, 1]
    first = await pager.first_page()
    assert first.has_next and len(first.items) == 3


async def test_async_break_leaves_nothing_pending() -> None:
    fake = FakeList()
    fake.add(10)
    pager: AsyncPager[dict[str, object]] = AsyncPager(
        fake.async_client(), fake.op(), query={"limit": 2}
    )
    iterator = aiter(pager)
    assert (await anext(iterator))["id"] == 1
    await iterator.aclose()  # type: ignore[attr-defined]
    assert len(fake.requests) == 1
    async for _ in pager:
        break
    assert len(fake.requests) == 2


# --- resume cursors of anchored walks and pager options ----------------------------------------


def test_anchored_walk_resumes_exactly_from_its_cursor_even_after_edits() -> None:
    fake = _offset_fake()
    fake.add(20)
    first = _pager(fake, query={"limit": 4}).with_options(max_items=8)
    got = [i["id"] for i in first]
    token = first.next_cursor
    assert token is not None and token.startswith("mxsdk1.")
    fake.touch(2)  # edited after being delivered: comes again as its new version at the end
    fake.delete(12)  # deleted before the resumed walk reaches it
    rest = _pager(fake, query={"limit": 4}, cursor=token)
    got += [i["id"] for i in rest]
    assert got == [*range(1, 9), *range(9, 12), *range(13, 21), 2]
    assert rest.next_cursor is None


def test_a_failed_anchored_walk_resumes_from_next_cursor() -> None:
    fake = _offset_fake()
    fake.add(30)
    pager = _pager(fake, query={"limit": 5})
    got: list[int] = []
    # A status the pipeline does not retry, so the walk fails whatever the retry policy.
    fake.before_request = lambda f, n: f.failures.append(400) if n == 4 else None
    with pytest.raises(BadRequestError):
        for item in pager:
            got.append(item["id"])  # type: ignore[arg-type]
    fake.before_request = None
    got += [i["id"] for i in _pager(fake, query={"limit": 5}, cursor=pager.next_cursor)]
    assert got == list(range(1, 31))


def test_a_foreign_sdk_cursor_is_a_clear_error() -> None:
    fake = _offset_fake()
    with pytest.raises(ValidationError, match="not a cursor this SDK handed out"):
        list(_pager(fake, cursor="mxsdk1.garbage"))


def test_with_options_copies_the_pager() -> None:
    fake = FakeList()
    fake.add(10)
    pager = _pager(fake, query={"limit": 3})
    bounded = pager.with_options(max_pages=1)
    assert len(list(bounded)) == 3 and len(list(pager)) == 10
    repeated = _pager(_offset_fake(), query={"sort": "-id"}).with_options(dedupe=False)
    assert repeated._walk_args["dedupe"] is False


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"workOrders": {"id": 1}}',
        b'{"workOrders": [{"id": "x"}], "nextCursor": null}',
    ],
)
def test_a_malformed_page_raises_the_sdks_response_error(body: bytes) -> None:
    import httpx

    from maintainx_sdk import APIError, APIResponseValidationError, MaintainX

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    mx = MaintainX(api_key="k-123456789", transport=httpx.MockTransport(handler))
    with mx, pytest.raises(APIResponseValidationError) as info:
        list(mx.work_orders.list())
    assert isinstance(info.value, APIError)
    assert info.value.status_code == 200 and info.value.path == "/workorders"


async def test_first_page_of_a_walk_bounded_to_nothing_is_a_clear_error() -> None:
    import httpx

    from maintainx_sdk import AsyncMaintainX, MaintainX, ValidationError

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    mx = MaintainX(api_key="k-123456789", transport=httpx.MockTransport(handler))
    with mx, pytest.raises(ValidationError, match="bounded to no items"):
        mx.work_orders.list().with_options(max_items=0).first_page()
    amx = AsyncMaintainX(api_key="k-123456789", transport=httpx.MockTransport(handler))
    async with amx:
        with pytest.raises(ValidationError, match="bounded to no items"):
            await amx.work_orders.list().with_options(max_pages=0).first_page()


@pytest.mark.parametrize("limit", [3, 200])
def test_items_without_updated_at_are_delivered_not_taken_for_repeats(limit: int) -> None:
    # The spec requires only id and status on purchase-order list items: a null updatedAt
    # is no proof that the walk already delivered the record.
    fake = FakeList(path="/purchaseorders", key="purchaseOrders", offset=True)
    fake.add(4)
    fake.add(7, stamped=False)
    fake.add(2)
    ids = [i["id"] for i in _pager(fake, query={"limit": limit})]
    assert sorted(ids) == list(range(1, 14)) and len(ids) == 13


def test_a_page_of_unstamped_items_only_is_walked_to_the_end() -> None:
    fake = FakeList(path="/purchaseorders", key="purchaseOrders", offset=True)
    fake.add(9, stamped=False)
    ids = [i["id"] for i in _pager(fake, query={"limit": 2})]
    assert sorted(ids) == list(range(1, 10)) and len(ids) == 9
