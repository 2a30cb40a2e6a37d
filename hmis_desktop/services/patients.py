"""Patients: register, edit, open, archive and restore, with the blind-index tokens kept in step.

Every call is one user action in the caller's `store.session()`: permission first, then validation (all
field errors at once), then the change and its tokens in the same transaction, then one audit event.
Rules for names and dates are in `patient_fields` (at least one of given or family name is required).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term
from hmis_desktop.errors import Conflict, NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.duplicates import DuplicateCandidate, check_duplicates, find_duplicates
from hmis_desktop.services.patient_fields import (
    ClinicContext,
    EmergencyContact,
    Insurance,
    PatientCreate,
    PatientUpdate,
    PatientValues,
    Phone,
    age_on,
    display_name,
    load_context,
    validate,
)
from hmis_desktop.services.patient_index import (
    identifiers_taken,
    patient_tokens,
    replace_tokens,
    take_mrns,
    write_tokens,
)
from hmis_desktop.services.patient_search import PatientSummary, list_recent
from hmis_desktop.store.models import Document, Invoice, Patient
from hmis_desktop.store.store import Store

__all__ = [
    "DuplicateCandidate",
    "EmergencyContact",
    "Insurance",
    "PatientCreate",
    "PatientPublic",
    "PatientSummary",
    "PatientUpdate",
    "Phone",
    "RegistrationResult",
    "archive_patient",
    "check_duplicates",
    "get_patient",
    "list_recent",
    "register_patient",
    "restore_patient",
    "update_patient",
]

NID_TAKEN = "Another patient already has this national id. Search for it and open that record instead."


@dataclass(frozen=True)
class PatientPublic:
    """A patient as the UI shows it: every field decrypted, plus state and counts of linked records."""

    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    other_names: str
    display_name: str
    sex: str
    birth_date: date | None
    birth_date_estimated: bool
    age: int | None
    phones: tuple[Phone, ...]
    email: str
    address: str
    national_id: str
    insurance: Insurance | None
    emergency_contact: EmergencyContact | None
    allergies: str
    alerts: str
    notes: str
    status: str
    merged_into_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    invoice_count: int = 0
    document_count: int = 0

    def to_update(self) -> PatientUpdate:
        """The edit form's starting point: the current values as a `PatientUpdate`."""
        return PatientUpdate(
            given_name=self.given_name,
            family_name=self.family_name,
            other_names=self.other_names,
            sex=self.sex,
            birth_date=self.birth_date,
            birth_date_estimated=self.birth_date_estimated,
            phones=self.phones,
            email=self.email,
            address=self.address,
            national_id=self.national_id,
            insurance=self.insurance,
            emergency_contact=self.emergency_contact,
            allergies=self.allergies,
            alerts=self.alerts,
            notes=self.notes,
        )


@dataclass(frozen=True)
class RegistrationResult:
    """The new patient and the existing patients who may be the same person (a warning, never a block)."""

    patient: PatientPublic
    duplicates: tuple[DuplicateCandidate, ...]


def _values_of(p: Patient) -> PatientValues:
    ins, ec = p.insurance, p.emergency_contact
    return PatientValues(
        given_name=p.given_name,
        family_name=p.family_name,
        other_names=p.other_names,
        sex=p.sex or "unknown",
        birth_date=p.birth_date,
        birth_date_estimated=p.birth_date_estimated,
        phones=tuple(Phone(x["number"], x.get("label", "")) for x in p.phones or ()),
        email=p.email,
        address=p.address,
        national_id=p.national_id,
        insurance=Insurance(ins.get("payer", ""), ins.get("member_number", "")) if ins else None,
        emergency_contact=(
            EmergencyContact(ec.get("name", ""), ec.get("phone", ""), ec.get("relation", "")) if ec else None
        ),
        allergies=p.allergies,
        alerts=p.alerts,
        notes=p.notes,
    )


def _public(
    p: Patient, v: PatientValues, today: date, invoices: int = 0, documents: int = 0
) -> PatientPublic:
    return PatientPublic(
        id=p.id,
        mrn=p.mrn or "",
        given_name=v.given_name or "",
        family_name=v.family_name or "",
        other_names=v.other_names or "",
        display_name=display_name(v.given_name, v.family_name, v.other_names),
        sex=v.sex,
        birth_date=v.birth_date,
        birth_date_estimated=v.birth_date_estimated,
        age=age_on(v.birth_date, today),
        phones=v.phones,
        email=v.email or "",
        address=v.address or "",
        national_id=v.national_id or "",
        insurance=v.insurance,
        emergency_contact=v.emergency_contact,
        allergies=v.allergies or "",
        alerts=v.alerts or "",
        notes=v.notes or "",
        status=p.status,
        merged_into_id=p.merged_into_id,
        created_at=p.created_at,
        updated_at=p.updated_at,
        version=p.version,
        invoice_count=invoices,
        document_count=documents,
    )


def _check(
    session: Session, store: Store, data: PatientCreate, ctx: ClinicContext, self_id: Any = None
) -> PatientValues:
    values, errors = validate(data, ctx)
    if values.national_id and "national_id" not in errors:
        keys = store.require_keys()
        exclude = [self_id] if self_id else []
        if identifiers_taken(
            session, keys, Term.NATIONAL_ID, "national_id", [values.national_id], exclude=exclude
        ):
            errors["national_id"] = NID_TAKEN
    if errors:
        raise ValidationError(errors)
    return values


