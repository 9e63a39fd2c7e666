"""The state machine through the generated ``work_orders.set_status`` against the emulator.

The emulator, like the API, accepts any status move; the SDK's policy is the only guard,
so the emulator's stored status shows exactly what the client let through.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maintainx_sdk import AsyncMaintainX, MaintainX
from maintainx_sdk.errors import InvalidTransitionError
from maintainx_sdk.ratelimit import RateLimit
from maintainx_sdk.resources.work_orders import _GET, _SET_STATUS
from maintainx_sdk.testing import Emulator
from maintainx_sdk.workflow import DEFAULT_POLICY, STATUSES, STRICT_POLICY

from .helpers.status_walk import random_walk


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=5, rate_limit=None, org_rate_limit=None, keep_log=True) as emu:
        yield emu


def stored_status(emu: Emulator, wid: int) -> str:
    row = emu.org().table("workorders").get(wid)
    assert row is not None
    return str(row["status"])


def patches(emu: Emulator, wid: int) -> int:
    path = f"/workorders/{wid}/status"
    return sum(1 for e in emu.counters.log if e.method == "PATCH" and e.path.endswith(path))


def client(emu: Emulator) -> MaintainX:
    return MaintainX(
        api_key=emu.api_key, transport=emu.transport(), rate_limit=RateLimit.disabled()
    )


def test_generated_set_status_follows_the_default_policy(emulator: Emulator) -> None:
    with client(emulator) as mx:
        wid = mx.work_orders.create(title="Walk").id
        assert mx.work_orders.set_status(wid, "IN_PROGRESS").status == "IN_PROGRESS"
        mx.work_orders.set_status(wid, "DONE")
        before = patches(emulator, wid)
        with pytest.raises(InvalidTransitionError, match="allow_reopen=True"):
            mx.work_orders.set_status(wid, "OPEN")
        with pytest.raises(InvalidTransitionError) as info:
            mx.work_orders.set_status(wid, "IN_PROGRESS", allow_reopen=True)
        assert info.value.allowed == ("OPEN",)
        assert mx.work_orders.set_status(wid, "DONE").status == "DONE"  # no-op
        assert patches(emulator, wid) == before
        mx.work_orders.set_status(wid, "OPEN", allow_reopen=True)
        assert stored_status(emulator, wid) == "OPEN"


def test_skipped_work_orders_never_move(emulator: Emulator) -> None:
    with client(emulator) as mx:
        wid = mx.work_orders.create(title="Skipped by the system").id
        emulator.org().table("workorders").get(wid)["status"] = "SKIPPED"  # type: ignore[index]
        for target in STATUSES:
            with pytest.raises(InvalidTransitionError, match="system only"):
                mx.work_orders.set_status(wid, target, allow_reopen=True)  # type: ignore[arg-type]
        assert stored_status(emulator, wid) == "SKIPPED" and patches(emulator, wid) == 0


@pytest.mark.async_backends
async def test_async_generated_set_status(emulator: Emulator) -> None:
    async with AsyncMaintainX(
        api_key=emulator.api_key,
        transport=emulator.async_transport(),
        rate_limit=RateLimit.disabled(),
    ) as mx:
        wid = (await mx.work_orders.create(title="Async walk")).id
        await mx.work_orders.set_status(wid, "CANCELED")
        with pytest.raises(InvalidTransitionError):
            await mx.work_orders.set_status(wid, "ON_HOLD")
        assert stored_status(emulator, wid) == "CANCELED"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    walk=st.lists(
        st.tuples(st.sampled_from(STATUSES), st.booleans(), st.booleans(), st.booleans()),
        min_size=1,
        max_size=20,
    )
)
def test_random_walks_client_and_policy_agree(
    emulator: Emulator, walk: list[tuple[str, bool, bool, bool]]
) -> None:
    with client(emulator) as mx:
        wid = mx.work_orders.create(title="Random walk").id
        random_walk(
            run=mx.work_orders._run,
            patches=lambda: patches(emulator, wid),
            stored=lambda: stored_status(emulator, wid),
            set_op=_SET_STATUS,
            get_op=_GET,
            wid=wid,
            start="OPEN",
            walk=[(t, r, g, STRICT_POLICY if s else DEFAULT_POLICY) for t, r, s, g in walk],
        )
