"""The Reports page (managers and administrators): the day sheet and outstanding balances by age,
on screen and as PDF (preview, save, print)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm
from hmis_desktop.store.store import Store
from ui.billing.money import ClinicMoney, load_money
from ui.billing.report_tabs import AgingTab, DaySheetTab
from ui.ops import Op
from ui.pages.base import Page
from ui.widgets import heading


class ReportsPage(Page):
    """Day sheet and aged balances."""

    title = "Reports"
    required_perm = Perm.REPORT_VIEW
    form_key = "reports"

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading(self.tr("Reports")))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reportTabs")
        self.day_sheet = DaySheetTab(store, actor)
        self.aging = AgingTab(store, actor)
        self.tabs.addTab(self.day_sheet, self.tr("Day &sheet"))
        self.tabs.addTab(self.aging, self.tr("&Outstanding by age"))
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self._load_current())
        self._money_loaded = False

    def on_shown(self) -> None:
        """Read the clinic's currency once, then the report on screen."""
        if self._money_loaded:
            self._load_current()
            return
        store = self.store

        def apply(money: ClinicMoney) -> None:
            self._money_loaded = True
            self.day_sheet.money = self.aging.money = money
            self._load_current()

        Op(self, lambda: load_money(store), apply, lambda e: self.day_sheet.message.error(str(e))).run()

    def _load_current(self) -> None:
        tab = self.tabs.currentWidget()
        if isinstance(tab, DaySheetTab | AgingTab):
            tab.load()

    def collect_draft(self) -> dict[str, Any] | None:
        """Which report and dates were on screen (no patient data); None before any was shown."""
        if self.day_sheet.report is None and self.aging.report is None:
            return None
        return {
            "tab": self.tabs.currentIndex(),
            "day": self.day_sheet.chosen().isoformat(),
            "as_of": self.aging.chosen().isoformat(),
        }

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Back to the same report and dates."""
        if day := data.get("day"):
            self.day_sheet.set_day(date.fromisoformat(day))
        if as_of := data.get("as_of"):
            self.aging.set_day(date.fromisoformat(as_of))
        tab = data.get("tab")
        if isinstance(tab, int) and 0 <= tab < self.tabs.count():
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(tab)
            self.tabs.blockSignals(False)

    def clear_sensitive(self) -> None:
        """The reports list patients: drop them and their PDFs."""
        self.day_sheet.clear()
        self.aging.clear()
