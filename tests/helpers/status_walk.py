"""Drive random set-status walks and check the server ends where the transition policy says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from maintainx_sdk._operation import Operation
from maintainx_sdk.errors import InvalidTransitionError
from maintainx_sdk.workflow import TransitionPolicy, set_status_procedure

Step = tuple[str, bool, bool, TransitionPolicy]
"""(target, allow_reopen, pass current_status, policy) of one random-walk step."""


def random_walk(
    *,
    run: Callable[[Any], Any],
    patches: Callable[[], int],
    stored: Callable[[], str],
    set_op: Operation,
    get_op: Operation,
    wid: int,
    start: str,
    walk: list[Step],
) -> None:
    """Drive a status walk through ``run``; after each step the server holds exactly what the
    policy allowed, with one PATCH per real move and none for no-ops or refused moves."""
    model = start
    for target, reopen, give_current, policy in walk:
        before = patches()
        ok = target == model or target in policy.allowed(model, allow_reopen=reopen)
        flow = set_status_procedure(
            set_op,
            get_op,
            id=wid,
            status=target,
            current_status=model if give_current else None,
            allow_reopen=reopen,
            policy=policy,
        )
        if ok:
            run(flow)
            sent, model = int(target != model), target
        else:
            with pytest.raises(InvalidTransitionError) as info:
                run(flow)
            assert set(info.value.allowed) <= set(policy.allowed(model, allow_reopen=True))
            sent = 0
        assert patches() - before == sent
        assert stored() == model
