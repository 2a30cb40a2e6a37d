"""Duplicate scoring, merging patients and undoing a merge exactly; who may do which."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, NotFound, PermissionDenied, ValidationError
from hmis_desktop.services import duplicates as D
from hmis_desktop.services.merge import list_merges, merge_patients, undo_merge
from hmis_desktop.services.patients import archive_patient, get_patient, restore_patient
from hmis_desktop.store.models import AuditEvent, Document, Invoice, PatientMerge
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor
from tests.patients_helpers import actor_of, add_document, add_invoice, data, reg

# --- duplicate scoring ---------------------------------------------------------------------------


def person(**kw: object) -> D.Person:
    base: dict = {
        "given": "John",
        "family": "Smith",
        "birth_date": date(1980, 5, 17),
        "phones": [],
        "national_id": "",
        "email": "",
    }
    base.update(kw)
    return D.person(**base)


@pytest.mark.parametrize(
    ("other", "points", "reasons"),
    [
        ({}, 70, ("same name and date of birth",)),
        ({"given": "Jon", "family": "Smyth"}, 55, ("similar name and same date of birth",)),
        ({"given": "Smith", "family": "John"}, 70, ("same name and date of birth",)),  # order swapped
        ({"birth_date": date(1981, 1, 1)}, 40, ("same name",)),
        ({"given": "Mary", "family": "Ochieng"}, 30, ("same date of birth",)),
        ({"given": "Mary", "birth_date": None, "national_id": "A1"}, 100, ("same national id",)),
        (
            {"birth_date": None, "phones": ["+254712345678"]},
            65,
            ("same name", "same phone number"),
        ),
    ],
)
def test_duplicate_scores_and_reasons(other: dict, points: int, reasons: tuple) -> None:
    me = person(national_id="a-1", phones=["254712345678"])
    assert D.score(me, person(**other)) == (points, reasons)


def test_threshold_separates_warnings_from_noise() -> None:
    assert D.THRESHOLD == 50
    me = person()
    assert D.score(me, person(birth_date=None))[0] < D.THRESHOLD  # a common name alone
    assert D.score(me, person(given="Mary", family="Wanjiru", phones=[]))[0] < D.THRESHOLD  # a birthday alone


def test_check_duplicates_lists_store_candidates(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    john = reg(sqlite_store, admin, national_id="A1")
    reg(sqlite_store, admin, given_name="Mary", family_name="Ochieng", phones=[])  # same birthday only
    with sqlite_store.session() as s:
        found = D.check_duplicates(s, actor=admin, data=data(national_id="a-1", phones=[]))
    assert [(c.patient_id, c.score, c.reasons) for c in found] == [
        (john.id, 170, ("same national id", "same name and date of birth"))
    ]


# --- merge and undo ------------------------------------------------------------------------------


def _state(store: Store) -> dict:
    with store.read_session() as s:
        return {
            "invoices": sorted(
                (str(i), str(p)) for i, p in s.execute(select(Invoice.id, Invoice.patient_id))
            ),
            "documents": sorted(
                (str(i), str(p)) for i, p in s.execute(select(Document.id, Document.patient_id))
            ),
        }


def test_merge_moves_records_and_undo_restores_exactly(store: Store, admin: Actor) -> None:
    keep = reg(store, admin, national_id="K1")
    dup = reg(store, admin, given_name="Jon", phones=[], national_id="D1")
    kept_inv = add_invoice(store, keep.id)
    moved_inv = [add_invoice(store, dup.id), add_invoice(store, dup.id)]
    moved_doc = add_document(store, dup.id)
    before = _state(store)
    with store.session() as s:
        result = merge_patients(s, actor=admin, keep_id=keep.id, merge_id=dup.id, reason="Same national card")
    assert set(result.invoices) == set(moved_inv) and result.documents == (moved_doc,)
    assert kept_inv not in result.invoices
    with store.session() as s:
        k = get_patient(s, actor=admin, patient_id=keep.id)
        d = get_patient(s, actor=admin, patient_id=dup.id)
        record = s.get(PatientMerge, result.id)
        assert record is not None and record.reason == "Same national card"
        assert record.moved["previous_status"] == "active"
    assert (k.invoice_count, k.document_count) == (3, 1)
    assert (d.status, d.merged_into_id, d.invoice_count, d.document_count) == ("merged", keep.id, 0, 0)
    with store.read_session() as s:
        merged_events = s.execute(
            select(AuditEvent.entity_id, AuditEvent.detail).where(AuditEvent.action == "patient.merge")
        ).all()
    assert {e for e, _ in merged_events} == {str(keep.id), str(dup.id)}
    assert all(detail["invoices"] == 2 and "Same" not in str(detail) for _, detail in merged_events)

    with store.session() as s:
        undone = undo_merge(s, actor=admin, merge_id=result.id)
    assert undone.undone_at == store.clock.now()
    assert _state(store) == before
    with store.session() as s:
        d = get_patient(s, actor=admin, patient_id=dup.id)
    assert (d.status, d.merged_into_id, d.invoice_count, d.document_count) == ("active", None, 2, 1)
    with pytest.raises(Conflict, match="already undone"), store.session() as s:
        undo_merge(s, actor=admin, merge_id=result.id)


def test_undo_restores_archived_status_and_chained_merges(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    a, b, c = (reg(sqlite_store, admin, given_name=n, phones=[]) for n in ("Ann", "Ben", "Cat"))
    with sqlite_store.session() as s:
        archive_patient(s, actor=admin, patient_id=b.id)
    with sqlite_store.session() as s:
        m1 = merge_patients(s, actor=admin, keep_id=a.id, merge_id=b.id, reason="same person")
    with sqlite_store.session() as s:
        assert get_patient(s, actor=admin, patient_id=b.id).status == "merged"
        undo_merge(s, actor=admin, merge_id=m1.id)
    with sqlite_store.session() as s:
        assert get_patient(s, actor=admin, patient_id=b.id).status == "archived"
        restore_patient(s, actor=admin, patient_id=b.id)
    # C merged into A, then A into B: C now points at B; undoing the second points C back at A.
    with sqlite_store.session() as s:
        m2 = merge_patients(s, actor=admin, keep_id=a.id, merge_id=c.id, reason="dup")
    with sqlite_store.session() as s:
        m3 = merge_patients(s, actor=admin, keep_id=b.id, merge_id=a.id, reason="dup")
    with sqlite_store.session() as s:
        assert get_patient(s, actor=admin, patient_id=c.id).merged_into_id == b.id
        with pytest.raises(Conflict, match="merged again"):
            undo_merge(s, actor=admin, merge_id=m2.id)
    with sqlite_store.session() as s:
        undo_merge(s, actor=admin, merge_id=m3.id)
    with sqlite_store.session() as s:
        assert get_patient(s, actor=admin, patient_id=c.id).merged_into_id == a.id
        assert [m.id for m in list_merges(s, actor=admin, patient_id=a.id)] == [m3.id, m2.id, m1.id]


def test_merge_conflicts(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    a, b, c = (reg(sqlite_store, admin, given_name=n, phones=[]) for n in ("Ann", "Ben", "Cat"))
    with pytest.raises(Conflict, match="into itself"), sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=a.id, merge_id=a.id, reason="x")
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=a.id, merge_id=b.id, reason="  ")
    assert "reason" in err.value.errors
    with sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=a.id, merge_id=b.id, reason="dup")
    with pytest.raises(Conflict, match="itself merged"), sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=b.id, merge_id=c.id, reason="dup")
    with pytest.raises(Conflict, match="already merged"), sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=c.id, merge_id=b.id, reason="dup")
    with sqlite_store.session() as s:
        archive_patient(s, actor=admin, patient_id=c.id)
    with pytest.raises(Conflict, match="archived"), sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=c.id, merge_id=a.id, reason="dup")
    with pytest.raises(NotFound), sqlite_store.session() as s:
        undo_merge(s, actor=admin, merge_id=a.id)


def test_undo_refused_when_national_id_was_reused(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    a = reg(sqlite_store, admin, phones=[])
    b = reg(sqlite_store, admin, given_name="Ben", phones=[], national_id="Z9")
    with sqlite_store.session() as s:
        m = merge_patients(s, actor=admin, keep_id=a.id, merge_id=b.id, reason="dup")
    reg(sqlite_store, admin, given_name="Cat", phones=[], national_id="Z9")  # merged ids no longer count
    with pytest.raises(Conflict, match="national id"), sqlite_store.session() as s:
        undo_merge(s, actor=admin, merge_id=m.id)


@pytest.mark.parametrize("role", ["front_desk", "doctor"])
def test_only_managers_and_admins_merge(sqlite_store: Store, role: str) -> None:
    admin = admin_actor(sqlite_store)
    a, b = (reg(sqlite_store, admin, given_name=n, phones=[]) for n in ("Ann", "Ben"))
    actor = actor_of(sqlite_store, admin, role)
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        merge_patients(s, actor=actor, keep_id=a.id, merge_id=b.id, reason="dup")


def test_manager_merges_but_only_admin_undoes(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    a, b = (reg(sqlite_store, admin, given_name=n, phones=[]) for n in ("Ann", "Ben"))
    manager = actor_of(sqlite_store, admin, "manager")
    with sqlite_store.session() as s:
        m = merge_patients(s, actor=manager, keep_id=a.id, merge_id=b.id, reason="dup")
    for role in ("manager", "front_desk", "doctor"):
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            undo_merge(s, actor=actor_of(sqlite_store, admin, role), merge_id=m.id)
    with sqlite_store.session() as s:
        assert undo_merge(s, actor=admin, merge_id=m.id).undone_at is not None
