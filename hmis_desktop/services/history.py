"""A patient's history: the audit events about the patient and the records attached to them.

What the record page's History tab shows to managers and administrators: who did what and when to the
patient, their documents, invoices and payments. Audit events carry ids and codes, never PHI, so nothing
here is decrypted; staff names come from `users` (staff names are not PHI).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.errors import NotFound
from hmis_desktop.permissions import Perm, require
from hmis_desktop.store.models import AuditEvent, Document, Invoice, Patient, Payment, User
from hmis_desktop.store.store import Store

MAX_LIMIT = 1000
# Detail keys that are safe and useful to show (codes and field names only).
_SHOWN_DETAIL = ("fields", "number", "category", "role", "mime", "method", "amount")


@dataclass(frozen=True)
class HistoryEvent:
    """One thing that happened to a patient or to a record attached to them."""

    seq: int
    at: datetime
    action: str
    entity: str
    entity_id: str
    outcome: str
    user_name: str
    user_role: str
    fields: tuple[str, ...] = ()
    detail: tuple[tuple[str, str], ...] = ()


def _ids(values: Any) -> list[str]:
    return [str(v) for v in values]


def patient_history(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, limit: int = 200
) -> list[HistoryEvent]:
    """The newest `limit` audit events about a patient, their documents, invoices and payments; audited."""
    require(actor, Perm.PATIENT_HISTORY)
    if session.scalar(select(Patient.id).where(Patient.id == patient_id)) is None:
        raise NotFound("That patient record does not exist (it may have been removed). Search again.")
    limit = max(1, min(limit, MAX_LIMIT))
    documents = _ids(session.scalars(select(Document.id).where(Document.patient_id == patient_id)))
    invoices = list(session.scalars(select(Invoice.id).where(Invoice.patient_id == patient_id)))
    payments = (
        _ids(session.scalars(select(Payment.id).where(Payment.invoice_id.in_(invoices)))) if invoices else []
    )
    about = [and_(AuditEvent.entity == "patient", AuditEvent.entity_id == str(patient_id))]
    for entity, ids in (("document", documents), ("invoice", _ids(invoices)), ("payment", payments)):
        if ids:
            about.append(and_(AuditEvent.entity == entity, AuditEvent.entity_id.in_(ids)))
    rows = session.execute(
        select(AuditEvent, User.display_name, User.username)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(or_(*about))
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    ).all()
    out = [_event(ev, name or username or "") for ev, name, username in rows]
    Store.of(session).audit(
        session, "patient.history_view", actor=actor, entity="patient", entity_id=patient_id
    )
    return out


def _event(ev: AuditEvent, user_name: str) -> HistoryEvent:
    detail = ev.detail or {}
    fields = detail.get("fields")
    shown = tuple(
        (k, str(detail[k])) for k in _SHOWN_DETAIL if k != "fields" and k in detail and detail[k] is not None
    )
    return HistoryEvent(
        seq=ev.seq,
        at=ev.at,
        action=ev.action,
        entity=ev.entity or "",
        entity_id=ev.entity_id or "",
        outcome=ev.outcome,
        user_name=user_name,
        user_role=ev.actor_role or "",
        fields=tuple(str(f) for f in fields) if isinstance(fields, list) else (),
        detail=shown,
    )
