"""Printing glue: turn the billing services' results and the clinic settings into the reports' documents.

The services compute every figure; this module only maps them onto `hmis_desktop.reports.model` and calls
the renderers, then audits the print or export. Exported files are named from invoice numbers only (never
from patient names) and written atomically with 0600 permissions.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Literal

from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

# `reports` loads its renderers on first use, which keeps reportlab off the start-up path.
from hmis_desktop import audit, reports, settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import DecryptionError, NotFound, StoreError, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.profile import atomic_write
from hmis_desktop.reports.model import (
    AgingBucket,
    AgingDoc,
    AgingRow,
    ClinicHeader,
    DaySheetDoc,
    DaySheetRow,
    InvoiceDoc,
    InvoiceLineDoc,
    MethodTotal,
    PaymentDoc,
)
from hmis_desktop.services.billing_reports import Aging, DaySheet, day_sheet, outstanding_by_age
from hmis_desktop.services.invoices import InvoicePublic, PaymentPublic, load_public, load_publics, local_date
from hmis_desktop.store import blobs
from hmis_desktop.store.models import Invoice, Payment, User
from hmis_desktop.store.store import Store

log = logging.getLogger(__name__)

EXPORT_BATCH = 200
ExportMode = Literal["one_pdf", "folder"]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the files, and how many invoices (and which numbers) they hold."""

    mode: str
    paths: tuple[Path, ...]
    count: int
    numbers: tuple[str, ...]


def clinic_header(session: Session) -> ClinicHeader:
    """The clinic's letterhead from settings; a logo that cannot be read is left out (and logged)."""
    values = settings.get_all(session)
    logo: bytes | None = None
    logo_id = values.get("clinic.logo_blob_id")
    if logo_id:
        try:
            logo = blobs.get_blob(session, uuid.UUID(str(logo_id)))
        except (ValueError, DecryptionError, StoreError) as exc:
            # An invoice must still print when the logo is damaged; the reason goes to the log (no PHI).
            log.warning(
                "clinic logo %s cannot be read (%s); printing without it", logo_id, type(exc).__name__
            )
    return ClinicHeader(
        name=values["clinic.name"],
        address=values["clinic.address"],
        tax_id=values["clinic.tax_id"],
        phone=values["clinic.phone"],
        email=values["clinic.email"],
        logo_png=logo,
        currency=values["clinic.currency"],
        locale=values["clinic.locale"],
        footer=values["clinic.invoice_footer"],
    )


def payment_doc(p: PaymentPublic, tz: tzinfo | None = None) -> PaymentDoc:
    """A payment row as printed (its local date)."""
    return PaymentDoc(
        paid_on=local_date(p.paid_at, tz), method=p.method, amount=p.amount, reference=p.reference
    )


def invoice_doc(inv: InvoicePublic, clinic: ClinicHeader, tz: tzinfo | None = None) -> InvoiceDoc:
    """An invoice or credit note as the renderer takes it; credit notes against it are listed in the notes."""
    notes = inv.notes
    if inv.credit_notes:
        # InvoiceDoc has no "credited" row; without this the printed balance would not follow from the totals.
        credits = [
            f"Credited by credit note {c.number}: "
            f"{format_currency(c.total, inv.currency, locale=clinic.locale)}"
            for c in inv.credit_notes
        ]
        notes = "\n".join([*([notes] if notes else []), *credits])
    return InvoiceDoc(
        number=inv.number,
        kind=inv.kind,
        status=inv.status,
        issue_date=inv.issue_date,
        due_date=inv.due_date,
        patient_name=inv.patient_name,
        patient_mrn=inv.patient_mrn,
        patient_address=inv.patient_address,
        lines=tuple(
            InvoiceLineDoc(
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                discount=ln.discount,
                tax_rate=ln.tax_rate,
                net=ln.net,
                tax=ln.tax,
                total=ln.total,
                code=ln.code,
            )
            for ln in inv.lines
        ),
        subtotal=inv.subtotal,
        invoice_discount=inv.invoice_discount,
        tax_total=inv.tax_total,
        total=inv.total,
        payments=tuple(payment_doc(p, tz) for p in inv.payments),
        paid=inv.paid,
        balance=inv.balance,
        notes=notes,
        void_reason=inv.void_reason,
        credits_invoice_number=inv.credit_of_number or "",
    )


