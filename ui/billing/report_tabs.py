"""The two billing reports on screen (figure cards and tables) and as PDF (the same preview as invoices).

Every figure comes from `billing_reports` (day_sheet, outstanding_by_age); the PDFs from `invoice_print`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.services import billing_reports, invoice_print
from hmis_desktop.services.billing_reports import Aging, DaySheet
from hmis_desktop.store.store import Store
from ui.billing.money import ClinicMoney, count_of, today
from ui.billing.pdf_preview import PdfPreview
from ui.billing.report_models import AgingModel, DaySheetModel, MethodsModel
from ui.billing.widgets import FigureCard, StatusBadgeDelegate, table_view
from ui.ops import Op
from ui.widgets import MessageLabel, hint

R = TypeVar("R")


def load_day_sheet(store: Store, actor: Actor, day: date) -> DaySheet:
    """Worker: the day sheet (audited)."""
    with store.session() as s:
        return billing_reports.day_sheet(s, actor=actor, day=day)


def load_aging(store: Store, actor: Actor, as_of: date) -> Aging:
    """Worker: outstanding balances by age (audited)."""
    with store.session() as s:
        return billing_reports.outstanding_by_age(s, actor=actor, as_of=as_of)


def day_sheet_pdf(store: Store, actor: Actor, day: date) -> bytes:
    """Worker: the day sheet as a PDF."""
    with store.session() as s:
        return invoice_print.day_sheet_pdf(s, actor=actor, day=day)


def aging_pdf(store: Store, actor: Actor, as_of: date) -> bytes:
    """Worker: the aging report as a PDF."""
    with store.session() as s:
        return invoice_print.aging_pdf(s, actor=actor, as_of=as_of)


class ReportTab(QWidget, Generic[R]):
    """A date, Show, and the report on screen or as PDF."""

    date_label = "Day"
    key = "report"

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.money = ClinicMoney()
        self.report: R | None = None
        self._pdf_for: date | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setAccessibleName(self.tr(self.date_label).replace("&", ""))
        label = QLabel(self.tr(self.date_label))
        label.setBuddy(self.day)
        self.show_button = QPushButton(self.tr("&Show"))
        self.show_button.setProperty("primary", True)
        row.addWidget(label)
        row.addWidget(self.day)
        row.addWidget(self.show_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.views = QTabWidget()
        self.on_screen = QWidget()
        self.on_screen_layout = QVBoxLayout(self.on_screen)
        self.cards = QHBoxLayout()
        self.on_screen_layout.addLayout(self.cards)
        self.preview = PdfPreview()
        self.views.addTab(self.on_screen, self.tr("On &screen"))
        self.views.addTab(self.preview, self.tr("As P&DF"))
        layout.addWidget(self.views, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.show_button.clicked.connect(self.load)
        self.day.dateChanged.connect(lambda _d: self.load())
        self.views.currentChanged.connect(lambda _i: self._maybe_pdf())
        self.set_day(today(store))

    def set_day(self, day: date) -> None:
        """Choose the date without loading."""
        self.day.blockSignals(True)
        self.day.setDate(QDate(day.year, day.month, day.day))
        self.day.blockSignals(False)

    def chosen(self) -> date:
        """The date picked."""
        value = self.day.date().toPython()
        assert isinstance(value, date)
        return value

    def worker(self) -> Any:
        """The report's worker function (store, actor, date) -> report."""
        raise NotImplementedError

    def pdf_worker(self) -> Any:
        """The PDF's worker function (store, actor, date) -> bytes."""
        raise NotImplementedError

    def load(self) -> None:
        """Compute the report off the GUI thread."""
        store, actor, day, fn = self.store, self.actor, self.chosen(), self.worker()
        self._pdf_for = None
        self.preview.clear()
        Op(self, lambda: fn(store, actor, day), self._loaded, self._failed, key=self.key).run()

    def _loaded(self, report: R) -> None:
        self.report = report
        self.message.clear_message()
        self.show_report(report)
        self._maybe_pdf()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def show_report(self, report: R) -> None:
        """Fill the cards and tables."""
        raise NotImplementedError

    def _maybe_pdf(self) -> None:
        if self.views.currentWidget() is not self.preview or self.report is None:
            return
        day = self.chosen()
        if self._pdf_for == day:
            return
        self._pdf_for = day
        store, actor, fn = self.store, self.actor, self.pdf_worker()
        name = f"{self.key}-{day.isoformat()}.pdf"
        Op(
            self,
            lambda: fn(store, actor, day),
            lambda data: self.preview.set_pdf(data, name, name),
            self._failed,
            key=f"{self.key}.pdf",
        ).run()

    def clear(self) -> None:
        """Drop the report (it names patients) and its PDF."""
        self.report = None
        self._pdf_for = None
        self.preview.clear()
        self.message.clear_message()


