"""Payments: insert-only rows against issued invoices; a refund is a negative payment.

Rules: a payment is more than 0 and at most the balance (overpayment is refused: at the cash desk the UI
works out the change with `change_due`); no payment on a draft, a voided invoice or a credit note. A refund
(Perm.PAYMENT_REFUND) never exceeds what was paid, net of earlier refunds; it is allowed on a voided invoice
too, because a full credit note voids an invoice whose payments must then go back to the patient.
The invoice row is locked first, so two PCs taking money for the same invoice queue instead of overpaying.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.catalogue import to_decimal
from hmis_desktop.services.invoice_totals import ZERO, currency_places, has_places
from hmis_desktop.services.invoices import (
    PaymentPublic,
    derive_status,
    format_money,
    ledger_of,
    lock_invoice,
    payment_public,
)
from hmis_desktop.store.models import Invoice, Payment
from hmis_desktop.store.store import Store

PAYMENT_METHODS = ("cash", "card", "insurance", "bank_transfer", "other")
REFERENCE_MAX = 100


def change_due(tendered: Decimal, balance: Decimal) -> Decimal:
    """Change to hand back when `tendered` cash meets a `balance` (0 when it does not cover it)."""
    if tendered < 0:
        raise ValueError("tendered cash cannot be negative")
    return max(tendered - max(balance, ZERO), ZERO)


def _check(
    session: Session, amount: Decimal, method: str, reference: str, places: int
) -> tuple[Decimal, str]:
    errors: dict[str, str] = {}
    d = to_decimal(amount)
    if d is None or d <= 0 or not has_places(d, places):
        errors["amount"] = f"Enter an amount of more than 0, with at most {places} decimal places."
    if method not in PAYMENT_METHODS:
        errors["method"] = "Choose how it was paid: cash, card, insurance, bank transfer or other."
    ref = " ".join((reference or "").split())
    if len(ref) > REFERENCE_MAX:
        errors["reference"] = f"The reference can have at most {REFERENCE_MAX} characters."
    if errors:
        raise ValidationError(errors)
    assert d is not None
    return d, ref


def _insert(
    session: Session, inv: Invoice, actor: Actor, amount: Decimal, method: str, reference: str
) -> Payment:
    store = Store.of(session)
    row = Payment(
        invoice_id=inv.id,
        amount=amount,
        method=method,
        reference=reference or None,
        paid_at=store.clock.now(),
        taken_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    return row


def take_payment(
    session: Session,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    amount: Decimal,
    method: str,
    reference: str = "",
) -> PaymentPublic:
    """Record money received for an issued invoice (partial payments allowed; more than the balance refused)."""
    require(actor, Perm.PAYMENT_TAKE)
    store = Store.of(session)
    inv = lock_invoice(session, invoice_id)
    if inv.kind == "credit_note":
        raise Conflict("A credit note takes no payments. Take the payment on an invoice.")
    if inv.state == "draft":
        raise Conflict("Issue the invoice before taking a payment for it.")
    if inv.state == "voided":
        raise Conflict("This invoice is voided; it takes no payments. Take the payment on a valid invoice.")
    amount, ref = _check(session, amount, method, reference, currency_places(inv.currency))
    credited, paid = ledger_of(session, inv.id)
    _, balance = derive_status(kind=inv.kind, state=inv.state, total=inv.total, credited=credited, paid=paid)
    if balance <= 0:
        raise Conflict("This invoice is already paid in full.")
    if amount > balance:
        extra = ""
        if method == "cash":
            extra = f" For cash, take {format_money(session, balance, inv.currency)} and give the rest back as change."
        raise ValidationError(
            {
                "amount": f"The payment ({format_money(session, amount, inv.currency)}) is more than the balance "
                f"({format_money(session, balance, inv.currency)}).{extra}"
            }
        )
    row = _insert(session, inv, actor, amount, method, ref)
    status, after = derive_status(
        kind=inv.kind, state=inv.state, total=inv.total, credited=credited, paid=paid + amount
    )
    store.audit(
        session,
        "payment.take",
        actor=actor,
        entity="payment",
        entity_id=row.id,
        detail={"invoice_id": str(inv.id), "method": method, "amount": str(amount)},
    )
    return payment_public(row, places=currency_places(inv.currency), balance_after=after, status_after=status)


def refund_payment(
    session: Session,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    amount: Decimal,
    method: str,
    reference: str = "",
) -> PaymentPublic:
    """Give money back: stored as a negative payment of `-amount`; never more than was paid (net)."""
    require(actor, Perm.PAYMENT_REFUND)
    store = Store.of(session)
    inv = lock_invoice(session, invoice_id)
    if inv.kind == "credit_note" or inv.state == "draft":
        raise Conflict("Nothing was paid on this document, so there is nothing to refund.")
    amount, ref = _check(session, amount, method, reference, currency_places(inv.currency))
    credited, paid = ledger_of(session, inv.id)
    if amount > paid:
        raise ValidationError(
            {
                "amount": f"The refund ({format_money(session, amount, inv.currency)}) is more than what was paid "
                f"({format_money(session, paid, inv.currency)})."
            }
        )
    row = _insert(session, inv, actor, -amount, method, ref)
    status, after = derive_status(
        kind=inv.kind, state=inv.state, total=inv.total, credited=credited, paid=paid - amount
    )
    store.audit(
        session,
        "payment.refund",
        actor=actor,
        entity="payment",
        entity_id=row.id,
        detail={"invoice_id": str(inv.id), "method": method, "amount": str(-amount)},
    )
    return payment_public(row, places=currency_places(inv.currency), balance_after=after, status_after=status)


def get_payment(session: Session, *, actor: Actor, payment_id: uuid.UUID) -> PaymentPublic:
    """One payment row."""
    require(actor, Perm.INVOICE_VIEW)
    row = session.get(Payment, payment_id)
    if row is None:
        raise NotFound("That payment does not exist. Refresh the invoice and try again.")
    currency = session.scalar(select(Invoice.currency).where(Invoice.id == row.invoice_id)) or "XXX"
    return payment_public(row, places=currency_places(currency))
