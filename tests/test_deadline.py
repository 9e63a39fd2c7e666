"""The call's Deadline: one value that answers "how much time is left" for every step."""

from __future__ import annotations

import dataclasses
import time

import pytest

from maintainx_sdk._deadline import Deadline, current, deadline
from maintainx_sdk.errors import APITimeoutError, BackendUnavailableError

from .helpers.clocks import SleepRecordingClock


def test_the_time_left_shrinks_as_the_clock_moves_and_expires_at_the_end() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(10.0, clock)
    assert d.total == 10.0 and d.end - d.started == 10.0
    assert d.remaining() == 10.0 and not d.expired
    clock.advance(4)
    assert d.remaining() == 6.0 and not d.expired
    clock.advance(6)
    assert d.remaining() == 0.0 and d.expired


def test_a_deadline_is_a_frozen_value() -> None:
    d = Deadline.after(1.0, SleepRecordingClock())
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.end = 0.0  # type: ignore[misc]


def test_allows_says_whether_a_wait_still_ends_before_the_deadline() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(5.0, clock)
    assert d.allows(4.9)
    assert not d.allows(5.0)  # a wait that uses up all the time leaves none for the send
    clock.advance(3)
    assert not d.allows(2.5)


def test_check_returns_the_time_left_or_raises_the_typed_timeout() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(2.0, clock)
    assert d.check() == 2.0
    clock.advance(2)
    with pytest.raises(APITimeoutError, match="deadline of 2s passed"):
        d.check()
    with pytest.raises(BackendUnavailableError, match="too late"):
        d.check(lambda: BackendUnavailableError("too late", backend="redis"))


def test_clamp_cuts_a_timeout_to_the_time_left() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(3.0, clock)
    assert d.clamp(None) == 3.0
    assert d.clamp(10.0) == 3.0
    assert d.clamp(1.0) == 1.0
    clock.advance(5)
    with pytest.raises(TimeoutError):
        d.clamp(1.0, TimeoutError)


def test_bound_makes_the_deadline_current_only_inside() -> None:
    d = Deadline.after(30.0)
    assert current() is None
    with d.bound():
        assert current() is d  # on the real clock already: the same value, nothing new
        with deadline(1.0):
            inner = current()
            assert inner is not None and inner.total == 1.0
        assert current() is d
    assert current() is None


def test_bound_of_a_fake_clock_deadline_is_what_is_left_on_the_real_clock() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(8.0, clock)
    clock.advance(3)
    with d.bound():
        now = current()
        assert now is not None and now.total == 5.0 and now.clock is time.monotonic


def test_bound_past_the_deadline_still_gives_the_floor() -> None:
    clock = SleepRecordingClock()
    d = Deadline.after(1.0, clock)
    clock.advance(2)
    with d.bound(floor=0.05):
        now = current()
        assert now is not None and now.total == 0.05  # giving a slot back still gets a try


def test_no_deadline_leaves_the_current_one_unset() -> None:
    with deadline(None):
        assert current() is None