class DaySheetTab(ReportTab[DaySheet]):
    """Takings by method, invoices issued, voided and credited on a day, as of its end."""

    date_label = "&Day"
    key = "day-sheet"

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        self.received = FigureCard(self.tr("Payments (net)"))
        self.issued = FigureCard(self.tr("Invoices issued"))
        self.voided = FigureCard(self.tr("Invoices voided"))
        self.credits = FigureCard(self.tr("Credit notes"))
        for card in (self.received, self.issued, self.voided, self.credits):
            self.cards.addWidget(card)
        split = QSplitter(Qt.Orientation.Vertical)
        self.methods = MethodsModel(self)
        self.methods_table = table_view(
            self.methods, self.tr("Payments by method"), stretch=MethodsModel.Columns.METHOD
        )
        self.rows = DaySheetModel(self)
        self.rows_table = table_view(
            self.rows, self.tr("Invoices of the day"), stretch=DaySheetModel.Columns.PATIENT
        )
        self.rows_table.setItemDelegateForColumn(
            DaySheetModel.Columns.STATUS, StatusBadgeDelegate(self.rows_table)
        )
        split.addWidget(self.methods_table)
        split.addWidget(self.rows_table)
        split.setStretchFactor(1, 2)
        self.on_screen_layout.addWidget(split, 1)
        self.on_screen_layout.addWidget(
            hint(self.tr("Figures are as of the end of the day: later payments do not change them."))
        )

    def worker(self) -> Any:
        """The day sheet."""
        return load_day_sheet

    def pdf_worker(self) -> Any:
        """The day sheet's PDF."""
        return day_sheet_pdf

    def show_report(self, report: DaySheet) -> None:
        """Cards and tables from the core's figures."""
        m = self.money
        self.methods.money = self.rows.money = m
        self.received.set(
            m.fmt(report.payments_total),
            self.tr("received {r} · refunded {f}").format(
                r=m.fmt(report.received_total), f=m.fmt(-report.refunded_total)
            ),
        )
        self.issued.set(
            m.fmt(report.invoices_issued_total),
            count_of(report.invoices_issued_count, self.tr("{n} invoice"), self.tr("{n} invoices")),
        )
        self.voided.set(
            m.fmt(report.voided_total),
            count_of(report.voided_count, self.tr("{n} invoice"), self.tr("{n} invoices")),
        )
        self.credits.set(
            m.fmt(report.credit_notes_total),
            count_of(report.credit_notes_count, self.tr("{n} credit note"), self.tr("{n} credit notes")),
        )
        self.methods.set_rows(report.methods)
        self.rows.set_rows(report.rows)
        if not report.rows and not any(x.count for x in report.methods):
            self.message.info(
                self.tr("Nothing was issued, paid or voided on {day}.").format(day=report.day.isoformat())
            )

    def clear(self) -> None:
        """Empty cards and tables."""
        super().clear()
        for card in (self.received, self.issued, self.voided, self.credits):
            card.clear()
        self.methods.clear()
        self.rows.clear()


class AgingTab(ReportTab[Aging]):
    """Unpaid balances by days since issue (0–30, 31–60, 61–90, 90+) as of a date."""

    date_label = "&As of"
    key = "aging"

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        self.bucket_cards = [
            FigureCard(self.tr("{bucket} days").format(bucket=label))
            for label, _, _ in billing_reports.AGING_BUCKETS
        ]
        self.total = FigureCard(self.tr("Total outstanding"))
        for card in (*self.bucket_cards, self.total):
            self.cards.addWidget(card)
        self.rows = AgingModel(self)
        self.rows_table = table_view(
            self.rows, self.tr("Invoices with a balance"), stretch=AgingModel.Columns.PATIENT
        )
        self.on_screen_layout.addWidget(self.rows_table, 1)
        self.on_screen_layout.addWidget(hint(self.tr("Age counts days since the issue date.")))

    def worker(self) -> Any:
        """Balances by age."""
        return load_aging

    def pdf_worker(self) -> Any:
        """Their PDF."""
        return aging_pdf

    def show_report(self, report: Aging) -> None:
        """Bucket cards, total and rows from the core's figures."""
        m = self.money
        self.rows.money = m
        for card, bucket in zip(self.bucket_cards, report.buckets, strict=True):
            card.set(
                m.fmt(bucket.amount), count_of(bucket.count, self.tr("{n} invoice"), self.tr("{n} invoices"))
            )
        self.total.set(
            m.fmt(report.total), count_of(len(report.rows), self.tr("{n} invoice"), self.tr("{n} invoices"))
        )
        self.rows.set_rows(report.rows)

    def clear(self) -> None:
        """Empty cards and rows."""
        super().clear()
        for card in (*self.bucket_cards, self.total):
            card.clear()
        self.rows.clear()
