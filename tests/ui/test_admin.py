"""The Admin page: users (add, then sign in as them; disable; role; reset), the lock timeout, the clinic."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit

from hmis_desktop import auth
from hmis_desktop import settings as settings_mod
from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.conftest import USER_PASSWORD, add_user, close_all_windows, settle
from ui.app import PAGE_TYPES, Application
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage
from ui.pages.admin_users import Columns
from ui.passwords import ChangePasswordDialog


@pytest.fixture
def admin_window(qtbot, ui_store: Store, clock: FakeClock) -> MainWindow:
    actor = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    window = MainWindow(ui_store, actor, PAGE_TYPES, clock=clock)
    window.show()
    settle(qtbot)
    return window


def _admin_page(window: MainWindow, qtbot) -> AdminPage:
    page = next(p for p in window.pages if isinstance(p, AdminPage))
    window.show_page(page)
    settle(qtbot)
    return page


def _usernames(page: AdminPage) -> list[str]:
    model = page.users.model
    return [model.index(r, Columns.USERNAME).data() for r in range(model.rowCount())]


def test_add_a_user_then_sign_in_as_them(
    qtbot, admin_window: MainWindow, ui_store: Store, clock: FakeClock
) -> None:
    page = _admin_page(admin_window, qtbot)
    assert _usernames(page) == ["admin"]
    users = page.users
    qtbot.keyClicks(users.new_username, "fatma.k")
    users.new_display.setText("Fatma Kariuki")
    users.new_role.setCurrentIndex(users.new_role.findData(Role.FRONT_DESK.value))
    users.new_password.setText("weak")
    users.add_button.click()
    assert "at least 8" in users.add_message.text()
    users.new_password.setText("Temp-Pass-2026x")
    users.new_confirm.setText("Temp-Pass-2026x")
    users.add_button.click()
    settle(qtbot)
    assert "fatma.k was added" in users.add_message.text()
    assert _usernames(page) == ["admin", "fatma.k"]
    row = page.users.model.find("fatma.k")
    assert page.users.model.index(row, Columns.ROLE).data() == "Front desk"
    assert page.users.model.index(row, Columns.STATUS).data() == "Must change password"
    assert users.new_username.text() == "" and users.new_password.text() == ""

    # A duplicate is refused with the core's field message.
    users.new_username.setText("fatma.k")
    users.new_display.setText("Someone Else")
    users.new_password.setText("Temp-Pass-2026x")
    users.new_confirm.setText("Temp-Pass-2026x")
    users.add_button.click()
    settle(qtbot)
    assert users.add_message.text() == "That user name is taken."
    admin_window.close()

    app = Application(ui_store.profile.path, clock=clock)
    app.start()
    try:
        login = app.window
        assert isinstance(login, LoginWindow)
        login.username.setText("fatma.k")
        login.password.setText("Temp-Pass-2026x")
        login.sign_in.click()
        qtbot.waitUntil(lambda: isinstance(login.dialog, ChangePasswordDialog), timeout=10_000)
        dialog = login.dialog
        dialog.new.setText(USER_PASSWORD)
        dialog.confirm.setText(USER_PASSWORD)
        dialog.submit()
        qtbot.waitUntil(lambda: isinstance(app.window, MainWindow), timeout=10_000)
        assert app.window.actor.username == "fatma.k"
        assert app.window.page_titles() == ["Patients", "Invoices"]
    finally:
        close_all_windows(qtbot)
        app.close()


def test_disable_enable_role_and_reset(qtbot, admin_window: MainWindow, ui_store: Store) -> None:
    add_user(ui_store, "omar", Role.DOCTOR)
    page = _admin_page(admin_window, qtbot)
    users = page.users
    users.table.selectRow(users.model.find("omar"))
    assert users.toggle.text() == "Disable"
    users.toggle.click()
    settle(qtbot)
    assert "can no longer sign in" in users.message.text()
    assert users.model.index(users.model.find("omar"), Columns.STATUS).data() == "Disabled"
    with pytest.raises(Exception, match="disabled"):
        auth.login(ui_store, "omar", USER_PASSWORD)
    assert users.toggle.text() == "Enable"
    users.toggle.click()
    settle(qtbot)
    assert auth.login(ui_store, "omar", USER_PASSWORD).role == Role.DOCTOR

    # The last administrator cannot disable themself: the core says so, the page shows it.
    users.table.selectRow(users.model.find("admin"))
    users.toggle.click()
    settle(qtbot)
    assert users.message.text() == "The last active administrator cannot be disabled."

    users.table.selectRow(users.model.find("omar"))
    users.change_role.click()
    dialog = next(d for d in users.findChildren(QDialog) if d.isVisible())
    combo = dialog.findChild(QComboBox)
    combo.setCurrentIndex(combo.findData(Role.MANAGER.value))
    dialog.accept()
    settle(qtbot)
    assert users.model.index(users.model.find("omar"), Columns.ROLE).data() == "Manager"
    assert auth.login(ui_store, "omar", USER_PASSWORD).role == Role.MANAGER

    users.ask_reset()
    dialog = next(d for d in users.findChildren(QDialog) if d.isVisible())
    pw, confirm = [e for e in dialog.findChildren(QLineEdit)]
    pw.setText("Reset-Pass-2026x")
    confirm.setText("Reset-Pass-2026x")
    dialog.accept()
    settle(qtbot)
    omar = auth.login(ui_store, "omar", "Reset-Pass-2026x")
    assert auth.must_change_password(ui_store, omar)


def test_lock_timeout_setting(qtbot, admin_window: MainWindow, ui_store: Store) -> None:
    page = _admin_page(admin_window, qtbot)
    page.tabs.setCurrentWidget(page.security)
    settle(qtbot)
    assert page.security.minutes.value() == 30
    assert page.security.minutes.minimum() == 1 and page.security.minutes.maximum() == 60
    page.security.minutes.setValue(5)
    page.security.save.click()
    settle(qtbot)
    assert admin_window.policy.timeout_minutes == 5
    with ui_store.read_session() as s:
        assert settings_mod.get(s, "lock.timeout_minutes") == 5


def test_clinic_profile_and_logo(qtbot, admin_window: MainWindow, ui_store: Store, tmp_path: Path) -> None:
    page = _admin_page(admin_window, qtbot)
    page.tabs.setCurrentWidget(page.clinic)
    settle(qtbot)
    form = page.clinic.form
    assert form.edits["clinic.name"].text() == "Sunrise Clinic"
    assert form.combos["clinic.currency"].currentText() == "KES"
    form.edits["clinic.phone"].setText("+254 700 123 456")
    form.combos["clinic.currency"].setEditText("EURO")
    page.clinic.save.click()
    assert "three-letter" in form.errors["clinic.currency"].text()
    form.combos["clinic.currency"].setEditText("EUR")
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("green"))
    image.save(str(tmp_path / "logo.png"))
    form.set_logo_file(tmp_path / "logo.png")
    page.clinic.save.click()
    settle(qtbot)
    assert page.clinic.message.text() == "The clinic profile was saved."
    with ui_store.read_session() as s:
        values = settings_mod.get_all(s)
    assert values["clinic.phone"] == "+254 700 123 456" and values["clinic.currency"] == "EUR"
    assert values["clinic.logo_blob_id"]
    assert form.logo_preview.pixmap() is not None and not form.logo_preview.pixmap().isNull()
    form.clear_logo()
    page.clinic.save.click()
    settle(qtbot)
    with ui_store.read_session() as s:
        assert settings_mod.get(s, "clinic.logo_blob_id") is None


def test_admin_page_is_refused_to_other_roles(qtbot, ui_store: Store, clock: FakeClock) -> None:
    actor = add_user(ui_store, "mary", Role.MANAGER)
    window = MainWindow(ui_store, actor, PAGE_TYPES, clock=clock)
    qtbot.addWidget(window)
    assert not any(isinstance(p, AdminPage) for p in window.pages)
    close_all_windows(qtbot)
