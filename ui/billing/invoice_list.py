"""The invoice list: filters (status, period, patient), a table with status badges, paging.

Enter or a double-click opens the highlighted invoice (`open_requested`); the list itself never edits.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.services.invoices import STATUSES, InvoiceSummary
from hmis_desktop.store.store import Store
from ui.billing.money import ClinicMoney, fmt_date, kind_label, status_label, today
from ui.billing.patient_picker import PatientChoice, PatientPicker
from ui.billing.table_model import RecordModel
from ui.billing.widgets import StatusBadgeDelegate, table_view
from ui.billing.work import ListFilter, list_page
from ui.ops import Op
from ui.widgets import MessageLabel

PAGE_SIZE = 50
PERIODS = ("any", "today", "week", "month", "last_month", "custom")


class InvoiceListModel(RecordModel[InvoiceSummary]):
    """Invoices and credit notes, newest first."""

    class Columns(enum.IntEnum):
        NUMBER = 0
        DATE = 1
        PATIENT = 2
        TOTAL = 3
        PAID = 4
        BALANCE = 5
        STATUS = 6

    numeric = frozenset({Columns.TOTAL, Columns.PAID, Columns.BALANCE})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.NUMBER: self.tr("Number"),
            C.DATE: self.tr("Date"),
            C.PATIENT: self.tr("Patient"),
            C.TOTAL: self.tr("Total"),
            C.PAID: self.tr("Paid"),
            C.BALANCE: self.tr("Balance"),
            C.STATUS: self.tr("Status"),
        }

    def cell(self, row: InvoiceSummary, column: int) -> str:
        """A row's text."""
        C = self.Columns
        if column == C.NUMBER:
            number = row.number or self.tr("(draft)")
            return f"{number} · {kind_label(row.kind)}" if row.kind == "credit_note" else number
        if column == C.DATE:
            return fmt_date(row.issue_date or row.created_at.astimezone().date())
        if column == C.PATIENT:
            return f"{row.patient_name} ({row.patient_mrn})" if row.patient_mrn else row.patient_name
        money = ClinicMoney(row.currency, self.money.locale)
        if column == C.TOTAL:
            return money.fmt(row.total)
        if column == C.PAID:
            return money.fmt(row.paid)
        if column == C.BALANCE:
            return money.fmt(row.balance)
        return status_label(row.status)

    def value(self, row: InvoiceSummary, column: int) -> Any:
        """The status code behind the badge; amounts as Decimal."""
        C = self.Columns
        if column == C.STATUS:
            return row.status
        if column in (C.TOTAL, C.PAID, C.BALANCE):
            return {C.TOTAL: row.total, C.PAID: row.paid, C.BALANCE: row.balance}[C(column)]
        return self.cell(row, column)


def period_range(period: str, on: date) -> tuple[date | None, date | None]:
    """The issue-date range of a named period around `on`."""
    if period == "today":
        return on, on
    if period == "week":
        return on - timedelta(days=6), on
    if period == "month":
        return on.replace(day=1), on
    if period == "last_month":
        end = on.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return None, None