def invoice_pdf(session: Session, *, actor: Actor, invoice_id: uuid.UUID, tz: tzinfo | None = None) -> bytes:
    """An invoice or credit note as a PDF (audited "invoice.print")."""
    require(actor, Perm.INVOICE_VIEW)
    inv = load_public(session, invoice_id, address=True)
    clinic = clinic_header(session)
    pdf = reports.render_invoice_pdf(invoice_doc(inv, clinic, tz), clinic)
    Store.of(session).audit(session, "invoice.print", actor=actor, entity="invoice", entity_id=inv.id)
    return pdf


def receipt_pdf(
    session: Session,
    *,
    actor: Actor,
    payment_id: uuid.UUID,
    layout: str = "a5",
    tz: tzinfo | None = None,
) -> bytes:
    """A receipt for one payment or refund: layout "a5" or "thermal80" (audited "payment.print")."""
    require(actor, Perm.INVOICE_VIEW)
    if layout not in ("a5", "thermal80"):
        raise ValidationError({"layout": "Choose an A5 receipt or an 80 mm thermal receipt."})
    invoice_id = session.scalar(select(Payment.invoice_id).where(Payment.id == payment_id))
    if invoice_id is None:
        raise NotFound("That payment does not exist. Refresh the invoice and try again.")
    inv = load_public(session, invoice_id, address=True)
    payment = next(p for p in inv.payments if p.id == payment_id)
    clinic = clinic_header(session)
    pdf = reports.render_receipt_pdf(
        invoice_doc(inv, clinic, tz), payment_doc(payment, tz), clinic, layout=layout
    )
    Store.of(session).audit(
        session,
        "payment.print",
        actor=actor,
        entity="payment",
        entity_id=payment_id,
        detail={"invoice_id": str(inv.id), "layout": layout},
    )
    return pdf


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_file_name(number: str) -> str:
    """A file name made from an invoice number alone (never from a patient's name)."""
    return _UNSAFE.sub("_", number).strip("._") or "invoice"


def export_invoices(
    session: Session,
    *,
    actor: Actor,
    date_from: date,
    date_to: date,
    dest: Path,
    mode: ExportMode = "one_pdf",
    tz: tzinfo | None = None,
) -> ExportResult:
    """Issued invoices and credit notes of a period (voided ones included, marked VOID) as PDFs.

    "one_pdf": one file — `dest` itself if it ends in .pdf, else `invoices_<from>_<to>.pdf` inside `dest`.
    "folder": one `<number>.pdf` per invoice inside the folder `dest`. Nothing is written for an empty period.
    """
    require(actor, Perm.INVOICE_EXPORT)
    if mode not in ("one_pdf", "folder"):
        raise ValidationError({"mode": "Choose one PDF for the period or one file per invoice."})
    if date_to < date_from:
        raise ValidationError({"date_to": "The end of the period is before its start."})
    if mode == "folder" and dest.exists() and not dest.is_dir():
        raise ValidationError({"dest": "Choose a folder for one file per invoice."})
    store = Store.of(session)
    ids = list(
        session.scalars(
            select(Invoice.id)
            .where(Invoice.state != "draft", Invoice.issue_date >= date_from, Invoice.issue_date <= date_to)
            .order_by(Invoice.number)
        )
    )
    clinic = clinic_header(session)
    docs: list[InvoiceDoc] = []
    numbers: list[str] = []
    paths: list[Path] = []
    for i in range(0, len(ids), EXPORT_BATCH):
        for inv in load_publics(session, ids[i : i + EXPORT_BATCH], address=True):
            doc = invoice_doc(inv, clinic, tz)
            numbers.append(inv.number or "")
            if mode == "folder":
                path = dest / f"{safe_file_name(inv.number or str(inv.id))}.pdf"
                atomic_write(path, reports.render_invoice_pdf(doc, clinic), 0o600)
                paths.append(path)
            else:
                docs.append(doc)
    if mode == "one_pdf" and docs:
        path = dest if dest.suffix.lower() == ".pdf" else dest / f"invoices_{date_from}_{date_to}.pdf"
        atomic_write(path, reports.render_invoices_batch_pdf(docs, clinic), 0o600)
        paths.append(path)
    if ids:
        audit.record_many(
            session,
            key=store.require_keys().audit_key,
            at=store.clock.now(),
            actor=actor,
            events=[
                {"action": "invoice.export", "entity": "invoice", "entity_id": i, "detail": {"mode": mode}}
                for i in ids
            ],
        )
    store.audit(
        session,
        "invoice.export_batch",
        actor=actor,
        detail={"from": date_from.isoformat(), "to": date_to.isoformat(), "count": len(ids), "mode": mode},
    )
    return ExportResult(mode=mode, paths=tuple(paths), count=len(ids), numbers=tuple(numbers))


