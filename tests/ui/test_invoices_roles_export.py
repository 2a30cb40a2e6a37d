"""Who may do what on the Invoices page, and the managers' batch export (one PDF, or a folder with cancel)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.services import invoices
from hmis_desktop.store.store import Store
from tests.ui.billing_support import issued_invoice, make_clinic, page_of, user, window_for
from tests.ui.conftest import settle
from ui.billing.export import ExportRequest, chunks, describe, run_export
from ui.billing.invoice_list import InvoiceListModel
from ui.billing.jobs import JobProgress
from ui.billing.patient_picker import PatientChoice
from ui.pages.invoices import InvoicesPage


def test_front_desk_issues_doctor_only_reads(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    desk = user(ui_store, "fatma", Role.FRONT_DESK)
    window = window_for(qtbot, ui_store, clock, desk)
    page = page_of(window, InvoicesPage, qtbot)
    assert window.command_actions["new_invoice"].isEnabled()
    assert not page.export_button.isVisible()
    page.editor.start_new(PatientChoice(clinic.patient_id, clinic.patient_name, "MRN000001"))
    page.stack.setCurrentWidget(page.editor)
    settle(qtbot)
    assert page.editor.lookup.choose("CONS")
    page.editor.issue(confirmed=True)
    settle(qtbot)
    inv = page.view.invoice
    assert inv is not None and inv.state == "issued" and re.fullmatch(r"A-2026-\d{6}", inv.number)
    window.close()

    doctor = user(ui_store, "dr.omondi", Role.DOCTOR)
    window = window_for(qtbot, ui_store, clock, doctor)
    page = page_of(window, InvoicesPage, qtbot)
    assert not window.command_actions["new_invoice"].isEnabled()
    assert not page.list.new_button.isVisible()
    page.new_invoice_for(clinic.patient_id)
    assert "may not create invoices" in page.message.text()
    page.open_invoice(inv.id)
    settle(qtbot)
    view = page.view
    assert page.stack.currentWidget() is view
    assert not any(
        b.isVisible() for b in (view.pay_button, view.refund_button, view.void_button, view.credit_button)
    )
    # A draft opens read-only for a role that cannot edit.
    with ui_store.session() as s:
        draft = invoices.create_draft(s, actor=clinic.admin, data=invoices.InvoiceCreate(clinic.patient_id))
    page.open_invoice(draft.id)
    settle(qtbot)
    assert page.stack.currentWidget() is view and view.badge.text() == "Draft"


def test_list_filters_and_paging(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    paid = issued_invoice(clinic, paid=Decimal("2540"))
    unpaid = issued_invoice(clinic)
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    page = page_of(window, InvoicesPage, qtbot)
    lst = page.list
    assert [r.number for r in lst.model.rows()] == [unpaid.number, paid.number]
    assert lst.model.index(0, InvoiceListModel.Columns.STATUS).data() == "Unpaid"
    lst.status.setCurrentIndex(lst.status.findData("paid"))
    settle(qtbot)
    assert [r.number for r in lst.model.rows()] == [paid.number]
    lst.status.setCurrentIndex(0)
    lst.period.setCurrentIndex(lst.period.findData("last_month"))
    settle(qtbot)
    assert lst.model.rowCount() == 0 and "No invoices match" in lst.message.text()
    lst.period.setCurrentIndex(lst.period.findData("today"))
    settle(qtbot)
    assert lst.model.rowCount() == 2
    picker = lst.pick_patient()
    picker.search.setText("otieno")
    picker.search_now()
    settle(qtbot)
    picker.choose()
    settle(qtbot)
    assert lst.patient is not None and lst.clear_patient.isVisible() and lst.model.rowCount() == 2
    assert not lst.next_button.isEnabled() and lst.page_label.text() == "1–2"


def test_manager_exports_a_period(qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path) -> None:
    clinic = make_clinic(ui_store)
    first = issued_invoice(clinic)
    clock.advance(days=9)
    second = issued_invoice(clinic)
    manager = user(ui_store, "grace", Role.MANAGER)
    window = window_for(qtbot, ui_store, clock, manager)
    page = page_of(window, InvoicesPage, qtbot)
    assert page.export_button.isVisible()
    dialog = page.ask_export()
    dialog.submit()
    assert "Choose the folder" in dialog.message.text()
    dialog.reject()

    start, end = first.issue_date, second.issue_date
    page.export(ExportRequest(start, end, tmp_path / "all.pdf", "one_pdf"))
    assert page.export_strip.isVisible() and not page.export_strip.cancel_button.isVisible()
    settle(qtbot)
    assert page.message.text() == f"2 invoices were exported to {tmp_path / 'all.pdf'}."
    assert len(PdfReader(str(tmp_path / "all.pdf")).pages) == 2

    assert len(chunks(start, end)) == 2  # the folder export goes a week at a time
    page.export(ExportRequest(start, end, tmp_path / "folder", "folder"))
    assert page.export_strip.cancel_button.isVisible()
    settle(qtbot)
    names = sorted(p.name for p in (tmp_path / "folder").iterdir())
    assert names == [f"{first.number}.pdf", f"{second.number}.pdf"]
    assert "2 invoices were exported" in page.message.text()
    assert page.export_strip.last == (2, 2)

    # Cancel stops a folder export between weeks: only complete files, and it says so.
    stopped = JobProgress()
    stopped.cancel()
    summary = run_export(ui_store, manager, ExportRequest(start, end, tmp_path / "none", "folder"), stopped)
    assert summary.cancelled and summary.count == 0 and not (tmp_path / "none").exists()
    assert describe(summary, str).startswith("Stopped: ")
