"""Invoices and credit notes: drafts, issue, void, credit, and what the UI reads back.

Life of an invoice (DESIGN.md, after Tryton and Odoo):

* **draft** — editable (lines, invoice discount, notes, due date); no number; totals kept current.
* **issued** — numbered ``{prefix}-{year}-{seq:06d}`` in the issuing transaction (``InvoiceSequence`` row
  locked, inserted when missing; the unique constraint on ``invoices.number`` backs it), issue date from
  the store's clock in the PC's local zone, due date = issue + ``invoice.due_days`` unless set, totals fixed.
  Any change is refused: "void it and issue a credit note".
* **voided** — an issued invoice cancelled with a reason (Perm.INVOICE_VOID). A plain void is only allowed
  while nothing is paid on it and nothing credited; otherwise correct it with a credit note.

Credit notes (``kind="credit_note"``, Perm.INVOICE_VOID) carry **positive** lines and totals; their kind
says the money flows back. A credit note references the invoice it corrects (``credit_of_id``), takes its
own number from the same series, and reduces that invoice's balance. When the credit notes of an invoice add
up to its whole total, the invoice is voided in the same transaction (reason = the credit note's reason):
"a void with a reason plus a credit note". A credit note is settled the moment it is issued (status "paid",
balance 0) and cannot itself be voided or credited.

Status and balance are derived, never stored (payments are insert-only rows, see ``payments.py``)::

    owed    = 0 if voided else total − credited        (credited = Σ totals of its credit notes)
    balance = owed − paid                              (paid = Σ payments; refunds are negative)
    status  = draft | voided | paid (balance ≤ 0) | partially_paid (paid > 0) | unpaid

A negative balance is money owed back to the patient (after a credit note), paid out as a refund.
Every service here expects a write session (``store.session()``): reads are audited too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import and_, func, literal, or_, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.sql.elements import ColumnElement

from hmis_desktop import audit, settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.catalogue import check_tax_rate, normalise_code, to_decimal
from hmis_desktop.services.invoice_totals import (
    ZERO,
    LineAmounts,
    Totals,
    compute_totals,
    currency_places,
    has_places,
    quantum,
)
from hmis_desktop.store.encrypted import decrypt_value
from hmis_desktop.store.models import (
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Patient,
    Payment,
    Service,
    Setting,
)
from hmis_desktop.store.store import Store
from hmis_desktop.store.types import Fixed4

KINDS = ("invoice", "credit_note")
STATUSES = ("draft", "unpaid", "partially_paid", "paid", "voided")
MAX_LINES = 200
DESCRIPTION_MAX = 500
NOTES_MAX = 2000
REASON_MIN, REASON_MAX = 3, 500
MAX_AMOUNT = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 6
PAGE_LIMIT = 100

# A zero typed like the money columns, so SQL sums and differences come back as Decimal on both back-ends.
_SQL_ZERO = literal(ZERO, Fixed4())
log = logging.getLogger(__name__)
# Credit notes, as a second name for the invoices table; built once, since adapting columns is not free.
_CN = aliased(Invoice, name="cn")

ISSUED_IMMUTABLE = "An issued invoice cannot be changed; void it and issue a credit note."


# --- inputs and outputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One line as the editor sends it. With `service_id`, empty fields are filled from the catalogue."""

    description: str = ""
    quantity: Decimal = Decimal(1)
    unit_price: Decimal | None = None
    discount: Decimal = ZERO  # an amount off this line, not a percentage
    tax_rate: Decimal | None = None  # percent; None: the service's rate, or 0
    service_id: uuid.UUID | None = None
    code: str = ""


@dataclass(frozen=True)
class InvoiceCreate:
    """A new draft for a patient."""

    patient_id: uuid.UUID
    lines: Sequence[LineInput] = ()
    invoice_discount: Decimal = ZERO
    notes: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class InvoiceUpdate:
    """The whole editable content of a draft; it replaces what was there."""

    lines: Sequence[LineInput] = ()
    invoice_discount: Decimal = ZERO
    notes: str = ""
    due_date: date | None = None


@dataclass(frozen=True)
class LinePublic:
    """A line with its computed figures (see `invoice_totals`)."""

    id: uuid.UUID
    position: int
    service_id: uuid.UUID | None
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal
    net: Decimal
    discount_share: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class PaymentPublic:
    """A payment row; a negative amount is a refund. `balance_after`/`status_after` when just taken."""

    id: uuid.UUID
    invoice_id: uuid.UUID
    amount: Decimal
    method: str
    reference: str
    paid_at: datetime
    taken_by: uuid.UUID | None
    balance_after: Decimal | None = None
    status_after: str | None = None


@dataclass(frozen=True)
class CreditRef:
    """A credit note issued against an invoice."""

    id: uuid.UUID
    number: str
    total: Decimal
    issue_date: date | None


@dataclass(frozen=True)
class InvoicePublic:
    """An invoice or credit note with lines, payments, derived status and balance, patient name and MRN."""

    id: uuid.UUID
    kind: str
    state: str
    status: str
    number: str | None
    currency: str
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    patient_address: str
    issue_date: date | None
    due_date: date | None
    lines: tuple[LinePublic, ...]
    payments: tuple[PaymentPublic, ...]
    subtotal: Decimal
    invoice_discount: Decimal
    tax_total: Decimal
    total: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    notes: str
    void_reason: str
    credit_of_id: uuid.UUID | None
    credit_of_number: str | None
    credit_notes: tuple[CreditRef, ...]
    created_at: datetime
    updated_at: datetime  # pass back as `expected_updated_at` to edit or issue
    created_by: uuid.UUID | None
    issued_at: datetime | None
    issued_by: uuid.UUID | None
    voided_at: datetime | None
    voided_by: uuid.UUID | None


