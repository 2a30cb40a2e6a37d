"""GUI tests: real widgets offscreen on one session QApplication (pytest-qt), real stores, a fake clock."""

from __future__ import annotations

import gc
import os

# Before anything imports Qt: no display needed, same rendering everywhere.
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.models import User
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, make_store
from ui import ops, theme

USER_PASSWORD = "Blue-Heron-Lake-42"


@pytest.fixture(scope="session", autouse=True)
def _stop_executors(qapp: QApplication) -> Iterator[None]:
    """At the end, join the worker threads and delete every window while the QApplication lives.

    Left to interpreter exit, Python would free Qt objects after the application in arbitrary order
    ("pure virtual method called").
    """
    yield
    ops.shutdown()
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    gc.collect()


@pytest.fixture(autouse=True)
def _themed(qapp: QApplication) -> None:
    """The light theme, as users see it (the stylesheet is part of what is tested)."""
    if qapp.property("hmis_theme") != "light":
        theme.apply_theme(qapp, "light")


def settle(qtbot, timeout: int = 10_000) -> None:
    """Wait until every background op has run and been delivered."""
    qtbot.waitUntil(ops.idle, timeout=timeout)


def close_all_windows(qtbot) -> None:
    """Close every top-level widget (their closeEvents may still use the store) and let ops finish."""
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QWidget) and w.isVisible():
            w.close()
    settle(qtbot)
    QApplication.processEvents()


@pytest.fixture
def ui_store(qtbot, tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    """A new SQLite store (admin / ADMIN_PASSWORD) on the fake clock; windows are closed before it is."""
    store, _recovery = make_store(tmp_path / "profile", clock)
    yield store
    close_all_windows(qtbot)
    store.close()


def add_user(
    store: Store, username: str, role: str, *, display_name: str = "", temporary: bool = False
) -> Actor:
    """A user of `role` with USER_PASSWORD (already changed unless `temporary`)."""
    admin = auth.login(store, "admin", ADMIN_PASSWORD)
    with store.session() as s:
        auth.create_user(
            s,
            actor=admin,
            username=username,
            display_name=display_name or username.title(),
            role=role,
            password=USER_PASSWORD if not temporary else "Temp-Pass-2026x",
        )
    if temporary:
        return admin
    actor = auth.login(store, username, USER_PASSWORD)
    # Users made by an admin must change their password first; skip that so the tests start at work.
    with store.session() as s:
        s.get(User, actor.user_id).must_change_password = False
    return actor
