"""Helpers shared by the patient tests: actors of each role, quick registration, linked invoices/documents."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.services.patient_fields import PatientCreate, Phone
from hmis_desktop.services.patients import PatientPublic, register_patient
from hmis_desktop.store.blobs import put_blob
from hmis_desktop.store.models import AuditEvent, Document, Invoice, Patient, User
from hmis_desktop.store.store import Store

PASSWORD = "Tulip-Harbor-58q"
USERNAMES = {"front_desk": "fd1", "doctor": "doc1", "manager": "mgr1"}


def actor_of(store: Store, admin: Actor, role: str) -> Actor:
    """A logged-in user of `role` (admin returns `admin`)."""
    if role == "admin":
        return admin
    name = USERNAMES[role]
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(User).where(User.username == name)):
            auth.create_user(
                s, actor=admin, username=name, display_name=role.title(), role=role, password=PASSWORD
            )
    return auth.login(store, name, PASSWORD)


def data(**kw: Any) -> PatientCreate:
    """A valid registration form, with overrides."""
    base: dict[str, Any] = {
        "given_name": "John",
        "family_name": "Smith",
        "sex": "male",
        "birth_date": date(1980, 5, 17),
        "phones": [Phone("0712 345 678")],
    }
    base.update(kw)
    return PatientCreate(**base)


def reg(store: Store, actor: Actor, **kw: Any) -> PatientPublic:
    """Register a patient in its own transaction."""
    with store.session() as s:
        return register_patient(s, actor=actor, data=data(**kw)).patient


def add_invoice(store: Store, patient_id: uuid.UUID) -> uuid.UUID:
    """A draft invoice row for the patient."""
    now = store.clock.now()
    with store.session() as s:
        inv = Invoice(patient_id=patient_id, currency="KES", created_at=now, updated_at=now)
        s.add(inv)
        s.flush()
        return inv.id


def add_document(store: Store, patient_id: uuid.UUID) -> uuid.UUID:
    """A small document attached to the patient."""
    now = store.clock.now()
    with store.session() as s:
        blob = put_blob(s, b"scan")
        doc = Document(
            patient_id=patient_id,
            blob_id=blob.id,
            category="other",
            title="Scan",
            filename="scan.txt",
            mime="text/plain",
            size=4,
            created_at=now,
            updated_at=now,
        )
        s.add(doc)
        s.flush()
        return doc.id


def patient_count(store: Store) -> int:
    """How many patient rows exist."""
    with store.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(Patient)) or 0)


def audit_actions(store: Store, entity_id: object = None) -> list[str]:
    """Audit actions in order (for one entity when given)."""
    with store.read_session() as s:
        stmt = select(AuditEvent.action).order_by(AuditEvent.seq)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
        return list(s.scalars(stmt))