@dataclass(frozen=True)
class InvoiceSummary:
    """A row of the invoice list."""

    id: uuid.UUID
    kind: str
    state: str
    status: str
    number: str | None
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    currency: str
    issue_date: date | None
    due_date: date | None
    total: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    credit_of_id: uuid.UUID | None
    created_at: datetime


@dataclass(frozen=True)
class PatientBalance:
    """What one patient owes across issued invoices (negative: the clinic owes them)."""

    patient_id: uuid.UUID
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    open_invoices: int


@dataclass(frozen=True)
class PatientInfo:
    """The decrypted patient fields an invoice shows."""

    name: str
    mrn: str
    address: str = ""
    status: str = ""


@dataclass
class _Ledger:
    """Credit notes and payments of a batch of invoices, loaded in two queries."""

    paid: dict[uuid.UUID, Decimal] = field(default_factory=dict)
    credited: dict[uuid.UUID, Decimal] = field(default_factory=dict)
    credit_refs: dict[uuid.UUID, list[CreditRef]] = field(default_factory=dict)


# --- derived status -----------------------------------------------------------------------------------


def derive_status(
    *, kind: str, state: str, total: Decimal, credited: Decimal, paid: Decimal
) -> tuple[str, Decimal]:
    """(status, balance) of an invoice from its stored facts (module docstring)."""
    if state == "draft":
        return "draft", total
    if kind == "credit_note":
        return ("voided" if state == "voided" else "paid"), ZERO
    owed = ZERO if state == "voided" else total - credited
    balance = owed - paid
    if state == "voided":
        return "voided", balance
    if balance <= 0:
        return "paid", balance
    return ("partially_paid" if paid > 0 else "unpaid"), balance


def local_date(at: datetime, tz: tzinfo | None = None) -> date:
    """The calendar date of a UTC instant in `tz` (None: this PC's local zone)."""
    return at.astimezone(tz).date()


def _bump(old: datetime, now: datetime) -> datetime:
    # `updated_at` doubles as the edit version: strictly increasing even when the clock stands still.
    return max(now, old + timedelta(microseconds=1))


# --- loading ------------------------------------------------------------------------------------------


_NAME_FIELDS = ("given_name", "other_names", "family_name")


def patient_info(
    session: Session, ids: Iterable[uuid.UUID], *, address: bool = False
) -> dict[uuid.UUID, PatientInfo]:
    """Decrypted name, MRN (and address) of many patients in one query."""
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    cipher = Store.of(session).require_keys().cipher
    cols: list[Any] = [
        Patient.id,
        Patient.mrn_ct,
        Patient.given_name_ct,
        Patient.other_names_ct,
        Patient.family_name_ct,
        Patient.status,
    ]
    if address:
        cols.append(Patient.address_ct)
    out: dict[uuid.UUID, PatientInfo] = {}
    for row in session.execute(select(*cols).where(Patient.id.in_(wanted))):
        pid = row[0]
        # Same order as the patient lists: given, other names, family.
        names = [
            decrypt_value(cipher, Patient, f, pid, ct) for f, ct in zip(_NAME_FIELDS, row[2:5], strict=True)
        ]
        out[pid] = PatientInfo(
            name=" ".join(n for n in names if n),
            mrn=decrypt_value(cipher, Patient, "mrn", pid, row[1]) or "",
            address=(decrypt_value(cipher, Patient, "address", pid, row[6]) or "") if address else "",
            status=row[5],
        )
    return out


def _ledger(session: Session, ids: Sequence[uuid.UUID]) -> _Ledger:
    led = _Ledger()
    if not ids:
        return led
    for inv_id, paid in session.execute(
        select(Payment.invoice_id, func.sum(Payment.amount))
        .where(Payment.invoice_id.in_(ids))
        .group_by(Payment.invoice_id)
    ):
        led.paid[inv_id] = paid
    cn = _CN
    rows = session.execute(
        select(cn.credit_of_id, cn.id, cn.number, cn.total, cn.issue_date)
        .where(cn.credit_of_id.in_(ids), cn.kind == "credit_note", cn.state == "issued")
        .order_by(cn.id)
    )
    for of_id, cn_id, number, total, issue_date in rows:
        assert of_id is not None
        led.credit_refs.setdefault(of_id, []).append(CreditRef(cn_id, number or "", total, issue_date))
        led.credited[of_id] = led.credited.get(of_id, ZERO) + total
    return led


def _line_publics(inv: Invoice, totals: Totals) -> tuple[LinePublic, ...]:
    q = quantum(currency_places(inv.currency))
    return tuple(
        LinePublic(
            id=line.id,
            position=line.position,
            service_id=line.service_id,
            code=line.code,
            description=line.description or "",
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount.quantize(q),
            tax_rate=line.tax_rate,
            net=t.net,
            discount_share=t.discount_share,
            tax=t.tax,
            total=t.total,
        )
        for line, t in zip(inv.lines, totals.lines, strict=True)
    )