def _display_name(session: Session, actor: Actor) -> str:
    return session.scalar(select(User.display_name).where(User.id == actor.user_id)) or actor.username


def day_sheet_doc(sheet: DaySheet, *, prepared_by: str = "") -> DaySheetDoc:
    """The renderer's day sheet from the service's."""
    return DaySheetDoc(
        day=sheet.day,
        method_totals=tuple(MethodTotal(m.method, m.count, m.net) for m in sheet.methods),
        payments_total=sheet.payments_total,
        invoices_issued_count=sheet.invoices_issued_count,
        invoices_issued_total=sheet.invoices_issued_total,
        voided_count=sheet.voided_count,
        voided_total=sheet.voided_total,
        rows=tuple(
            DaySheetRow(
                invoice_number=r.invoice_number,
                patient_name=r.patient_name,
                patient_mrn=r.patient_mrn,
                kind=r.kind,
                status=r.status,
                total=r.total,
                paid_today=r.paid_today,
                balance=r.balance,
            )
            for r in sheet.rows
        ),
        credit_notes_count=sheet.credit_notes_count,
        credit_notes_total=sheet.credit_notes_total,
        prepared_by=prepared_by,
        generated_at=sheet.generated_at,
    )


def aging_doc(report: Aging) -> AgingDoc:
    """The renderer's aged-receivables document from the service's."""
    return AgingDoc(
        as_of=report.as_of,
        buckets=tuple(AgingBucket(b.label, b.count, b.amount) for b in report.buckets),
        total=report.total,
        rows=tuple(
            AgingRow(
                patient_name=r.patient_name,
                patient_mrn=r.patient_mrn,
                invoice_number=r.invoice_number,
                issue_date=r.issue_date,
                days_outstanding=r.days,
                balance=r.balance,
                bucket=r.bucket,
            )
            for r in report.rows
        ),
        generated_at=report.generated_at,
    )


def day_sheet_pdf(session: Session, *, actor: Actor, day: date, tz: tzinfo | None = None) -> bytes:
    """The day sheet as a PDF (Perm.REPORT_VIEW; audited)."""
    sheet = day_sheet(session, actor=actor, day=day, tz=tz)
    pdf = reports.render_day_sheet_pdf(
        day_sheet_doc(sheet, prepared_by=_display_name(session, actor)), clinic_header(session)
    )
    Store.of(session).audit(
        session,
        "report.print",
        actor=actor,
        entity="report",
        detail={"report": "day_sheet", "day": day.isoformat()},
    )
    return pdf


def aging_pdf(session: Session, *, actor: Actor, as_of: date, tz: tzinfo | None = None) -> bytes:
    """Outstanding balances by age as a PDF (Perm.REPORT_VIEW; audited)."""
    report = outstanding_by_age(session, actor=actor, as_of=as_of, tz=tz)
    pdf = reports.render_aging_pdf(aging_doc(report), clinic_header(session))
    Store.of(session).audit(
        session,
        "report.print",
        actor=actor,
        entity="report",
        detail={"report": "aging", "as_of": as_of.isoformat()},
    )
    return pdf
