"""Reading patient CSV files: which column is which field, and one row turned into a registration form.

Header names are matched loosely ("First Name", "surname", "D.O.B"); dates are read as ISO or in the
clinic locale's order; a phone cell may hold several numbers ("0712 345 678 (mobile); 020 222 2222 (work)").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from hmis_desktop.crypto.blind import fold
from hmis_desktop.errors import ValidationError
from hmis_desktop.services.patient_fields import (
    ClinicContext,
    EmergencyContact,
    Insurance,
    PatientCreate,
    Phone,
)
from hmis_desktop.services.patient_formats import date_order, parse_date

# Field -> header spellings it is recognised by (folded, letters and digits only).
FIELDS: dict[str, tuple[str, ...]] = {
    "mrn": ("mrn", "recordnumber", "medicalrecordnumber", "patientnumber", "hospitalnumber", "mrnumber"),
    "given_name": ("givenname", "firstname", "forename", "given", "first", "fname", "givennames"),
    "family_name": ("familyname", "lastname", "surname", "family", "last", "lname"),
    "other_names": ("othernames", "middlename", "middlenames", "middle", "othername"),
    "sex": ("sex", "gender"),
    "birth_date": ("birthdate", "dateofbirth", "dob", "born", "birthday"),
    "birth_date_estimated": ("birthdateestimated", "dobestimated", "estimated", "estimateddob"),
    "estimated_age": ("estimatedage", "age", "ageyears", "ageinyears"),
    "phone": ("phone", "phones", "mobile", "telephone", "tel", "phonenumber", "cell", "mobilenumber"),
    "other_phone": ("otherphone", "phone2", "homephone", "workphone", "alternativephone", "secondphone"),
    "email": ("email", "emailaddress", "mail"),
    "address": ("address", "homeaddress", "streetaddress", "residence"),
    "national_id": ("nationalid", "nationalidnumber", "idnumber", "nid", "ssn", "idno", "nationalidentifier"),
    "insurance_payer": ("insurancepayer", "insurer", "insurance", "payer", "insurancecompany"),
    "insurance_member_number": ("insurancemembernumber", "membernumber", "memberno", "policynumber"),
    "emergency_contact_name": ("emergencycontactname", "emergencycontact", "nextofkin", "kinname"),
    "emergency_contact_phone": ("emergencycontactphone", "emergencyphone", "nextofkinphone", "kinphone"),
    "emergency_contact_relation": ("emergencycontactrelation", "relation", "relationship", "kinrelation"),
    "allergies": ("allergies", "allergy"),
    "alerts": ("alerts", "alert", "warnings"),
    "notes": ("notes", "note", "comments", "remarks"),
}
SEX_WORDS = {
    "f": "female", "female": "female", "woman": "female", "w": "female", "girl": "female",
    "m": "male", "male": "male", "man": "male", "boy": "male",
    "o": "other", "other": "other",
    "u": "unknown", "unknown": "unknown", "": "unknown", "?": "unknown",
}  # fmt: skip
TRUE_WORDS = {"yes", "y", "true", "1", "x", "estimated"}
MAX_MRN = 40
_PHONE_PART = re.compile(r"^(.*?)\s*(?:\(([^)]*)\))?$")
_FORMULA = "=+-@"


def norm_header(h: str) -> str:
    return "".join(fold(h).split())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Which column holds which field, from the header names ("First name" -> given_name)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    normal = [(h, norm_header(h)) for h in headers]
    for name, spellings in FIELDS.items():
        for spelling in spellings:  # the field's own name first, then the looser spellings
            hit = next((h for h, n in normal if n == spelling and h not in used), None)
            if hit is not None:
                mapping[name] = hit
                used.add(hit)
                break
    return mapping


def read_source(source: str | Path) -> str:
    if isinstance(source, Path) or ("\n" not in source and Path(source).is_file()):
        raw = Path(source).read_bytes()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")  # spreadsheets saved "CSV (Windows)"
    return source.lstrip("\ufeff")


def csv_rows(text: str) -> tuple[list[str], list[list[str]]]:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise ValidationError({"file": "The file is empty. Export the patient list again with a header row."})
    return [h.strip() for h in rows[0]], rows[1:]


def cell(row: list[str], col: int | None) -> str:
    if col is None or col >= len(row):
        return ""
    v = row[col].strip()
    # Exports guard formulas with a leading apostrophe (CSV injection); take it off again.
    return v[1:] if len(v) > 1 and v[0] == "'" and v[1] in _FORMULA else v


def phones_of(text: str, default_label: str) -> list[Phone]:
    out = []
    for piece in re.split(r"[;|]", text):
        m = _PHONE_PART.match(piece.strip())
        if m and m[1]:
            out.append(Phone(m[1], (m[2] or default_label).strip()))
    return out


def date_example(locale: str) -> str:
    return {"dmy": "17/05/1980", "mdy": "05/17/1980"}.get(date_order(locale), "1980-05-17")


def parse_row(
    row: list[str], cols: dict[str, int], ctx: ClinicContext
) -> tuple[PatientCreate, str, dict[str, str]]:
    """Build the registration input from one row; errors here are about formats the form never sees."""
    c = {f: cell(row, cols.get(f)) for f in FIELDS}
    errors: dict[str, str] = {}
    sex = SEX_WORDS.get(c["sex"].casefold(), c["sex"])
    birth = None
    if c["birth_date"]:
        birth = parse_date(c["birth_date"], ctx.locale, ctx.today)
        if birth is None:
            errors["birth_date"] = (
                f"Write the date of birth as {date_example(ctx.locale)} or 1980-05-17 (year-month-day)."
            )
    age = None
    if c["estimated_age"] and not c["birth_date"]:
        try:
            age = int(c["estimated_age"].split()[0].split(".")[0])
        except (ValueError, IndexError):
            errors["estimated_age"] = "Write the estimated age as a whole number of years, e.g. 45."
    phones = phones_of(c["phone"], "mobile") + phones_of(c["other_phone"], "other")
    ins = None
    if c["insurance_payer"] or c["insurance_member_number"]:
        ins = Insurance(c["insurance_payer"], c["insurance_member_number"])
    ec = None
    if c["emergency_contact_name"] or c["emergency_contact_phone"] or c["emergency_contact_relation"]:
        ec = EmergencyContact(
            c["emergency_contact_name"], c["emergency_contact_phone"], c["emergency_contact_relation"]
        )
    data = PatientCreate(
        given_name=c["given_name"],
        family_name=c["family_name"],
        other_names=c["other_names"],
        sex=sex,
        birth_date=birth,
        estimated_age=age,
        birth_date_estimated=c["birth_date_estimated"].casefold() in TRUE_WORDS,
        phones=phones,
        email=c["email"],
        address=c["address"],
        national_id=c["national_id"],
        insurance=ins,
        emergency_contact=ec,
        allergies=c["allergies"],
        alerts=c["alerts"],
        notes=c["notes"],
    )
    if len(c["mrn"]) > MAX_MRN:
        errors["mrn"] = f"The record number is too long: keep it to {MAX_MRN} characters."
    return data, c["mrn"], errors


def column_of(key: str, mapping: dict[str, str]) -> tuple[str, str]:
    """Our error key ("phones.1", "insurance.payer") -> (field, the file's column)."""
    base = key.split(".")[0]
    field_name = {
        "phones": "phone",
        "insurance": "insurance_payer" if key.endswith("payer") else "insurance_member_number",
        "emergency_contact": "emergency_contact_" + key.rsplit(".", 1)[-1],
    }.get(base, base)
    if field_name == "birth_date" and field_name not in mapping and "estimated_age" in mapping:
        field_name = "estimated_age"
    return key, mapping.get(field_name, "")
