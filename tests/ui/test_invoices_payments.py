"""Payments, refunds, voids and credit notes through the dialogs, and who may do what."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.services import invoices
from hmis_desktop.store.store import Store
from tests.ui.billing_support import Clinic, issued_invoice, make_clinic, page_of, pdf_text, user, window_for
from tests.ui.conftest import settle
from ui.billing.pdf_preview import PdfPreview
from ui.billing.receipt_dialog import ReceiptDialog
from ui.pages.invoices import InvoicesPage


@pytest.fixture
def clinic(ui_store: Store) -> Clinic:
    return make_clinic(ui_store)


def _open(qtbot, clinic: Clinic, clock: FakeClock, role: str, invoice_id) -> InvoicesPage:
    actor = clinic.admin if role == Role.ADMIN else user(clinic.store, f"u.{role}", role)
    window = window_for(qtbot, clinic.store, clock, actor)
    page = page_of(window, InvoicesPage, qtbot)
    page.open_invoice(invoice_id)
    settle(qtbot)
    assert page.stack.currentWidget() is page.view
    return page


def _payments(clinic: Clinic, invoice_id) -> list[Decimal]:
    with clinic.store.read_session() as s:
        return [p.amount for p in invoices.load_public(s, invoice_id).payments]


def test_overpayment_is_refused_beside_the_amount_and_cash_change_is_shown(
    qtbot, clinic: Clinic, clock: FakeClock
) -> None:
    inv = issued_invoice(clinic)  # 1500 + 16 % tax + 800 = 2540.00
    assert inv.total == Decimal("2540.00")
    page = _open(qtbot, clinic, clock, Role.FRONT_DESK, inv.id)
    dialog = page.view.take_payment()
    assert dialog.amount.text() == "2540.00"
    assert dialog.tendered.isVisible()
    dialog.tendered.setText("3000")
    dialog.update_change()
    assert dialog.change.text() == "Change due: " + page.money.fmt(Decimal("460.00"))
    dialog.amount.setText("2600")
    dialog.ok.click()
    settle(qtbot)
    assert dialog.isVisible()
    assert dialog.amount_error.isVisible()
    assert "is more than the balance" in dialog.amount_error.text()
    assert "give the rest back as change" in dialog.amount_error.text()
    assert _payments(clinic, inv.id) == []
    # Card has no tendered field.
    dialog.set_method("card")
    assert not dialog.tendered.isVisible()
    dialog.reject()


def test_front_desk_takes_payments_but_cannot_refund_or_void(qtbot, clinic: Clinic, clock: FakeClock) -> None:
    inv = issued_invoice(clinic)
    page = _open(qtbot, clinic, clock, Role.FRONT_DESK, inv.id)
    view = page.view
    assert view.pay_button.isVisible() and view.pay_button.isEnabled()
    assert not view.void_button.isVisible()
    assert not view.credit_button.isVisible()
    assert not view.refund_button.isVisible()
    assert view.open_void() is None and view.open_credit_note() is None
    dialog = view.take_payment()
    dialog.amount.setText("540")
    dialog.ok.click()
    settle(qtbot)
    assert view.invoice.status == "partially_paid" and view.invoice.balance == Decimal("2000.00")
    assert _payments(clinic, inv.id) == [Decimal("540.00")]
    # Receipt after a payment, in both layouts.
    receipt = view.open_receipt()
    assert isinstance(receipt, ReceiptDialog)
    qtbot.waitUntil(lambda: receipt.preview.page_count() > 0, timeout=10_000)
    assert "540.00" in pdf_text(receipt.preview.pdf_bytes)
    receipt.layout_combo.setCurrentIndex(1)
    settle(qtbot)
    assert receipt.preview.pdf_bytes is not None
    assert receipt.preview.file_name == f"{inv.number}-receipt.pdf"
    receipt.reject()


def test_manager_voids_with_a_reason_and_issues_a_credit_note(
    qtbot, clinic: Clinic, clock: FakeClock
) -> None:
    unpaid = issued_invoice(clinic)
    page = _open(qtbot, clinic, clock, Role.MANAGER, unpaid.id)
    view = page.view
    assert view.void_button.isVisible() and view.credit_button.isVisible() and view.refund_button.isVisible()
    dialog = view.open_void()
    dialog.ok.click()
    settle(qtbot)
    assert "Give the reason" in dialog.reason_error.text()
    dialog.reason.setPlainText("Billed to the wrong patient")
    dialog.ok.click()
    settle(qtbot)
    assert view.invoice.status == "voided" and view.badge.text() == "Voided"
    assert "Voided: Billed to the wrong patient" in view.info.text()
    assert not view.pay_button.isEnabled() and not view.void_button.isEnabled()

    # A part-paid invoice: a void is refused by the core, a credit note for one line works.
    paid = issued_invoice(clinic, paid=Decimal("500"))
    page.open_invoice(paid.id)
    settle(qtbot)
    dialog = view.open_void()
    dialog.reason.setPlainText("Changed my mind")
    dialog.ok.click()
    settle(qtbot)
    assert "has payments" in dialog.message.text()
    dialog.reject()
    credit = view.open_credit_note()
    credit.some.setChecked(True)
    credit.tick(1)  # the full blood count (800.00)
    credit.reason.setPlainText("Test not done")
    credit.ok.click()
    settle(qtbot)
    inv = view.invoice
    assert inv.credited == Decimal("800.00") and inv.balance == Decimal("1240.00")
    assert inv.status == "partially_paid"
    assert view.related_button.isVisible() and "Open credit note" in view.related_button.text()
    cn_number = inv.credit_notes[0].number
    assert f"Credit note {cn_number}" in view.info.text()
    view.related_button.click()
    settle(qtbot)
    assert view.invoice.kind == "credit_note" and view.title.text() == f"Credit note {cn_number}"
    assert not view.pay_button.isEnabled()

    # Refund (manager): more than was paid is refused beside the amount; a refund within it is recorded.
    page.open_invoice(paid.id)
    settle(qtbot)
    refund = view.take_payment(refund=True)
    assert refund.amount.text() == "500.00"
    refund.amount.setText("600")
    refund.ok.click()
    settle(qtbot)
    assert "more than what was paid" in refund.amount_error.text()
    refund.amount.setText("200")
    refund.ok.click()
    settle(qtbot)
    assert _payments(clinic, paid.id) == [Decimal("500.00"), Decimal("-200.00")]
    assert view.invoice.paid == Decimal("300.00")


def test_save_as_pdf_writes_the_previewed_bytes_named_by_number(
    qtbot, clinic: Clinic, clock: FakeClock, tmp_path
) -> None:
    inv = issued_invoice(clinic)
    page = _open(qtbot, clinic, clock, Role.FRONT_DESK, inv.id)
    preview: PdfPreview = page.view.preview
    qtbot.waitUntil(lambda: preview.page_count() == 1, timeout=10_000)
    assert preview.file_name == f"{inv.number}.pdf"
    preview.ask_save()
    dialog = preview.save_dialog
    assert dialog is not None and dialog.selectedFiles()[0].endswith(f"{inv.number}.pdf")
    assert clinic.patient_name.split()[0] not in dialog.selectedFiles()[0]
    dialog.reject()
    preview.save_to(tmp_path / inv.number)
    settle(qtbot)
    written = tmp_path / f"{inv.number}.pdf"
    assert written.read_bytes() == preview.pdf_bytes
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    assert "Saved to" in preview.message.text()
    # Page navigation and zoom-to-fit.
    assert preview.page_label.text() == "Page 1 of 1"
    assert not preview.next_button.isEnabled()
    width = preview.canvas.pixmap().width()
    preview.fit_button.setChecked(True)
    assert preview.canvas.pixmap().width() <= width
