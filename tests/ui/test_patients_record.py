"""The patient record page: header and alerts, what each role sees (Merge, Archive, History), invoices with
the balance and the hand-over, archive and restore, merging through the dialog."""

from __future__ import annotations

import shiboken6

from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.services.patients import get_patient
from hmis_desktop.store.store import Store
from tests.billing_helpers import issued, pay_now
from tests.conftest import admin_actor
from tests.patients_helpers import reg
from tests.ui.conftest import add_user, settle
from tests.ui.patients_ui import mnemonics, open_window
from ui.pages.patients import PatientsPage
from ui.patients.invoices_tab import Columns as InvoiceColumns
from ui.patients.merge_dialog import MergeDialog


def _open(qtbot, page: PatientsPage, patient_id) -> None:
    page.open_patient(patient_id)
    qtbot.waitUntil(lambda: page.record.patient is not None and page.record.patient.id == patient_id)
    settle(qtbot)


def _tab_titles(page: PatientsPage) -> list[str]:
    tabs = page.record.tabs
    return [tabs.tabText(i).replace("&", "") for i in range(tabs.count())]


def test_front_desk_sees_no_merge_archive_or_history(qtbot, ui_store: Store, clock: FakeClock) -> None:
    desk = add_user(ui_store, "fatma", Role.FRONT_DESK)
    patient = reg(ui_store, desk, alerts="Deaf", allergies="Penicillin")
    window, page = open_window(qtbot, ui_store, desk, clock)
    _open(qtbot, page, patient.id)
    record = page.record
    assert record.name.text() == "John Smith"
    assert record.info.text() == "MRN000001 · 45 y · Male"
    assert record.alerts.isVisibleTo(window) and record.alerts.property("kind") == "error"
    assert record.alerts.text() == "Allergies: Penicillin\nAlerts: Deaf"
    assert not record.merge_button.isVisibleTo(window) and not record.archive_button.isVisibleTo(window)
    assert record.edit_button.isVisibleTo(window)
    assert record.history is None
    assert _tab_titles(page) == ["Details", "Invoices", "Documents"]
    assert record.invoices is not None and not record.invoices.new_button.isHidden()
    assert record.details.values["phones"].text() == "0712 345678  (Mobile)"
    assert record.open_merge() is None
    window.close()


def test_doctor_sees_no_history_and_cannot_start_invoices(qtbot, ui_store: Store, clock: FakeClock) -> None:
    doctor = add_user(ui_store, "dr.osei", Role.DOCTOR)
    patient = reg(ui_store, doctor)
    window, page = open_window(qtbot, ui_store, doctor, clock)
    _open(qtbot, page, patient.id)
    assert page.record.history is None
    assert "History" not in _tab_titles(page)
    assert not page.record.merge_button.isVisibleTo(window)
    assert page.record.documents is not None and not page.record.documents.export_button.isHidden()
    assert page.record.invoices.new_button.isHidden()
    window.close()


def test_manager_sees_history_merge_and_archive(qtbot, ui_store: Store, clock: FakeClock) -> None:
    desk = add_user(ui_store, "fatma", Role.FRONT_DESK, display_name="Fatma Ali")
    manager = add_user(ui_store, "mina", Role.MANAGER, display_name="Mina Wanjiru")
    patient = reg(ui_store, desk)
    window, page = open_window(qtbot, ui_store, manager, clock)
    _open(qtbot, page, patient.id)
    record = page.record
    assert _tab_titles(page) == ["Details", "Invoices", "Documents", "History"]
    assert record.merge_button.isVisibleTo(window) and record.archive_button.isVisibleTo(window)
    record.tabs.setCurrentWidget(record.history)
    qtbot.waitUntil(lambda: record.history.model.rowCount() > 0)
    model = record.history.model
    assert model.actions()[-1] == "patient.create"
    last = model.rowCount() - 1
    assert [model.index(last, c).data() for c in range(1, 4)] == [
        "Registered the patient",
        "Fatma Ali",
        "Front desk",
    ]
    assert "patient.view" in model.actions()
    texts = " ".join(str(model.index(r, c).data()) for r in range(model.rowCount()) for c in range(5))
    assert "John" not in texts and "Smith" not in texts

    record.archive_button.click()
    qtbot.waitUntil(lambda: record.patient.status == "archived")
    assert record.archive_button.text() == "Restore &patient"
    assert record.info.text().endswith("ARCHIVED")
    assert "archived" in record.notice.text()
    record.archive_button.click()
    qtbot.waitUntil(lambda: record.patient.status == "active")
    assert record.message.text() == "Restored."
    window.close()


