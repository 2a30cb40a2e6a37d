"""Billing reports: the day sheet and outstanding balances by age (Perm.REPORT_VIEW).

Times in the store are UTC; a clinic's "day" is local. Both reports take `tz` (a `tzinfo`, default None =
this PC's local zone) and work on the half-open UTC interval of that local day. Figures are *as of the end
of the day*: payments, credit notes and voids recorded after it do not change a reprinted sheet.

Aging counts days from the **issue date** (not the due date): due terms differ between invoices and
patients, while days since issue is what a front desk quotes when chasing a bill. Buckets: 0–30, 31–60,
61–90 and 90+ days. Only invoices with a balance above zero at the end of `as_of` are listed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.invoice_totals import ZERO
from hmis_desktop.services.invoices import (
    PatientInfo,
    balance_expr,
    credited_expr,
    derive_status,
    money_quantum,
    paid_expr,
    patient_info,
)
from hmis_desktop.services.payments import PAYMENT_METHODS
from hmis_desktop.store.models import Invoice, Payment
from hmis_desktop.store.store import Store

AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30", 0, 30),
    ("31–60", 31, 60),
    ("61–90", 61, 90),
    ("90+", 91, None),
)


@dataclass(frozen=True)
class MethodLine:
    """Payments of one method on the day: money in, refunds (negative) and the net."""

    method: str
    count: int  # payment rows, refunds included
    received: Decimal
    refunded: Decimal  # ≤ 0
    net: Decimal


@dataclass(frozen=True)
class DaySheetLine:
    """One invoice or credit note touched on the day (issued, paid against, voided), as of the day's end."""

    invoice_id: uuid.UUID
    invoice_number: str
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    kind: str
    status: str
    total: Decimal
    paid_today: Decimal
    balance: Decimal


@dataclass(frozen=True)
class DaySheet:
    """A day's takings by method and its invoice activity."""

    day: date
    methods: tuple[MethodLine, ...]  # every method, in PAYMENT_METHODS order
    received_total: Decimal
    refunded_total: Decimal
    payments_total: Decimal  # net
    invoices_issued_count: int  # invoices (not credit notes) issued on the day and not voided by its end
    invoices_issued_total: Decimal
    voided_count: int  # invoices voided on the day
    voided_total: Decimal
    credit_notes_count: int
    credit_notes_total: Decimal
    rows: tuple[DaySheetLine, ...]
    generated_at: datetime


@dataclass(frozen=True)
class AgingLine:
    """One invoice with money still owed."""

    invoice_id: uuid.UUID
    invoice_number: str
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    issue_date: date
    due_date: date | None
    days: int
    balance: Decimal
    bucket: str


@dataclass(frozen=True)
class AgingBucketTotal:
    """Sum of one age bucket."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Aging:
    """Outstanding balances by age as of a date."""

    as_of: date
    buckets: tuple[AgingBucketTotal, ...]
    total: Decimal
    rows: tuple[AgingLine, ...]
    generated_at: datetime


def day_bounds(day: date, tz: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The UTC instants where the local `day` starts and the next one starts (DST-safe)."""
    # With no zone, a naive local midnight: astimezone() then applies this PC's offset *on that date*
    # (a fixed offset taken from today would be an hour off across a daylight-saving change).
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def bucket_of(days: int) -> str:
    """The aging bucket label for a number of days."""
    for label, lo, hi in AGING_BUCKETS:
        if days >= lo and (hi is None or days <= hi):
            return label
    return AGING_BUCKETS[0][0]  # issued "in the future" by a skewed clock: count it as current


