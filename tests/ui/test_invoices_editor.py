"""The invoice editor end to end: lines (catalogue and free), live totals from the core, issue, a partial
payment through the dialog, the PDF; validation beside the fields; the optimistic version check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QMessageBox

from hmis_desktop.clock import FakeClock
from hmis_desktop.services import invoices
from hmis_desktop.services.invoice_totals import LineAmounts, compute_totals
from hmis_desktop.store.store import Store
from tests.conftest import make_store
from tests.ui.billing_support import Clinic, make_clinic, page_of, pdf_text, window_for
from tests.ui.conftest import close_all_windows, settle
from ui.billing.lines_model import Columns
from ui.billing.patient_picker import PatientChoice
from ui.main_window import MainWindow
from ui.pages.invoices import InvoicesPage


@pytest.fixture
def clinic(ui_store: Store) -> Clinic:
    return make_clinic(ui_store)


@pytest.fixture
def page(qtbot, clinic: Clinic, clock: FakeClock) -> InvoicesPage:
    window = window_for(qtbot, clinic.store, clock, clinic.admin)
    return page_of(window, InvoicesPage, qtbot)


def _edit(qtbot, page: InvoicesPage, row: int, col: Columns, text: str) -> None:
    table = page.editor.table
    index = page.editor.lines.index(row, col)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    _commit(qtbot, page)


def _commit(qtbot, page: InvoicesPage) -> None:
    """Enter in a cell editor; the view commits and closes it on its next event-loop turn."""
    table = page.editor.table
    qtbot.keyClick(table.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def _start(qtbot, page: InvoicesPage, clinic: Clinic) -> None:
    window = page.window()
    assert isinstance(window, MainWindow)
    window.run_command("new_invoice")
    picker = page.picker
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search, "amina")
    picker.search_now()
    settle(qtbot)
    assert picker.model.rowCount() == 1
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)  # one match: Enter chooses it
    settle(qtbot)
    assert page.stack.currentWidget() is page.editor
    assert clinic.patient_name in page.editor.patient_label.text()


def test_create_issue_pay_and_print(qtbot, page: InvoicesPage, clinic: Clinic) -> None:
    _start(qtbot, page, clinic)
    editor = page.editor
    # A catalogue line by code through the look-up box, then a free-text line typed in place.
    qtbot.keyClicks(editor.lookup, "cons")
    qtbot.keyClick(editor.lookup, Qt.Key.Key_Return)
    assert editor.lines.rowCount() == 1
    assert editor.lines.index(0, Columns.DESCRIPTION).data() == "General consultation"
    assert editor.lines.index(0, Columns.UNIT_PRICE).data() == "1500.00"
    assert editor.lines.index(0, Columns.TAX_RATE).data() == "16"
    _edit(qtbot, page, 0, Columns.QUANTITY, "2")
    editor.add_free_line()
    qtbot.keyClicks(editor.table.focusWidget(), "Wound dressing")
    _commit(qtbot, page)
    _edit(qtbot, page, 1, Columns.UNIT_PRICE, "350.50")
    _edit(qtbot, page, 1, Columns.DISCOUNT, "50")
    qtbot.keyClicks(editor.discount, "100")

    expected = compute_totals(
        [
            LineAmounts(Decimal(2), Decimal("1500"), Decimal(0), Decimal(16)),
            LineAmounts(Decimal(1), Decimal("350.50"), Decimal(50), Decimal(0)),
        ],
        Decimal(100),
        2,
    )
    assert editor.live_totals == expected
    money = editor.money
    assert editor.totals.text("total") == money.fmt(expected.total)
    assert editor.totals.text("subtotal") == money.fmt(expected.subtotal)
    assert editor.totals.text("tax") == money.fmt(expected.tax_total)
    assert editor.lines.index(0, Columns.TOTAL).data() == money.fmt(expected.lines[0].total)
    assert editor.lines.index(1, Columns.TOTAL).data() == money.fmt(expected.lines[1].total)

    editor.save_button.click()
    settle(qtbot)
    assert editor.invoice_id is not None and not editor.dirty
    assert "saved" in editor.message.text()

    editor.issue_button.click()
    box = editor.confirm_box
    assert isinstance(box, QMessageBox) and "cannot be changed" in box.informativeText()
    next(b for b in box.buttons() if b.text() == "Issue").click()
    settle(qtbot)
    view = page.view
    assert page.stack.currentWidget() is view
    inv = view.invoice
    assert inv is not None and inv.state == "issued" and inv.total == expected.total
    assert re.fullmatch(r"A-2026-\d{6}", inv.number)
    assert view.title.text() == f"Invoice {inv.number}"
    assert view.badge.text() == "Unpaid"

    dialog = view.take_payment()
    assert dialog.amount.text() == f"{expected.total:.2f}"  # defaults to the balance
    dialog.amount.setText("1000")
    dialog.set_method("card")
    dialog.reference.setText("SLIP-7781")
    dialog.ok.click()
    settle(qtbot)
    inv = view.invoice
    assert inv.paid == Decimal("1000.00") and inv.balance == expected.total - 1000
    assert inv.status == "partially_paid" and view.badge.text() == "Partially paid"
    assert view.totals.text("balance") == money.fmt(inv.balance)
    assert view.payments.rowCount() == 1 and "Card" in view.payments.index(0, 1).data()
    assert "Balance now" in view.message.text()

    qtbot.waitUntil(lambda: view.preview.page_count() > 0, timeout=10_000)
    text = pdf_text(view.preview.pdf_bytes)
    assert inv.number in text and "Partially paid" in text
    assert f"{expected.total:,.2f}" in text and f"{inv.balance:,.2f}" in text
    assert "Wound dressing" in text

    # Back in the list: the row shows the status and balance.
    view.back_button.click()
    settle(qtbot)
    row = page.list.model.rows()[0]
    assert row.number == inv.number and row.status == "partially_paid" and row.balance == inv.balance


def test_refused_save_marks_fields_and_keeps_everything(qtbot, page: InvoicesPage, clinic: Clinic) -> None:
    _start(qtbot, page, clinic)
    editor = page.editor
    editor.add_free_line()
    qtbot.keyClick(editor.table.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: editor.table.state() != QAbstractItemView.State.EditingState)
    _edit(qtbot, page, 0, Columns.QUANTITY, "abc")
    editor.discount.setText("-5")
    editor.notes.setPlainText("Paid by employer")
    editor.save_button.click()
    settle(qtbot)
    assert editor.invoice_id is None  # nothing saved
    errors = editor.line_errors.text()
    assert "Line 1: enter a description." in errors and "Line 1: the quantity must be more than 0" in errors
    assert (
        editor.lines.index(0, Columns.QUANTITY)
        .data(Qt.ItemDataRole.ToolTipRole)
        .startswith("Line 1: the quantity")
    )
    assert "invoice discount" in editor.discount_error.text()
    assert editor.lines.index(0, Columns.QUANTITY).data() == "abc"
    assert editor.notes.toPlainText() == "Paid by employer"
    # Issuing an empty invoice is refused by the core with its own words.
    editor.lines.removeRows(0, 1)
    editor.discount.clear()
    editor.issue(confirmed=True)
    settle(qtbot)
    assert "Add at least one line" in editor.line_errors.text()


def test_concurrent_change_is_explained_and_nothing_is_lost(
    qtbot, page: InvoicesPage, clinic: Clinic
) -> None:
    with clinic.store.session() as s:
        draft = invoices.create_draft(
            s,
            actor=clinic.admin,
            data=invoices.InvoiceCreate(
                clinic.patient_id, lines=[invoices.LineInput(service_id=clinic.lab_id)]
            ),
        )
    page.open_invoice(draft.id)
    settle(qtbot)
    editor = page.editor
    assert page.stack.currentWidget() is editor and editor.lines.rowCount() == 1
    _edit(qtbot, page, 0, Columns.QUANTITY, "3")
    # Someone else saves the same draft meanwhile.
    with clinic.store.session() as s:
        invoices.update_draft(
            s,
            actor=clinic.admin,
            invoice_id=draft.id,
            data=invoices.InvoiceUpdate(
                lines=[invoices.LineInput(description="Other", unit_price=Decimal(5))]
            ),
            expected_updated_at=draft.updated_at,
        )
    editor.save()
    settle(qtbot)
    assert "changed by someone else" in editor.conflict.text()
    assert editor.save_as_new.isVisible()
    assert editor.lines.index(0, Columns.QUANTITY).data() == "3"
    editor.save_as_new.click()
    settle(qtbot)
    assert editor.invoice_id not in (None, draft.id)
    assert "new draft" in editor.message.text()
    with clinic.store.read_session() as s:
        theirs = invoices.load_public(s, draft.id)
        mine = invoices.load_public(s, editor.invoice_id)
    assert [ln.description for ln in theirs.lines] == ["Other"]
    assert mine.lines[0].quantity == 3 and mine.lines[0].description == "Full blood count"


def test_new_invoice_for_a_patient_from_another_page(qtbot, page: InvoicesPage, clinic: Clinic) -> None:
    page.new_invoice_for(clinic.patient_id)
    settle(qtbot)
    assert page.stack.currentWidget() is page.editor
    assert page.editor.patient == PatientChoice(clinic.patient_id, clinic.patient_name, "MRN000001")


@pytest.mark.postgres
def test_invoice_flow_on_postgresql(qtbot, pg_url: str, clock: FakeClock, tmp_path) -> None:
    store, _ = make_store(tmp_path / "pg-profile", clock, url=pg_url)
    try:
        clinic = make_clinic(store)
        window = window_for(qtbot, store, clock, clinic.admin)
        page = page_of(window, InvoicesPage, qtbot)
        page.new_invoice_for(clinic.patient_id)
        settle(qtbot)
        editor = page.editor
        assert editor.lookup.choose("CONS") and editor.lookup.choose("LAB-FBC")
        assert editor.totals.text("total") == editor.money.fmt(Decimal("2540.00"))
        editor.issue(confirmed=True)
        settle(qtbot)
        dialog = page.view.take_payment()
        dialog.amount.setText("1000")
        dialog.ok.click()
        settle(qtbot)
        inv = page.view.invoice
        assert inv.status == "partially_paid" and inv.balance == Decimal("1540.00")
        qtbot.waitUntil(lambda: page.view.preview.page_count() == 1, timeout=10_000)
        assert "1,540.00" in pdf_text(page.view.preview.pdf_bytes)
    finally:
        close_all_windows(qtbot)
        store.close()
