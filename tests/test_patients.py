"""Patients: registration, validation messages, MRN sequence, editing with versions, open, archive, roles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term
from hmis_desktop.errors import Conflict, NotFound, PermissionDenied, ValidationError
from hmis_desktop.services import patients as P
from hmis_desktop.services.patient_fields import EmergencyContact, Insurance, Phone
from hmis_desktop.services.patient_search import search_patients
from hmis_desktop.store.models import AuditEvent, Patient, SearchToken
from hmis_desktop.store.store import Store
from tests.patients_helpers import (
    actor_of,
    add_document,
    add_invoice,
    audit_actions,
    data,
    patient_count,
    reg,
)


def test_register_stores_encrypted_fields_tokens_and_audit(store: Store, admin: Actor) -> None:
    with store.session() as s:
        result = P.register_patient(
            s,
            actor=admin,
            data=data(
                other_names="Paul",
                phones=[Phone("0712 345 678"), Phone("+254 20 2222222", "work")],
                email="john@example.com",
                address="12 Moi Avenue\nNairobi",
                national_id="12 345 678",
                insurance=Insurance("NHIF", "A-77"),
                emergency_contact=EmergencyContact("Mary Smith", "0722 000 111", "wife"),
                allergies="Penicillin",
                alerts="Fall risk",
                notes="Prefers mornings",
            ),
        )
    p = result.patient
    assert p.mrn == "MRN000001"
    assert p.display_name == "John Paul Smith"
    assert p.phones == (Phone("+254712345678", "mobile"), Phone("+254202222222", "work"))
    assert p.emergency_contact == EmergencyContact("Mary Smith", "+254722000111", "wife")
    assert p.insurance == Insurance("NHIF", "A-77")
    assert p.address == "12 Moi Avenue\nNairobi"
    assert p.national_id == "12 345 678"
    assert (p.status, p.version, p.invoice_count, p.document_count, p.age) == ("active", 1, 0, 0, 45)
    assert result.duplicates == ()
    with store.read_session() as s:
        row = s.execute(select(Patient.__table__).where(Patient.id == p.id)).one()._mapping
        assert b"John" not in row["given_name_ct"] and b"Penicillin" not in row["allergies_ct"]
        kinds = set(s.scalars(select(SearchToken.kind).where(SearchToken.row_id == p.id)))
    assert kinds == {int(t) for t in Term}
    assert audit_actions(store, p.id) == ["patient.create"]
    with store.session() as s:
        opened = P.get_patient(s, actor=admin, patient_id=p.id)
    assert opened == p
    assert audit_actions(store, p.id) == ["patient.create", "patient.view"]


def test_mrn_sequence_and_custom_format(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    assert [reg(sqlite_store, admin, national_id=f"N{i}").mrn for i in range(3)] == [
        "MRN000001",
        "MRN000002",
        "MRN000003",
    ]
    with sqlite_store.session() as s:
        settings.update(s, actor=admin, values={"mrn.format": "P-{seq:04d}", "mrn.next": 42})
    assert reg(sqlite_store, admin).mrn == "P-0042"
    assert reg(sqlite_store, admin).mrn == "P-0043"
    with sqlite_store.read_session() as s:
        assert settings.get(s, "mrn.next") == 44


def test_mrn_counter_skips_numbers_already_used(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    first = reg(sqlite_store, admin)
    with sqlite_store.session() as s:  # an operator winds the counter back by mistake
        settings.update(s, actor=admin, values={"mrn.next": 1})
    assert first.mrn == "MRN000001"
    assert reg(sqlite_store, admin).mrn == "MRN000002"


FIELD_CASES = [
    ({"given_name": "", "family_name": ""}, "given_name", "given name or family name"),
    ({"given_name": "x" * 101}, "given_name", "keep it to 100 characters"),
    ({"sex": "f"}, "sex", "female, male, other or unknown"),
    ({"birth_date": date(2026, 2, 1)}, "birth_date", "in the future"),
    ({"birth_date": date(1890, 1, 1)}, "birth_date", "more than 130 years ago"),
    ({"birth_date": None}, "birth_date", "estimated age"),
    ({"birth_date": None, "estimated_age": 131}, "estimated_age", "from 0 to 130"),
    ({"birth_date": None, "estimated_age": -1}, "estimated_age", "from 0 to 130"),
    ({"estimated_age": 40}, "birth_date", "not both"),
    ({"phones": [Phone("12")]}, "phones.0", "Enter a phone number with its area code, e.g. 0712 123456"),
    ({"phones": [Phone("0712 345 678", "x" * 21)]}, "phones.0.label", "20 characters"),
    ({"email": "john.example.com"}, "email", "name@example.com"),
    ({"national_id": "--"}, "national_id", "letters or digits"),
    ({"insurance": Insurance("", "A1")}, "insurance.payer", "insurer"),
    ({"emergency_contact": EmergencyContact("Mary", "99")}, "emergency_contact.phone", "area code"),
    ({"emergency_contact": EmergencyContact("", "", "wife")}, "emergency_contact.name", "contact's name"),
    ({"notes": "n" * 10001}, "notes", "10000 characters"),
]


@pytest.mark.parametrize(("override", "field", "text"), FIELD_CASES)
def test_validation_messages_per_field(sqlite_store: Store, override: dict, field: str, text: str) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        P.register_patient(s, actor=admin, data=data(**override))
    assert field in err.value.errors
    assert text in err.value.errors[field]
    assert patient_count(sqlite_store) == 0


def test_all_field_errors_come_at_once(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        P.register_patient(
            s, actor=admin, data=data(given_name="", family_name="", sex="?", email="x", phones=[Phone("1")])
        )
    assert set(err.value.errors) == {"given_name", "sex", "email", "phones.0"}


def test_single_name_and_estimated_age(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    mono = reg(sqlite_store, admin, given_name="", family_name="Suharto", birth_date=None, estimated_age=40)
    assert mono.display_name == "Suharto"
    assert mono.birth_date == date(1986, 1, 15) and mono.birth_date_estimated and mono.age == 40
    newborn = reg(sqlite_store, admin, given_name="Baby", family_name="", birth_date=None, estimated_age=0)
    assert newborn.birth_date == date(2026, 1, 15) and newborn.age == 0


def test_national_id_unique_among_non_merged_patients(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    first = reg(sqlite_store, admin, national_id="AB 123 456")
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        P.register_patient(s, actor=admin, data=data(given_name="Other", national_id="ab-123456"))
    assert "already has this national id" in err.value.errors["national_id"]
    assert "123" not in str(err.value)  # no PHI in the message
    # Editing the holder itself keeps its own id without complaint.
    with sqlite_store.session() as s:
        upd = P.update_patient(
            s, actor=admin, patient_id=first.id, data=first.to_update(), expected_version=first.version
        )
    assert upd.national_id == "AB 123 456"


def test_update_checks_version_and_replaces_tokens(store: Store, admin: Actor) -> None:
    p = reg(store, admin)
    new = replace(p.to_update(), family_name="Wanjiru", phones=[Phone("0733 111 222")])
    with store.session() as s:
        saved = P.update_patient(s, actor=admin, patient_id=p.id, data=new, expected_version=1)
    assert (saved.family_name, saved.version, saved.phones[0].number) == ("Wanjiru", 2, "+254733111222")
    with pytest.raises(Conflict) as err, store.session() as s:
        P.update_patient(s, actor=admin, patient_id=p.id, data=new, expected_version=1)
    assert "Someone else saved this patient" in str(err.value)
    with store.read_session() as s:
        assert search_patients(s, actor=admin, query="smith").rows == ()
        assert [r.id for r in search_patients(s, actor=admin, query="wanj").rows] == [p.id]
        assert search_patients(s, actor=admin, query="5678").rows == ()
        assert [r.id for r in search_patients(s, actor=admin, query="1222").rows] == [p.id]
    with store.read_session() as s:
        detail = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "patient.update")).one()
    assert detail == {"fields": ["family_name", "phones"]}


def test_update_without_changes_keeps_version(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    p = reg(sqlite_store, admin)
    with sqlite_store.session() as s:
        same = P.update_patient(s, actor=admin, patient_id=p.id, data=p.to_update(), expected_version=1)
    assert same.version == 1
    assert "patient.update" not in audit_actions(sqlite_store)


def test_open_counts_invoices_and_documents(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    p = reg(sqlite_store, admin)
    add_invoice(sqlite_store, p.id)
    add_invoice(sqlite_store, p.id)
    add_document(sqlite_store, p.id)
    with sqlite_store.session() as s:
        opened = P.get_patient(s, actor=admin, patient_id=p.id)
    assert (opened.invoice_count, opened.document_count) == (2, 1)
    with pytest.raises(NotFound), sqlite_store.session() as s:
        P.get_patient(s, actor=admin, patient_id=Patient().id)


def test_archive_and_restore(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    p = reg(sqlite_store, admin)
    with sqlite_store.session() as s:
        archived = P.archive_patient(s, actor=admin, patient_id=p.id)
    assert (archived.status, archived.version) == ("archived", 2)
    with pytest.raises(Conflict), sqlite_store.session() as s:
        P.archive_patient(s, actor=admin, patient_id=p.id)
    with sqlite_store.read_session() as s:
        assert search_patients(s, actor=admin, query="john").rows == ()
        assert P.list_recent(s, actor=admin) == []
    with sqlite_store.session() as s:
        assert P.restore_patient(s, actor=admin, patient_id=p.id).status == "active"
    assert audit_actions(sqlite_store, p.id)[-2:] == ["patient.archive", "patient.restore"]


def test_list_recent_newest_first(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    ids = [reg(sqlite_store, admin, given_name=n).id for n in ("Ann", "Ben", "Cat")]
    with sqlite_store.read_session() as s:
        recent = P.list_recent(s, actor=admin, limit=2)
    assert [r.id for r in recent] == [ids[2], ids[1]]
    assert recent[0].display_name == "Cat Smith" and recent[0].phone == "+254712345678"


def test_registration_warns_about_duplicates(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    first = reg(sqlite_store, admin)
    with sqlite_store.session() as s:
        warned = P.check_duplicates(
            s, actor=admin, data=data(given_name="Jon", family_name="Smyth", phones=[])
        )
        result = P.register_patient(s, actor=admin, data=data())
    assert [(d.patient_id, d.score) for d in warned] == [(first.id, 55)]
    assert warned[0].reasons == ("similar name and same date of birth",)
    assert result.patient.id != first.id  # a warning, not a block
    assert result.duplicates[0].reasons == ("same name and date of birth", "same phone number")


@pytest.mark.parametrize("role", ["front_desk", "doctor", "manager"])
def test_roles_that_register_view_and_edit(sqlite_store: Store, role: str) -> None:
    from tests.conftest import admin_actor

    actor = actor_of(sqlite_store, admin_actor(sqlite_store), role)
    p = reg(sqlite_store, actor)
    with sqlite_store.session() as s:
        assert P.get_patient(s, actor=actor, patient_id=p.id).id == p.id
        new = replace(p.to_update(), given_name="Johnny")
        edited = P.update_patient(s, actor=actor, patient_id=p.id, data=new, expected_version=1)
    assert edited.given_name == "Johnny"


@pytest.mark.parametrize("role", ["front_desk", "doctor"])
def test_front_desk_and_doctor_may_not_archive(sqlite_store: Store, role: str) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    p = reg(sqlite_store, admin)
    actor = actor_of(sqlite_store, admin, role)
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        P.archive_patient(s, actor=actor, patient_id=p.id)
    manager = actor_of(sqlite_store, admin, "manager")
    with sqlite_store.session() as s:
        assert P.archive_patient(s, actor=manager, patient_id=p.id).status == "archived"


def test_refused_registration_writes_nothing(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    with pytest.raises(ValidationError), sqlite_store.session() as s:
        P.register_patient(s, actor=admin, data=data(sex="nope"))
    with sqlite_store.read_session() as s:
        assert s.scalar(select(func.count()).select_from(SearchToken)) == 0
        assert settings.get(s, "mrn.next") == 1