def register_patient(session: Session, *, actor: Actor, data: PatientCreate) -> RegistrationResult:
    """Validate, give the next record number, encrypt, index and audit a new patient; report likely duplicates."""
    require(actor, Perm.PATIENT_CREATE)
    store = Store.of(session)
    keys = store.require_keys()
    now = store.clock.now()
    ctx = load_context(session, now.date())
    values = _check(session, store, data, ctx)
    duplicates = find_duplicates(session, keys, values)
    mrn = take_mrns(session, keys, ctx, 1, now)[0]
    p = Patient(
        mrn=mrn,
        birth_date_estimated=values.birth_date_estimated,
        status="active",
        created_at=now,
        updated_at=now,
        created_by=actor.user_id,
        version=1,
        **values.encrypted(),
    )
    session.add(p)
    session.flush()
    write_tokens(session, p.id, patient_tokens(keys.indexer, values, mrn))
    store.audit(session, "patient.create", actor=actor, entity="patient", entity_id=p.id)
    return RegistrationResult(_public(p, values, ctx.today), tuple(duplicates))


def _load(session: Session, patient_id: uuid.UUID, *, lock: bool = False) -> Patient:
    p = session.get(Patient, patient_id, with_for_update=lock or None)
    if p is None:
        raise NotFound("That patient record does not exist (it may have been removed). Search again.")
    return p


def _counts(session: Session, patient_id: uuid.UUID) -> tuple[int, int]:
    inv = select(func.count()).select_from(Invoice).where(Invoice.patient_id == patient_id).scalar_subquery()
    doc = (
        select(func.count())
        .select_from(Document)
        .where(Document.patient_id == patient_id, Document.status == "active")
        .scalar_subquery()
    )
    row = session.execute(select(inv, doc)).one()
    return int(row[0]), int(row[1])


def get_patient(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> PatientPublic:
    """Open a patient: every field decrypted and the counts of invoices and documents in one query; audited."""
    require(actor, Perm.PATIENT_VIEW)
    store = Store.of(session)
    inv = select(func.count()).select_from(Invoice).where(Invoice.patient_id == Patient.id).scalar_subquery()
    doc = (
        select(func.count())
        .select_from(Document)
        .where(Document.patient_id == Patient.id, Document.status == "active")
        .scalar_subquery()
    )
    row = session.execute(select(Patient, inv, doc).where(Patient.id == patient_id)).first()
    if row is None:
        raise NotFound("That patient record does not exist (it may have been removed). Search again.")
    p, invoices, documents = row
    public = _public(p, _values_of(p), store.clock.now().date(), int(invoices), int(documents))
    store.audit(session, "patient.view", actor=actor, entity="patient", entity_id=p.id)
    return public


def update_patient(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: PatientUpdate, expected_version: int
) -> PatientPublic:
    """Save an edit made on version `expected_version`; Conflict if someone saved in between."""
    require(actor, Perm.PATIENT_EDIT)
    store = Store.of(session)
    keys = store.require_keys()
    now = store.clock.now()
    p = _load(session, patient_id, lock=True)
    if p.status == "merged":
        raise Conflict("This record was merged into another patient. Open and edit that patient instead.")
    if p.version != expected_version:
        raise Conflict(
            "Someone else saved this patient while you were editing. Your changes were not saved: reopen "
            "the record, check what changed and enter your changes again."
        )
    ctx = load_context(session, now.date())
    values = _check(session, store, data, ctx, self_id=p.id)
    old_values = _values_of(p)
    old, new = old_values.encrypted(), values.encrypted()
    changed = sorted(k for k in new if new[k] != old[k])
    if values.birth_date_estimated != p.birth_date_estimated:
        changed.append("birth_date_estimated")
    if changed:
        for k in changed:
            if k != "birth_date_estimated":
                setattr(p, k, new[k])
        p.birth_date_estimated = values.birth_date_estimated
        p.updated_at, p.version = now, p.version + 1
        session.flush()
        if patient_tokens(keys.indexer, old_values, p.mrn) != (
            pairs := patient_tokens(keys.indexer, values, p.mrn)
        ):
            replace_tokens(session, p.id, pairs)
        store.audit(
            session,
            "patient.update",
            actor=actor,
            entity="patient",
            entity_id=p.id,
            detail={"fields": changed},
        )
    return _public(p, values, ctx.today, *_counts(session, p.id))


def _set_status(session: Session, actor: Actor, patient_id: uuid.UUID, *, archive: bool) -> PatientPublic:
    require(actor, Perm.PATIENT_ARCHIVE)
    store = Store.of(session)
    now = store.clock.now()
    p = _load(session, patient_id, lock=True)
    if p.status == "merged":
        raise Conflict("This record was merged into another patient; it cannot be archived or restored.")
    if archive and p.status == "archived":
        raise Conflict("This patient is already archived.")
    if not archive and p.status != "archived":
        raise Conflict("This patient is not archived.")
    if not archive and p.national_id:
        keys = store.require_keys()
        if identifiers_taken(session, keys, Term.NATIONAL_ID, "national_id", [p.national_id], exclude=[p.id]):
            raise Conflict(
                "Another patient now has this patient's national id. Merge the two records instead of restoring."
            )
    p.status = "archived" if archive else "active"
    p.updated_at, p.version = now, p.version + 1
    session.flush()
    action = "patient.archive" if archive else "patient.restore"
    store.audit(session, action, actor=actor, entity="patient", entity_id=p.id)
    return _public(p, _values_of(p), now.date(), *_counts(session, p.id))


def archive_patient(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> PatientPublic:
    """Hide a patient from searches (manager); invoices and documents stay."""
    return _set_status(session, actor, patient_id, archive=True)


def restore_patient(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> PatientPublic:
    """Bring an archived patient back (manager)."""
    return _set_status(session, actor, patient_id, archive=False)
