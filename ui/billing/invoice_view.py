"""An issued invoice or credit note, read-only: number, status, lines, totals, payments, balance, and its PDF.

Actions by role (the core checks again): take a payment (front desk and up), refund, void and credit note
(managers and administrators), receipts for payments, print and save the PDF from the preview.
"""

from __future__ import annotations

import enum
import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import permissions
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.permissions import Perm
from hmis_desktop.services.invoices import InvoicePublic, PaymentPublic
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.lines_model import Columns, LinesModel
from ui.billing.money import ClinicMoney, fmt_date, kind_label, method_label, status_label
from ui.billing.payment_dialog import PaymentDialog
from ui.billing.pdf_preview import PdfPreview
from ui.billing.receipt_dialog import ReceiptDialog
from ui.billing.table_model import RecordModel
from ui.billing.totals_panel import TotalsPanel
from ui.billing.void_dialogs import CreditNoteDialog, VoidDialog
from ui.billing.widgets import badge_label, set_badge, table_view
from ui.ops import Op
from ui.widgets import MessageLabel, heading


class PaymentsModel(RecordModel[PaymentPublic]):
    """Payments and refunds of one invoice."""

    class Columns(enum.IntEnum):
        DATE = 0
        METHOD = 1
        REFERENCE = 2
        AMOUNT = 3

    numeric = frozenset({Columns.AMOUNT})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.DATE: self.tr("Date"),
            C.METHOD: self.tr("Method"),
            C.REFERENCE: self.tr("Reference"),
            C.AMOUNT: self.tr("Amount"),
        }

    def cell(self, row: PaymentPublic, column: int) -> str:
        """A payment's text (refunds are negative)."""
        C = self.Columns
        if column == C.DATE:
            return row.paid_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == C.METHOD:
            return method_label(row.method) + (self.tr(" (refund)") if row.amount < 0 else "")
        if column == C.REFERENCE:
            return row.reference
        return self.money.fmt(row.amount)


