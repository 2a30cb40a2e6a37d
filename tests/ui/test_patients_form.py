"""The registration and edit form: the core's messages beside the fields, typing kept, the duplicate
warning (never a block), edit conflicts explained with nothing lost, drafts round-trip exactly."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget
from sqlalchemy import func, select

from hmis_desktop.clock import FakeClock
from hmis_desktop.services.patient_fields import PatientUpdate
from hmis_desktop.services.patients import update_patient
from hmis_desktop.store.models import Patient
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor
from tests.patients_helpers import reg
from tests.ui.conftest import settle
from tests.ui.patients_ui import activate, fill_form, open_window


def _count(store: Store) -> int:
    with store.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Patient)) or 0)


def test_future_birth_date_shows_the_core_message_beside_the_field(
    qtbot, ui_store: Store, clock: FakeClock
) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    page.trigger("new_patient")
    form = page.registration
    fill_form(page, given_name="Grace", family_name="Mutua", sex="female", birth_date="2030-04-02")
    fill_form(page, phone="0712 34", email="grace@", allergies="Sulfa drugs")
    before = form.fields.state()
    form.save()
    qtbot.waitUntil(lambda: form.fields.errors["birth_date"].isVisible())
    errors = form.fields.errors
    assert errors["birth_date"].text() == "The date of birth is in the future. Check the year."
    assert errors["email"].text() == "Enter an email address like name@example.com, or leave it empty."
    assert (
        form.fields.phones.rows[0].message.text()
        == "Enter a phone number with its area code, e.g. 0712 123456"
    )
    assert not errors["given_name"].isVisible() and errors["given_name"].text() == ""
    assert form.banner.text() == "3 fields need attention; the messages are beside them."
    assert form.fields.state() == before  # nothing typed is lost
    assert page.view() == "form" and _count(ui_store) == 0
    assert form.fields.lines["birth_date"].hasFocus() or not window.isActiveWindow()
    # Text that is not a date at all is caught before the core.
    fill_form(page, birth_date="soon", phone="0712 345 678", email="")
    form.save()
    assert errors["birth_date"].text() == "This is not a date. Type it like 05/17/1980 or 1980-05-17."
    # Fixed: saved.
    fill_form(page, birth_date="1984-02-29")
    form.save()
    qtbot.waitUntil(lambda: page.view() == "record" and page.record.patient is not None)
    assert page.record.patient.allergies == "Sulfa drugs"
    assert page.record.alerts.text() == "Allergies: Sulfa drugs"
    assert _count(ui_store) == 1
    window.close()


def test_no_name_and_both_birth_and_age_are_the_cores_messages(
    qtbot, ui_store: Store, clock: FakeClock
) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    page.trigger("new_patient")
    form = page.registration
    fill_form(page, birth_date="1990-01-01", estimated_age="30")
    form.save()
    qtbot.waitUntil(lambda: form.banner.isVisible())
    errors = form.fields.errors
    assert errors["given_name"].text().startswith("Enter the patient's given name or family name")
    assert errors["sex"].text() == "Choose the sex: female, male, other or unknown."
    assert errors["birth_date"].text() == "Give the date of birth or an estimated age, not both."
    window.close()


def test_duplicate_warning_lists_candidates_and_save_anyway_saves(
    qtbot, ui_store: Store, clock: FakeClock
) -> None:
    admin = admin_actor(ui_store)
    first = reg(ui_store, admin, given_name="John", family_name="Smith")  # 1980-05-17, 0712 345 678
    window, page = open_window(qtbot, ui_store, admin, clock)
    page.trigger("new_patient")
    form = page.registration
    fill_form(
        page, given_name="Jon", family_name="Smyth", sex="male", birth_date="1980-05-17", phone="0712 345 678"
    )
    form.save()
    qtbot.waitUntil(lambda: form.duplicates.isVisible())
    warning = form.duplicates
    assert [(c.mrn, c.score, c.reasons) for c in warning.candidates] == [
        (first.mrn, 80, ("similar name and same date of birth", "same phone number"))
    ]
    texts = [w.text() for w in warning.findChildren(type(warning.title)) if w.isVisibleTo(warning)]
    assert "MRN000001" in texts and "John Smith" in texts and "80" in texts
    assert "similar name and same date of birth, same phone number" in texts
    assert [b.text() for b in warning.open_buttons] == ["Open this patient"]
    assert _count(ui_store) == 1  # nothing saved yet
    warning.save_button.click()
    qtbot.waitUntil(lambda: page.view() == "record" and page.record.patient is not None)
    assert page.record.patient.display_name == "Jon Smyth"
    assert _count(ui_store) == 2
    assert not warning.isVisible() and form.fields.is_empty()
    window.close()


def test_open_this_patient_from_the_warning_keeps_the_form(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    first = reg(ui_store, admin, given_name="John", family_name="Smith")
    window, page = open_window(qtbot, ui_store, admin, clock)
    page.trigger("new_patient")
    fill_form(page, given_name="John", family_name="Smith", sex="male", birth_date="1980-05-17")
    page.registration.save()
    qtbot.waitUntil(lambda: page.registration.duplicates.isVisible())
    page.registration.duplicates.open_buttons[0].click()
    qtbot.waitUntil(lambda: page.record.patient is not None)
    assert page.record.patient.id == first.id and page.view() == "record"
    page.trigger("new_patient")  # the typing is still there
    assert page.registration.fields.lines["family_name"].text() == "Smith"
    assert _count(ui_store) == 1
    window.close()


def test_edit_conflict_is_explained_and_typing_kept(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin, given_name="Amina", family_name="Otieno")
    window, page = open_window(qtbot, ui_store, admin, clock)
    page.open_patient(patient.id)
    qtbot.waitUntil(lambda: page.record.patient is not None)
    page.record.edit_button.click()
    form = page.registration
    assert page.view() == "form" and form.title.text() == "Edit Amina Otieno"
    assert form.fields.lines["given_name"].text() == "Amina"
    assert form.fields.phones.rows[0].number.text() == "+254 712 345678"
    # Someone else saves the same patient meanwhile.
    with ui_store.session() as s:
        other = PatientUpdate(**{**patient.to_update().__dict__, "alerts": "Wheelchair user"})
        update_patient(s, actor=admin, patient_id=patient.id, data=other, expected_version=patient.version)
    fill_form(page, family_name="Otieno-Were", notes="Moved to Kisumu")
    typed = form.fields.state()
    form.save()
    qtbot.waitUntil(lambda: "they changed: Alerts" in form.banner.text())
    assert form.banner.text().startswith("Someone else saved this patient while you were editing")
    assert form.fields.state() == typed
    assert form.version == patient.version + 1
    # Saving again replaces their version with what was typed (the form still shows no alert: theirs goes).
    form.save()
    qtbot.waitUntil(lambda: page.view() == "record" and page.record.patient.version == patient.version + 2)
    saved = page.record.patient
    assert saved.family_name == "Otieno-Were" and saved.notes == "Moved to Kisumu" and saved.alerts == ""
    window.close()


def test_draft_round_trip_and_clear_sensitive(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin, given_name="Amina", family_name="Otieno")
    window, page = open_window(qtbot, ui_store, admin, clock)
    assert page.collect_draft() is None
    page.open_patient(patient.id)
    qtbot.waitUntil(lambda: page.record.patient is not None)
    page.record.edit_button.click()
    fill_form(page, given_name="Amína", alerts="Needs an interpreter")
    page.registration.fields.phones.add_row()
    page.registration.fields.phones.rows[1].number.setText("0722 000 111")
    page.registration.fields.phones.rows[1].set_code("home")
    page.registration.fields.approximate.setChecked(True)
    draft = page.collect_draft()
    assert draft is not None and draft["view"] == "form"
    assert draft["form"]["editing_id"] == str(patient.id) and draft["form"]["version"] == patient.version
    assert draft["form"]["fields"]["phones"][1] == {"number": "0722 000 111", "label": "home"}
    page.clear_sensitive()
    fields = page.registration.fields
    assert fields.is_empty() and page.registration.editing_id is None and page.record.patient is None
    assert page.view() == "search"
    page.restore_draft(draft)
    settle(qtbot)
    assert page.view() == "form"
    assert page.collect_draft() == draft
    assert page.registration.title.text() == "Edit Amina Otieno"
    page.registration.save()
    qtbot.waitUntil(lambda: page.view() == "record" and page.record.patient.version == patient.version + 1)
    assert page.record.patient.given_name == "Amína"
    assert [p.label for p in page.record.patient.phones] == ["mobile", "home"]
    window.close()


def test_tab_visits_the_fields_in_screen_order(qtbot, ui_store: Store, clock: FakeClock) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    activate(qtbot, window)
    page.trigger("new_patient")
    fields = page.registration.fields
    fields.phones.add_row()  # rows added later still sit in their place
    expected = fields.focus_order()
    fields.lines["given_name"].setFocus()
    seen: list[QWidget] = []
    for _ in range(len(expected) + 5):
        widget = QApplication.focusWidget()
        owner = next((w for w in expected if w is widget or w.isAncestorOf(widget)), None)
        if owner is not None and (not seen or seen[-1] is not owner):
            seen.append(owner)
        if owner is expected[-1]:
            break
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert [w.accessibleName() for w in seen] == [w.accessibleName() for w in expected]
    assert seen == expected
    assert fields.phones.rows[1].number in seen
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() in (page.registration.clear_button, page.registration.cancel_button)


def test_lock_leaves_no_undo_history(qtbot, ui_store: Store, clock: FakeClock) -> None:
    window, page = open_window(qtbot, ui_store, admin_actor(ui_store), clock)
    activate(qtbot, window)
    qtbot.keyClicks(page.search.box, "otieno")
    page.trigger("new_patient")
    qtbot.keyClicks(page.registration.fields.lines["given_name"], "Amina")
    qtbot.keyClicks(page.registration.fields.texts["alerts"], "Deaf")
    page.clear_sensitive()
    for edit in page.findChildren(QLineEdit):
        assert not edit.isUndoAvailable(), edit.objectName()
    for box in page.findChildren(QPlainTextEdit):
        assert not box.document().isUndoAvailable(), box.objectName()
    window.close()
