"""How patient values read on screen: sex, age, dates, phones, statuses, match kinds, sizes (translated)."""

from __future__ import annotations

from datetime import date, datetime

import phonenumbers
from PySide6.QtCore import QCoreApplication

from hmis_desktop.services.documents import CATEGORIES

_CTX = "patients"


def tr(text: str) -> str:
    """Translate in the Patients context."""
    return QCoreApplication.translate(_CTX, text)


SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Unknown"}
STATUS_LABELS = {"active": "Active", "archived": "Archived", "merged": "Merged"}
MATCH_LABELS = {
    "name": "Name",
    "phonetic": "Sounds like",
    "birth_date": "Date of birth",
    "birth_year": "Birth year",
    "phone": "Phone",
    "phone_number": "Phone",
    "mrn": "Record number",
    "national_id": "National id",
}
PHONE_LABELS = {"mobile": "Mobile", "home": "Home", "work": "Work", "other": "Other"}


def sex_label(sex: str) -> str:
    """'Female', 'Male' …"""
    return tr(SEX_LABELS.get(sex, sex))


def date_text(value: date | None) -> str:
    """ISO dates read the same in every locale (no 03/04 ambiguity at a front desk)."""
    return value.isoformat() if value else ""


def age_text(age: int | None, estimated: bool = False) -> str:
    """'45 y', '≈ 45 y' for an estimated birth date."""
    if age is None:
        return ""
    return (tr("≈ {n} y") if estimated else tr("{n} y")).format(n=age)


def birth_text(birth: date | None, age: int | None, estimated: bool) -> str:
    """'1980-05-17 · 45 y'."""
    if birth is None:
        return ""
    return f"{date_text(birth)} · {age_text(age, estimated)}"


def phone_text(e164: str, region: str = "") -> str:
    """A stored E.164 number in the clinic's national format when it is local, international otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    local = region and phonenumbers.region_code_for_number(number) == region.upper()
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if local else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def status_label(status: str) -> str:
    """'Active', 'Archived', 'Merged'."""
    return tr(STATUS_LABELS.get(status, status))


def match_label(match: str) -> str:
    """'Name + Date of birth', 'Sounds like' … from the search's match codes."""
    parts = [MATCH_LABELS.get(m, m) for m in match.split("+") if m]
    return " + ".join(dict.fromkeys(tr(p) for p in parts))


def phone_label(label: str) -> str:
    """'Mobile', or the label as typed."""
    return tr(PHONE_LABELS[label]) if label in PHONE_LABELS else label


def category_label(category: str) -> str:
    """'Lab result' …"""
    return tr(CATEGORIES.get(category, category))


def size_text(size: int) -> str:
    """'12 KB', '3.4 MB'."""
    if size < 1024:
        return tr("{n} bytes").format(n=size)
    if size < 1024 * 1024:
        return tr("{n} KB").format(n=round(size / 1024))
    return tr("{n} MB").format(n=f"{size / (1024 * 1024):.1f}")


def type_label(mime: str) -> str:
    """'PDF', 'PNG image' …"""
    return tr(
        {
            "application/pdf": "PDF",
            "image/png": "PNG image",
            "image/jpeg": "JPEG image",
            "image/tiff": "TIFF image",
            "text/plain": "Text",
        }.get(mime, mime)
    )


def when_text(at: datetime) -> str:
    """A timestamp in local time: '2026-01-15 09:30'."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def name_or_placeholder(name: str) -> str:
    """A display name, or a dash for a record without one."""
    return name or "—"
