"""Patient field rules shared by registration, editing, import and search.

Inputs (`PatientCreate`, `PatientUpdate`), their validation into `PatientValues` (normalised, ready to encrypt),
the blind-index tokens of a patient, record-number (MRN) shapes and locale-aware date parsing.

Names: at least one of given or family name is required, not both. Many people have a single name (common in
Indonesia, parts of Africa and Afghanistan, and for newborns registered before naming); forcing a second
name makes front desks invent one, which then poisons duplicate detection.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop.crypto.blind import identifier
from hmis_desktop.store.models import Setting

SEXES = ("female", "male", "other", "unknown")
MAX_AGE = 130
MAX_PHONES = 5
LIMITS = {
    "given_name": 100,
    "family_name": 100,
    "other_names": 200,
    "email": 254,
    "address": 500,
    "national_id": 40,
    "allergies": 2000,
    "alerts": 2000,
    "notes": 10000,
    "insurance.payer": 100,
    "insurance.member_number": 60,
    "emergency_contact.name": 200,
    "emergency_contact.relation": 50,
    "phone.label": 20,
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
SETTING_KEYS = ("clinic.region", "clinic.locale", "mrn.format", "mrn.next")
DEFAULTS = {"clinic.region": "US", "clinic.locale": "en_US", "mrn.format": "MRN{seq:06d}", "mrn.next": 1}


# --- inputs and normalised values ---------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    """A phone number and what it is (mobile, home, work …). Outputs carry E.164 ("+254712345678")."""

    number: str
    label: str = "mobile"


@dataclass(frozen=True)
class Insurance:
    """Who pays, and the patient's number with them."""

    payer: str
    member_number: str = ""


@dataclass(frozen=True)
class EmergencyContact:
    """Whom to call."""

    name: str
    phone: str = ""
    relation: str = ""


@dataclass(frozen=True)
class PatientCreate:
    """What the registration form sends. Give `birth_date` or `estimated_age` (years), not both."""

    given_name: str = ""
    family_name: str = ""
    other_names: str = ""
    sex: str = "unknown"
    birth_date: date | None = None
    estimated_age: int | None = None
    birth_date_estimated: bool = False
    phones: Sequence[Phone] = ()
    email: str = ""
    address: str = ""
    national_id: str = ""
    insurance: Insurance | None = None
    emergency_contact: EmergencyContact | None = None
    allergies: str = ""
    alerts: str = ""
    notes: str = ""


@dataclass(frozen=True)
class PatientUpdate(PatientCreate):
    """What the edit form sends: every editable field, replacing the stored ones (the record number stays)."""


