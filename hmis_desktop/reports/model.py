"""The data contract between the domain and the PDF renderers.

The domain computes every figure (line nets, taxes, totals, balances, bucket sums); the renderers only
format and print them, so a PDF can never disagree with the ledger. Amounts are ``Decimal``, dates
``datetime.date``; every class is frozen so a document cannot change while it is being rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

PAYMENT_METHODS = ("cash", "card", "insurance", "bank_transfer", "other")
INVOICE_KINDS = ("invoice", "credit_note")
INVOICE_STATUSES = ("draft", "unpaid", "partially_paid", "paid", "voided")
AGING_BUCKETS = ("0–30", "31–60", "61–90", "90+")


@dataclass(frozen=True)
class ClinicHeader:
    """Who issues the documents, and how money and dates are written for them."""

    name: str
    address: str = ""  # may be multi-line
    tax_id: str = ""
    phone: str = ""
    email: str = ""
    logo_png: bytes | None = None  # PNG or JPEG bytes
    currency: str = "USD"  # ISO 4217
    locale: str = "en_US"  # babel locale for money and dates
    footer: str = ""  # e.g. payment instructions


@dataclass(frozen=True)
class InvoiceLineDoc:
    """One printed invoice line; every amount is already computed and rounded by the domain."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal  # amount off this line
    tax_rate: Decimal  # percent, e.g. Decimal("16")
    net: Decimal  # quantity*unit_price - discount (already rounded)
    tax: Decimal
    total: Decimal  # net + tax
    code: str = ""


@dataclass(frozen=True)
class PaymentDoc:
    """A payment row as printed; a negative amount is a refund."""

    paid_on: date
    method: str  # one of PAYMENT_METHODS
    amount: Decimal  # negative = refund
    reference: str = ""


@dataclass(frozen=True)
class InvoiceDoc:
    """An invoice or credit note ready to print."""

    number: str | None  # None for a draft -> printed as DRAFT
    kind: str  # "invoice" or "credit_note"
    status: str  # one of INVOICE_STATUSES
    issue_date: date | None
    due_date: date | None
    patient_name: str
    patient_mrn: str
    patient_address: str
    lines: tuple[InvoiceLineDoc, ...]
    subtotal: Decimal  # sum of line nets
    invoice_discount: Decimal
    tax_total: Decimal
    total: Decimal
    payments: tuple[PaymentDoc, ...]
    paid: Decimal
    balance: Decimal
    notes: str = ""
    void_reason: str = ""
    credits_invoice_number: str = ""  # for a credit note: the invoice it corrects


@dataclass(frozen=True)
class MethodTotal:
    """Payments of one method taken on the day (refunds included, as negative amounts)."""

    method: str  # one of PAYMENT_METHODS
    count: int
    amount: Decimal


@dataclass(frozen=True)
class DaySheetRow:
    """One invoice touched on the day: issued, paid against or voided."""

    invoice_number: str
    patient_name: str
    patient_mrn: str
    kind: str  # "invoice" or "credit_note"
    status: str  # status at the end of the day
    total: Decimal  # the invoice's total
    paid_today: Decimal  # payments against it dated on the day (net of refunds)
    balance: Decimal  # balance at the end of the day


@dataclass(frozen=True)
class DaySheetDoc:
    """A day's takings and invoice activity (the front desk's end-of-day sheet).

    ``payments_total`` is the sum of ``method_totals`` as the domain computed it; ``rows`` are printed in
    the order given. Voided invoices count in ``voided_*`` and not in ``invoices_issued_*``.
    """

    day: date
    method_totals: tuple[MethodTotal, ...]
    payments_total: Decimal
    invoices_issued_count: int
    invoices_issued_total: Decimal
    voided_count: int
    voided_total: Decimal
    rows: tuple[DaySheetRow, ...]
    credit_notes_count: int = 0
    credit_notes_total: Decimal = Decimal(0)
    prepared_by: str = ""  # the user who printed it (a display name, not an id)
    generated_at: datetime | None = None


@dataclass(frozen=True)
class AgingBucket:
    """Outstanding balances whose age falls in one bucket ("0–30", "31–60", "61–90", "90+")."""

    label: str
    count: int  # invoices in the bucket
    amount: Decimal


@dataclass(frozen=True)
class AgingRow:
    """One unpaid or partially paid invoice on the aged-receivables report."""

    patient_name: str
    patient_mrn: str
    invoice_number: str
    issue_date: date
    days_outstanding: int  # as of AgingDoc.as_of, counted from the issue (or due) date by the domain
    balance: Decimal
    bucket: str = ""  # the label of the AgingBucket it was counted in


@dataclass(frozen=True)
class AgingDoc:
    """Aged receivables as of a date: bucket sums and the invoices behind them.

    ``buckets`` are printed in the order given (normally AGING_BUCKETS); ``total`` is their sum as the
    domain computed it.
    """

    as_of: date
    buckets: tuple[AgingBucket, ...]
    total: Decimal
    rows: tuple[AgingRow, ...]
    generated_at: datetime | None = None