def payment_public(
    p: Payment,
    *,
    places: int = 4,
    balance_after: Decimal | None = None,
    status_after: str | None = None,
) -> PaymentPublic:
    """A payment row as a frozen result, amounts to the currency's `places`."""
    q = quantum(places)
    return PaymentPublic(
        id=p.id,
        invoice_id=p.invoice_id,
        amount=p.amount.quantize(q),
        method=p.method,
        reference=p.reference or "",
        paid_at=p.paid_at,
        taken_by=p.taken_by,
        balance_after=None if balance_after is None else balance_after.quantize(q),
        status_after=status_after,
    )


def totals_of(inv: Invoice) -> Totals:
    """Recompute an invoice's figures from its stored lines (what issue stored, for issued ones)."""
    amounts = [LineAmounts(ln.quantity, ln.unit_price, ln.discount, ln.tax_rate) for ln in inv.lines]
    return compute_totals(amounts, inv.invoice_discount, currency_places(inv.currency))


def load_publics(session: Session, ids: Sequence[uuid.UUID], *, address: bool = False) -> list[InvoicePublic]:
    """Full invoices by id, in the given order, in a fixed number of queries (no per-invoice loads)."""
    if not ids:
        return []
    invoices = {
        inv.id: inv
        for inv in session.scalars(
            select(Invoice)
            .where(Invoice.id.in_(list(ids)))
            .options(selectinload(Invoice.lines), selectinload(Invoice.payments))
        )
    }
    found = [invoices[i] for i in ids if i in invoices]
    led = _ledger(session, [inv.id for inv in found])
    patients = patient_info(session, (inv.patient_id for inv in found), address=address)
    of_ids = {inv.credit_of_id for inv in found if inv.credit_of_id is not None}
    of_numbers: dict[uuid.UUID, str | None] = {}
    if of_ids:
        rows = session.execute(select(Invoice.id, Invoice.number).where(Invoice.id.in_(of_ids)))
        of_numbers = {of_id: number for of_id, number in rows}
    return [
        _build_public(
            inv,
            payments=inv.payments,
            led=led,
            patient=patients.get(inv.patient_id, PatientInfo("", "")),
            credit_of_number=of_numbers.get(inv.credit_of_id) if inv.credit_of_id else None,
        )
        for inv in found
    ]


def _build_public(
    inv: Invoice,
    *,
    payments: Sequence[Payment],
    led: _Ledger,
    patient: PatientInfo,
    credit_of_number: str | None,
) -> InvoicePublic:
    """Assemble the frozen result from rows already in memory (the write paths reuse what they hold)."""
    totals = totals_of(inv)
    if inv.state == "draft":
        figures = (totals.subtotal, totals.invoice_discount, totals.tax_total, totals.total)
    else:  # fixed at issue
        figures = (inv.subtotal, inv.invoice_discount, inv.tax_total, inv.total)
    places = currency_places(inv.currency)
    q = quantum(places)
    subtotal, discount, tax_total, total = (x.quantize(q) for x in figures)
    paid = led.paid.get(inv.id, ZERO).quantize(q)
    credited = led.credited.get(inv.id, ZERO).quantize(q)
    status, balance = derive_status(kind=inv.kind, state=inv.state, total=total, credited=credited, paid=paid)
    return InvoicePublic(
        id=inv.id,
        kind=inv.kind,
        state=inv.state,
        status=status,
        number=inv.number,
        currency=inv.currency,
        patient_id=inv.patient_id,
        patient_name=patient.name,
        patient_mrn=patient.mrn,
        patient_address=patient.address,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        lines=_line_publics(inv, totals),
        payments=tuple(
            payment_public(p, places=places) for p in sorted(payments, key=lambda p: (p.paid_at, p.id))
        ),
        subtotal=subtotal,
        invoice_discount=discount,
        tax_total=tax_total,
        total=total,
        credited=credited,
        paid=paid,
        balance=balance,
        notes=inv.notes or "",
        void_reason=inv.void_reason or "",
        credit_of_id=inv.credit_of_id,
        credit_of_number=credit_of_number,
        credit_notes=tuple(
            CreditRef(c.id, c.number, c.total.quantize(q), c.issue_date)
            for c in led.credit_refs.get(inv.id, ())
        ),
        created_at=inv.created_at,
        updated_at=inv.updated_at,
        created_by=inv.created_by,
        issued_at=inv.issued_at,
        issued_by=inv.issued_by,
        voided_at=inv.voided_at,
        voided_by=inv.voided_by,
    )


def _fresh_public(
    session: Session, inv: Invoice, *, credit_of_number: str | None = None, patient: PatientInfo | None = None
) -> InvoicePublic:
    """The result of a draft, just issued or just credited: no payments or credit notes yet, one query."""
    if patient is None:
        patient = patient_info(session, [inv.patient_id]).get(inv.patient_id, PatientInfo("", ""))
    return _build_public(inv, payments=(), led=_Ledger(), patient=patient, credit_of_number=credit_of_number)


def load_public(session: Session, invoice_id: uuid.UUID, *, address: bool = False) -> InvoicePublic:
    """One full invoice (no permission check, no audit: for the services and the printing glue)."""
    found = load_publics(session, [invoice_id], address=address)
    if not found:
        raise NotFound("That invoice does not exist. Refresh the list and try again.")
    return found[0]


