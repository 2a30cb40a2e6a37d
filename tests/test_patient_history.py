"""A patient's history: events about the patient and their documents, staff names, no PHI; who may see it."""

from __future__ import annotations

import json

import pytest

from hmis_desktop.audit import Actor
from hmis_desktop.errors import NotFound, PermissionDenied
from hmis_desktop.ids import new_id
from hmis_desktop.services.documents import attach_document, rename_document
from hmis_desktop.services.history import patient_history
from hmis_desktop.services.patient_fields import PatientUpdate
from hmis_desktop.services.patients import get_patient, update_patient
from hmis_desktop.store.store import Store
from tests.patients_helpers import actor_of, audit_actions, reg


def test_history_lists_patient_and_document_events_newest_first(store: Store, admin: Actor) -> None:
    desk = actor_of(store, admin, "front_desk")
    manager = actor_of(store, admin, "manager")
    p = reg(store, desk, given_name="Amina", family_name="Otieno")
    other = reg(store, desk, given_name="Peter", family_name="Kamau", national_id="X1")
    with store.session() as s:
        get_patient(s, actor=desk, patient_id=p.id)
        update_patient(
            s,
            actor=desk,
            patient_id=p.id,
            data=PatientUpdate(**{**p.to_update().__dict__, "alerts": "Deaf"}),
            expected_version=p.version,
        )
        doc = attach_document(
            s, actor=desk, patient_id=p.id, source=b"lab values", filename="lab.txt", category="lab_result"
        )
        rename_document(s, actor=desk, document_id=doc.id, title="Lab")
        get_patient(s, actor=desk, patient_id=other.id)
    with store.session() as s:
        events = patient_history(s, actor=manager, patient_id=p.id)
    assert [e.action for e in events] == [
        "document.update",
        "document.create",
        "patient.update",
        "patient.view",
        "patient.create",
    ]
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)
    assert {e.user_name for e in events} == {"Front_Desk"}
    assert {e.user_role for e in events} == {"front_desk"}
    update = events[2]
    assert update.fields == ("alerts",)
    assert dict(events[1].detail) == {"category": "lab_result", "mime": "text/plain"}
    text = json.dumps([e.__dict__ for e in events], default=str)
    assert "Amina" not in text and "Otieno" not in text and "Deaf" not in text and "lab.txt" not in text
    # Seeing the history is itself audited on the patient.
    assert audit_actions(store, p.id)[-1] == "patient.history_view"


def test_history_limit_and_unknown_patient(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    p = reg(sqlite_store, admin)
    for _ in range(5):
        with sqlite_store.session() as s:
            get_patient(s, actor=admin, patient_id=p.id)
    with sqlite_store.session() as s:
        assert len(patient_history(s, actor=admin, patient_id=p.id, limit=3)) == 3
    with pytest.raises(NotFound), sqlite_store.session() as s:
        patient_history(s, actor=admin, patient_id=new_id())


@pytest.mark.parametrize(("role", "allowed"), [("front_desk", False), ("doctor", False), ("manager", True)])
def test_history_needs_the_permission(sqlite_store: Store, role: str, allowed: bool) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    actor = actor_of(sqlite_store, admin, role)
    p = reg(sqlite_store, admin)
    with sqlite_store.session() as s:
        if allowed:
            assert [e.action for e in patient_history(s, actor=actor, patient_id=p.id)] == ["patient.create"]
        else:
            with pytest.raises(PermissionDenied):
                patient_history(s, actor=actor, patient_id=p.id)
