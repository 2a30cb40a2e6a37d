"""The totals box of an invoice: figures from the core (live `compute_totals` for drafts, the stored ones after)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from hmis_desktop.services.invoice_totals import Totals
from hmis_desktop.services.invoices import InvoicePublic
from ui.billing.money import ClinicMoney

ROWS = ("subtotal", "discount", "tax", "total", "credited", "paid", "balance")


class TotalsPanel(QFrame):
    """Subtotal, invoice discount, tax, total; credited, paid and balance once issued."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        grid = QGridLayout(self)
        grid.setContentsMargins(14, 10, 14, 10)
        grid.setHorizontalSpacing(18)
        titles = {
            "subtotal": self.tr("Subtotal"),
            "discount": self.tr("Invoice discount"),
            "tax": self.tr("Tax"),
            "total": self.tr("Total"),
            "credited": self.tr("Credited"),
            "paid": self.tr("Paid"),
            "balance": self.tr("Balance"),
        }
        self.titles: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, key in enumerate(ROWS):
            title, value = QLabel(titles[key]), QLabel("—")
            value.setObjectName(f"total_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key in ("total", "balance"):
                for label in (title, value):
                    # A local sheet: the theme's `QWidget { font-size }` rule would override setFont().
                    label.setStyleSheet("QLabel { font-size: 11.5pt; font-weight: 700; }")
            grid.addWidget(title, row, 0)
            grid.addWidget(value, row, 1)
            self.titles[key], self.values[key] = title, value
        self.show_draft(None, ClinicMoney())

    def _set(self, key: str, text: str, visible: bool = True) -> None:
        self.values[key].setText(text)
        self.values[key].setAccessibleName(f"{self.titles[key].text()}: {text}")
        self.titles[key].setVisible(visible)
        self.values[key].setVisible(visible)

    def show_draft(self, totals: Totals | None, money: ClinicMoney) -> None:
        """Live figures of a draft (None: not computable yet)."""
        f = money.fmt
        self._set("subtotal", f(totals.subtotal) if totals else "—")
        self._set("discount", f(negative(totals.invoice_discount)) if totals else "—")
        self._set("tax", f(totals.tax_total) if totals else "—")
        self._set("total", f(totals.total) if totals else "—")
        for key in ("credited", "paid", "balance"):
            self._set(key, "", visible=False)

    def show_invoice(self, inv: InvoicePublic, money: ClinicMoney) -> None:
        """The stored figures of an issued invoice or credit note, with what was paid and what is left."""
        m = ClinicMoney(inv.currency, money.locale)
        self._set("subtotal", m.fmt(inv.subtotal))
        self._set("discount", m.fmt(negative(inv.invoice_discount)), visible=inv.invoice_discount != 0)
        self._set("tax", m.fmt(inv.tax_total))
        self._set("total", m.fmt(inv.total))
        invoice = inv.kind == "invoice"
        self._set("credited", m.fmt(negative(inv.credited)), visible=invoice and inv.credited != 0)
        self._set("paid", m.fmt(inv.paid), visible=invoice)
        self._set("balance", m.fmt(inv.balance), visible=invoice)

    def text(self, key: str) -> str:
        """A figure as shown."""
        return self.values[key].text()

    def clear(self) -> None:
        """Dashes everywhere."""
        self.show_draft(None, ClinicMoney())


def negative(amount: Decimal) -> Decimal:
    """`-amount` without a negative zero."""
    return -amount if amount else amount
