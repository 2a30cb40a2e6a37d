"""The inactivity lock's policy, headless: when to warn and when to lock, driven by an injected clock.

The UI calls `touch()` on every key, mouse or wheel input and asks `state()` once a second (KeePassXC's
InactivityTimer does the same with a QTimer). Time is measured on both the monotonic and the wall clock and
the larger elapsed time wins: Linux's monotonic clock stops while the PC sleeps, the wall clock does not, so
a laptop closed for an hour locks on resume even though `time.monotonic()` moved by seconds. A clock that
jumps backwards never postpones the lock.

Once the lock is due it stays due (latched): the input that wakes a PC from sleep arrives before the next
tick, and must not count as activity that resets an overdue timer. Only `reset()` (after an unlock) clears it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime

from hmis_desktop.clock import Clock
from hmis_desktop.errors import ValidationError

MIN_TIMEOUT_MINUTES = 1
MAX_TIMEOUT_MINUTES = 60
SETTING_KEY = "lock.timeout_minutes"


class Phase(enum.Enum):
    """Where the session stands."""

    ACTIVE = "active"
    WARNING = "warning"
    LOCK_DUE = "lock_due"


@dataclass(frozen=True)
class LockState:
    """The phase and the whole seconds left before the lock (0 when due)."""

    phase: Phase
    seconds_left: int

    @property
    def countdown(self) -> str:
        """`m:ss` for a banner ("1:59")."""
        return f"{self.seconds_left // 60}:{self.seconds_left % 60:02d}"


def check_timeout(minutes: object) -> int:
    """The timeout as an int, or ValidationError naming the setting."""
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not MIN_TIMEOUT_MINUTES <= minutes <= MAX_TIMEOUT_MINUTES
    ):
        raise ValidationError(
            {
                SETTING_KEY: f"The lock timeout must be a whole number of minutes from {MIN_TIMEOUT_MINUTES} "
                f"to {MAX_TIMEOUT_MINUTES}."
            }
        )
    return minutes


class InactivityPolicy:
    """Decides ACTIVE / WARNING / LOCK_DUE from the time since the last input."""

    def __init__(self, clock: Clock, timeout_minutes: int = 30, warning_minutes: int = 2) -> None:
        if not isinstance(warning_minutes, int) or warning_minutes < 0:
            raise ValueError("warning_minutes must be a whole number of minutes, 0 or more")
        self._clock = clock
        self._timeout = float(check_timeout(timeout_minutes) * 60)
        self._warning_minutes = warning_minutes
        self._latched = False
        self._mono, self._wall = self._read()

    def _read(self) -> tuple[float, datetime]:
        return self._clock.monotonic(), self._clock.now()

    @property
    def timeout_minutes(self) -> int:
        """The current timeout in minutes."""
        return int(self._timeout // 60)

    @property
    def warning_seconds(self) -> float:
        """How long before the lock the warning shows: at most half the timeout, so a short one is usable."""
        return min(self._warning_minutes * 60.0, self._timeout / 2)

    def idle_seconds(self) -> float:
        """Seconds since the last input, the larger of the monotonic and wall-clock measures."""
        mono, wall = self._read()
        by_mono = mono - self._mono
        by_wall = (wall - self._wall).total_seconds()
        return max(by_mono, by_wall, 0.0)

    def state(self) -> LockState:
        """Where the session stands now; LOCK_DUE stays until `reset()`."""
        if self._latched:
            return LockState(Phase.LOCK_DUE, 0)
        left = self._timeout - self.idle_seconds()
        if left <= 0:
            self._latched = True
            return LockState(Phase.LOCK_DUE, 0)
        seconds = math.ceil(left)
        if left <= self.warning_seconds:
            return LockState(Phase.WARNING, seconds)
        return LockState(Phase.ACTIVE, seconds)

    def touch(self) -> bool:
        """Record input; False (and nothing reset) when the lock is already due, e.g. after sleep."""
        if self.state().phase is Phase.LOCK_DUE:
            return False
        self._mono, self._wall = self._read()
        return True

    def reset(self) -> None:
        """Start a fresh period after an unlock (clears a latched lock)."""
        self._latched = False
        self._mono, self._wall = self._read()

    def force_due(self) -> None:
        """Make the lock due now (Ctrl+L, switch user)."""
        self._latched = True

    def set_timeout(self, minutes: int) -> None:
        """Change the timeout (admin setting `lock.timeout_minutes`, 1–60); the current period keeps its start."""
        self._timeout = float(check_timeout(minutes) * 60)