class InvoiceView(QWidget):
    """Shows one issued document; emits `open_requested(id)` for a related one and `closed()`."""

    open_requested = Signal(object)
    changed = Signal(object)
    closed = Signal()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setObjectName("invoiceView")
        self.money = ClinicMoney()
        self.invoice: InvoicePublic | None = None
        self.last_payment: PaymentPublic | None = None
        self.dialog: QWidget | None = None
        role = actor.role
        self.can_pay = permissions.allowed(role, Perm.PAYMENT_TAKE)
        self.can_refund = permissions.allowed(role, Perm.PAYMENT_REFUND)
        self.can_void = permissions.allowed(role, Perm.INVOICE_VOID)
        self._build()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        layout = QVBoxLayout(left)
        layout.setContentsMargins(0, 0, 8, 0)
        top = QHBoxLayout()
        self.title = heading("", level=2)
        self.title.setWordWrap(False)
        self.badge = badge_label("draft", "")
        top.addWidget(self.title)
        top.addWidget(self.badge)
        top.addStretch(1)
        layout.addLayout(top)
        self.patient_label = QLabel()
        self.patient_label.setObjectName("patientHeader")
        self.dates = QLabel()
        self.dates.setObjectName("hint")
        layout.addWidget(self.patient_label)
        layout.addWidget(self.dates)
        self.lines = LinesModel(self)
        self.lines.read_only = True
        self.table = QTableView()
        self.table.setModel(self.lines)
        self.lines.setParent(self.table)  # deleted with its view, never before it
        self.table.setObjectName("issuedLines")
        self.table.setAccessibleName(self.tr("Invoice lines"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Columns.DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 2)
        self.info = QLabel()
        self.info.setObjectName("hint")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.totals = TotalsPanel()
        row = QHBoxLayout()
        self.payments = PaymentsModel(self)
        self.payments_table = table_view(
            self.payments, self.tr("Payments"), stretch=PaymentsModel.Columns.REFERENCE
        )
        self.payments_table.setObjectName("paymentsTable")
        row.addWidget(self.payments_table, 3)
        row.addWidget(self.totals, 2)
        layout.addLayout(row, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        actions = QHBoxLayout()
        self.pay_button = QPushButton(self.tr("Take &payment…"))
        self.pay_button.setObjectName("payButton")
        self.pay_button.setProperty("primary", True)
        self.receipt_button = QPushButton(self.tr("R&eceipt…"))
        self.refund_button = QPushButton(self.tr("Re&fund…"))
        self.void_button = QPushButton(self.tr("&Void…"))
        self.void_button.setObjectName("voidButton")
        self.credit_button = QPushButton(self.tr("&Credit note…"))
        self.credit_button.setObjectName("creditButton")
        self.related_button = QPushButton()
        self.back_button = QPushButton(self.tr("Back to the list"))
        for w in (
            self.pay_button,
            self.receipt_button,
            self.refund_button,
            self.void_button,
            self.credit_button,
        ):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.related_button)
        actions.addWidget(self.back_button)
        layout.addLayout(actions)
        self.pay_button.setVisible(self.can_pay)
        self.refund_button.setVisible(self.can_refund)
        self.void_button.setVisible(self.can_void)
        self.credit_button.setVisible(self.can_void)
        split.addWidget(left)
        self.preview = PdfPreview()
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([640, 500])
        outer.addWidget(split)
        self.pay_button.clicked.connect(lambda: self.take_payment())
        self.refund_button.clicked.connect(lambda: self.take_payment(refund=True))
        self.receipt_button.clicked.connect(lambda: self.open_receipt())
        self.void_button.clicked.connect(lambda: self.open_void())
        self.credit_button.clicked.connect(lambda: self.open_credit_note())
        self.related_button.clicked.connect(self._open_related)
        self.back_button.clicked.connect(self.closed)
        self.payments_table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def set_money(self, money: ClinicMoney) -> None:
        """The clinic's locale for amounts."""
        self.money = money

    # --- showing ---------------------------------------------------------------------------------

    def show_invoice(self, inv: InvoicePublic, *, render_pdf: bool = True) -> None:
        """Show a document and render its PDF."""
        self.invoice = inv
        m = ClinicMoney(inv.currency, self.money.locale)
        self.lines.money = m
        self.payments.money = m
        kind = kind_label(inv.kind)
        self.title.setText(f"{kind} {inv.number or ''}".strip())
        set_badge(self.badge, inv.status, status_label(inv.status))
        text = self.tr("For {name} · record no. {mrn}").format(name=inv.patient_name, mrn=inv.patient_mrn)
        self.patient_label.setText(text)
        self.dates.setText(
            self.tr("Issued {issued} · due {due}").format(
                issued=fmt_date(inv.issue_date), due=fmt_date(inv.due_date)
            )
        )
        self.lines.load_public(inv.lines)
        self.payments.set_rows(inv.payments)
        self.totals.show_invoice(inv, self.money)
        self.info.setText(self._info_text(inv, m))
        self.info.setVisible(bool(self.info.text()))
        self._update_buttons()
        if render_pdf:
            self.load_pdf()

    def _info_text(self, inv: InvoicePublic, m: ClinicMoney) -> str:
        parts = []
        if inv.status == "voided" and inv.void_reason:
            parts.append(self.tr("Voided: {reason}").format(reason=inv.void_reason))
        if inv.credit_of_number:
            parts.append(self.tr("Credits invoice {number}.").format(number=inv.credit_of_number))
            if inv.notes:
                parts.append(self.tr("Reason: {reason}").format(reason=inv.notes))
        elif inv.notes:
            parts.append(inv.notes)
        for cn in inv.credit_notes:
            parts.append(
                self.tr("Credit note {number}: {amount}.").format(number=cn.number, amount=m.fmt(cn.total))
            )
        return "\n".join(parts)

    def load_pdf(self) -> None:
        """The document's PDF into the preview (off the GUI thread; audited as a print by the core)."""
        if self.invoice is None:
            return
        store, actor, inv = self.store, self.actor, self.invoice
        name = work.pdf_file_name(inv.number)
        title = f"{kind_label(inv.kind)} {inv.number or ''}"
        Op(
            self,
            lambda: work.invoice_pdf(store, actor, inv.id),
            lambda data: self.preview.set_pdf(data, name, title),
            lambda e: self.preview.message.error(str(e)),
            key="billing.view.pdf",
        ).run()

    def reload(self, after: str = "") -> None:
        """Read the document again (after a payment, a void, a credit note)."""
        if self.invoice is None:
            return
        store, actor, invoice_id = self.store, self.actor, self.invoice.id

        def show(inv: InvoicePublic) -> None:
            self.show_invoice(inv)
            if after:
                self.message.success(after)
            self.changed.emit(inv)

        Op(
            self, lambda: work.load_invoice(store, actor, invoice_id), show, self._failed, key="billing.view"
        ).run()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def _update_buttons(self) -> None:
        inv = self.invoice
        invoice = inv is not None and inv.kind == "invoice"
        issued = invoice and inv is not None and inv.state == "issued"
        self.pay_button.setEnabled(bool(issued and inv and inv.balance > 0))
        self.refund_button.setEnabled(bool(invoice and inv and inv.paid > 0))
        self.void_button.setEnabled(bool(issued))
        self.credit_button.setEnabled(bool(issued))
        self.receipt_button.setEnabled(self._receipt_payment() is not None)
        related = None
        if inv is not None and inv.credit_of_id is not None:
            related = self.tr("Open invoice {number}").format(number=inv.credit_of_number or "")
        elif inv is not None and inv.credit_notes:
            related = self.tr("Open credit note {number}").format(number=inv.credit_notes[-1].number)
        self.related_button.setVisible(related is not None)
        self.related_button.setText(related or "")

    def _receipt_payment(self) -> PaymentPublic | None:
        rows = self.payments_table.selectionModel().selectedRows()
        if rows:
            return self.payments.row_at(rows[0].row())
        found = self.payments.rows()
        return found[-1] if found else None

    def _open_related(self) -> None:
        inv = self.invoice
        if inv is None:
            return
        target: uuid.UUID | None = inv.credit_of_id or (inv.credit_notes[-1].id if inv.credit_notes else None)
        if target is not None:
            self.open_requested.emit(target)

    # --- actions ---------------------------------------------------------------------------------

    def take_payment(self, refund: bool = False) -> PaymentDialog | None:
        """The payment (or refund) dialog; the invoice is read again after it."""
        if self.invoice is None:
            return None
        dialog = PaymentDialog(self.store, self.actor, self.invoice, self.money, refund=refund, parent=self)
        dialog.recorded.connect(self._payment_recorded)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _payment_recorded(self, payment: PaymentPublic) -> None:
        self.last_payment = payment
        m = ClinicMoney(self.invoice.currency if self.invoice else self.money.currency, self.money.locale)
        what = self.tr("Refund") if payment.amount < 0 else self.tr("Payment")
        self.reload(
            self.tr(
                "{what} of {amount} recorded. Balance now {balance}. Use Receipt… to print a receipt."
            ).format(what=what, amount=m.fmt(abs(payment.amount)), balance=m.fmt(payment.balance_after))
        )

    def open_receipt(self, payment: PaymentPublic | None = None) -> ReceiptDialog | None:
        """Preview a receipt for the selected (or latest) payment."""
        payment = payment or self._receipt_payment()
        if payment is None or self.invoice is None:
            return None
        dialog = ReceiptDialog(self.store, self.actor, payment.id, self.invoice.number or "", parent=self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_void(self) -> VoidDialog | None:
        """Void with a reason."""
        if self.invoice is None or not self.can_void:
            return None
        dialog = VoidDialog(self.store, self.actor, self.invoice, parent=self)
        dialog.completed.connect(
            lambda inv: self.reload(self.tr("Invoice {n} was voided.").format(n=inv.number))
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_credit_note(self) -> CreditNoteDialog | None:
        """Issue a credit note."""
        if self.invoice is None or not self.can_void:
            return None
        dialog = CreditNoteDialog(self.store, self.actor, self.invoice, self.money, parent=self)
        dialog.completed.connect(
            lambda cn: self.reload(self.tr("Credit note {n} was issued.").format(n=cn.number))
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def clear_sensitive(self) -> None:
        """Drop the document, its PDF and every label that names the patient."""
        self.invoice = None
        self.last_payment = None
        self.dialog = None
        self.lines.clear()
        self.payments.clear()
        self.totals.clear()
        for label in (self.title, self.patient_label, self.dates, self.info):
            label.clear()
        self.message.clear_message()
        self.preview.clear()
        self._update_buttons()