def lock_invoice(session: Session, invoice_id: uuid.UUID) -> Invoice:
    """The invoice row, locked for this transaction (PostgreSQL; SQLite writers are serialised anyway)."""
    inv = session.scalars(select(Invoice).where(Invoice.id == invoice_id).with_for_update()).first()
    if inv is None:
        raise NotFound("That invoice does not exist. Refresh the list and try again.")
    return inv


def ledger_of(session: Session, invoice_id: uuid.UUID) -> tuple[Decimal, Decimal]:
    """(credited, paid) of one invoice, both summed in the database in one query."""
    paid = select(func.coalesce(func.sum(Payment.amount), _SQL_ZERO)).where(Payment.invoice_id == invoice_id)
    credited = select(func.coalesce(func.sum(_CN.total), _SQL_ZERO)).where(
        _CN.credit_of_id == invoice_id, _CN.kind == "credit_note", _CN.state == "issued"
    )
    row = session.execute(select(credited.scalar_subquery(), paid.scalar_subquery())).one()
    return row[0], row[1]


# --- validation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    service_id: uuid.UUID | None
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    tax_rate: Decimal


def _check_lines(
    session: Session, lines: Sequence[LineInput], places: int, errors: dict[str, str]
) -> list[_Line]:
    if len(lines) > MAX_LINES:
        errors["lines"] = f"An invoice can have at most {MAX_LINES} lines; split it into two invoices."
        return []
    service_ids = {ln.service_id for ln in lines if ln.service_id is not None}
    services = (
        {s.id: s for s in session.scalars(select(Service).where(Service.id.in_(service_ids)))}
        if service_ids
        else {}
    )
    out: list[_Line] = []
    for i, ln in enumerate(lines, start=1):
        key = f"lines[{i}]"
        svc = services.get(ln.service_id) if ln.service_id is not None else None
        if ln.service_id is not None and svc is None:
            errors[f"{key}.service"] = f"Line {i}: that service is not in the catalogue any more."
            continue
        fills = svc is not None and (ln.unit_price is None or not ln.description.strip())
        if svc is not None and fills and not svc.active:
            errors[f"{key}.service"] = f"Line {i}: {svc.code} is no longer offered; choose another service."
            continue
        description = " ".join((ln.description or (svc.name if svc else "")).split())
        if not description:
            errors[f"{key}.description"] = f"Line {i}: enter a description."
        elif len(description) > DESCRIPTION_MAX:
            errors[f"{key}.description"] = (
                f"Line {i}: the description can have at most {DESCRIPTION_MAX} characters."
            )
        code = normalise_code(ln.code or (svc.code if svc else ""))
        if len(code) > 32:
            errors[f"{key}.code"] = f"Line {i}: the code can have at most 32 characters."
        qty = to_decimal(ln.quantity)
        if qty is None or qty <= 0 or qty >= MAX_QUANTITY or not has_places(qty, 4):
            errors[f"{key}.quantity"] = (
                f"Line {i}: the quantity must be more than 0 (up to 4 decimal places)."
            )
            qty = None
        raw_price = ln.unit_price if ln.unit_price is not None else (svc.price if svc else None)
        price = to_decimal(raw_price) if raw_price is not None else None
        if price is None or price < 0 or price >= MAX_AMOUNT or not has_places(price, 4):
            errors[f"{key}.unit_price"] = (
                f"Line {i}: enter a unit price of 0 or more (negative amounts belong on a credit note)."
            )
            price = None
        disc = to_decimal(ln.discount)
        if disc is None or disc < 0 or not has_places(disc, places):
            errors[f"{key}.discount"] = (
                f"Line {i}: the discount must be an amount of 0 or more, with at most {places} decimal places."
            )
            disc = None
        elif qty is not None and price is not None and disc > qty * price:
            errors[f"{key}.discount"] = f"Line {i}: the discount cannot be more than the line amount."
            disc = None
        raw_rate = ln.tax_rate if ln.tax_rate is not None else (svc.tax_rate if svc else ZERO)
        rate = check_tax_rate(raw_rate, errors, f"{key}.tax_rate")
        if rate is None:
            errors[f"{key}.tax_rate"] = f"Line {i}: the tax rate must be a percentage from 0 to 100."
        if qty is not None and price is not None and disc is not None and rate is not None:
            out.append(_Line(ln.service_id, code, description, qty, price, disc, rate))
    return out


def _check_discount(value: Any, places: int, errors: dict[str, str]) -> Decimal:
    d = to_decimal(value)
    if d is None or d < 0 or not has_places(d, places):
        errors["invoice_discount"] = (
            f"The invoice discount must be an amount of 0 or more, with at most {places} decimal places."
        )
        return ZERO
    return d


def _check_notes(notes: str, errors: dict[str, str]) -> str:
    text = (notes or "").strip()
    if len(text) > NOTES_MAX:
        errors["notes"] = f"Notes can have at most {NOTES_MAX} characters."
    return text


