"""Shared set-up for the billing tests: patients made with the ORM, users of each role, quick invoices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.services import invoices as inv
from hmis_desktop.services import payments as pay
from hmis_desktop.store.models import AuditEvent, Patient
from hmis_desktop.store.store import Store

D = Decimal

ROLE_PASSWORDS = {
    "front_desk": "Front-Desk-77x",
    "doctor": "Stetho-Scope-42q",
    "manager": "Ledger-Keeper-91z",
}


def make_patient(
    store: Store,
    given: str = "Amina",
    family: str = "Otieno",
    mrn: str = "MRN000001",
    address: str | None = None,
) -> uuid.UUID:
    """A patient row made directly with the ORM (the patients service is another module's business)."""
    now = store.clock.now()
    with store.session() as s:
        p = Patient(mrn=mrn, given_name=given, family_name=family, created_at=now, updated_at=now)
        if address is not None:
            p.address = address
        s.add(p)
        s.flush()
        return p.id


def make_actor(store: Store, admin: Actor, role: str) -> Actor:
    """A user of `role`, created by the admin and logged in."""
    name = f"{role.replace('_', '')}{uuid.uuid4().hex[:6]}"
    with store.session() as s:
        auth.create_user(
            s, actor=admin, username=name, display_name=role.title(), role=role, password=ROLE_PASSWORDS[role]
        )
    return auth.login(store, name, ROLE_PASSWORDS[role])


def line(
    description: str = "Consultation",
    quantity: str | Decimal = "1",
    price: str | Decimal = "1000",
    discount: str | Decimal = "0",
    tax: str | Decimal = "0",
    code: str = "",
) -> inv.LineInput:
    """A free-text invoice line."""
    return inv.LineInput(
        description=description,
        quantity=D(quantity),
        unit_price=D(price),
        discount=D(discount),
        tax_rate=D(tax),
        code=code,
    )


def draft(
    store: Store,
    actor: Actor,
    patient_id: uuid.UUID,
    lines: Sequence[inv.LineInput] = (),
    discount: str = "0",
    notes: str = "",
) -> inv.InvoicePublic:
    """A new draft in its own transaction."""
    with store.session() as s:
        return inv.create_draft(
            s,
            actor=actor,
            data=inv.InvoiceCreate(
                patient_id=patient_id,
                lines=list(lines) or [line()],
                invoice_discount=D(discount),
                notes=notes,
            ),
        )


def issued(
    store: Store,
    actor: Actor,
    patient_id: uuid.UUID,
    lines: Sequence[inv.LineInput] = (),
    discount: str = "0",
) -> inv.InvoicePublic:
    """A new issued invoice."""
    d = draft(store, actor, patient_id, lines, discount)
    with store.session() as s:
        return inv.issue_invoice(s, actor=actor, invoice_id=d.id)


def pay_now(
    store: Store, actor: Actor, invoice_id: uuid.UUID, amount: str, method: str = "cash"
) -> pay.PaymentPublic:
    """Take a payment in its own transaction."""
    with store.session() as s:
        return pay.take_payment(s, actor=actor, invoice_id=invoice_id, amount=D(amount), method=method)


def refund_now(
    store: Store, actor: Actor, invoice_id: uuid.UUID, amount: str, method: str = "cash"
) -> pay.PaymentPublic:
    """Refund in its own transaction."""
    with store.session() as s:
        return pay.refund_payment(s, actor=actor, invoice_id=invoice_id, amount=D(amount), method=method)


def view(store: Store, actor: Actor, invoice_id: uuid.UUID) -> inv.InvoicePublic:
    """Read an invoice back."""
    with store.session() as s:
        return inv.get_invoice(s, actor=actor, invoice_id=invoice_id)


def audit_actions(store: Store, entity_id: object | None = None) -> list[str]:
    """Audit actions in order, optionally only those about one entity."""
    from sqlalchemy import select

    with store.read_session() as s:
        q = select(AuditEvent.action).order_by(AuditEvent.seq)
        if entity_id is not None:
            q = q.where(AuditEvent.entity_id == str(entity_id))
        return list(s.scalars(q))
