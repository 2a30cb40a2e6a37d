"""Merging duplicate patients, and undoing a merge exactly.

A merge moves the duplicate's invoices and documents to the kept record, marks the duplicate "merged" with
`merged_into_id`, and writes a `PatientMerge` row listing exactly what moved (and the duplicate's previous
status), so an administrator can undo it: the same rows move back and the status returns. Nothing is
deleted; searches simply stop returning merged records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term
from hmis_desktop.errors import Conflict, NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.patient_index import identifiers_taken
from hmis_desktop.store.models import Document, Invoice, Patient, PatientMerge
from hmis_desktop.store.store import Store

MAX_REASON = 500


@dataclass(frozen=True)
class MergeResult:
    """One merge: who was kept, who was merged, what moved, and whether it was undone."""

    id: uuid.UUID
    kept_id: uuid.UUID
    merged_id: uuid.UUID
    invoices: tuple[uuid.UUID, ...]
    documents: tuple[uuid.UUID, ...]
    reason: str
    merged_at: datetime
    undone_at: datetime | None


def _result(m: PatientMerge) -> MergeResult:
    return MergeResult(
        id=m.id,
        kept_id=m.kept_id,
        merged_id=m.merged_id,
        invoices=tuple(uuid.UUID(x) for x in m.moved.get("invoices", ())),
        documents=tuple(uuid.UUID(x) for x in m.moved.get("documents", ())),
        reason=m.reason or "",
        merged_at=m.merged_at,
        undone_at=m.undone_at,
    )


def _lock_pair(session: Session, a: uuid.UUID, b: uuid.UUID) -> tuple[Patient, Patient]:
    # Lock in id order so two PCs merging the same pair the other way round cannot deadlock.
    found = {
        p.id: p
        for p in session.scalars(
            select(Patient).where(Patient.id.in_([a, b])).order_by(Patient.id).with_for_update()
        )
    }
    if a not in found or b not in found:
        raise NotFound("One of the two patient records does not exist. Search again and pick both records.")
    return found[a], found[b]


def _move(
    session: Session, model: Any, ids: list[uuid.UUID], src: uuid.UUID, dst: uuid.UUID, now: datetime
) -> None:
    if ids:
        session.execute(
            update(model)
            .where(model.id.in_(ids), model.patient_id == src)
            .values(patient_id=dst, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )


def merge_patients(
    session: Session, *, actor: Actor, keep_id: uuid.UUID, merge_id: uuid.UUID, reason: str
) -> MergeResult:
    """Merge patient `merge_id` into `keep_id` (manager); audited on both records."""
    require(actor, Perm.PATIENT_MERGE)
    if keep_id == merge_id:
        raise Conflict("A patient cannot be merged into itself. Pick the other record of the pair.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": "Say why these two records are the same person (e.g. same national id)."}
        )
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason to {MAX_REASON} characters."})
    store = Store.of(session)
    now = store.clock.now()
    keep, dup = _lock_pair(session, keep_id, merge_id)
    if keep.status == "merged":
        raise Conflict(
            "The record to keep was itself merged into another patient. Merge into that patient instead."
        )
    if keep.status == "archived":
        raise Conflict("The record to keep is archived. Restore it first, or keep the other record.")
    if dup.status == "merged":
        raise Conflict("That record was already merged into another patient.")
    invoices = list(
        session.scalars(select(Invoice.id).where(Invoice.patient_id == dup.id).order_by(Invoice.id))
    )
    documents = list(
        session.scalars(select(Document.id).where(Document.patient_id == dup.id).order_by(Document.id))
    )
    # Records merged earlier into the duplicate now point at the kept patient, so "merged into" stays live.
    repointed = list(
        session.scalars(select(Patient.id).where(Patient.merged_into_id == dup.id).order_by(Patient.id))
    )
    _move(session, Invoice, invoices, dup.id, keep.id, now)
    _move(session, Document, documents, dup.id, keep.id, now)
    if repointed:
        session.execute(
            update(Patient)
            .where(Patient.id.in_(repointed))
            .values(merged_into_id=keep.id)
            .execution_options(synchronize_session="fetch")
        )
    previous = dup.status
    dup.status, dup.merged_into_id = "merged", keep.id
    for p in (keep, dup):
        p.updated_at, p.version = now, p.version + 1
    record = PatientMerge(
        kept_id=keep.id,
        merged_id=dup.id,
        moved={
            "invoices": [str(i) for i in invoices],
            "documents": [str(i) for i in documents],
            "repointed": [str(i) for i in repointed],
            "previous_status": previous,
        },
        reason=reason,
        merged_at=now,
        merged_by=actor.user_id,
    )
    session.add(record)
    session.flush()
    counts = {"merge_id": str(record.id), "invoices": len(invoices), "documents": len(documents)}
    store.audit(
        session,
        "patient.merge",
        actor=actor,
        entity="patient",
        entity_id=keep.id,
        detail={**counts, "role": "kept", "other_id": str(dup.id)},
    )
    store.audit(
        session,
        "patient.merge",
        actor=actor,
        entity="patient",
        entity_id=dup.id,
        detail={**counts, "role": "merged", "other_id": str(keep.id)},
    )
    return _result(record)


def undo_merge(session: Session, *, actor: Actor, merge_id: uuid.UUID) -> MergeResult:
    """Undo the merge whose `MergeResult.id` is `merge_id` (admin): what moved moves back, status returns."""
    require(actor, Perm.PATIENT_UNMERGE)
    store = Store.of(session)
    now = store.clock.now()
    record = session.get(PatientMerge, merge_id, with_for_update=True)
    if record is None:
        raise NotFound("That merge does not exist. Open the patient's merge history and pick it again.")
    if record.undone_at is not None:
        raise Conflict("This merge was already undone.")
    keep, dup = _lock_pair(session, record.kept_id, record.merged_id)
    if keep.status == "merged":
        raise Conflict("The kept record was merged again afterwards. Undo that later merge first.")
    if dup.status != "merged" or dup.merged_into_id != keep.id:
        raise Conflict("The merged record has changed since the merge; it cannot be undone automatically.")
    if dup.national_id:
        keys = store.require_keys()
        if identifiers_taken(session, keys, Term.NATIONAL_ID, "national_id", [dup.national_id]):
            raise Conflict(
                "Another active patient now has the merged record's national id, so it cannot come back as "
                "a separate patient. Correct that national id first."
            )
    moved = record.moved
    _move(session, Invoice, [uuid.UUID(x) for x in moved.get("invoices", ())], keep.id, dup.id, now)
    _move(session, Document, [uuid.UUID(x) for x in moved.get("documents", ())], keep.id, dup.id, now)
    repointed = [uuid.UUID(x) for x in moved.get("repointed", ())]
    if repointed:
        session.execute(
            update(Patient)
            .where(Patient.id.in_(repointed), Patient.merged_into_id == keep.id)
            .values(merged_into_id=dup.id)
            .execution_options(synchronize_session="fetch")
        )
    dup.status, dup.merged_into_id = moved.get("previous_status", "active"), None
    for p in (keep, dup):
        p.updated_at, p.version = now, p.version + 1
    record.undone_at, record.undone_by = now, actor.user_id
    session.flush()
    for pid, other in ((keep.id, dup.id), (dup.id, keep.id)):
        store.audit(
            session,
            "patient.unmerge",
            actor=actor,
            entity="patient",
            entity_id=pid,
            detail={"merge_id": str(record.id), "other_id": str(other)},
        )
    return _result(record)


def list_merges(session: Session, *, actor: Actor, patient_id: uuid.UUID) -> list[MergeResult]:
    """Merges a patient took part in (kept or merged), newest first: what an admin picks to undo."""
    require(actor, Perm.PATIENT_VIEW)
    rows = session.scalars(
        select(PatientMerge)
        .where(or_(PatientMerge.kept_id == patient_id, PatientMerge.merged_id == patient_id))
        .order_by(PatientMerge.merged_at.desc(), PatientMerge.id.desc())
    )
    return [_result(m) for m in rows]