def _validated(
    session: Session, data: InvoiceCreate | InvoiceUpdate, places: int
) -> tuple[list[_Line], Decimal, str, Totals]:
    errors: dict[str, str] = {}
    lines = _check_lines(session, data.lines, places, errors)
    discount = _check_discount(data.invoice_discount, places, errors)
    notes = _check_notes(data.notes, errors)
    if data.due_date is not None and not isinstance(data.due_date, date):
        errors["due_date"] = "Enter the due date as a date."
    totals = compute_totals(
        [LineAmounts(ln.quantity, ln.unit_price, ln.discount, ln.tax_rate) for ln in lines], ZERO, places
    )
    if not errors and discount > totals.subtotal:
        errors["invoice_discount"] = "The invoice discount cannot be more than the sum of the lines."
    if errors:
        raise ValidationError(errors)
    totals = compute_totals(
        [LineAmounts(ln.quantity, ln.unit_price, ln.discount, ln.tax_rate) for ln in lines], discount, places
    )
    return lines, discount, notes, totals


def _set_lines(inv: Invoice, lines: list[_Line]) -> None:
    inv.lines = [
        InvoiceLine(
            invoice_id=inv.id,
            position=pos,
            service_id=ln.service_id,
            code=ln.code,
            description=ln.description,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            discount=ln.discount,
            tax_rate=ln.tax_rate,
        )
        for pos, ln in enumerate(lines, start=1)
    ]


def _store_totals(inv: Invoice, totals: Totals) -> None:
    inv.invoice_discount = totals.invoice_discount
    inv.subtotal, inv.tax_total, inv.total = totals.subtotal, totals.tax_total, totals.total


def _settings(session: Session, *keys: str) -> dict[str, Any]:
    """Several settings in one query (defaults for those never written)."""
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys)))
    stored: dict[str, Any] = {k: v for k, v in rows}
    return {k: stored[k] if stored.get(k) is not None else settings.DEFS[k].default for k in keys}


def _check_version(inv: Invoice, expected: datetime | None) -> None:
    if expected is not None and inv.updated_at != expected:
        raise Conflict(
            "This invoice was changed by someone else after you opened it. Reopen it to see the changes, "
            "then make yours again."
        )


# --- drafts -----------------------------------------------------------------------------------------


def create_draft(session: Session, *, actor: Actor, data: InvoiceCreate) -> InvoicePublic:
    """Start a draft invoice for a patient (may have no lines yet)."""
    require(actor, Perm.INVOICE_EDIT)
    store = Store.of(session)
    currency = settings.get(session, "clinic.currency")
    places = currency_places(currency)
    patient = patient_info(session, [data.patient_id]).get(data.patient_id)
    if patient is None:
        raise NotFound("That patient does not exist. Search for the patient again.")
    if patient.status == "merged":
        raise Conflict("That patient record was merged into another one. Open the kept record to invoice.")
    lines, _, notes, totals = _validated(session, data, places)
    now = store.clock.now()
    inv = Invoice(
        patient_id=data.patient_id,
        kind="invoice",
        state="draft",
        currency=currency,
        due_date=data.due_date,
        notes=notes or None,
        created_at=now,
        updated_at=now,
        created_by=actor.user_id,
    )
    _set_lines(inv, lines)
    _store_totals(inv, totals)
    session.add(inv)
    session.flush()
    store.audit(
        session,
        "invoice.create",
        actor=actor,
        entity="invoice",
        entity_id=inv.id,
        detail={"lines": len(lines)},
    )
    return _fresh_public(session, inv, patient=patient)


def update_draft(
    session: Session,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    data: InvoiceUpdate,
    expected_updated_at: datetime,
) -> InvoicePublic:
    """Replace a draft's lines, discount, notes and due date (refused once issued, or if changed meanwhile)."""
    require(actor, Perm.INVOICE_EDIT)
    store = Store.of(session)
    inv = lock_invoice(session, invoice_id)
    if inv.state != "draft":
        raise Conflict(ISSUED_IMMUTABLE)
    _check_version(inv, expected_updated_at)
    lines, _, notes, totals = _validated(session, data, currency_places(inv.currency))
    _set_lines(inv, lines)
    _store_totals(inv, totals)
    inv.notes = notes or None
    inv.due_date = data.due_date
    inv.updated_at = _bump(inv.updated_at, store.clock.now())
    session.flush()
    store.audit(
        session,
        "invoice.update",
        actor=actor,
        entity="invoice",
        entity_id=inv.id,
        detail={"lines": len(lines)},
    )
    return _fresh_public(session, inv)


# --- numbers and issue ------------------------------------------------------------------------------


def format_number(prefix: str, year: int, seq: int) -> str:
    """An invoice number: ``A-2026-000042``."""
    return f"{prefix}-{year}-{seq:06d}"


def next_number(session: Session, *, prefix: str, year: int) -> str:
    """Take the next number of a series in the caller's transaction (row locked; created when missing)."""
    seq = session.scalars(
        select(InvoiceSequence)
        .where(InvoiceSequence.prefix == prefix, InvoiceSequence.year == year)
        .with_for_update()
    ).first()
    if seq is None:
        try:
            with session.begin_nested():
                seq = InvoiceSequence(prefix=prefix, year=year, next_seq=1)
                session.add(seq)
        except IntegrityError:
            # Another PC on the same LAN database created the row first: lock theirs and go on.
            seq = session.scalars(
                select(InvoiceSequence)
                .where(InvoiceSequence.prefix == prefix, InvoiceSequence.year == year)
                .with_for_update()
            ).one()
    n = seq.next_seq
    seq.next_seq = n + 1
    return format_number(prefix, year, n)


