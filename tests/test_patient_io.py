"""CSV import (dry run, all-or-nothing, duplicates) and CSV / FHIR exports read back."""

from __future__ import annotations

import csv
import json
import stat
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient
from sqlalchemy import func, select

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import PermissionDenied, ValidationError
from hmis_desktop.services import patient_io as IO
from hmis_desktop.services.merge import merge_patients
from hmis_desktop.services.patient_fields import EmergencyContact, Insurance, Phone
from hmis_desktop.services.patient_search import search_patients
from hmis_desktop.services.patients import get_patient
from hmis_desktop.store.models import AuditEvent
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor, make_store
from tests.patients_helpers import actor_of, audit_actions, patient_count, reg

GOOD = """First Name,Surname,Gender,DOB,Mobile,ID Number,Email
Amina,Otieno,F,1990-01-02,0712 000 001,ID-1,amina@example.com
Brian,Kip,m,17/05/1985,0712 000 002,,
Chen,Li,female,1970-12-31,,ID-3,
"""


def test_guess_mapping_from_common_headers() -> None:
    headers = ["First Name", "Surname", "Gender", "D.O.B", "Mobile", "ID Number", "E-mail", "Remarks", "Age"]
    assert IO.guess_mapping(headers) == {
        "given_name": "First Name",
        "family_name": "Surname",
        "sex": "Gender",
        "birth_date": "D.O.B",
        "phone": "Mobile",
        "national_id": "ID Number",
        "email": "E-mail",
        "notes": "Remarks",
        "estimated_age": "Age",
    }


def test_import_good_file(store: Store, admin: Actor) -> None:
    with store.session() as s:
        plan = IO.plan_import(s, actor=admin, source=GOOD)
    assert (plan.total_rows, plan.valid_rows, plan.errors, plan.duplicates) == (3, 3, (), ())
    assert patient_count(store) == 0  # the dry run wrote nothing
    with store.session() as s:
        result = IO.run_import(s, actor=admin, plan=plan)
    assert result.imported == 3 and patient_count(store) == 3
    with store.session() as s:
        page = search_patients(s, actor=admin, query="brian kip")
        brian = get_patient(s, actor=admin, patient_id=page.rows[0].id)
        assert settings.get(s, "mrn.next") == 4
    assert (brian.mrn, brian.sex, brian.birth_date) == ("MRN000002", "male", date(1985, 5, 17))
    assert brian.phones == (Phone("+254712000002", "mobile"),)
    creates = [a for a in audit_actions(store) if a == "patient.create"]
    assert len(creates) == 3
    with store.read_session() as s:
        vias = list(s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "patient.create")))
    assert vias == [{"via": "import"}] * 3


