"""Login: refusals in words (wrong password, lockout, disabled), navigation by role, forced password change,
the recovery-key path, and a store that cannot be opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, make_store
from tests.ui.conftest import USER_PASSWORD, add_user, close_all_windows, settle
from ui.app import Application, StoreErrorWindow
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.passwords import ChangePasswordDialog, RecoveryDialog


@pytest.fixture
def app(qtbot, ui_store: Store, clock: FakeClock):
    """The application on the store's profile, opened afresh (keys closed until someone signs in)."""
    application = Application(ui_store.profile.path, clock=clock)
    application.start()
    yield application
    close_all_windows(qtbot)
    application.close()


def _login(qtbot, app: Application, username: str, password: str) -> None:
    login = app.window
    assert isinstance(login, LoginWindow)
    login.username.setText(username)
    login.password.setText(password)
    login.sign_in.click()
    qtbot.waitUntil(lambda: app.window is not login or login.sign_in.isEnabled(), timeout=10_000)
    settle(qtbot)


def test_login_window_shows_the_clinic(qtbot, app: Application) -> None:
    login = app.window
    assert isinstance(login, LoginWindow)
    settle(qtbot)
    assert login.clinic.text() == "Sunrise Clinic"
    assert not app.store.unlocked  # no device slot: the user's login opens the keys


def test_wrong_password_then_lockout_message(qtbot, app: Application, clock: FakeClock) -> None:
    login = app.window
    for _ in range(4):
        _login(qtbot, app, "admin", "Not-The-Password-1")
        assert login.message.text() == "The user name or password is not correct."
        assert login.password.text() == ""
    _login(qtbot, app, "admin", "Not-The-Password-1")
    assert "locked after repeated failed attempts" in login.message.text()
    assert "Try again in 1 minute," in login.message.text()
    # Even the right password is refused during the lockout, with the time left.
    clock.advance(seconds=30)
    _login(qtbot, app, "admin", ADMIN_PASSWORD)
    assert "Try again in 30 seconds" in login.message.text()
    assert app.window is login
    clock.advance(seconds=31)
    _login(qtbot, app, "admin", ADMIN_PASSWORD)
    assert isinstance(app.window, MainWindow)


def test_unknown_user_gets_the_same_message(qtbot, app: Application) -> None:
    _login(qtbot, app, "nobody", "Whatever-Pass-1")
    assert app.window.message.text() == "The user name or password is not correct."


def test_disabled_user_is_told(qtbot, app: Application, ui_store: Store) -> None:
    actor = add_user(ui_store, "fatma", Role.FRONT_DESK)
    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    with ui_store.session() as s:
        auth.set_active(s, actor=admin, user_id=actor.user_id, active=False)
    _login(qtbot, app, "fatma", USER_PASSWORD)
    assert app.window.message.text() == "This account is disabled. Ask an administrator to enable it."


def test_empty_fields_are_refused_without_a_round_trip(qtbot, app: Application) -> None:
    login = app.window
    login.sign_in.click()
    assert login.message.text() == "Enter your user name and password."


@pytest.mark.parametrize(
    ("role", "pages", "new_patient"),
    [
        (Role.FRONT_DESK, ["Patients", "Invoices"], True),
        (Role.DOCTOR, ["Patients", "Invoices"], True),
        (Role.MANAGER, ["Patients", "Invoices", "Reports"], True),
        (Role.ADMIN, ["Patients", "Invoices", "Reports", "Admin"], True),
    ],
)
def test_each_role_sees_its_pages(
    qtbot, app: Application, ui_store: Store, role: Role, pages, new_patient
) -> None:
    name = f"user.{role.value.replace('_', '')}"
    add_user(ui_store, name, role, display_name="Wanjiku Otieno")
    _login(qtbot, app, name, USER_PASSWORD)
    window = app.window
    assert isinstance(window, MainWindow)
    assert window.page_titles() == pages
    assert window.actor.role == role
    assert [a.text() for a in window.go_menu.actions()] == pages
    # Every role registers patients: the Patients page performs Ctrl+N.
    assert window.command_actions["new_patient"].isEnabled() is new_patient
    assert window.lock_action.isEnabled()
    assert window.user_label.text() == f"Wanjiku Otieno · {role.label}"
    assert ui_store.describe() in window.store_label.text()


def test_temporary_password_must_be_changed(qtbot, app: Application, ui_store: Store) -> None:
    add_user(ui_store, "amina", Role.DOCTOR, temporary=True)
    _login(qtbot, app, "amina", "Temp-Pass-2026x")
    login = app.window
    assert isinstance(login, LoginWindow)
    dialog = login.dialog
    assert isinstance(dialog, ChangePasswordDialog) and dialog.isVisible()
    assert dialog.old.isHidden()  # just typed: not asked again
    dialog.new.setText("amina-2026")
    assert not dialog.policy.ok and "user name" in dialog.policy.text()
    dialog.new.setText("River-Stone-88!")
    dialog.confirm.setText("River-Stone-88!")
    dialog.submit()
    qtbot.waitUntil(lambda: isinstance(app.window, MainWindow), timeout=10_000)
    assert app.window.page_titles() == ["Patients", "Invoices"]
    assert not auth.must_change_password(ui_store, app.window.actor)
    assert auth.login(ui_store, "amina", "River-Stone-88!").username == "amina"


def test_recovery_key_resets_a_lost_admin_password(qtbot, tmp_path: Path, clock: FakeClock) -> None:
    store, recovery = make_store(tmp_path / "p", clock)
    store.close()
    app = Application(tmp_path / "p", clock=clock)
    app.start()
    try:
        login = app.window
        assert isinstance(login, LoginWindow)
        login.recovery.click()
        dialog = login.dialog
        assert isinstance(dialog, RecoveryDialog)
        dialog.key.setText("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
        dialog.username.setText("admin")
        dialog.new.setText("Fresh-Start-2026!")
        dialog.confirm.setText("Fresh-Start-2026!")
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.isEnabled(), timeout=10_000)
        assert "does not open" in dialog.message.text() or "not a recovery key" in dialog.message.text()
        dialog.key.setText(recovery.lower())
        dialog.submit()
        qtbot.waitUntil(lambda: login.message.property("kind") == "success", timeout=10_000)
        assert login.username.text() == "admin"
        _login(qtbot, app, "admin", "Fresh-Start-2026!")
        assert isinstance(app.window, MainWindow)  # no second password change asked
    finally:
        close_all_windows(qtbot)
        app.close()


def test_a_damaged_store_gets_a_clear_window(qtbot, tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    db = tmp_path / "p" / "store.db"
    db.write_bytes(db.read_bytes()[:1000])
    app = Application(tmp_path / "p", clock=clock)
    app.start()
    try:
        window = app.window
        assert isinstance(window, StoreErrorWindow)
        texts = " ".join(label.text() for label in window.findChildren(QLabel))
        assert "truncated" in window.reason.text() or "not an HMIS store" in window.reason.text()
        assert "Restore the latest backup" in texts and "another profile" in texts
        assert "Traceback" not in texts
    finally:
        close_all_windows(qtbot)
        app.close()
