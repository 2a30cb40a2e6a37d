"""The one background-operation helper (Anki's QueryOp): work off the GUI thread, results back on it.

Database and crypto work runs on a single-worker executor (SQLite has one writer; one worker also keeps
every SQLAlchemy Session on one thread at a time); network work gets its own pool. `fn` runs on the worker
and must open its own `store.session()` / `store.read_session()`; it never touches widgets. Results reach
`on_success` / `on_failure` on the GUI thread through a queued signal.

    Op(self, lambda: search(store, text), self.show_results, key="patient-search").run()

A newer op with the same `key` supersedes an older one: the older one is skipped if it has not started, and
its result is dropped if it has. Results for a widget inside a locked window (dynamic property
`hmis_locked` on it or an ancestor) are dropped too, so nothing refills a page behind the lock screen.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from hmis_desktop.errors import HMISError

log = logging.getLogger(__name__)

DB = "db"
NET = "net"
JOB = "job"  # long jobs (rotation, backup, import, batch export): their own worker, so the DB one stays free
_WORKERS = {DB: 1, NET: 4, JOB: 1}
LOCKED_PROPERTY = "hmis_locked"


class UnexpectedError(HMISError):
    """What `on_failure` receives for a bug or an unforeseen failure (details are in the log, without PHI)."""

    def __init__(self, name: str) -> None:
        self.op_name = name
        super().__init__(
            "Something went wrong and the action was not completed. Nothing else was changed; try again, "
            "and if it happens again tell your administrator (details are in the application log)."
        )


class _Relay(QObject):
    """Lives on the GUI thread; a signal emitted from a worker is queued to it."""

    delivered = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class _Runtime:
    """Executors, the relay and the supersession counters of one QApplication."""

    def __init__(self) -> None:
        self.relay = _Relay()
        self.pools: dict[str, ThreadPoolExecutor] = {}
        self.generations: dict[str, int] = {}
        self.pending = 0
        self.lock = threading.Lock()

    def pool(self, kind: str) -> ThreadPoolExecutor:
        if kind not in self.pools:
            self.pools[kind] = ThreadPoolExecutor(_WORKERS[kind], thread_name_prefix=f"hmis-{kind}")
        return self.pools[kind]


_runtime: _Runtime | None = None


def _rt() -> _Runtime:
    global _runtime
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("background operations need a QApplication")
    if QThread.currentThread() is not app.thread():
        raise RuntimeError("start background operations from the GUI thread")
    if _runtime is None or not shiboken6.isValid(_runtime.relay):
        _runtime = _Runtime()
    return _runtime


def idle() -> bool:
    """Whether no operation is queued, running or waiting for delivery (tests wait on this)."""
    return _runtime is None or _runtime.pending == 0


def supersede(key: str) -> None:
    """Drop the results of every op with `key` started so far."""
    rt = _rt()
    with rt.lock:
        rt.generations[key] = rt.generations.get(key, 0) + 1


def call_blocking(fn: Callable[[], Any], kind: str = DB) -> Any:
    """Run `fn` on the executor and wait for it (only at shutdown: it blocks the GUI thread)."""
    return _rt().pool(kind).submit(fn).result()


def shutdown() -> None:
    """Wait for running work and stop the executors (at exit)."""
    global _runtime
    if _runtime is not None:
        for pool in _runtime.pools.values():
            pool.shutdown(wait=True)
        _runtime = None


def _in_locked_window(widget: QObject | None) -> bool:
    obj = widget
    while obj is not None:
        if obj.property(LOCKED_PROPERTY):
            return True
        obj = obj.parent()
    return False


def _default_failure(parent: QObject | None, error: HMISError) -> None:
    widget = parent if isinstance(parent, QWidget) else None
    QMessageBox.warning(
        widget.window() if widget is not None else None,
        QCoreApplication.translate("Op", "Not done"),
        str(error),
    )


def _log_unexpected(name: str, exc: BaseException) -> None:
    # Only the exception's type and where it happened: its message and arguments may hold PHI.
    frames = traceback.extract_tb(exc.__traceback__)
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames[-6:]))
    log.error("background op %s failed: %s at %s", name, type(exc).__name__, where)


class Op:
    """One background operation: `Op(parent, fn, on_success, on_failure).run()`."""

    _ids = itertools.count(1)

    def __init__(
        self,
        parent: QObject | None,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[HMISError], None] | None = None,
        *,
        key: str | None = None,
        name: str | None = None,
        kind: str = DB,
        ignore_lock: bool = False,
    ) -> None:
        self.parent = parent
        self.fn = fn
        self.on_success = on_success
        self.on_failure = on_failure
        self.key = key
        self.name = name or getattr(fn, "__qualname__", "op")
        self.kind = kind
        self.ignore_lock = ignore_lock
        self.future: Future[None] | None = None

    def run(self) -> Op:
        """Queue the work; returns self."""
        rt = _rt()
        with rt.lock:
            generation = 0
            if self.key is not None:
                generation = rt.generations.get(self.key, 0) + 1
                rt.generations[self.key] = generation
            rt.pending += 1
        self.future = rt.pool(self.kind).submit(self._work, rt, generation)
        return self

    def _current(self, rt: _Runtime, generation: int) -> bool:
        return self.key is None or rt.generations.get(self.key) == generation

    def _work(self, rt: _Runtime, generation: int) -> None:
        result: Any = None
        error: Exception | None = None
        if self._current(rt, generation):
            try:
                result = self.fn()
            except Exception as exc:
                error = exc
        try:
            rt.relay.delivered.emit(lambda: self._deliver(rt, generation, result, error))
        except RuntimeError:
            log.debug("op %s finished after the application closed", self.name)

    def _deliver(self, rt: _Runtime, generation: int, result: Any, error: Exception | None) -> None:
        rt.pending -= 1
        if not self._current(rt, generation):
            return  # superseded by a newer op with the same key
        if self.parent is not None and not shiboken6.isValid(self.parent):
            return  # its widget is gone
        if not self.ignore_lock and _in_locked_window(self.parent):
            log.debug("op %s finished while locked; result dropped", self.name)
            return
        if error is None:
            if self.on_success is not None:
                self.on_success(result)
            return
        failure = error if isinstance(error, HMISError) else None
        if failure is None:
            _log_unexpected(self.name, error)
            failure = UnexpectedError(self.name)
        if self.on_failure is not None:
            self.on_failure(failure)
        else:
            _default_failure(self.parent, failure)
