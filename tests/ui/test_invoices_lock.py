"""The lock with an unsaved invoice draft open: nothing left on screen, everything back after unlock."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hmis_desktop.clock import FakeClock
from hmis_desktop.drafts import load_drafts
from hmis_desktop.permissions import Role
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.billing_support import issued_invoice, make_clinic, page_of, user, widget_texts, window_for
from tests.ui.conftest import USER_PASSWORD, settle
from ui.billing.lines_model import Columns
from ui.billing.patient_picker import PatientChoice
from ui.pages.invoices import InvoicesPage

FREE_LINE = "Suture removal, left forearm"


def _unlock(qtbot, window, password: str) -> None:
    window.lock.screen.password.setText(password)
    window.lock.screen.unlock.click()
    settle(qtbot)


def test_lock_clears_the_unsaved_editor_and_unlock_restores_it(
    qtbot, ui_store: Store, clock: FakeClock
) -> None:
    clinic = make_clinic(ui_store)
    actor = user(ui_store, "fatma", Role.FRONT_DESK)
    window = window_for(qtbot, ui_store, clock, actor)
    page = page_of(window, InvoicesPage, qtbot)
    page.editor.start_new(PatientChoice(clinic.patient_id, clinic.patient_name, "MRN000001"))
    page.stack.setCurrentWidget(page.editor)
    settle(qtbot)
    editor = page.editor
    assert editor.lookup.choose("LAB-FBC")
    row = editor.lines.add_line()
    editor.lines.setData(editor.lines.index(row, Columns.DESCRIPTION), FREE_LINE)
    editor.lines.setData(editor.lines.index(row, Columns.UNIT_PRICE), "250")
    editor.lines.setData(editor.lines.index(row, Columns.QUANTITY), "2")
    editor.discount.setText("50")
    editor.notes.setPlainText("Employer pays half")
    editor.due_set.setChecked(True)
    editor.table.setCurrentIndex(editor.lines.index(row, Columns.QUANTITY))
    editor.recompute()
    before = editor.collect_draft()
    totals_before = editor.totals.text("total")
    assert before is not None and before["lines"][1]["description"] == FREE_LINE
    assert editor.dirty

    window.lock.lock("manual")
    assert window.locked
    texts = widget_texts(window)
    assert clinic.patient_name not in texts and "Amina" not in texts
    assert FREE_LINE not in texts and "Full blood count" not in texts
    assert "Employer pays half" not in texts
    assert editor.lines.rowCount() == 0 and editor.patient is None
    assert editor.catalogue.strings.rowCount() == 0
    settle(qtbot)
    with ui_store.read_session() as s:
        saved = load_drafts(s, actor=actor)
    assert saved["invoices"]["editor"]["lines"][1]["description"] == FREE_LINE

    _unlock(qtbot, window, USER_PASSWORD)
    assert not window.locked
    assert page.stack.currentWidget() is page.editor
    assert editor.collect_draft() == before
    assert editor.totals.text("total") == totals_before
    assert editor.lines.index(1, Columns.DESCRIPTION).data() == FREE_LINE
    assert clinic.patient_name in editor.patient_label.text()
    assert editor.dirty
    # The restored draft saves like any other.
    editor.save()
    settle(qtbot)
    assert editor.invoice_id is not None and "saved" in editor.message.text()


def test_lock_clears_the_issued_view_and_its_pdf(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    inv = issued_invoice(clinic)
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    page = page_of(window, InvoicesPage, qtbot)
    page.list.refresh()
    settle(qtbot)
    assert clinic.patient_name in page.list.model.index(0, 2).data()
    page.list.table.setFocus()
    page.list.table.selectRow(0)
    qtbot.keyClick(page.list.table, Qt.Key.Key_Return)  # Enter opens the highlighted invoice
    settle(qtbot)
    assert page.view.invoice is not None and page.view.invoice.id == inv.id
    qtbot.waitUntil(lambda: page.view.preview.page_count() == 1, timeout=10_000)
    window.lock.lock("manual")
    texts = widget_texts(window)
    assert clinic.patient_name not in texts and "General consultation" not in texts
    assert page.view.preview.pdf_bytes is None and page.view.preview.canvas.pixmap().isNull()
    assert page.list.model.rowCount() == 0
    settle(qtbot)
    _unlock(qtbot, window, ADMIN_PASSWORD)
    assert page.stack.currentWidget() is page.view and page.view.invoice.id == inv.id
    qtbot.waitUntil(lambda: page.view.preview.page_count() == 1, timeout=10_000)
