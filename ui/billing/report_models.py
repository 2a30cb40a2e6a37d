"""Table models of the billing reports: a day's takings by method, its invoices, and balances by age."""

from __future__ import annotations

import enum
from typing import Any

from hmis_desktop.services.billing_reports import AgingLine, DaySheetLine, MethodLine
from ui.billing.money import fmt_date, kind_label, method_label, status_label
from ui.billing.table_model import RecordModel


class MethodsModel(RecordModel[MethodLine]):
    """Payments of the day by method (refunds netted and shown)."""

    class Columns(enum.IntEnum):
        METHOD = 0
        COUNT = 1
        RECEIVED = 2
        REFUNDED = 3
        NET = 4

    numeric = frozenset({Columns.COUNT, Columns.RECEIVED, Columns.REFUNDED, Columns.NET})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.METHOD: self.tr("Method"),
            C.COUNT: self.tr("Payments"),
            C.RECEIVED: self.tr("Received"),
            C.REFUNDED: self.tr("Refunded"),
            C.NET: self.tr("Net"),
        }

    def cell(self, row: MethodLine, column: int) -> str:
        """A method's figures."""
        C = self.Columns
        if column == C.METHOD:
            return method_label(row.method)
        if column == C.COUNT:
            return str(row.count)
        return self.money.fmt({C.RECEIVED: row.received, C.REFUNDED: row.refunded, C.NET: row.net}[C(column)])

    def value(self, row: MethodLine, column: int) -> Any:
        """Amounts as Decimal."""
        C = self.Columns
        return {
            C.METHOD: row.method,
            C.COUNT: row.count,
            C.RECEIVED: row.received,
            C.REFUNDED: row.refunded,
            C.NET: row.net,
        }[C(column)]


class DaySheetModel(RecordModel[DaySheetLine]):
    """Invoices and credit notes touched on the day, as of its end."""

    class Columns(enum.IntEnum):
        NUMBER = 0
        PATIENT = 1
        KIND = 2
        STATUS = 3
        TOTAL = 4
        PAID_TODAY = 5
        BALANCE = 6

    numeric = frozenset({Columns.TOTAL, Columns.PAID_TODAY, Columns.BALANCE})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.NUMBER: self.tr("Number"),
            C.PATIENT: self.tr("Patient"),
            C.KIND: self.tr("Document"),
            C.STATUS: self.tr("Status"),
            C.TOTAL: self.tr("Total"),
            C.PAID_TODAY: self.tr("Paid that day"),
            C.BALANCE: self.tr("Balance"),
        }

    def cell(self, row: DaySheetLine, column: int) -> str:
        """A row's text."""
        C = self.Columns
        if column == C.NUMBER:
            return row.invoice_number
        if column == C.PATIENT:
            return f"{row.patient_name} ({row.patient_mrn})" if row.patient_mrn else row.patient_name
        if column == C.KIND:
            return kind_label(row.kind)
        if column == C.STATUS:
            return status_label(row.status)
        return self.money.fmt(
            {C.TOTAL: row.total, C.PAID_TODAY: row.paid_today, C.BALANCE: row.balance}[C(column)]
        )

    def value(self, row: DaySheetLine, column: int) -> Any:
        """The status code behind the badge."""
        return row.status if column == self.Columns.STATUS else self.cell(row, column)


class AgingModel(RecordModel[AgingLine]):
    """Invoices with money owed, oldest first."""

    class Columns(enum.IntEnum):
        NUMBER = 0
        PATIENT = 1
        ISSUED = 2
        DUE = 3
        DAYS = 4
        BUCKET = 5
        BALANCE = 6

    numeric = frozenset({Columns.DAYS, Columns.BALANCE})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.NUMBER: self.tr("Number"),
            C.PATIENT: self.tr("Patient"),
            C.ISSUED: self.tr("Issued"),
            C.DUE: self.tr("Due"),
            C.DAYS: self.tr("Days"),
            C.BUCKET: self.tr("Age"),
            C.BALANCE: self.tr("Balance"),
        }

    def cell(self, row: AgingLine, column: int) -> str:
        """A row's text."""
        C = self.Columns
        if column == C.NUMBER:
            return row.invoice_number
        if column == C.PATIENT:
            return f"{row.patient_name} ({row.patient_mrn})" if row.patient_mrn else row.patient_name
        if column == C.ISSUED:
            return fmt_date(row.issue_date)
        if column == C.DUE:
            return fmt_date(row.due_date)
        if column == C.DAYS:
            return str(row.days)
        if column == C.BUCKET:
            return self.tr("{bucket} days").format(bucket=row.bucket)
        return self.money.fmt(row.balance)
