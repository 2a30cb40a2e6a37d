"""The inactivity lock: warning, lock screen, nothing left on screen, drafts kept per user, unlock, switch user,
lockout, Ctrl+L, audit."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.drafts import load_drafts
from hmis_desktop.inactivity import Phase
from hmis_desktop.permissions import Role
from hmis_desktop.store.models import AuditEvent, User
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.conftest import USER_PASSWORD, add_user, settle
from ui import clipboard
from ui.app import PAGE_TYPES
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage

SECRET_NAME = "Zoë Wanjiru-Achieng"  # typed in a form, never saved
SECRET_USER = "zoe.draft"


def _model_texts(model: QAbstractItemModel) -> list[str]:
    out = []
    for r in range(model.rowCount(QModelIndex())):
        c = 0
        while model.hasIndex(r, c):  # list models hide columnCount()
            value = model.index(r, c).data()
            if value is not None:
                out.append(str(value))
            c += 1
    return out


def window_texts(root: QWidget) -> str:
    """Every text any widget or item model under `root` holds (including hidden ones)."""
    texts: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLineEdit):
            texts.append(w.text())
        elif isinstance(w, QTextEdit | QPlainTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QLabel):
            texts.append(w.text())
        elif isinstance(w, QComboBox):
            texts.append(w.currentText())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            texts.extend(_model_texts(w.model()))
    return "\n".join(texts)


@pytest.fixture
def window(qtbot, ui_store: Store, clock: FakeClock) -> MainWindow:
    actor = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    win = MainWindow(ui_store, actor, PAGE_TYPES, clock=clock)
    win.show()
    settle(qtbot)
    return win


def _type_unsaved(window: MainWindow, qtbot) -> AdminPage:
    page = next(p for p in window.pages if isinstance(p, AdminPage))
    window.show_page(page)
    settle(qtbot)
    qtbot.keyClicks(page.users.new_username, SECRET_USER)
    page.users.new_display.setText(SECRET_NAME)  # non-ASCII: set directly (keyClicks aborts on it)
    page.users.new_role.setCurrentIndex(page.users.new_role.findData(Role.DOCTOR.value))
    page.users.new_password.setText("Half-Typed-Pass-1")
    return page


def _unlock(qtbot, window: MainWindow, password: str, username: str | None = None) -> None:
    screen = window.lock.screen
    if username is not None:
        if not screen.switching:
            screen.set_switching(True)
        screen.username.setText(username)
    screen.password.setText(password)
    screen.unlock.click()
    settle(qtbot)


def _actions(store: Store) -> list[str]:
    with store.read_session() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_warning_then_lock_hides_everything_and_unlock_restores(
    qtbot, window: MainWindow, ui_store: Store, clock: FakeClock
) -> None:
    page = _type_unsaved(window, qtbot)
    dialog = QDialog(window)
    QVBoxLayout(dialog).addWidget(QLineEdit(SECRET_NAME))
    dialog.show()
    clipboard.copy_text(SECRET_NAME)

    clock.advance(minutes=27, seconds=59)
    window.lock.tick()
    assert not window.lock.banner.isVisible()
    clock.advance(seconds=1)
    window.lock.tick()
    assert window.lock.banner.isVisible()
    assert window.lock.banner.label.text() == (
        "Locking in 2:00 — move the mouse or press a key to stay signed in"
    )
    clock.advance(seconds=1)
    window.lock.tick()
    assert "Locking in 1:59" in window.lock.banner.label.text()
    clock.advance(seconds=119)
    window.lock.tick()

    assert window.locked
    assert window.root.currentWidget() is window.lock.screen
    assert window.windowTitle() == "HMIS Desktop — locked"
    assert not window.lock.banner.isVisible()
    assert not dialog.isVisible()
    assert QGuiApplication.clipboard().text() == ""
    assert not window.command_actions["search"].isEnabled() and not window.lock_action.isEnabled()
    qtbot.waitUntil(lambda: not any(isinstance(d, QDialog) for d in window.findChildren(QDialog)))
    settle(qtbot)
    texts = window_texts(window)
    assert SECRET_NAME not in texts and SECRET_USER not in texts and "Half-Typed" not in texts
    assert "Ada Admin" in window.lock.screen.who.text()

    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    with ui_store.read_session() as s:
        drafts = load_drafts(s, actor=admin)
    assert drafts["admin"]["add_user"] == {
        "username": SECRET_USER,
        "display_name": SECRET_NAME,
        "role": "doctor",
    }
    assert "session.lock" in _actions(ui_store)

    # Background ops keep running while locked; results for the pages are dropped, not shown.
    assert page.users.model.rowCount() == 0
    page.users.refresh()
    settle(qtbot)
    assert page.users.model.rowCount() == 0

    _unlock(qtbot, window, "Wrong-Password-1")
    assert window.locked
    assert window.lock.screen.message.text() == "The user name or password is not correct."
    with ui_store.read_session() as s:
        assert s.scalars(select(User.failed_count).where(User.username == "admin")).one() == 1

    _unlock(qtbot, window, ADMIN_PASSWORD)
    assert not window.locked
    assert window.root.currentWidget() is window.work
    assert window.windowTitle() == "HMIS Desktop"
    assert page.users.new_username.text() == SECRET_USER
    assert page.users.new_display.text() == SECRET_NAME
    assert page.users.new_role.currentData() == Role.DOCTOR.value
    assert page.users.new_password.text() == ""  # passwords are never kept in drafts
    assert page.users.model.rowCount() == 1  # reloaded after the unlock
    assert window.policy.state().phase is Phase.ACTIVE
    with ui_store.read_session() as s:
        assert load_drafts(s, actor=admin) == {}
    actions = _actions(ui_store)
    assert actions.index("session.lock") < actions.index("session.unlock")


def test_switch_user_keeps_the_first_users_draft(qtbot, window: MainWindow, ui_store: Store) -> None:
    add_user(ui_store, "fatma", Role.FRONT_DESK, display_name="Fatma Kariuki")
    _type_unsaved(window, qtbot)
    window.switch_action.trigger()
    assert window.locked and window.lock.screen.switching
    _unlock(qtbot, window, USER_PASSWORD, username="fatma")
    assert not window.locked
    assert window.actor.username == "fatma"
    assert window.page_titles() == ["Patients", "Invoices"]
    assert "Fatma Kariuki · Front desk" == window.user_label.text()
    texts = window_texts(window)
    assert SECRET_NAME not in texts and SECRET_USER not in texts
    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    with ui_store.read_session() as s:
        assert load_drafts(s, actor=admin)["admin"]["add_user"]["display_name"] == SECRET_NAME
    with ui_store.read_session() as s:
        detail = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "session.unlock")).one()
    assert detail == {"switched": True}

    # Fatma locks; the admin switches back in and finds the form as it was.
    window.lock.lock("manual")
    _unlock(qtbot, window, ADMIN_PASSWORD, username="admin")
    assert window.actor.username == "admin"
    page = next(p for p in window.pages if isinstance(p, AdminPage))
    assert page.users.new_display.text() == SECRET_NAME
    assert window.current_page() is page


def test_ctrl_l_locks_at_once(qtbot, window: MainWindow) -> None:
    _type_unsaved(window, qtbot)
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.pages[-1].users.new_username, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked
    assert SECRET_NAME not in window_texts(window)


def test_input_resets_the_timer_and_input_after_the_deadline_locks(
    qtbot, window: MainWindow, clock: FakeClock
) -> None:
    clock.advance(minutes=29)
    window.lock.tick()
    assert window.lock.banner.isVisible()
    target = window.nav.viewport()
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(QPoint(5, 5)),
        QPointF(target.mapToGlobal(QPoint(5, 5))),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, move)
    window.lock.tick()
    assert not window.lock.banner.isVisible()
    assert window.policy.state().phase is Phase.ACTIVE
    # The PC slept past the deadline: the first key press locks instead of counting as activity.
    clock.advance(minutes=45)
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.locked


def test_failed_unlocks_count_toward_lockout(
    qtbot, window: MainWindow, ui_store: Store, clock: FakeClock
) -> None:
    window.lock.lock("manual")
    for _ in range(4):
        _unlock(qtbot, window, "Wrong-Password-1")
    _unlock(qtbot, window, "Wrong-Password-1")
    assert "locked after repeated failed attempts" in window.lock.screen.message.text()
    _unlock(qtbot, window, ADMIN_PASSWORD)
    assert window.locked  # refused during the lockout
    clock.advance(minutes=1, seconds=1)
    _unlock(qtbot, window, ADMIN_PASSWORD)
    assert not window.locked
    with ui_store.read_session() as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()
    assert len(failed) == 6


def test_quit_keeps_unsaved_forms_for_the_next_sign_in(qtbot, window: MainWindow, ui_store: Store) -> None:
    _type_unsaved(window, qtbot)
    window.close()
    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    with ui_store.read_session() as s:
        assert load_drafts(s, actor=admin)["admin"]["add_user"]["username"] == SECRET_USER


def test_ctrl_l_locks_from_inside_a_modal_dialog(qtbot, window: MainWindow) -> None:
    dialog = QDialog(window)
    edit = QLineEdit(SECRET_NAME)
    QVBoxLayout(dialog).addWidget(edit)
    dialog.setModal(True)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.locked
    assert not dialog.isVisible()
