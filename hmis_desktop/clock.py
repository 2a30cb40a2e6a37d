"""Time as an injectable dependency, so the lock, lockouts and audit can be tested without sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Return seconds from an arbitrary start that never go backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Return `time.monotonic()`."""
        import time

        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to (tests, benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """Return the fake current time."""
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        """Return the fake monotonic time."""
        with self._lock:
            return self._mono

    def advance(self, seconds: float = 0, **kw: float) -> None:
        """Move time forward by `seconds` (plus any `timedelta` keywords such as minutes=30)."""
        delta = timedelta(seconds=seconds, **kw)
        with self._lock:
            self._now += delta
            self._mono += delta.total_seconds()


def utcnow(clock: Clock | None = None) -> datetime:
    """Return now from `clock`, or the system clock."""
    return (clock or SystemClock()).now()