def _resync_sequence(session: Session, prefix: str, year: int) -> int:
    """Move a series past the numbers already used (after a restored backup put its counter back)."""
    used = session.scalars(select(Invoice.number).where(Invoice.number.like(f"{prefix}-{year}-%")))
    top = max((int(n.rsplit("-", 1)[1]) for n in used if n and n.rsplit("-", 1)[1].isdigit()), default=0)
    seq = session.scalars(
        select(InvoiceSequence)
        .where(InvoiceSequence.prefix == prefix, InvoiceSequence.year == year)
        .with_for_update()
    ).one()
    seq.next_seq = max(seq.next_seq, top + 1)
    session.flush()
    log.warning(
        "invoice series %s-%s was behind the numbers in use; moved on to %d", prefix, year, seq.next_seq
    )
    Store.of(session).audit(
        session,
        "invoice.sequence_resync",
        entity="invoice_sequence",
        entity_id=f"{prefix}-{year}",
        detail={"next_seq": seq.next_seq},
    )
    return seq.next_seq


def _take_number(session: Session, prefix: str, year: int) -> str:
    """The next free number of a series; a counter that went back (a restored backup) skips used numbers."""
    number = next_number(session, prefix=prefix, year=year)
    if session.scalar(select(Invoice.id).where(Invoice.number == number)) is not None:
        _resync_sequence(session, prefix, year)
        number = next_number(session, prefix=prefix, year=year)
    return number