def day_sheet(session: Session, *, actor: Actor, day: date, tz: tzinfo | None = None) -> DaySheet:
    """Takings by payment method (refunds netted and shown) and invoices issued, voided and credited on `day`."""
    require(actor, Perm.REPORT_VIEW)
    store = Store.of(session)
    start, end = day_bounds(day, tz)
    q = money_quantum(settings.get(session, "clinic.currency"))
    in_day = lambda col: and_(col >= start, col < end)  # noqa: E731

    pays = session.execute(
        select(Payment.invoice_id, Payment.method, Payment.amount).where(in_day(Payment.paid_at))
    ).all()
    by_method: dict[str, list[Decimal]] = {m: [] for m in PAYMENT_METHODS}
    paid_today: dict[uuid.UUID, Decimal] = {}
    for inv_id, method, amount in pays:
        by_method.setdefault(method, []).append(amount)
        paid_today[inv_id] = paid_today.get(inv_id, ZERO) + amount
    methods = tuple(
        MethodLine(
            method=m,
            count=len(amounts),
            received=sum((a for a in amounts if a > 0), ZERO).quantize(q),
            refunded=sum((a for a in amounts if a < 0), ZERO).quantize(q),
            net=sum(amounts, ZERO).quantize(q),
        )
        for m, amounts in by_method.items()
    )

    # Every invoice touched on the day, with its state and ledger as of the day's end, in one query.
    paid, credited = paid_expr(end), credited_expr(end)
    touched = or_(
        in_day(Invoice.issued_at),
        in_day(Invoice.voided_at),
        Invoice.id.in_(list(paid_today)) if paid_today else false(),
    )
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.patient_id,
            Invoice.kind,
            Invoice.total,
            Invoice.issued_at,
            Invoice.voided_at,
            paid,
            credited,
        )
        .where(Invoice.state != "draft", touched)
        .order_by(Invoice.number)
    ).all()
    patients = patient_info(session, (r.patient_id for r in rows))
    issued_n = voided_n = credit_n = 0
    issued_sum = voided_sum = credit_sum = ZERO
    lines = []
    for r in rows:
        voided_by_end = r.voided_at is not None and r.voided_at < end
        issued_today = start <= r.issued_at < end
        if r.kind == "credit_note":
            if issued_today:
                credit_n, credit_sum = credit_n + 1, credit_sum + r.total
        else:
            if issued_today and not voided_by_end:
                issued_n, issued_sum = issued_n + 1, issued_sum + r.total
            if r.voided_at is not None and start <= r.voided_at < end:
                voided_n, voided_sum = voided_n + 1, voided_sum + r.total
        status, balance = derive_status(
            kind=r.kind,
            state="voided" if voided_by_end else "issued",
            total=r.total,
            credited=r[8],
            paid=r[7],
        )
        p = patients.get(r.patient_id, PatientInfo("", ""))
        lines.append(
            DaySheetLine(
                invoice_id=r.id,
                invoice_number=r.number or "",
                patient_id=r.patient_id,
                patient_name=p.name,
                patient_mrn=p.mrn,
                kind=r.kind,
                status=status,
                total=r.total.quantize(q),
                paid_today=paid_today.get(r.id, ZERO).quantize(q),
                balance=balance.quantize(q),
            )
        )
    received = sum((m.received for m in methods), ZERO)
    refunded = sum((m.refunded for m in methods), ZERO)
    sheet = DaySheet(
        day=day,
        methods=methods,
        received_total=received,
        refunded_total=refunded,
        payments_total=received + refunded,
        invoices_issued_count=issued_n,
        invoices_issued_total=issued_sum.quantize(q),
        voided_count=voided_n,
        voided_total=voided_sum.quantize(q),
        credit_notes_count=credit_n,
        credit_notes_total=credit_sum.quantize(q),
        rows=tuple(lines),
        generated_at=store.clock.now(),
    )
    store.audit(
        session,
        "report.day_sheet",
        actor=actor,
        entity="report",
        detail={"day": day.isoformat(), "invoices": len(lines)},
    )
    return sheet


def outstanding_by_age(session: Session, *, actor: Actor, as_of: date, tz: tzinfo | None = None) -> Aging:
    """Balances of unpaid and partially paid invoices at the end of `as_of`, bucketed by days since issue."""
    require(actor, Perm.REPORT_VIEW)
    store = Store.of(session)
    _, cutoff = day_bounds(as_of, tz)
    q = money_quantum(settings.get(session, "clinic.currency"))
    paid, credited = paid_expr(cutoff), credited_expr(cutoff)
    balance = balance_expr(paid, credited)
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.patient_id,
            Invoice.issue_date,
            Invoice.due_date,
            balance.label("balance"),
        )
        .where(
            Invoice.kind == "invoice",
            Invoice.state != "draft",
            Invoice.issued_at < cutoff,
            or_(Invoice.voided_at.is_(None), Invoice.voided_at >= cutoff),
            balance > ZERO,
        )
        .order_by(Invoice.issue_date, Invoice.number)
    ).all()
    patients = patient_info(session, (r.patient_id for r in rows))
    lines = []
    sums: dict[str, tuple[int, Decimal]] = {label: (0, ZERO) for label, _, _ in AGING_BUCKETS}
    for r in rows:
        days = max(0, (as_of - r.issue_date).days)
        label = bucket_of(days)
        n, amount = sums[label]
        sums[label] = (n + 1, amount + r.balance)
        p = patients.get(r.patient_id, PatientInfo("", ""))
        lines.append(
            AgingLine(
                invoice_id=r.id,
                invoice_number=r.number or "",
                patient_id=r.patient_id,
                patient_name=p.name,
                patient_mrn=p.mrn,
                issue_date=r.issue_date,
                due_date=r.due_date,
                days=days,
                balance=r.balance.quantize(q),
                bucket=label,
            )
        )
    buckets = tuple(AgingBucketTotal(label, n, amount.quantize(q)) for label, (n, amount) in sums.items())
    report = Aging(
        as_of=as_of,
        buckets=buckets,
        total=sum((b.amount for b in buckets), ZERO).quantize(q),
        rows=tuple(lines),
        generated_at=store.clock.now(),
    )
    store.audit(
        session,
        "report.aging",
        actor=actor,
        entity="report",
        detail={"as_of": as_of.isoformat(), "invoices": len(lines)},
    )
    return report
