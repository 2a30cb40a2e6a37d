"""Take a payment (or give a refund) for an issued invoice.

The amount defaults to the balance (to what was paid, for a refund); for cash, "amount tendered" shows the
change due from `payments.change_due`. The core decides what is allowed: an overpayment or a refund above
what was paid comes back as a field error shown beside the amount, and nothing is recorded.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.services.invoices import InvoicePublic, PaymentPublic
from hmis_desktop.services.payments import PAYMENT_METHODS, change_due
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.money import ClinicMoney, method_label
from ui.billing.widgets import grow_to_fit
from ui.ops import Op
from ui.widgets import MessageLabel, hint

_NAN = Decimal("NaN")


class PaymentDialog(QDialog):
    """Method, amount, reference (and cash tendered → change due); emits `recorded(PaymentPublic)`."""

    recorded = Signal(object)

    def __init__(
        self,
        store: Store,
        actor: Actor,
        invoice: InvoicePublic,
        money: ClinicMoney,
        *,
        refund: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.actor, self.invoice, self.refund = store, actor, invoice, refund
        self.money = ClinicMoney(invoice.currency, money.locale)
        self.setObjectName("refundDialog" if refund else "paymentDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(
            (self.tr("Refund — {number}") if refund else self.tr("Take a payment — {number}")).format(
                number=invoice.number or ""
            )
        )
        layout = QVBoxLayout(self)
        summary = (
            self.tr("Paid so far: {paid}. A refund is recorded as a negative payment.")
            if refund
            else self.tr("Balance due: {balance} (invoice total {total}).")
        ).format(
            paid=self.money.fmt(invoice.paid),
            balance=self.money.fmt(invoice.balance),
            total=self.money.fmt(invoice.total),
        )
        self.summary = hint(summary)
        layout.addWidget(self.summary)
        form = QFormLayout()
        self.method = QComboBox()
        self.method.setObjectName("paymentMethod")
        self.method.setAccessibleName(self.tr("Payment method"))
        for code in PAYMENT_METHODS:
            self.method.addItem(method_label(code), code)
        self.method_error = MessageLabel()
        form.addRow(self.tr("&Method"), self.method)
        form.addRow("", self.method_error)
        self.amount = QLineEdit(
            self.money.number(invoice.paid if refund else max(invoice.balance, Decimal(0)))
        )
        self.amount.setObjectName("paymentAmount")
        self.amount.setAccessibleName(self.tr("Refund amount") if refund else self.tr("Amount paid"))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_error = MessageLabel()
        self.amount_error.setObjectName("amountError")
        form.addRow(self.tr("&Amount ({currency})").format(currency=invoice.currency), self.amount)
        form.addRow("", self.amount_error)
        self.tendered = QLineEdit()
        self.tendered.setObjectName("cashTendered")
        self.tendered.setAccessibleName(self.tr("Cash tendered"))
        self.tendered.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.tendered.setPlaceholderText(self.tr("what the patient hands over"))
        self.tendered_label = QLabel(self.tr("Cash &tendered"))
        self.tendered_label.setBuddy(self.tendered)
        self.change = QLabel()
        self.change.setObjectName("changeDue")
        self.change.setWordWrap(True)
        form.addRow(self.tendered_label, self.tendered)
        form.addRow("", self.change)
        self.reference = QLineEdit()
        self.reference.setObjectName("paymentReference")
        self.reference.setAccessibleName(self.tr("Reference"))
        self.reference.setPlaceholderText(self.tr("card slip, transfer or claim number"))
        self.reference_error = MessageLabel()
        form.addRow(self.tr("&Reference"), self.reference)
        form.addRow("", self.reference_error)
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Record refund") if refund else self.tr("Record payment"))
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.method.currentIndexChanged.connect(lambda _i: self._method_changed())
        self.amount.textChanged.connect(lambda _t: self._amount_edited())
        self.tendered.textEdited.connect(lambda _t: self.update_change())
        self._method_changed()
        self.amount.selectAll()
        self.amount.setFocus()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 46)

    def showEvent(self, event: QShowEvent) -> None:
        """Room for the wrapped texts."""
        super().showEvent(event)
        grow_to_fit(self)

    def set_method(self, method: str) -> None:
        """Choose a method by its code."""
        self.method.setCurrentIndex(max(0, self.method.findData(method)))

    def _method_changed(self) -> None:
        cash = self.method.currentData() == "cash" and not self.refund
        for w in (self.tendered_label, self.tendered, self.change):
            w.setVisible(cash)
        self.method_error.clear_message()
        self.update_change()

    def _amount_edited(self) -> None:
        self.amount_error.clear_message()
        self.update_change()

    def update_change(self) -> None:
        """Change due for the cash tendered (`payments.change_due`), against the amount being paid."""
        tendered = self.money.parse(self.tendered.text())
        if tendered is None or tendered < 0:
            self.change.setText(self.tr("Change due: —"))
            return
        amount = self.money.parse(self.amount.text())
        due_against = amount if amount is not None and amount > 0 else self.invoice.balance
        change = change_due(tendered, due_against)
        text = self.tr("Change due: {change}").format(change=self.money.fmt(change))
        if tendered < due_against:
            text += "  " + self.tr("(the cash tendered does not cover the amount)")
        self.change.setText(text)
        self.change.setAccessibleName(text)

    def submit(self) -> None:
        """Record it off the GUI thread; a refusal shows beside its field and nothing is recorded."""
        for label in (self.amount_error, self.method_error, self.reference_error, self.message):
            label.clear_message()
        text = self.amount.text()
        parsed = self.money.parse(text)
        amount = parsed if parsed is not None else _NAN  # the core's message says what to type
        method, reference = str(self.method.currentData()), self.reference.text()
        store, actor, invoice_id = self.store, self.actor, self.invoice.id
        fn = work.refund if self.refund else work.take_payment
        self.ok.setEnabled(False)
        Op(
            self,
            lambda: fn(store, actor, invoice_id, amount, method, reference),
            self._done,
            self._failed,
            name="billing.payment",
        ).run()

    def _done(self, payment: PaymentPublic) -> None:
        self.ok.setEnabled(True)
        self.recorded.emit(payment)
        self.accept()

    def _failed(self, error: HMISError) -> None:
        self.ok.setEnabled(True)
        if isinstance(error, ValidationError):
            for key, label in (
                ("amount", self.amount_error),
                ("method", self.method_error),
                ("reference", self.reference_error),
            ):
                if key in error.errors:
                    label.error(error.errors[key])
            grow_to_fit(self)
            if error.errors.get("amount"):
                self.amount.setFocus()
                self.amount.selectAll()
            return
        self.message.error(str(error))
        grow_to_fit(self)
