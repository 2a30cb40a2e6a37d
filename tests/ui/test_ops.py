"""The background-operation helper: GUI-thread delivery, failures in words, supersession, the lock."""

from __future__ import annotations

import logging
import threading

from PySide6.QtWidgets import QWidget

from hmis_desktop.errors import HMISError, NotFound
from tests.ui.conftest import settle
from ui import ops
from ui.ops import LOCKED_PROPERTY, Op, UnexpectedError


def test_success_runs_off_the_gui_thread_and_is_delivered_on_it(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    seen: dict[str, object] = {}

    def work() -> int:
        seen["worker"] = threading.current_thread()
        return 42

    Op(widget, work, lambda r: seen.update(result=r, gui=threading.current_thread())).run()
    settle(qtbot)
    assert seen["result"] == 42
    assert seen["worker"] is not threading.main_thread()
    assert seen["gui"] is threading.main_thread()


def test_core_errors_reach_on_failure(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    errors: list[HMISError] = []

    def work() -> None:
        raise NotFound("That patient does not exist.")

    Op(widget, work, lambda _: errors.append(None), errors.append).run()  # type: ignore[arg-type]
    settle(qtbot)
    assert len(errors) == 1 and isinstance(errors[0], NotFound)
    assert str(errors[0]) == "That patient does not exist."


def test_unexpected_errors_are_generic_and_logged_without_their_message(qtbot, caplog) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    errors: list[HMISError] = []

    def lookup() -> None:
        raise KeyError("Zoë Wanjiru 1987-03-02")

    with caplog.at_level(logging.ERROR, logger="ui.ops"):
        Op(widget, lookup, None, errors.append, name="patients.lookup").run()
        settle(qtbot)
    assert isinstance(errors[0], UnexpectedError)
    assert "Wanjiru" not in str(errors[0])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "patients.lookup" in logged and "KeyError" in logged
    assert "Wanjiru" not in logged and "1987" not in logged


def test_a_newer_op_with_the_same_key_supersedes_the_older(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    gate = threading.Event()
    got: list[str] = []

    def slow() -> str:
        gate.wait(5)
        return "old"

    Op(widget, slow, got.append, key="search").run()
    Op(widget, lambda: "queued", got.append, key="search").run()
    Op(widget, lambda: "new", got.append, key="search").run()
    gate.set()
    settle(qtbot)
    assert got == ["new"]


def test_results_for_a_locked_window_are_dropped(qtbot) -> None:
    window = QWidget()
    child = QWidget(window)
    qtbot.addWidget(window)
    got: list[str] = []
    window.setProperty(LOCKED_PROPERTY, True)
    Op(child, lambda: "Zoë", got.append).run()
    Op(child, lambda: "lock work", got.append, ignore_lock=True).run()
    settle(qtbot)
    assert got == ["lock work"]
    window.setProperty(LOCKED_PROPERTY, False)
    Op(child, lambda: "after", got.append).run()
    settle(qtbot)
    assert got == ["lock work", "after"]


def test_ops_run_one_at_a_time_on_the_db_executor(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    running = 0
    peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        threading.Event().wait(0.01)
        with lock:
            running -= 1

    for _ in range(5):
        Op(widget, work).run()
    settle(qtbot)
    assert peak == 1
    assert ops.idle()
