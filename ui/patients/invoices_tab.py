"""The record page's Invoices tab: the patient's invoices with balances, and the hand-over to the Invoices page.

Creating or opening an invoice is the Invoices page's job. `hand_over_invoice` finds that page through the
main window (`page_for("new_invoice")`, or the page offering `open_invoice`), shows it, and asks it to start
a draft for this patient (`new_invoice_for(patient_id)`) or to open an invoice (`open_invoice(invoice_id)`).
"""

from __future__ import annotations

import enum
import uuid
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm, allowed
from hmis_desktop.services.invoices import InvoiceSummary, PatientBalance
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.patients import format as fmt
from ui.patients import work
from ui.table_model import RowsModel
from ui.widgets import MessageLabel

INVOICE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
STATUS_LABELS = {
    "draft": "Draft",
    "unpaid": "Unpaid",
    "partially_paid": "Partly paid",
    "paid": "Paid",
    "voided": "Voided",
}


def money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount in the clinic's locale ("KES 1,500.00")."""
    try:
        return format_currency(amount, currency, locale=locale)
    except (ValueError, TypeError, AttributeError):
        return f"{currency} {amount:,.2f}"


def _invoices_page(window: QWidget) -> QWidget | None:
    """The page that makes invoices (`page_for("new_invoice")`), else any page that opens them."""
    page_for = getattr(window, "page_for", None)
    page = page_for("new_invoice") if callable(page_for) else None
    if page is None:
        pages = getattr(window, "pages", [])
        page = next((p for p in pages if callable(getattr(p, "open_invoice", None))), None)
    return page


def hand_over_invoice(widget: QWidget, patient_id: uuid.UUID, invoice_id: uuid.UUID | None = None) -> bool:
    """Show the Invoices page with a new draft for this patient, or one invoice; False if there is none."""
    window = widget.window()
    page = _invoices_page(window)
    if page is None:
        return False
    if invoice_id is not None:
        if not callable(getattr(page, "open_invoice", None)):
            return False
        window.show_page(page)  # type: ignore[attr-defined]
        page.open_invoice(invoice_id)  # type: ignore[attr-defined]
        return True
    start = getattr(page, "new_invoice_for", None) or getattr(page, "start_invoice", None)
    window.show_page(page)  # type: ignore[attr-defined]
    if callable(start):
        start(patient_id)
    else:
        page.trigger("new_invoice")  # type: ignore[attr-defined]
    return True


class Columns(enum.IntEnum):
    """The invoices table's columns."""

    NUMBER = 0
    DATE = 1
    STATUS = 2
    TOTAL = 3
    PAID = 4
    BALANCE = 5


class PatientInvoicesModel(RowsModel[InvoiceSummary]):
    """A patient's invoices."""

    Columns = Columns

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.locale = "en_US"

    def header(self, column: int) -> str:
        """A column's title."""
        titles = ("Number", "Issued", "Status", "Total", "Paid", "Balance")
        return fmt.tr(titles[column])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; the invoice id under INVOICE_ID_ROLE."""
        row = self.row_of(index)
        if row is None:
            return None
        col = Columns(index.column())
        if role == INVOICE_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= Columns.TOTAL:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col is Columns.NUMBER:
            number = row.number or fmt.tr("(draft)")
            return number if row.kind == "invoice" else fmt.tr("Credit note {number}").format(number=number)
        if col is Columns.DATE:
            return fmt.date_text(row.issue_date) or fmt.date_text(row.created_at.date())
        if col is Columns.STATUS:
            return fmt.tr(STATUS_LABELS.get(row.status, row.status))
        amount = {Columns.TOTAL: row.total, Columns.PAID: row.paid, Columns.BALANCE: row.balance}[col]
        return money(amount, row.currency, self.locale)


class InvoicesTab(QWidget):
    """The patient's invoices, the balance, New invoice."""

    loaded = Signal()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.patient_id: uuid.UUID | None = None
        self.currency = "USD"
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.balance = QLabel()
        self.balance.setObjectName("patientBalance")
        self.new_button = QPushButton(self.tr("&New invoice"))
        self.new_button.setObjectName("newInvoice")
        self.new_button.setVisible(allowed(actor.role, Perm.INVOICE_EDIT))
        top.addWidget(self.balance, 1)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.model = PatientInvoicesModel(self)
        self.table = QTableView()
        self.table.setObjectName("patientInvoices")
        self.table.setAccessibleName(self.tr("The patient's invoices"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Columns.NUMBER, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.new_button.clicked.connect(self.new_invoice)
        self.table.activated.connect(self._open)

    def set_formats(self, formats: work.ClinicFormats) -> None:
        """The clinic's locale and currency for amounts."""
        self.model.locale, self.currency = formats.locale, formats.currency

    def load(self, patient_id: uuid.UUID, balance: PatientBalance | None) -> None:
        """Show a patient's invoices (fetched off the GUI thread)."""
        self.patient_id = patient_id
        self.show_balance(balance)
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.patient_invoices(store, actor, patient_id),
            lambda rows: self._show(patient_id, rows),
            lambda e: self.message.error(str(e)),
            key=f"patient-invoices-{id(self)}",
            name="patients.invoices",
        ).run()

    def show_balance(self, balance: PatientBalance | None) -> None:
        """'Owes KES 1,500.00 on 2 open invoices'."""
        if balance is None:
            self.balance.clear()
            return
        amount = money(balance.balance, self.currency, self.model.locale)
        if balance.balance > 0:
            text = self.tr("Owes {amount}").format(amount=amount)
        elif balance.balance < 0:
            text = self.tr("The clinic owes the patient {amount}").format(
                amount=money(-balance.balance, self.currency, self.model.locale)
            )
        else:
            text = self.tr("Nothing owed")
        self.balance.setText(text)

    def _show(self, patient_id: uuid.UUID, rows: list[InvoiceSummary]) -> None:
        if patient_id != self.patient_id:
            return
        self.model.set_rows(rows)
        self.message.clear_message()
        if not rows:
            self.message.info(self.tr("No invoices for this patient yet."))
        self.loaded.emit()

    def new_invoice(self) -> None:
        """Hand over to the Invoices page."""
        if self.patient_id is None:
            return
        if not hand_over_invoice(self, self.patient_id):
            self.message.error(self.tr("Invoices cannot be created from here on this computer."))

    def _open(self, index: QModelIndex) -> None:
        invoice_id = index.data(INVOICE_ID_ROLE)
        if self.patient_id is not None and invoice_id is not None:
            hand_over_invoice(self, self.patient_id, invoice_id)

    def clear(self) -> None:
        """Drop every row and the balance (the lock)."""
        self.patient_id = None
        self.model.clear()
        self.balance.clear()
        self.message.clear_message()