def test_dry_run_reports_row_errors_and_import_writes_nothing(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    text = """given_name,family_name,sex,birth_date,phone,email
Ok,Row,f,1990-01-02,0712 000 001,
,,f,1990-01-02,,
Bad,Phone,f,1990-01-02,12,
Bad,Date,f,31/31/1990,,
Bad,Sex,q,1990-01-02,,nope
"""
    with sqlite_store.session() as s:
        plan = IO.plan_import(s, actor=admin, source=text)
    got = [(e.row, e.field, e.column) for e in plan.errors]
    assert got == [
        (3, "given_name", "given_name"),
        (4, "phones.0", "phone"),
        (5, "birth_date", "birth_date"),
        (6, "email", "email"),
        (6, "sex", "sex"),
    ]
    messages = {(e.row, e.field): e.message for e in plan.errors}
    assert "area code" in messages[(4, "phones.0")]
    assert "05/17/1980" in messages[(5, "birth_date")]  # en_US order in the example
    assert (plan.total_rows, plan.valid_rows, plan.ok) == (5, 1, False)
    text_plan = IO.describe_plan(plan)
    assert text_plan.splitlines()[0] == "5 rows read: 1 ready to import, 4 with problems."
    assert "  row 4 (phone): Enter a phone number with its area code" in text_plan
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        IO.run_import(s, actor=admin, plan=plan)
    assert "Nothing was imported" in str(err.value) and "row 4" in str(err.value)
    assert "row 3 given_name" in err.value.errors
    assert patient_count(sqlite_store) == 0
    with pytest.raises(ValidationError), sqlite_store.session() as s:
        IO.run_import(s, actor=admin, source=text)
    assert patient_count(sqlite_store) == 0


def test_identifiers_must_be_unique_in_file_and_store(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    reg(sqlite_store, admin, national_id="X-1")
    text = """given_name,family_name,birth_date,national_id,mrn
A,One,1990-01-01,x1,
B,Two,1990-01-01,Y2,P-7
C,Three,1990-01-01,y-2,P7
D,Four,1990-01-01,,MRN000001
"""
    with sqlite_store.session() as s:
        plan = IO.plan_import(s, actor=admin, source=text)
    got = {(e.row, e.field): e.message for e in plan.errors}
    assert got == {
        (2, "national_id"): "A patient in the store already has this national id.",
        (4, "national_id"): "The same national id is already on row 3.",
        (4, "mrn"): "The same record number is already on row 3.",
        (5, "mrn"): "A patient in the store already has this record number.",
    }


def test_duplicates_within_file_and_against_store(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    john = reg(sqlite_store, admin)
    text = """given_name,family_name,birth_date,phone
Jon,Smyth,1980-05-17,
Mary,Wanjiru,2000-02-02,0733 000 111
Mary,Wanjiru,2000-02-02,
Peter,Otieno,1999-09-09,
"""
    with sqlite_store.session() as s:
        plan = IO.plan_import(s, actor=admin, source=text)
    assert [(d.row, d.score, d.reasons, d.other_row, d.patient_id) for d in plan.duplicates] == [
        (2, 55, ("similar name and same date of birth",), None, john.id),
        (4, 70, ("same name and date of birth",), 3, None),
    ]
    assert plan.duplicates[0].mrn == "MRN000001"
    assert "row 4 may be row 3 of this file: same name and date of birth (score 70)" in IO.describe_plan(plan)
    with sqlite_store.session() as s:
        result = IO.run_import(s, actor=admin, plan=plan, skip_duplicates=True)
    assert (result.imported, result.skipped_duplicates) == (2, 2)
    assert patient_count(sqlite_store) == 3


def test_imported_record_numbers_are_kept_and_the_counter_moves_past(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    text = "mrn,given_name,birth_date\nMRN000010,Old,1950-01-01\nLEGACY-7,Older,1940-01-01\n,New,2000-01-01\n"
    with sqlite_store.session() as s:
        IO.run_import(s, actor=admin, source=text)
    with sqlite_store.session() as s:
        found = {n: search_patients(s, actor=admin, query=n).rows[0].mrn for n in ("old", "older", "new")}
    assert found == {"old": "MRN000010", "older": "LEGACY-7", "new": "MRN000011"}
    assert reg(sqlite_store, admin).mrn == "MRN000012"


def test_mapping_given_and_checked(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    text = "a;b;c\nAmina;Otieno;40\n"
    with pytest.raises(ValidationError) as err, sqlite_store.session() as s:
        IO.plan_import(s, actor=admin, source=text, mapping={"given_name": "zz", "shoe_size": "a"})
    assert set(err.value.errors) == {"given_name", "shoe_size"}
    with sqlite_store.session() as s:
        plan = IO.plan_import(
            s, actor=admin, source=text, mapping={"given_name": "a", "family_name": "b", "estimated_age": "c"}
        )
        IO.run_import(s, actor=admin, plan=plan)
        row = search_patients(s, actor=admin, query="amina").rows[0]
    assert row.age == 40 and row.birth_date_estimated


def test_csv_export_round_trips_through_import(
    store: Store, admin: Actor, tmp_path: Path, clock: FakeClock
) -> None:
    a = reg(
        store,
        admin,
        given_name="Zoë",
        family_name="Núñez-Ångström",
        other_names="=HYPERLINK(1)",
        phones=[Phone("0712 345 678"), Phone("020 2222222", "work")],
        national_id="N-1",
        email="zoe@example.com",
        address="Flat 2,\nNairobi",
        insurance=Insurance("NHIF", "77"),
        emergency_contact=EmergencyContact("Ann", "0722 000 111", "sister"),
        allergies="-none",
        birth_date=None,
        estimated_age=33,
    )
    reg(store, admin, given_name="محمد", family_name="عبد الله", phones=[])
    path = tmp_path / "out" / "patients.csv"
    with store.session() as s:
        assert IO.export_patients_csv(s, actor=admin, path=path) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    rows = list(csv.DictReader(path.read_text("utf-8-sig").splitlines()))
    assert rows[0]["other_names"] == "'=HYPERLINK(1)" and rows[0]["allergies"] == "'-none"
    assert rows[0]["phone"] == "+254712345678 (mobile); +254202222222 (work)"
    with store.read_session() as s:
        detail = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "patient.export")).one()
    assert detail == {"format": "csv", "count": 2}

    other, _ = make_store(tmp_path / "other", clock)
    try:
        admin2 = admin_actor(other)
        with other.session() as s:
            plan = IO.plan_import(s, actor=admin2, source=path)
            assert plan.errors == () and plan.valid_rows == 2
            IO.run_import(s, actor=admin2, plan=plan)
            copy = get_patient(
                s, actor=admin2, patient_id=search_patients(s, actor=admin2, query="zoe").rows[0].id
            )
        assert copy.mrn == a.mrn
        fields = ("given_name", "family_name", "other_names", "phones", "national_id", "email", "address",
                  "insurance", "emergency_contact", "allergies", "birth_date", "birth_date_estimated", "sex")  # fmt: skip
        assert {f: getattr(copy, f) for f in fields} == {f: getattr(a, f) for f in fields}
    finally:
        other.close()


def test_fhir_export_validates_as_r4_patients(sqlite_store: Store, tmp_path: Path) -> None:
    admin = admin_actor(sqlite_store)
    a = reg(
        sqlite_store,
        admin,
        other_names="Paul",
        national_id="N-1",
        email="j@example.com",
        address="Moi Avenue",
        emergency_contact=EmergencyContact("Mary", "0722 000 111", "wife"),
    )
    b = reg(sqlite_store, admin, given_name="", family_name="李小龍", sex="unknown", phones=[])
    gone = reg(sqlite_store, admin, given_name="Gone", phones=[])
    path = tmp_path / "bundle.json"
    with sqlite_store.session() as s:
        merge_patients(s, actor=admin, keep_id=a.id, merge_id=gone.id, reason="duplicate")
        assert IO.export_patients_fhir(s, actor=admin, path=path) == 2  # the merged record is left out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = json.loads(path.read_text("utf-8"))
    bundle = Bundle.model_validate(raw)
    assert bundle.type == "collection" and len(bundle.entry) == 2
    first = FhirPatient.model_validate(raw["entry"][0]["resource"])
    assert first.id == str(a.id) and first.gender == "male" and str(first.birthDate) == "1980-05-17"
    assert [(i.type.coding[0].code, i.value) for i in first.identifier] == [
        ("MR", "MRN000001"),
        ("NI", "N-1"),
    ]
    assert first.name[0].family == "Smith" and first.name[0].given == ["John", "Paul"]
    assert [(t.system, t.value) for t in first.telecom] == [
        ("phone", "+254712345678"),
        ("email", "j@example.com"),
    ]
    assert first.address[0].text == "Moi Avenue" and first.contact[0].name.text == "Mary"
    second = FhirPatient.model_validate(raw["entry"][1]["resource"])
    assert second.id == str(b.id) and second.name[0].family == "李小龍" and second.gender == "unknown"
    assert second.name[0].given is None and second.telecom is None
    with sqlite_store.read_session() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "patient.export")) == 1


@pytest.mark.parametrize("role", ["front_desk", "doctor"])
def test_front_desk_and_doctor_may_not_import_or_export(
    sqlite_store: Store, tmp_path: Path, role: str
) -> None:
    admin = admin_actor(sqlite_store)
    actor = actor_of(sqlite_store, admin, role)
    for call in (
        lambda s: IO.plan_import(s, actor=actor, source=GOOD),
        lambda s: IO.run_import(s, actor=actor, source=GOOD),
        lambda s: IO.export_patients_csv(s, actor=actor, path=tmp_path / "x.csv"),
        lambda s: IO.export_patients_fhir(s, actor=actor, path=tmp_path / "x.json"),
    ):
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            call(s)
    assert not (tmp_path / "x.csv").exists()
    manager = actor_of(sqlite_store, admin, "manager")
    with sqlite_store.session() as s:
        assert IO.run_import(s, actor=manager, source=GOOD).imported == 3
        assert IO.export_patients_csv(s, actor=manager, path=tmp_path / "x.csv") == 3