def _flush_numbered(session: Session, number: str) -> None:
    """Write the numbered row; the unique constraint on the number is the backstop against a race."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"The invoice number {number} was taken by another PC at the same moment. Nothing was issued; "
            "try again."
        ) from None


def issue_invoice(
    session: Session,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    expected_updated_at: datetime | None = None,
    tz: tzinfo | None = None,
) -> InvoicePublic:
    """Number a draft, fix its dates and totals; from now on it is immutable."""
    require(actor, Perm.INVOICE_ISSUE)
    store = Store.of(session)
    inv = lock_invoice(session, invoice_id)
    if inv.state != "draft":
        raise Conflict("This invoice is already issued." if inv.state == "issued" else ISSUED_IMMUTABLE)
    _check_version(inv, expected_updated_at)
    if not inv.lines:
        raise ValidationError({"lines": "Add at least one line before issuing the invoice."})
    # (No merged-patient check here: a merge moves the merged record's invoices, drafts included.)
    now = store.clock.now()
    issue_date = local_date(now, tz)
    if inv.due_date is not None and inv.due_date < issue_date:
        raise ValidationError(
            {"due_date": "The due date cannot be before the issue date; change it or clear it."}
        )
    totals = totals_of(inv)
    if totals.invoice_discount > totals.subtotal:
        raise ValidationError(
            {"invoice_discount": "The invoice discount cannot be more than the sum of the lines."}
        )
    # Read the settings before changing the row, so the change is flushed in one UPDATE.
    conf = _settings(session, "invoice.due_days", "invoice.prefix")
    due_days, prefix = int(conf["invoice.due_days"]), str(conf["invoice.prefix"])
    # The number first, then every change to the row at once (one UPDATE, no savepoint).
    number = _take_number(session, prefix, issue_date.year)
    _store_totals(inv, totals)
    inv.issue_date = issue_date
    if inv.due_date is None:
        inv.due_date = issue_date + timedelta(days=due_days)
    inv.state, inv.issued_at, inv.issued_by = "issued", now, actor.user_id
    inv.updated_at = _bump(inv.updated_at, now)
    inv.number = number
    _flush_numbered(session, number)
    store.audit(
        session,
        "invoice.issue",
        actor=actor,
        entity="invoice",
        entity_id=inv.id,
        detail={"number": inv.number},
    )
    return _fresh_public(session, inv)


# --- void and credit ----------------------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < REASON_MIN:
        raise ValidationError(
            {"reason": "Give the reason (it is printed on the document and kept in the record)."}
        )
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": f"The reason can have at most {REASON_MAX} characters."})
    return text


def void_invoice(session: Session, *, actor: Actor, invoice_id: uuid.UUID, reason: str) -> InvoicePublic:
    """Cancel an issued invoice nobody has paid; its number stays used and the reason is kept."""
    require(actor, Perm.INVOICE_VOID)
    store = Store.of(session)
    text = _check_reason(reason)
    inv = lock_invoice(session, invoice_id)
    if inv.kind == "credit_note":
        raise Conflict("A credit note cannot be voided. Issue a new invoice for the amount instead.")
    if inv.state == "draft":
        raise Conflict("A draft has no number yet; edit it instead of voiding it.")
    if inv.state == "voided":
        raise Conflict("This invoice is already voided.")
    credited, paid = ledger_of(session, inv.id)
    if paid != 0:
        raise Conflict(
            "This invoice has payments. Refund them first, or issue a credit note instead of voiding it."
        )
    if credited != 0:
        raise Conflict("This invoice already has a credit note. Credit the rest with another credit note.")
    now = store.clock.now()
    inv.state, inv.voided_at, inv.voided_by, inv.void_reason = "voided", now, actor.user_id, text
    inv.updated_at = _bump(inv.updated_at, now)
    session.flush()
    store.audit(
        session,
        "invoice.void",
        actor=actor,
        entity="invoice",
        entity_id=inv.id,
        detail={"number": inv.number},
    )
    return load_public(session, inv.id)


def create_credit_note(
    session: Session,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    reason: str,
    lines: Sequence[LineInput] | None = None,
    invoice_discount: Decimal = ZERO,
    tz: tzinfo | None = None,
) -> InvoicePublic:
    """Issue a credit note against an issued invoice: all of it (no `lines`) or the lines given.

    Crediting what remains of the invoice voids it in the same transaction. Returns the credit note.
    """
    require(actor, Perm.INVOICE_VOID)
    store = Store.of(session)
    text = _check_reason(reason)
    inv = lock_invoice(session, invoice_id)
    if inv.kind == "credit_note":
        raise Conflict("A credit note cannot be credited again.")
    if inv.state != "issued":
        raise Conflict(
            "Only an issued invoice can be credited."
            if inv.state == "draft"
            else "This invoice is voided; there is nothing left to credit."
        )
    credited, _paid = ledger_of(session, inv.id)
    remaining = inv.total - credited
    places = currency_places(inv.currency)
    if lines is None:
        if credited:
            raise ValidationError(
                {"lines": "Part of this invoice was already credited; list the lines to credit now."}
            )
        new_lines = [
            _Line(
                ln.service_id,
                ln.code,
                ln.description or "",
                ln.quantity,
                ln.unit_price,
                ln.discount,
                ln.tax_rate,
            )
            for ln in inv.lines
        ]
        totals = totals_of(inv)
    else:
        new_lines, _, _, totals = _validated(
            session, InvoiceUpdate(lines=lines, invoice_discount=invoice_discount), places
        )
        if not new_lines:
            raise ValidationError({"lines": "Add at least one line to credit."})
        if totals.total > remaining:
            raise ValidationError(
                {
                    "lines": f"The credit note ({format_money(session, totals.total, inv.currency)}) is more "
                    f"than what is left to credit ({format_money(session, remaining, inv.currency)})."
                }
            )
        if totals.total <= 0:
            raise ValidationError({"lines": "The credit note's total must be more than 0."})
    now = store.clock.now()
    issue_date = local_date(now, tz)
    number = _take_number(session, settings.get(session, "invoice.prefix"), issue_date.year)
    cn = Invoice(
        patient_id=inv.patient_id,
        kind="credit_note",
        state="issued",
        number=number,
        currency=inv.currency,
        issue_date=issue_date,
        due_date=None,
        notes=text,
        credit_of_id=inv.id,
        created_at=now,
        updated_at=now,
        created_by=actor.user_id,
        issued_at=now,
        issued_by=actor.user_id,
    )
    _set_lines(cn, new_lines)
    _store_totals(cn, totals)
    session.add(cn)
    _flush_numbered(session, number)
    store.audit(
        session,
        "invoice.credit",
        actor=actor,
        entity="invoice",
        entity_id=cn.id,
        detail={"number": cn.number, "credit_of": str(inv.id)},
    )
    if totals.total == remaining:
        inv.state, inv.voided_at, inv.voided_by, inv.void_reason = "voided", now, actor.user_id, text
        inv.updated_at = _bump(inv.updated_at, now)
        session.flush()
        store.audit(
            session,
            "invoice.void",
            actor=actor,
            entity="invoice",
            entity_id=inv.id,
            detail={"number": inv.number, "credit_note": cn.number},
        )
    return _fresh_public(session, cn, credit_of_number=inv.number)


# --- reading ----------------------------------------------------------------------------------------


def get_invoice(session: Session, *, actor: Actor, invoice_id: uuid.UUID) -> InvoicePublic:
    """One invoice with lines, payments, derived status and balance (audited as a view)."""
    require(actor, Perm.INVOICE_VIEW)
    pub = load_public(session, invoice_id, address=True)
    Store.of(session).audit(session, "invoice.view", actor=actor, entity="invoice", entity_id=invoice_id)
    return pub


def paid_expr(cutoff: datetime | None = None) -> ColumnElement[Decimal]:
    """Σ payments of the outer `Invoice` row (up to `cutoff`), as a correlated scalar subquery."""
    q = select(func.coalesce(func.sum(Payment.amount), _SQL_ZERO)).where(Payment.invoice_id == Invoice.id)
    if cutoff is not None:
        q = q.where(Payment.paid_at < cutoff)
    return q.correlate(Invoice).scalar_subquery()


def credited_expr(cutoff: datetime | None = None) -> ColumnElement[Decimal]:
    """Σ credit-note totals of the outer `Invoice` row (issued before `cutoff`), as a scalar subquery."""
    cn = _CN
    q = select(func.coalesce(func.sum(cn.total), _SQL_ZERO)).where(
        cn.credit_of_id == Invoice.id, cn.kind == "credit_note", cn.state == "issued"
    )
    if cutoff is not None:
        q = q.where(cn.issued_at < cutoff)
    return q.correlate(Invoice).scalar_subquery()


def balance_expr(paid: ColumnElement[Decimal], credited: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    """total − credited − paid of the outer `Invoice` row, typed so the result comes back as a Decimal."""
    return type_coerce(Invoice.total - credited - paid, Fixed4())


def _status_clause(
    status: str, paid: ColumnElement[Decimal], credited: ColumnElement[Decimal]
) -> ColumnElement[bool]:
    balance = balance_expr(paid, credited)
    issued_invoice = and_(Invoice.state == "issued", Invoice.kind == "invoice")
    if status == "draft":
        return Invoice.state == "draft"
    if status == "voided":
        return Invoice.state == "voided"
    if status == "paid":
        return and_(Invoice.state == "issued", or_(Invoice.kind == "credit_note", balance <= ZERO))
    if status == "unpaid":
        return and_(issued_invoice, balance > ZERO, paid == ZERO)
    return and_(issued_invoice, balance > ZERO, paid != ZERO)  # partially_paid


def list_invoices(
    session: Session,
    *,
    actor: Actor,
    status: str | Sequence[str] | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    patient_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[InvoiceSummary]:
    """A page of invoices, newest first (by creation), filtered by status, kind, issue dates and patient.

    Drafts have no issue date, so a date filter leaves them out. Four queries whatever the page size: the
    page (walking the primary key backwards; a status filter adds correlated sums to the WHERE), then the
    page's payments and credit notes grouped by invoice, then the patients' names in one batch.
    """
    require(actor, Perm.INVOICE_VIEW)
    statuses = [status] if isinstance(status, str) else list(status or [])
    if bad := [s for s in statuses if s not in STATUSES]:
        raise ValidationError({"status": f"Unknown status {bad[0]!r}; use one of {', '.join(STATUSES)}."})
    if kind is not None and kind not in KINDS:
        raise ValidationError({"kind": "Choose invoices or credit notes."})
    stmt = select(
        Invoice.id,
        Invoice.kind,
        Invoice.state,
        Invoice.number,
        Invoice.patient_id,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.total,
        Invoice.credit_of_id,
        Invoice.created_at,
    )
    if statuses:
        paid, credited = paid_expr(), credited_expr()
        stmt = stmt.where(or_(*(_status_clause(s, paid, credited) for s in statuses)))
    if kind is not None:
        stmt = stmt.where(Invoice.kind == kind)
    if date_from is not None:
        stmt = stmt.where(Invoice.issue_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Invoice.issue_date <= date_to)
    if patient_id is not None:
        stmt = stmt.where(Invoice.patient_id == patient_id)
    # Ids are time-ordered UUIDv7, so the primary key is the creation order: no sort, no scan of the table.
    stmt = stmt.order_by(Invoice.id.desc()).limit(max(1, min(limit, PAGE_LIMIT))).offset(max(0, offset))
    rows = session.execute(stmt).all()
    led = _ledger(session, [r.id for r in rows])
    patients = patient_info(session, (r.patient_id for r in rows))
    out = []
    for r in rows:
        q = money_quantum(r.currency)
        total = r.total.quantize(q)
        paid_sum = led.paid.get(r.id, ZERO).quantize(q)
        credited_sum = led.credited.get(r.id, ZERO).quantize(q)
        st, balance = derive_status(
            kind=r.kind, state=r.state, total=total, credited=credited_sum, paid=paid_sum
        )
        p = patients.get(r.patient_id, PatientInfo("", ""))
        out.append(
            InvoiceSummary(
                id=r.id,
                kind=r.kind,
                state=r.state,
                status=st,
                number=r.number,
                patient_id=r.patient_id,
                patient_name=p.name,
                patient_mrn=p.mrn,
                currency=r.currency,
                issue_date=r.issue_date,
                due_date=r.due_date,
                total=total,
                credited=credited_sum,
                paid=paid_sum,
                balance=balance,
                credit_of_id=r.credit_of_id,
                created_at=r.created_at,
            )
        )
    if out:
        store = Store.of(session)
        # One event per invoice shown (a list shows patients' names), written in one bulk insert.
        audit.record_many(
            session,
            key=store.require_keys().audit_key,
            at=store.clock.now(),
            actor=actor,
            events=[{"action": "invoice.list", "entity": "invoice", "entity_id": s.id} for s in out],
        )
    return out


def patient_balance(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> PatientBalance:
    """What a patient owes over all issued invoices (voided ones count only for money still to refund)."""
    require(actor, Perm.INVOICE_VIEW)
    paid, credited = paid_expr(), credited_expr()
    rows = session.execute(
        select(Invoice.state, Invoice.total, paid, credited).where(
            Invoice.patient_id == patient_id, Invoice.kind == "invoice", Invoice.state != "draft"
        )
    ).all()
    invoiced = credited_sum = paid_sum = balance = ZERO
    open_count = 0
    for state, total, p, c in rows:
        status, bal = derive_status(kind="invoice", state=state, total=total, credited=c, paid=p)
        if state == "issued":
            invoiced += total
            credited_sum += c
        paid_sum += p
        balance += bal
        open_count += status in ("unpaid", "partially_paid")
    Store.of(session).audit(
        session, "invoice.balance_view", actor=actor, entity="patient", entity_id=patient_id
    )
    q = money_quantum(settings.get(session, "clinic.currency"))
    return PatientBalance(
        patient_id,
        invoiced.quantize(q),
        credited_sum.quantize(q),
        paid_sum.quantize(q),
        balance.quantize(q),
        open_count,
    )


def format_money(session: Session, amount: Decimal, currency: str) -> str:
    """An amount as the clinic writes it (babel, the clinic's locale), for messages."""
    return format_currency(amount, currency, locale=settings.get(session, "clinic.locale"))


def money_quantum(currency: str) -> Decimal:
    """The minor unit of a currency (0.01 for KES)."""
    return quantum(currency_places(currency))
