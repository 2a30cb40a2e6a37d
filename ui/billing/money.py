"""Money as the clinic writes it, amounts typed by a user read back as Decimal, and billing labels.

Formatting and parsing only: every figure comes from the core (`invoice_totals`, the services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

from hmis_desktop import settings as settings_mod
from hmis_desktop.services.invoice_totals import currency_places, quantum
from hmis_desktop.services.invoices import local_date
from hmis_desktop.store.store import Store
from ui.widgets import tr

STATUS_LABELS = {
    "draft": "Draft",
    "unpaid": "Unpaid",
    "partially_paid": "Partially paid",
    "paid": "Paid",
    "voided": "Voided",
}
METHOD_LABELS = {
    "cash": "Cash",
    "card": "Card",
    "insurance": "Insurance",
    "bank_transfer": "Bank transfer",
    "other": "Other",
}
KIND_LABELS = {"invoice": "Invoice", "credit_note": "Credit note"}


def status_label(status: str) -> str:
    """'Partially paid' for partially_paid (translated)."""
    return tr(STATUS_LABELS.get(status, status), "billing")


def method_label(method: str) -> str:
    """'Bank transfer' for bank_transfer (translated)."""
    return tr(METHOD_LABELS.get(method, method), "billing")


def kind_label(kind: str) -> str:
    """'Credit note' for credit_note (translated)."""
    return tr(KIND_LABELS.get(kind, kind), "billing")


@dataclass(frozen=True)
class ClinicMoney:
    """The clinic's currency and locale: formats amounts and reads typed ones."""

    currency: str = "USD"
    locale: str = "en_US"

    @property
    def places(self) -> int:
        """Minor-unit places of the currency."""
        return currency_places(self.currency)

    def fmt(self, amount: Decimal | None) -> str:
        """'KES 1,500.00' (babel, the clinic's locale); '—' for None."""
        if amount is None:
            return "—"
        return format_currency(amount, self.currency, locale=self.locale)

    def number(self, amount: Decimal) -> str:
        """An amount with the currency's places and no symbol, as a user would type it ('1500.00')."""
        return f"{amount.quantize(quantum(self.places)):f}"

    def quantity(self, value: Decimal) -> str:
        """A quantity without trailing zeros ('2', '1.5')."""
        text = f"{value.normalize():f}"
        return text

    def percent(self, value: Decimal) -> str:
        """A tax rate ('16 %')."""
        return format_decimal(value.normalize(), locale=self.locale) + " %"

    def parse(self, text: str) -> Decimal | None:
        """A typed amount or quantity as Decimal ('1,500.50', '1500', ' 2 '); None when it is not a number."""
        raw = "".join(text.split())
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            try:
                value = parse_decimal(raw, locale=self.locale, strict=False)
            except (NumberFormatError, ValueError):
                return None
        return value if value.is_finite() else None


def load_money(store: Store) -> ClinicMoney:
    """Worker: the clinic's currency and locale."""
    with store.read_session() as s:
        return ClinicMoney(
            str(settings_mod.get(s, "clinic.currency")), str(settings_mod.get(s, "clinic.locale"))
        )


def today(store: Store) -> date:
    """The store clock's date in this PC's zone (a fake clock in tests)."""
    return local_date(store.clock.now())


def count_of(n: int, one: str, many: str) -> str:
    """'1 invoice', '3 invoices' (both forms translated by the caller)."""
    return (one if n == 1 else many).format(n=n)


def fmt_date(value: date | None) -> str:
    """ISO dates in lists: sortable and unambiguous across locales."""
    return value.isoformat() if value is not None else "—"
