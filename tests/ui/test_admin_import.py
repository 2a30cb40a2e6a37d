"""Admin → Import: the dry run shows a bad row's error and imports nothing; a good file imports; the
column mapping is guessed and can be changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.models import Patient
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.billing_support import page_of, window_for
from tests.ui.conftest import settle
from ui.pages.admin import AdminPage
from ui.pages.admin_import import DuplicatesModel, RowErrorsModel

BAD = """First name,Surname,Sex,DOB,Mobile
Amina,Otieno,F,1990-02-11,0712 345 678
Brian,Kamau,M,31/31/1985,0722 000 111
Carol,Wanjiru,F,1979-07-01,0733 222 333
"""
GOOD = BAD.replace("31/31/1985", "1985-03-31")


def _patients(store: Store) -> int:
    with store.read_session() as s:
        return s.scalar(select(func.count()).select_from(Patient)) or 0


def test_dry_run_then_import(qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path) -> None:
    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    window = window_for(qtbot, ui_store, clock, admin)
    page = page_of(window, AdminPage, qtbot)
    page.tabs.setCurrentWidget(page.importer)
    tab = page.importer
    bad = tmp_path / "patients.csv"
    bad.write_text(BAD, "utf-8")
    tab.set_file(bad)
    settle(qtbot)
    assert tab.mapping() == {
        "given_name": "First name",
        "family_name": "Surname",
        "sex": "Sex",
        "birth_date": "DOB",
        "phone": "Mobile",
    }
    assert "3 rows read: 2 ready to import, 1 with problems" in tab.summary.text()
    assert tab.errors.rowCount() == 1
    assert tab.errors.index(0, RowErrorsModel.Columns.ROW).data() == "3"
    assert tab.errors.index(0, RowErrorsModel.Columns.COLUMN).data() == "DOB"
    assert "date of birth" in tab.errors.index(0, RowErrorsModel.Columns.PROBLEM).data()
    assert not tab.import_button.isEnabled()
    tab.run_import()  # refused: nothing is written
    settle(qtbot)
    assert _patients(ui_store) == 0

    # Unmatch the birth-date column: the core then asks every row for a birth date or an age.
    tab.set_field("DOB", "")
    tab.recheck_button.click()
    settle(qtbot)
    assert "birth_date" not in tab.mapping()
    assert sorted({e.row for e in tab.plan.errors}) == [2, 3, 4]

    good = tmp_path / "fixed.csv"
    good.write_text(GOOD, "utf-8")
    tab.set_file(good)
    settle(qtbot)
    assert tab.plan is not None and tab.plan.ok and tab.errors.rowCount() == 0
    assert tab.import_button.isEnabled() and tab.import_button.text() == "&Import 3 patients"
    tab.import_button.click()
    assert tab.strip.isVisible()
    settle(qtbot)
    assert tab.message.text() == "3 patients were imported."
    assert _patients(ui_store) == 3

    # The same file again: every row is a possible duplicate of a patient now in the store.
    tab.set_file(good)
    settle(qtbot)
    assert tab.duplicates.rowCount() == 3
    assert tab.duplicates.index(0, DuplicatesModel.Columns.MAY_BE).data().startswith("patient MRN")
    tab.skip_duplicates.setChecked(True)
    tab.import_button.click()
    settle(qtbot)
    assert "0 patients were imported. 3 possible duplicates were skipped." == tab.message.text()
    assert _patients(ui_store) == 3

    # The lock drops the plan and the report; the file and columns come back and are checked again.
    tab.set_file(good)
    settle(qtbot)
    window.lock.lock("manual")
    assert tab.plan is None and tab.duplicates.rowCount() == 0
    settle(qtbot)
    window.lock.screen.password.setText(ADMIN_PASSWORD)
    window.lock.screen.unlock.click()
    settle(qtbot)
    assert tab.path == good and tab.plan is not None and tab.duplicates.rowCount() == 3
