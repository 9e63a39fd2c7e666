"""The work-order state machine: policies, checks and the validated set-status flow."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maintainx_sdk._resource import AsyncAPIResource, SyncAPIResource
from maintainx_sdk.errors import InvalidTransitionError, ValidationError
from maintainx_sdk.workflow import (
    ALL_STATUSES,
    DEFAULT_POLICY,
    STATUSES,
    STRICT_POLICY,
    TablePolicy,
    TransitionPolicy,
    allowed_transitions,
    check_transition,
    set_status_procedure,
)

from .helpers.hand_built_operations import GET_WO, SET_STATUS
from .helpers.logged_emulator import LoggedEmulator
from .helpers.status_walk import random_walk

# The design's table, written out independently of the implementation.
DESIGN_TABLE = {
    "OPEN": {"IN_PROGRESS", "ON_HOLD", "DONE", "CANCELED"},
    "IN_PROGRESS": {"OPEN", "ON_HOLD", "DONE", "CANCELED"},
    "ON_HOLD": {"OPEN", "IN_PROGRESS", "DONE", "CANCELED"},
    "DONE": set(),
    "CANCELED": set(),
    "SKIPPED": set(),
}
REOPEN = {"DONE": {"OPEN"}, "CANCELED": {"OPEN"}}


@pytest.mark.parametrize("current", ALL_STATUSES)
def test_default_policy_matches_the_design_table(current: str) -> None:
    assert set(allowed_transitions(current)) == DESIGN_TABLE[current]
    assert set(allowed_transitions(current, allow_reopen=True)) == DESIGN_TABLE[
        current
    ] | REOPEN.get(current, set())


@pytest.mark.parametrize("current", ALL_STATUSES)
def test_strict_policy_never_reopens(current: str) -> None:
    assert (
        set(allowed_transitions(current, STRICT_POLICY, allow_reopen=True)) == DESIGN_TABLE[current]
    )
    if current in ("DONE", "CANCELED"):
        with pytest.raises(InvalidTransitionError) as info:
            check_transition(current, "OPEN", allow_reopen=True, policy=STRICT_POLICY)
        assert info.value.allowed == ()


def test_same_status_is_a_noop_and_reopen_needs_consent() -> None:
    assert check_transition("DONE", "DONE") is False
    assert check_transition("OPEN", "DONE") is True
    with pytest.raises(InvalidTransitionError) as info:
        check_transition("DONE", "OPEN")
    err = info.value
    assert (err.current, err.target, err.allowed) == ("DONE", "OPEN", ("OPEN",))
    assert "allow_reopen=True" in str(err)
    assert check_transition("DONE", "OPEN", allow_reopen=True) is True


def test_forbidden_move_names_the_allowed_targets() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        check_transition("DONE", "IN_PROGRESS", allow_reopen=True)
    assert info.value.allowed == ("OPEN",)
    assert "allowed: OPEN" in str(info.value)
    with pytest.raises(InvalidTransitionError, match="set by the system only"):
        check_transition("SKIPPED", "OPEN", allow_reopen=True)
    with pytest.raises(InvalidTransitionError, match=r"allowed: IN_PROGRESS, .*system only"):
        check_transition("OPEN", "SKIPPED")
    with pytest.raises(InvalidTransitionError, match="allowed: none"):
        check_transition("CANCELED", "DONE")


def test_unknown_target_is_a_validation_error_and_unknown_current_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown status 'HAPPY'") as info:
        check_transition("OPEN", "HAPPY")
    assert info.value.errors[0]["field"] == "status"
    with pytest.raises(InvalidTransitionError, match="not a status"):
        check_transition("ARCHIVED", "OPEN")


def test_user_defined_policy_from_a_table() -> None:
    linear = TablePolicy(
        "linear",
        moves={"OPEN": ["IN_PROGRESS"], "IN_PROGRESS": ["DONE"]},
        reopens={"DONE": ["IN_PROGRESS"]},
    )
    assert isinstance(linear, TransitionPolicy)
    assert linear.statuses == ("OPEN", "IN_PROGRESS", "DONE")
    assert allowed_transitions("OPEN", linear) == ("IN_PROGRESS",)
    with pytest.raises(InvalidTransitionError) as info:
        check_transition("OPEN", "DONE", policy=linear)
    assert info.value.allowed == ("IN_PROGRESS",)
    assert check_transition("DONE", "IN_PROGRESS", allow_reopen=True, policy=linear)
    with pytest.raises(ValidationError):
        check_transition("OPEN", "CANCELED", policy=linear)


def test_incoherent_tables_are_rejected() -> None:
    with pytest.raises(ValueError, match="not a move"):
        TablePolicy("bad", moves={"OPEN": ["OPEN"]})
    with pytest.raises(ValueError, match="both free and a reopen"):
        TablePolicy("bad", moves={"DONE": ["OPEN"]}, reopens={"DONE": ["OPEN"]})


def test_a_custom_protocol_implementation_plugs_in() -> None:
    class EverythingGoes:
        name = "anything"
        statuses = STATUSES

        def allowed(self, status: str, *, allow_reopen: bool = False) -> tuple[str, ...]:
            return tuple(s for s in STATUSES if s != status)

        def is_reopen(self, current: str, target: str) -> bool:
            return False

    assert check_transition("DONE", "IN_PROGRESS", policy=EverythingGoes())


# -- the set-status flow against the emulator (like the API, it enforces nothing) ------------


def _run(api: LoggedEmulator, **kw: object) -> object:
    with api.client() as mx:
        return SyncAPIResource(mx)._run(set_status_procedure(SET_STATUS, GET_WO, **kw))  # type: ignore[arg-type]


def test_set_status_reads_then_patches() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("OPEN")
    result = _run(api, id=wid, status="IN_PROGRESS")
    assert result.work_order["status"] == "IN_PROGRESS"  # type: ignore[attr-defined]
    assert api.requests == [("GET", f"/workorders/{wid}"), ("PATCH", f"/workorders/{wid}/status")]


def test_set_status_same_status_sends_no_patch() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("ON_HOLD")
    result = _run(api, id=wid, status="ON_HOLD")
    assert result.work_order["status"] == "ON_HOLD"  # type: ignore[attr-defined]
    assert api.requests == [("GET", f"/workorders/{wid}")]


def test_set_status_with_given_current_status_skips_the_read() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("OPEN")
    _run(api, id=wid, status="DONE", current_status="OPEN")
    assert api.requests == [("PATCH", f"/workorders/{wid}/status")]


def test_set_status_refuses_reopen_without_consent_and_sends_nothing_more() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("DONE")
    with pytest.raises(InvalidTransitionError, match="allow_reopen"):
        _run(api, id=wid, status="OPEN")
    assert api.count("PATCH", f"/workorders/{wid}/status") == 0
    assert api.status(wid) == "DONE"
    _run(api, id=wid, status="OPEN", allow_reopen=True)
    assert api.status(wid) == "OPEN"


def test_set_status_honours_a_strict_policy() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("CANCELED")
    with pytest.raises(InvalidTransitionError):
        _run(api, id=wid, status="OPEN", allow_reopen=True, policy=STRICT_POLICY)
    assert api.status(wid) == "CANCELED"


async def test_set_status_async_shares_the_flow() -> None:
    api = LoggedEmulator()
    wid = api.add_work_order("OPEN")
    async with api.async_client() as mx:
        result = await AsyncAPIResource(mx)._run(
            set_status_procedure(SET_STATUS, GET_WO, id=wid, status="DONE")
        )
        assert result.work_order["status"] == "DONE"
        with pytest.raises(InvalidTransitionError):
            await AsyncAPIResource(mx)._run(
                set_status_procedure(SET_STATUS, GET_WO, id=wid, status="IN_PROGRESS")
            )
    assert api.count("PATCH", f"/workorders/{wid}/status") == 1


# -- random walks: whatever the client does, the server ends where the policy says -----------

moves = st.lists(
    st.tuples(
        st.sampled_from(ALL_STATUSES),  # target (SKIPPED is never allowed as a target)
        st.booleans(),  # allow_reopen
        st.booleans(),  # pass current_status from the caller's own model
        st.sampled_from(["default", "strict"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(start=st.sampled_from(ALL_STATUSES), walk=moves)
def test_random_walks_agree_with_the_policy(
    start: str, walk: list[tuple[str, bool, bool, str]]
) -> None:
    api = LoggedEmulator()
    wid = api.add_work_order(start)
    policies = {"default": DEFAULT_POLICY, "strict": STRICT_POLICY}
    with api.client() as mx:
        random_walk(
            run=SyncAPIResource(mx)._run,
            patches=lambda: api.count("PATCH", f"/workorders/{wid}/status"),
            stored=lambda: api.status(wid),
            set_op=SET_STATUS,
            get_op=GET_WO,
            wid=wid,
            start=start,
            walk=[(t, r, g, policies[p]) for t, r, g, p in walk],
        )


def test_a_move_out_of_done_names_reopening_as_the_way() -> None:
    from maintainx_sdk.errors import InvalidTransitionError
    from maintainx_sdk.workflow import check_transition

    with pytest.raises(InvalidTransitionError) as info:
        check_transition("DONE", "IN_PROGRESS")
    assert info.value.allowed == ()
    assert "allow_reopen=True" in str(info.value)
