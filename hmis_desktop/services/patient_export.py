"""Patient exports: CSV (the import's own columns, so a file round-trips) and a FHIR R4 Bundle of Patients.

Merged records are left out (they live on in the record they were merged into); archived ones are kept and
flagged. Files are written atomically with 0600 permissions: they hold PHI in the clear, so only the user
who exported may read them. One audit event per export, with the count.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto.keys import KeySet
from hmis_desktop.permissions import Perm, require
from hmis_desktop.profile import atomic_write
from hmis_desktop.services.patient_index import PT, decrypt_columns, status_unindexed
from hmis_desktop.store.store import Store

CSV_COLUMNS = (
    "mrn",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "birth_date",
    "birth_date_estimated",
    "phone",
    "email",
    "address",
    "national_id",
    "insurance_payer",
    "insurance_member_number",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relation",
    "allergies",
    "alerts",
    "notes",
    "status",
)
_ENCRYPTED = (
    "mrn",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "birth_date",
    "phones",
    "email",
    "address",
    "national_id",
    "insurance",
    "emergency_contact",
    "allergies",
    "alerts",
    "notes",
)
_SAFE_COLUMNS = {"phone", "emergency_contact_phone", "birth_date"}  # validated formats, never formulas
BATCH = 2000
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
MRN_SYSTEM = "urn:hmis:mrn"
NATIONAL_ID_SYSTEM = "urn:hmis:national-id"
FHIR_PHONE_USES = {"home", "work", "mobile", "temp", "old"}


def _patients(session: Session, keys: KeySet, include_archived: bool) -> Iterator[dict[str, Any]]:
    """Decrypted patients in id order, fetched in batches (keyset paging, one query per batch)."""
    statuses = ["active", "archived"] if include_archived else ["active"]
    cols = [PT.c.id, PT.c.status, PT.c.birth_date_estimated] + [PT.c[f"{c}_ct"] for c in _ENCRYPTED]
    after: uuid.UUID | None = None
    while True:
        # Walk the id index in order (keyset paging); the status test must not pick the status index.
        stmt = select(*cols).where(status_unindexed().in_(statuses)).order_by(PT.c.id).limit(BATCH)
        if after is not None:
            stmt = stmt.where(PT.c.id > after)
        rows = session.execute(stmt).all()
        if not rows:
            return
        for r in rows:
            v = decrypt_columns(keys, r, _ENCRYPTED)
            v.update(id=r.id, status=r.status, birth_date_estimated=r.birth_date_estimated)
            yield v
        after = rows[-1].id


def _guard(column: str, value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets (CSV injection); an apostrophe stops it.
    if value and value[0] in "=+-@" and column not in _SAFE_COLUMNS:
        return "'" + value
    return value


def _csv_row(v: dict[str, Any]) -> list[str]:
    ins, ec = v["insurance"] or {}, v["emergency_contact"] or {}
    phones = "; ".join(
        f"{p['number']} ({p['label']})" if p.get("label") else p["number"] for p in v["phones"] or ()
    )
    out = {
        "mrn": v["mrn"],
        "given_name": v["given_name"],
        "family_name": v["family_name"],
        "other_names": v["other_names"],
        "sex": v["sex"],
        "birth_date": v["birth_date"].isoformat() if v["birth_date"] else "",
        "birth_date_estimated": "yes" if v["birth_date_estimated"] else "",
        "phone": phones,
        "email": v["email"],
        "address": v["address"],
        "national_id": v["national_id"],
        "insurance_payer": ins.get("payer"),
        "insurance_member_number": ins.get("member_number"),
        "emergency_contact_name": ec.get("name"),
        "emergency_contact_phone": ec.get("phone"),
        "emergency_contact_relation": ec.get("relation"),
        "allergies": v["allergies"],
        "alerts": v["alerts"],
        "notes": v["notes"],
        "status": v["status"],
    }
    return [_guard(c, out[c] or "") for c in CSV_COLUMNS]


def export_patients_csv(session: Session, *, actor: Actor, path: Path, include_archived: bool = True) -> int:
    """Write every patient (merged ones excepted) to a UTF-8 CSV that `plan_import` reads back; the count."""
    require(actor, Perm.PATIENT_EXPORT)
    store = Store.of(session)
    keys = store.require_keys()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for v in _patients(session, keys, include_archived):
        writer.writerow(_csv_row(v))
        count += 1
    # The byte-order mark makes spreadsheet programs read the file as UTF-8 (names in any script).
    atomic_write(Path(path), buf.getvalue().encode("utf-8-sig"))
    store.audit(
        session, "patient.export", actor=actor, entity="patient", detail={"format": "csv", "count": count}
    )
    return count


def fhir_patient(v: dict[str, Any]) -> dict[str, Any]:
    """One patient as a FHIR R4 Patient resource (JSON form)."""
    res: dict[str, Any] = {"resourceType": "Patient", "id": str(v["id"]), "active": v["status"] == "active"}
    ids = []
    if v["mrn"]:
        ids.append(
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "Medical record number"},
                "system": MRN_SYSTEM,
                "value": v["mrn"],
            }
        )
    if v["national_id"]:
        ids.append(
            {
                "use": "official",
                "type": {"coding": [{"system": V2_0203, "code": "NI"}], "text": "National id"},
                "system": NATIONAL_ID_SYSTEM,
                "value": v["national_id"],
            }
        )
    if ids:
        res["identifier"] = ids
    given = [x for x in (v["given_name"], v["other_names"]) if x]
    name: dict[str, Any] = {"use": "official", "text": " ".join(x for x in (*given, v["family_name"]) if x)}
    if v["family_name"]:
        name["family"] = v["family_name"]
    if given:
        name["given"] = given
    res["name"] = [name]
    res["gender"] = v["sex"] or "unknown"  # our four values are FHIR's administrative-gender codes
    if v["birth_date"]:
        res["birthDate"] = v["birth_date"].isoformat()
    telecom = []
    for i, p in enumerate(v["phones"] or ()):
        t = {"system": "phone", "value": p["number"], "rank": i + 1}
        if p.get("label") in FHIR_PHONE_USES:
            t["use"] = p["label"]
        telecom.append(t)
    if v["email"]:
        telecom.append({"system": "email", "value": v["email"]})
    if telecom:
        res["telecom"] = telecom
    if v["address"]:
        res["address"] = [{"text": v["address"]}]
    ec = v["emergency_contact"]
    if ec and ec.get("name"):
        contact: dict[str, Any] = {"name": {"text": ec["name"]}}
        if ec.get("relation"):
            contact["relationship"] = [{"text": ec["relation"]}]
        if ec.get("phone"):
            contact["telecom"] = [{"system": "phone", "value": ec["phone"]}]
        res["contact"] = [contact]
    return res


def export_patients_fhir(session: Session, *, actor: Actor, path: Path, include_archived: bool = True) -> int:
    """Write every patient (merged ones excepted) as a FHIR R4 `collection` Bundle of Patients; the count."""
    require(actor, Perm.PATIENT_EXPORT)
    store = Store.of(session)
    keys = store.require_keys()
    entries = [
        {"fullUrl": f"urn:uuid:{v['id']}", "resource": fhir_patient(v)}
        for v in _patients(session, keys, include_archived)
    ]
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": store.clock.now().isoformat(),
        "entry": entries,
    }
    atomic_write(Path(path), json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8"))
    store.audit(
        session,
        "patient.export",
        actor=actor,
        entity="patient",
        detail={"format": "fhir", "count": len(entries)},
    )
    return len(entries)