class InvoiceList(QWidget):
    """Filters, the table and paging; emits `open_requested(invoice_id)` and `new_requested()`."""

    open_requested = Signal(object)
    new_requested = Signal()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.offset = 0
        self.patient: PatientChoice | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.setAccessibleName(self.tr("Status"))
        self.status.addItem(self.tr("All statuses"), None)
        for code in STATUSES:
            self.status.addItem(status_label(code), code)
        self.period = QComboBox()
        self.period.setObjectName("periodFilter")
        self.period.setAccessibleName(self.tr("Period"))
        for code, text in zip(
            PERIODS,
            (
                self.tr("Any date"),
                self.tr("Today"),
                self.tr("Last 7 days"),
                self.tr("This month"),
                self.tr("Last month"),
                self.tr("From … to …"),
            ),
            strict=True,
        ):
            self.period.addItem(text, code)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit, name in ((self.date_from, self.tr("From")), (self.date_to, self.tr("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
            edit.setVisible(False)
        self.patient_button = QPushButton(self.tr("Patient: &anyone…"))
        self.patient_button.setObjectName("patientFilter")
        self.patient_button.setToolTip(self.tr("Show one patient's invoices"))
        self.clear_patient = QPushButton("×")
        self.clear_patient.setAccessibleName(self.tr("Show every patient"))
        self.clear_patient.setToolTip(self.tr("Show every patient"))
        self.clear_patient.setVisible(False)
        status_label_w = QLabel(self.tr("&Status"))
        status_label_w.setBuddy(self.status)
        period_label = QLabel(self.tr("P&eriod"))
        period_label.setBuddy(self.period)
        for w in (status_label_w, self.status, period_label, self.period, self.date_from, self.date_to):
            filters.addWidget(w)
        filters.addWidget(self.patient_button)
        filters.addWidget(self.clear_patient)
        filters.addStretch(1)
        self.new_button = QPushButton(self.tr("New invoice…"))
        self.new_button.setObjectName("newInvoiceButton")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip(self.tr("Ctrl+I"))
        filters.addWidget(self.new_button)
        layout.addLayout(filters)
        self.model = InvoiceListModel(self)
        self.table = table_view(self.model, self.tr("Invoices"), stretch=InvoiceListModel.Columns.PATIENT)
        self.table.setObjectName("invoiceTable")
        self.table.setItemDelegateForColumn(InvoiceListModel.Columns.STATUS, StatusBadgeDelegate(self.table))
        layout.addWidget(self.table, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        paging = QHBoxLayout()
        self.prev_button = QPushButton(self.tr("◀ Newer"))
        self.page_label = QLabel()
        self.page_label.setObjectName("hint")
        self.next_button = QPushButton(self.tr("Older ▶"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        paging.addWidget(self.prev_button)
        paging.addWidget(self.page_label)
        paging.addWidget(self.next_button)
        paging.addStretch(1)
        paging.addWidget(self.refresh_button)
        layout.addLayout(paging)
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.period.currentIndexChanged.connect(self._period_changed)
        self.date_from.dateChanged.connect(lambda _d: self.reload())
        self.date_to.dateChanged.connect(lambda _d: self.reload())
        self.patient_button.clicked.connect(self.pick_patient)
        self.clear_patient.clicked.connect(lambda: self.set_patient(None))
        self.new_button.clicked.connect(self.new_requested)
        self.table.activated.connect(self._activated)
        self.prev_button.clicked.connect(lambda: self._page(-1))
        self.next_button.clicked.connect(lambda: self._page(1))
        self.refresh_button.clicked.connect(self.refresh)
        self._update_paging()

    # --- filters ---------------------------------------------------------------------------------

    def _period_changed(self, _index: int) -> None:
        custom = self.period.currentData() == "custom"
        if custom:
            on = today(self.store)
            for edit, d in ((self.date_from, on.replace(day=1)), (self.date_to, on)):
                edit.blockSignals(True)
                edit.setDate(QDate(d.year, d.month, d.day))
                edit.blockSignals(False)
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)
        self.reload()

    def current_filter(self) -> ListFilter:
        """The filter the controls describe."""
        period = str(self.period.currentData())
        if period == "custom":
            start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        else:
            start, end = period_range(period, today(self.store))
        return ListFilter(
            status=self.status.currentData(),
            date_from=start,  # type: ignore[arg-type]
            date_to=end,  # type: ignore[arg-type]
            patient_id=self.patient.id if self.patient else None,
        )

    def pick_patient(self) -> PatientPicker:
        """Choose whose invoices to show."""
        picker = PatientPicker(self.store, self.actor, self, title=self.tr("Show the invoices of…"))
        picker.chosen.connect(self.set_patient)
        picker.open()
        return picker

    def set_patient(self, patient: PatientChoice | None) -> None:
        """Filter by a patient (None: everyone)."""
        self.patient = patient
        self.patient_button.setText(
            self.tr("Patient: {name}").format(name=patient.name) if patient else self.tr("Patient: &anyone…")
        )
        self.clear_patient.setVisible(patient is not None)
        self.reload()

    # --- loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """Back to the first page with the current filters."""
        self.offset = 0
        self.refresh()

    def refresh(self) -> None:
        """Load the current page off the GUI thread."""
        store, actor, flt, offset = self.store, self.actor, self.current_filter(), self.offset
        Op(
            self,
            lambda: list_page(store, actor, flt, PAGE_SIZE, offset),
            self._show,
            self._failed,
            key="billing.list",
        ).run()

    def _show(self, rows: list[InvoiceSummary]) -> None:
        self.model.set_rows(rows)
        self.message.clear_message()
        if not rows:
            self.message.info(
                self.tr("No invoices match. Change the filters, or press Ctrl+I for a new invoice.")
                if self.offset == 0
                else self.tr("No older invoices.")
            )
        else:
            self.table.selectRow(0)
        self._update_paging()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def _page(self, step: int) -> None:
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self.refresh()

    def _update_paging(self) -> None:
        n = self.model.rowCount()
        self.prev_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(n == PAGE_SIZE)
        self.page_label.setText(
            self.tr("{first}–{last}").format(first=self.offset + 1, last=self.offset + n) if n else ""
        )

    def _activated(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.open_requested.emit(row.id)

    def selected_id(self) -> uuid.UUID | None:
        """The highlighted invoice."""
        rows = self.table.selectionModel().selectedRows()
        row = self.model.row_at(rows[0].row()) if rows else None
        return row.id if row else None

    def clear_sensitive(self) -> None:
        """Drop the rows and the patient filter's name (the filter itself is forgotten)."""
        self.model.clear()
        self.patient = None
        self.patient_button.setText(self.tr("Patient: &anyone…"))
        self.clear_patient.setVisible(False)
        self.message.clear_message()
        self._update_paging()
