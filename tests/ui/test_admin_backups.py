"""Admin → Backups: a backup file is written (also while locked); a restore replaces the store and the
lock screen signs in to the restored one; a wrong password replaces nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hmis_desktop import backup
from hmis_desktop.clock import FakeClock
from hmis_desktop.services import catalogue
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.billing_support import make_clinic, page_of, window_for
from tests.ui.conftest import settle
from ui.pages.admin import AdminPage


def _codes(store: Store, actor) -> list[str]:
    with store.read_session() as s:
        return [x.code for x in catalogue.list_services(s, actor=actor, active_only=False)]


def test_backup_then_restore_from_the_admin_page(
    qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    clinic = make_clinic(ui_store)
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    page = page_of(window, AdminPage, qtbot)
    page.tabs.setCurrentWidget(page.backups)
    tab = page.backups
    tab.folder.setText(str(tmp_path / "usb" / "backups"))
    tab.backup_button.click()
    assert tab.backup_strip.isVisible()
    settle(qtbot)
    files = list((tmp_path / "usb" / "backups").glob("*.hmisbak"))
    assert len(files) == 1 and files[0].stat().st_size > 10_000
    assert tab.last_backup is not None and tab.last_backup.path == files[0]
    assert "Backup written" in tab.backup_message.text()
    assert backup.read_info(files[0]).store_id == ui_store.profile.store_id

    # Something entered after the backup…
    with ui_store.session() as s:
        catalogue.create_service(
            s, actor=clinic.admin, data=catalogue.ServiceCreate("LATE", "Late item", Decimal(1))
        )
    assert "LATE" in _codes(ui_store, clinic.admin)

    # A wrong password: nothing replaced, sign in again to the current store.
    tab.set_file(files[0])
    settle(qtbot)
    assert "backup of this clinic's store" in tab.info_message.text()
    assert not tab.restore_button.isEnabled()
    tab.password.setText("not-the-password")
    tab.understood.setChecked(True)
    assert tab.restore_button.isEnabled()
    tab.restore_button.click()
    assert window.locked
    settle(qtbot)
    screen = window.lock.screen
    assert "was not restored" in screen.message.text() and "Nothing was replaced" in screen.message.text()
    screen.username.setText("admin")
    screen.password.setText(ADMIN_PASSWORD)
    screen.unlock.click()
    settle(qtbot)
    assert not window.locked and "LATE" in _codes(ui_store, clinic.admin)

    # The right password: the store is the backup's; sign in on the lock screen.
    page = page_of(window, AdminPage, qtbot)
    tab = page.backups
    tab.set_file(files[0])
    settle(qtbot)
    tab.password.setText(ADMIN_PASSWORD)
    tab.understood.setChecked(True)
    tab.restore_button.click()
    assert window.locked and tab.password.text() == ""
    settle(qtbot)
    assert "The backup was restored" in screen.message.text()
    assert not ui_store.unlocked
    screen.username.setText("admin")
    screen.password.setText(ADMIN_PASSWORD)
    screen.unlock.click()
    settle(qtbot)
    assert not window.locked
    assert _codes(ui_store, clinic.admin) == ["CONS", "LAB-FBC"]
    kept = list(ui_store.profile.backups_dir.glob("replaced-*.db"))
    assert len(kept) == 1