@dataclass(frozen=True)
class PatientValues:
    """Validated, normalised values as stored (None for empty); phones in E.164."""

    given_name: str | None = None
    family_name: str | None = None
    other_names: str | None = None
    sex: str = "unknown"
    birth_date: date | None = None
    birth_date_estimated: bool = False
    phones: tuple[Phone, ...] = ()
    email: str | None = None
    address: str | None = None
    national_id: str | None = None
    insurance: Insurance | None = None
    emergency_contact: EmergencyContact | None = None
    allergies: str | None = None
    alerts: str | None = None
    notes: str | None = None

    def encrypted(self) -> dict[str, Any]:
        """Plain values of the encrypted columns (without the MRN), as the models' descriptors take them."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "other_names": self.other_names,
            "sex": self.sex,
            "birth_date": self.birth_date,
            "phones": [{"number": p.number, "label": p.label} for p in self.phones] or None,
            "email": self.email,
            "address": self.address,
            "national_id": self.national_id,
            "insurance": (
                {"payer": self.insurance.payer, "member_number": self.insurance.member_number}
                if self.insurance
                else None
            ),
            "emergency_contact": (
                {
                    "name": self.emergency_contact.name,
                    "phone": self.emergency_contact.phone,
                    "relation": self.emergency_contact.relation,
                }
                if self.emergency_contact
                else None
            ),
            "allergies": self.allergies,
            "alerts": self.alerts,
            "notes": self.notes,
        }


@dataclass
class ClinicContext:
    """The settings patient rules depend on, read once per action."""

    region: str = "US"
    locale: str = "en_US"
    mrn_format: str = "MRN{seq:06d}"
    today: date = field(default_factory=date.today)


def load_context(session: Session, today: date) -> ClinicContext:
    """Read region, locale and MRN format in one query."""
    rows: dict[str, Any] = dict(
        session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(SETTING_KEYS))).all()
    )
    values = {k: rows.get(k, DEFAULTS[k]) for k in SETTING_KEYS}
    return ClinicContext(
        region=str(values["clinic.region"]),
        locale=str(values["clinic.locale"]),
        mrn_format=str(values["mrn.format"]),
        today=today,
    )


# --- validation ---------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", " ".join((text or "").split()))


def _clean_block(text: str | None) -> str:
    # Free text keeps its line breaks; only surrounding blanks go.
    return unicodedata.normalize("NFC", (text or "").strip())


@lru_cache(maxsize=64)
def phone_example(region: str) -> str:
    """A sample mobile number of the region in its national format ("0712 123456" in Kenya)."""
    try:
        num = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    except Exception:
        num = None
    if num is None:
        return "+1 201 555 0123"
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_message(region: str) -> str:
    """What to say about a phone number that does not parse."""
    return f"Enter a phone number with its area code, e.g. {phone_example(region)}"


def normalise_phone(raw: str, region: str) -> str | None:
    """E.164 ("+254712345678") of a valid number for the region, else None."""
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def add_years(d: date, years: int) -> date:
    """`d` moved by whole years (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def age_on(birth: date | None, today: date) -> int | None:
    """Completed years on `today`."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _text(errors: dict[str, str], key: str, value: str | None, label: str, block: bool = False) -> str | None:
    cleaned = _clean_block(value) if block else _clean(value)
    limit = LIMITS[key]
    if len(cleaned) > limit:
        errors[key] = f"{label} is too long: keep it to {limit} characters."
        return None
    return cleaned or None


def validate(data: PatientCreate, ctx: ClinicContext) -> tuple[PatientValues, dict[str, str]]:
    """Normalise the form; returns values (invalid fields left empty) and every field's error."""
    e: dict[str, str] = {}
    given = _text(e, "given_name", data.given_name, "The given name")
    family = _text(e, "family_name", data.family_name, "The family name")
    other = _text(e, "other_names", data.other_names, "Other names")
    if not given and not family and "given_name" not in e and "family_name" not in e:
        e["given_name"] = "Enter the patient's given name or family name (one is enough for a single name)."
    sex = (data.sex or "").strip().lower()
    if sex not in SEXES:
        e["sex"] = "Choose the sex: female, male, other or unknown."
        sex = "unknown"
    birth, estimated = _birth(e, data, ctx.today)
    phones = _phones(e, data.phones, ctx.region)
    email = _text(e, "email", data.email, "The email address")
    if email and not EMAIL_RE.match(email):
        e["email"] = "Enter an email address like name@example.com, or leave it empty."
        email = None
    nid = _text(e, "national_id", data.national_id, "The national id")
    if nid and not identifier(nid):
        e["national_id"] = "The national id needs letters or digits."
        nid = None
    insurance = None
    if data.insurance is not None:
        payer = _text(e, "insurance.payer", data.insurance.payer, "The insurer")
        member = _text(e, "insurance.member_number", data.insurance.member_number, "The member number")
        if member and not payer:
            e["insurance.payer"] = "Enter the insurer for this member number."
        insurance = Insurance(payer or "", member or "") if payer or member else None
    contact = None
    if data.emergency_contact is not None:
        c = data.emergency_contact
        cname = _text(e, "emergency_contact.name", c.name, "The contact's name")
        relation = _text(e, "emergency_contact.relation", c.relation, "The relation")
        cphone = ""
        if _clean(c.phone):
            cphone = normalise_phone(_clean(c.phone), ctx.region) or ""
            if not cphone:
                e["emergency_contact.phone"] = phone_message(ctx.region)
        if (cphone or relation) and not cname:
            e["emergency_contact.name"] = "Enter the emergency contact's name."
        contact = EmergencyContact(cname or "", cphone, relation or "") if cname or cphone else None
    values = PatientValues(
        given_name=given,
        family_name=family,
        other_names=other,
        sex=sex,
        birth_date=birth,
        birth_date_estimated=estimated,
        phones=phones,
        email=email,
        address=_text(e, "address", data.address, "The address", block=True),
        national_id=nid,
        insurance=insurance,
        emergency_contact=contact,
        allergies=_text(e, "allergies", data.allergies, "Allergies", block=True),
        alerts=_text(e, "alerts", data.alerts, "Alerts", block=True),
        notes=_text(e, "notes", data.notes, "Notes", block=True),
    )
    return values, e


def _birth(e: dict[str, str], data: PatientCreate, today: date) -> tuple[date | None, bool]:
    if data.birth_date is not None and data.estimated_age is not None:
        e["birth_date"] = "Give the date of birth or an estimated age, not both."
        return None, False
    if data.estimated_age is not None:
        age = data.estimated_age
        if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
            e["estimated_age"] = f"Enter the estimated age in whole years, from 0 to {MAX_AGE}."
            return None, False
        # The birthday is taken as today's date `age` years ago and marked estimated (as OpenMRS does).
        return add_years(today, -age), True
    if data.birth_date is None:
        e["birth_date"] = "Enter the date of birth, or an estimated age in years if it is not known."
        return None, False
    if data.birth_date > today:
        e["birth_date"] = "The date of birth is in the future. Check the year."
        return None, False
    if data.birth_date < add_years(today, -MAX_AGE):
        e["birth_date"] = f"The date of birth is more than {MAX_AGE} years ago. Check the year."
        return None, False
    return data.birth_date, bool(data.birth_date_estimated)


def _phones(e: dict[str, str], phones: Iterable[Phone], region: str) -> tuple[Phone, ...]:
    out: list[Phone] = []
    seen: set[str] = set()
    items = list(phones or ())
    if len(items) > MAX_PHONES:
        e["phones"] = f"Keep to {MAX_PHONES} phone numbers."
        items = items[:MAX_PHONES]
    for i, p in enumerate(items):
        raw = _clean(p.number)
        if not raw:
            continue
        label = _clean(p.label) or "mobile"
        if len(label) > LIMITS["phone.label"]:
            e[f"phones.{i}.label"] = f"Keep the phone's label to {LIMITS['phone.label']} characters."
            continue
        number = normalise_phone(raw, region)
        if number is None:
            e[f"phones.{i}"] = phone_message(region)
            continue
        if number not in seen:
            seen.add(number)
            out.append(Phone(number, label))
    return tuple(out)


def display_name(given: str | None, family: str | None, other: str | None = None) -> str:
    """The name as a list shows it: given, other names, family."""
    return " ".join(x for x in (given, other, family) if x)
