"""Worker functions of the billing screens: each opens its own transaction and returns frozen results.

They run on the `Op` executor, never on the GUI thread, and never touch widgets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.profile import atomic_write
from hmis_desktop.services import catalogue, invoice_print, invoices, patient_search, payments
from hmis_desktop.services.catalogue import ServicePublic
from hmis_desktop.services.invoices import InvoiceCreate, InvoicePublic, InvoiceSummary, InvoiceUpdate
from hmis_desktop.services.patient_search import SearchPage
from hmis_desktop.store.store import Store


@dataclass(frozen=True)
class ListFilter:
    """What the invoice list shows."""

    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    patient_id: uuid.UUID | None = None


def list_page(store: Store, actor: Actor, flt: ListFilter, limit: int, offset: int) -> list[InvoiceSummary]:
    """A page of the invoice list."""
    with store.session() as s:  # listing is audited, so it writes
        return invoices.list_invoices(
            s,
            actor=actor,
            status=flt.status,
            date_from=flt.date_from,
            date_to=flt.date_to,
            patient_id=flt.patient_id,
            limit=limit,
            offset=offset,
        )


def find_patients(store: Store, actor: Actor, text: str) -> SearchPage:
    """Patients matching the picker's search box."""
    with store.read_session() as s:
        return patient_search.search_patients(s, actor=actor, query=text, limit=30)


def load_catalogue(store: Store, actor: Actor) -> list[ServicePublic]:
    """The active catalogue, for the editor's look-up."""
    with store.read_session() as s:
        return catalogue.list_services(s, actor=actor, active_only=True, limit=500)


def load_invoice(store: Store, actor: Actor, invoice_id: uuid.UUID) -> InvoicePublic:
    """One invoice (audited as a view)."""
    with store.session() as s:
        return invoices.get_invoice(s, actor=actor, invoice_id=invoice_id)


def save_draft(
    store: Store,
    actor: Actor,
    *,
    invoice_id: uuid.UUID | None,
    patient_id: uuid.UUID,
    data: InvoiceUpdate,
    expected: datetime | None,
) -> InvoicePublic:
    """Create the draft, or replace its content if it exists (refused if changed meanwhile)."""
    with store.session() as s:
        return _save(s, actor, invoice_id, patient_id, data, expected)


def _save(
    s: Session,
    actor: Actor,
    invoice_id: uuid.UUID | None,
    patient_id: uuid.UUID,
    data: InvoiceUpdate,
    expected: datetime | None,
) -> InvoicePublic:
    if invoice_id is None:
        create = InvoiceCreate(patient_id, data.lines, data.invoice_discount, data.notes, data.due_date)
        return invoices.create_draft(s, actor=actor, data=create)
    assert expected is not None
    return invoices.update_draft(
        s, actor=actor, invoice_id=invoice_id, data=data, expected_updated_at=expected
    )


def save_and_issue(
    store: Store,
    actor: Actor,
    *,
    invoice_id: uuid.UUID | None,
    patient_id: uuid.UUID,
    data: InvoiceUpdate,
    expected: datetime | None,
) -> InvoicePublic:
    """Save what is on screen and issue it, in one transaction (both or neither)."""
    with store.session() as s:
        draft = _save(s, actor, invoice_id, patient_id, data, expected)
        invoices.issue_invoice(s, actor=actor, invoice_id=draft.id, expected_updated_at=draft.updated_at)
        return invoices.get_invoice(s, actor=actor, invoice_id=draft.id)


def take_payment(
    store: Store, actor: Actor, invoice_id: uuid.UUID, amount: Decimal, method: str, reference: str
) -> payments.PaymentPublic:
    """Record a payment."""
    with store.session() as s:
        return payments.take_payment(
            s, actor=actor, invoice_id=invoice_id, amount=amount, method=method, reference=reference
        )


def refund(
    store: Store, actor: Actor, invoice_id: uuid.UUID, amount: Decimal, method: str, reference: str
) -> payments.PaymentPublic:
    """Record a refund (stored negative)."""
    with store.session() as s:
        return payments.refund_payment(
            s, actor=actor, invoice_id=invoice_id, amount=amount, method=method, reference=reference
        )


def void(store: Store, actor: Actor, invoice_id: uuid.UUID, reason: str) -> InvoicePublic:
    """Void an issued invoice."""
    with store.session() as s:
        return invoices.void_invoice(s, actor=actor, invoice_id=invoice_id, reason=reason)


def credit(
    store: Store,
    actor: Actor,
    invoice_id: uuid.UUID,
    reason: str,
    lines: list[invoices.LineInput] | None,
) -> InvoicePublic:
    """Issue a credit note against an invoice (all of it when `lines` is None)."""
    with store.session() as s:
        return invoices.create_credit_note(s, actor=actor, invoice_id=invoice_id, reason=reason, lines=lines)


def invoice_pdf(store: Store, actor: Actor, invoice_id: uuid.UUID) -> bytes:
    """The invoice's PDF (audited as a print)."""
    with store.session() as s:
        return invoice_print.invoice_pdf(s, actor=actor, invoice_id=invoice_id)


def receipt_pdf(store: Store, actor: Actor, payment_id: uuid.UUID, layout: str) -> bytes:
    """A payment's receipt."""
    with store.session() as s:
        return invoice_print.receipt_pdf(s, actor=actor, payment_id=payment_id, layout=layout)


class FileNotWritten(HMISError):
    """A file the user asked for could not be written."""


def write_pdf(path: Path, data: bytes) -> Path:
    """Save PDF bytes atomically with owner-only permissions (the core's writer)."""
    try:
        atomic_write(path, data, 0o600)
    except OSError as exc:
        raise FileNotWritten(
            f"The PDF could not be written there ({exc.strerror or type(exc).__name__}). "
            "Choose another folder or file name."
        ) from None
    return path


def pdf_file_name(number: str | None, fallback: str = "invoice") -> str:
    """A file name from a document number only, never from a patient's name."""
    return invoice_print.safe_file_name(number or fallback) + ".pdf"
