"""The headless inactivity policy: warning, lock, timeout changes, sleep/resume and clock jumps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import ValidationError
from hmis_desktop.inactivity import InactivityPolicy, LockState, Phase, check_timeout


class SplitClock:
    """A clock whose wall and monotonic times move separately (a PC asleep, an NTP correction)."""

    def __init__(self) -> None:
        self.wall = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self.mono = 500.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


def test_active_then_warning_then_lock(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock)
    assert policy.state() == LockState(Phase.ACTIVE, 1800)
    clock.advance(minutes=27, seconds=59)
    assert policy.state() == LockState(Phase.ACTIVE, 121)
    clock.advance(seconds=1)
    assert policy.state() == LockState(Phase.WARNING, 120)
    clock.advance(seconds=1)
    st = policy.state()
    assert st == LockState(Phase.WARNING, 119)
    assert st.countdown == "1:59"
    clock.advance(seconds=119)
    assert policy.state() == LockState(Phase.LOCK_DUE, 0)


def test_touch_resets_the_period(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock, timeout_minutes=10)
    clock.advance(minutes=9)
    assert policy.state().phase is Phase.WARNING
    assert policy.touch() is True
    assert policy.state() == LockState(Phase.ACTIVE, 600)
    clock.advance(minutes=9, seconds=59)
    assert policy.state().phase is Phase.WARNING


def test_lock_due_is_latched_until_reset(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock, timeout_minutes=5)
    clock.advance(minutes=5)
    assert policy.touch() is False  # input after the deadline does not undo the lock
    assert policy.state().phase is Phase.LOCK_DUE
    clock.advance(seconds=1)
    assert policy.state().phase is Phase.LOCK_DUE
    policy.reset()
    assert policy.state() == LockState(Phase.ACTIVE, 300)


def test_force_due_locks_at_once(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock)
    policy.force_due()
    assert policy.state().phase is Phase.LOCK_DUE
    assert policy.touch() is False


def test_set_timeout_validated_and_applied(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock)
    policy.set_timeout(5)
    assert policy.timeout_minutes == 5
    clock.advance(minutes=4)
    assert policy.state() == LockState(Phase.WARNING, 60)
    for bad in (0, 61, -3, 2.5, "10", True, None):
        with pytest.raises(ValidationError) as err:
            policy.set_timeout(bad)  # type: ignore[arg-type]
        assert "lock.timeout_minutes" in err.value.errors
    assert policy.timeout_minutes == 5
    assert check_timeout(1) == 1 and check_timeout(60) == 60


def test_bad_constructor_arguments(clock: FakeClock) -> None:
    with pytest.raises(ValidationError):
        InactivityPolicy(clock, timeout_minutes=0)
    with pytest.raises(ValueError):
        InactivityPolicy(clock, warning_minutes=-1)


def test_short_timeout_warns_for_half_of_it(clock: FakeClock) -> None:
    policy = InactivityPolicy(clock, timeout_minutes=1)
    assert policy.warning_seconds == 30
    clock.advance(seconds=29)
    assert policy.state().phase is Phase.ACTIVE
    clock.advance(seconds=1)
    assert policy.state() == LockState(Phase.WARNING, 30)


def test_sleep_resume_locks_by_wall_clock() -> None:
    # Linux's monotonic clock stops during suspend: only the wall clock shows the hour asleep.
    clk = SplitClock()
    policy = InactivityPolicy(clk, timeout_minutes=30)
    clk.mono += 10
    clk.wall += timedelta(hours=1, seconds=10)
    # The key press that wakes the PC arrives before the next tick: it must not count as activity.
    assert policy.touch() is False
    assert policy.state().phase is Phase.LOCK_DUE


def test_monotonic_jump_locks() -> None:
    clk = SplitClock()
    policy = InactivityPolicy(clk, timeout_minutes=30)
    clk.mono += 31 * 60
    assert policy.state().phase is Phase.LOCK_DUE


def test_wall_clock_going_back_does_not_postpone_the_lock() -> None:
    clk = SplitClock()
    policy = InactivityPolicy(clk, timeout_minutes=30)
    clk.wall -= timedelta(hours=5)
    clk.mono += 29 * 60
    assert policy.state() == LockState(Phase.WARNING, 60)
    clk.mono += 60
    assert policy.state().phase is Phase.LOCK_DUE


def test_touch_after_wall_clock_went_back_measures_from_the_new_time() -> None:
    clk = SplitClock()
    policy = InactivityPolicy(clk, timeout_minutes=30)
    clk.wall -= timedelta(hours=2)
    assert policy.touch() is True
    clk.mono += 60
    clk.wall += timedelta(seconds=60)
    assert policy.state() == LockState(Phase.ACTIVE, 1740)