def test_invoices_tab_lists_invoices_with_the_balance(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin)
    first = issued(ui_store, admin, patient.id)
    pay_now(ui_store, admin, first.id, "400")
    window, page = open_window(qtbot, ui_store, admin, clock)
    _open(qtbot, page, patient.id)
    tab = page.record.invoices
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1)
    row = [tab.model.index(0, c).data() for c in range(len(InvoiceColumns))]
    assert row[0] == first.number and row[2] == "Partly paid"
    assert row[3:] == ["KES1,000.00", "KES400.00", "KES600.00"]  # en_US formats
    assert tab.balance.text() == "Owes KES600.00"
    # Opening an invoice, and New invoice, hand over to the Invoices page.
    invoices_page = window.page_for("new_invoice")
    assert invoices_page is not None
    tab.table.activated.emit(tab.model.index(0, 0))
    qtbot.waitUntil(lambda: window.current_page() is invoices_page)
    qtbot.waitUntil(
        lambda: invoices_page.view.invoice is not None and invoices_page.view.invoice.id == first.id
    )
    window.show_page(page)
    tab.new_button.click()
    qtbot.waitUntil(lambda: window.current_page() is invoices_page)
    qtbot.waitUntil(lambda: invoices_page.editor.patient is not None)
    assert invoices_page.editor.patient.id == patient.id
    assert invoices_page.stack.currentWidget() is invoices_page.editor
    window.close()


def test_merge_through_the_dialog(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    keep = reg(ui_store, admin, given_name="Amina", family_name="Otieno", national_id="11223344")
    dup = reg(ui_store, admin, given_name="Amina", family_name="Otieno", phones=[])
    window, page = open_window(qtbot, ui_store, admin, clock)
    _open(qtbot, page, keep.id)
    dialog = page.record.open_merge()
    assert isinstance(dialog, MergeDialog) and dialog.isVisible()
    dialog.search.box.setText("amina otieno")
    qtbot.waitUntil(lambda: dialog.search.model.rowCount() == 1 and not dialog.search.pending())
    assert dialog.search.selected_id() == dup.id  # the open record itself is not offered
    dialog.search.open_current()
    qtbot.waitUntil(lambda: dialog.other is not None)
    assert dialog.merge_button.text() == "&Merge MRN000002 into MRN000001"
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: dialog.reason_error.isVisible())
    assert dialog.reason_error.text().startswith("Say why these two records are the same person")
    dialog.reason.setText("Registered twice")
    dialog.merge_button.click()
    qtbot.waitUntil(lambda: page.record.message.text() == "The records were merged.")
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed and deleted
    with ui_store.session() as s:
        assert get_patient(s, actor=admin, patient_id=dup.id).status == "merged"
    # The merged record shows where it went.
    _open(qtbot, page, dup.id)
    assert page.record.open_kept.isVisibleTo(window)
    assert not page.record.merge_button.isEnabled()
    page.record.open_kept.click()
    qtbot.waitUntil(lambda: page.record.patient is not None and page.record.patient.id == keep.id)
    window.close()


def test_alt_keys_are_unique_on_each_view(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin)
    window, page = open_window(qtbot, ui_store, admin, clock)
    seen = {"search": mnemonics(page.search_view)}
    page.trigger("new_patient")
    seen["form"] = mnemonics(page.registration)
    _open(qtbot, page, patient.id)
    for i in range(page.record.tabs.count()):
        page.record.tabs.setCurrentIndex(i)
        seen[page.record.tabs.tabText(i)] = mnemonics(page.record)
    for view, keys in seen.items():
        assert len(keys) == len(set(keys)), (view, sorted(keys))
    assert len(seen["form"]) >= 15
    window.close()
