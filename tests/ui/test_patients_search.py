"""Register through the form, then find the patient from the search box: name prefix, sound, date of birth,
phone digits; keyboard navigation; empty and no-match states; stale answers never shown."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hmis_desktop.clock import FakeClock
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor
from tests.patients_helpers import reg
from tests.ui.conftest import settle
from tests.ui.patients_ui import activate, fill_form, open_window, result_names, search_for
from ui.patients.search_model import PATIENT_ID_ROLE, Columns


def test_register_through_the_form_then_find_by_every_kind(qtbot, ui_store: Store, clock: FakeClock) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    page.trigger("new_patient")
    assert page.view() == "form"
    fill_form(
        page,
        given_name="John",
        family_name="Smith",
        sex="male",
        birth_date="1980-05-17",
        phone="0712 345 678",
    )
    page.registration.save_button.click()
    qtbot.waitUntil(lambda: page.view() == "record" and page.record.patient is not None)
    patient = page.record.patient
    assert patient.display_name == "John Smith" and patient.mrn == "MRN000001"
    assert page.record.info.text() == "MRN000001 · 45 y · Male"
    assert page.registration.fields.is_empty()  # the saved form is emptied
    page.trigger("new_patient")
    fill_form(page, given_name="Zoë", family_name="Núñez", sex="female", birth_date="02/03/1990")
    page.registration.save()
    qtbot.waitUntil(lambda: page.record.patient is not None and page.record.patient.given_name == "Zoë")
    page.trigger("search")
    assert page.view() == "search"

    # Typed key by key, as at a front desk.
    qtbot.keyClicks(page.search.box, "jo sm")
    qtbot.waitUntil(lambda: result_names(page) == ["John Smith"])
    model = page.search.model
    assert model.index(0, Columns.MRN).data() == "MRN000001"
    assert model.index(0, Columns.SEX).data() == "Male"
    assert model.index(0, Columns.BIRTH).data() == "1980-05-17 · 45 y"
    assert model.index(0, Columns.PHONE).data() == "0712 345678"
    assert model.index(0, Columns.STATUS).data() == "Active"
    assert model.index(0, Columns.MATCH).data() == "Name"
    assert model.index(0, 0).data(PATIENT_ID_ROLE) == patient.id
    assert search_for(qtbot, page, "Jon Smyth") == ["John Smith"]
    assert model.index(0, Columns.MATCH).data() == "Sounds like"
    assert search_for(qtbot, page, "1980-05-17") == ["John Smith"]
    assert model.index(0, Columns.MATCH).data() == "Date of birth"
    assert search_for(qtbot, page, "345678") == ["John Smith"]
    assert model.index(0, Columns.MATCH).data() == "Phone"
    assert search_for(qtbot, page, "zoe") == ["Zoë Núñez"]
    assert search_for(qtbot, page, "1990-02-03") == ["Zoë Núñez"]  # 02/03/1990 read in en_US order (m/d/y)
    assert page.search.count.text() == "1 patient found"
    window.close()


def test_keyboard_type_down_enter_opens_and_esc_returns(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    smith = reg(ui_store, admin, given_name="John", family_name="Smith")
    reg(ui_store, admin, given_name="Joan", family_name="Smithers", phones=[])
    window, page = open_window(qtbot, ui_store, admin, clock)
    activate(qtbot, window)
    window.command_actions["search"].trigger()  # Ctrl+F
    assert page.search.box.hasFocus()
    qtbot.keyClicks(page.search.box, "smith")
    qtbot.waitUntil(lambda: len(result_names(page)) == 2)
    assert result_names(page) == ["John Smith", "Joan Smithers"]
    qtbot.keyClick(page.search.box, Qt.Key.Key_Down)
    assert page.search.table.hasFocus()
    assert page.search.table.currentIndex().row() == 0
    qtbot.keyClick(page.search.table, Qt.Key.Key_Escape)
    assert page.search.box.hasFocus()
    qtbot.keyClick(page.search.box, Qt.Key.Key_Down)
    qtbot.keyClick(page.search.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.record.patient is not None)
    assert page.view() == "record" and page.record.patient.id == smith.id
    assert page.record.name.text() == "John Smith"
    # Esc on the record goes back to the search with the results kept.
    qtbot.keyClick(page.record.tabs, Qt.Key.Key_Escape)
    assert page.view() == "search"
    settle(qtbot)
    assert result_names(page) == ["John Smith", "Joan Smithers"]
    assert page.search.box.text() == "smith" and page.search.box.hasFocus()
    window.close()


def test_empty_and_no_match_states(qtbot, ui_store: Store, clock: FakeClock) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    search = page.search
    assert search.stack.currentWidget() is search.state_page
    assert "“Jon Smyth” finds John Smith" in search.state.text()
    assert search_for(qtbot, page, "Nobody Here") == []
    assert search.stack.currentWidget() is search.state_page
    assert search.state.text().startswith("No patient matches “Nobody Here”.")
    assert "date of birth" in search.state.text() and "national id" in search.state.text()
    assert search_for(qtbot, page, "z") == []
    assert search.state.text() == (
        "Type at least two letters of a name, or a birth date, phone number or record number."
    )
    search.box.clear()
    settle(qtbot)
    qtbot.waitUntil(lambda: search.state.text().startswith("Find a patient"))
    window.close()


def test_a_newer_query_supersedes_an_older_one(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    reg(ui_store, admin, given_name="Amina", family_name="Otieno", phones=[])
    reg(
        ui_store, admin, given_name="Peter", family_name="Kamau", birth_date=None, estimated_age=40, phones=[]
    )
    window, page = open_window(qtbot, ui_store, admin, clock)
    search = page.search
    shown: list[str] = []
    search.results_shown.connect(shown.append)
    # Both queries are started at once; only the newer one may reach the table.
    search.box.setText("amina")
    search.run_search()
    search.box.setText("peter")
    search.run_search()
    settle(qtbot)
    assert shown == ["peter"]
    assert result_names(page) == ["Peter Kamau"]
    assert search.model.index(0, Columns.BIRTH).data() == "1986-01-15 · ≈ 40 y"
    window.close()


def test_paging_shows_more_results(qtbot, ui_store: Store, clock: FakeClock) -> None:
    from hmis_desktop.services import patient_io

    admin = admin_actor(ui_store)
    rows = ["given_name,family_name,sex,birth_date"] + [
        f"Mary{chr(97 + i // 26)}{chr(97 + i % 26)},Wambui,female,1990-01-{1 + i % 28:02d}" for i in range(60)
    ]
    with ui_store.session() as s:
        plan = patient_io.plan_import(s, actor=admin, source="\n".join(rows) + "\n")
        patient_io.run_import(s, actor=admin, plan=plan)
    window, page = open_window(qtbot, ui_store, admin, clock)
    assert len(search_for(qtbot, page, "wambui")) == 50
    assert page.search.more.isVisible()
    assert page.search.count.text() == "50 of 60 shown"
    page.search.more.click()
    qtbot.waitUntil(lambda: page.search.model.rowCount() == 60)
    assert not page.search.more.isVisible()
    assert page.search.count.text() == "60 patients found"
    assert len(set(result_names(page))) == 60
    window.close()


def test_archived_patients_only_when_asked(qtbot, ui_store: Store, clock: FakeClock) -> None:
    from hmis_desktop.services.patients import archive_patient

    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin, given_name="Amina", family_name="Otieno")
    with ui_store.session() as s:
        archive_patient(s, actor=admin, patient_id=patient.id)
    window, page = open_window(qtbot, ui_store, admin, clock)
    assert search_for(qtbot, page, "amina") == []
    page.search.archived.setChecked(True)
    qtbot.waitUntil(lambda: result_names(page) == ["Amina Otieno"])
    assert page.search.model.index(0, Columns.STATUS).data() == "Archived"
    window.close()
