"""Clinic settings, declared once with defaults and validation (Electrum's ConfigVar, Vorta's settings).

Stored in the `settings` table (plain: nothing here is PHI). Read with `get`, change with `update`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.errors import ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.store.models import Setting


def _text(limit: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return (
            None if isinstance(v, str) and len(v) <= limit else f"must be text of at most {limit} characters"
        )

    return check


def _int_range(lo: int, hi: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        return None if ok else f"must be a whole number from {lo} to {hi}"

    return check


def _currency(v: Any) -> str | None:
    if not isinstance(v, str) or not re.fullmatch(r"[A-Z]{3}", v):
        return "must be a three-letter currency code such as USD, EUR or KES"
    return None if get_currency_name(v, locale="en") != v else "is not a known currency code"


def _locale(v: Any) -> str | None:
    try:
        Locale.parse(v)
    except (UnknownLocaleError, ValueError, TypeError):
        return "must be a locale such as en_US, fr_FR or sw_KE"
    return None


def _region(v: Any) -> str | None:
    return (
        None if isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) else "must be a two-letter country code"
    )


def _prefix(v: Any) -> str | None:
    ok = isinstance(v, str) and re.fullmatch(r"[A-Z0-9]{1,8}", v)
    return None if ok else "must be 1 to 8 capital letters or digits"


def _mrn_format(v: Any) -> str | None:
    if not isinstance(v, str) or "{seq" not in v or len(v) > 40:
        return "must contain {seq} (for example MRN{seq:06d})"
    try:
        v.format(seq=1)
    except (ValueError, KeyError, IndexError):
        return "is not a valid pattern; use for example MRN{seq:06d}"
    return None


@dataclass(frozen=True)
class SettingDef:
    """One declared setting."""

    key: str
    default: Any
    label: str
    check: Callable[[Any], str | None]


DEFS: dict[str, SettingDef] = {
    d.key: d
    for d in (
        SettingDef("clinic.name", "", "Clinic name", _text(200)),
        SettingDef("clinic.address", "", "Address", _text(500)),
        SettingDef("clinic.tax_id", "", "Tax id", _text(64)),
        SettingDef("clinic.phone", "", "Phone", _text(64)),
        SettingDef("clinic.email", "", "Email", _text(200)),
        SettingDef(
            "clinic.logo_blob_id",
            None,
            "Logo",
            lambda v: None if v is None or isinstance(v, str) else "bad id",
        ),
        SettingDef("clinic.currency", "USD", "Currency", _currency),
        SettingDef("clinic.locale", "en_US", "Locale", _locale),
        SettingDef("clinic.region", "US", "Country (for phone numbers)", _region),
        SettingDef("clinic.invoice_footer", "", "Invoice footer", _text(500)),
        SettingDef("invoice.prefix", "A", "Invoice series prefix of this PC", _prefix),
        SettingDef("invoice.due_days", 30, "Days until an invoice is due", _int_range(0, 365)),
        SettingDef("mrn.format", "MRN{seq:06d}", "Record number format", _mrn_format),
        SettingDef("mrn.next", 1, "Next record number", _int_range(1, 10**12)),
        SettingDef("lock.timeout_minutes", 30, "Lock after minutes without input", _int_range(1, 60)),
        SettingDef(
            "documents.max_bytes", 25 * 1024 * 1024, "Largest document", _int_range(1024, 512 * 1024 * 1024)
        ),
    )
}


def validate(values: dict[str, Any]) -> dict[str, str]:
    """Field errors for unknown keys or invalid values (empty when all is well)."""
    errors: dict[str, str] = {}
    for key, value in values.items():
        d = DEFS.get(key)
        if d is None:
            errors[key] = "is not a setting"
        elif (msg := d.check(value)) is not None:
            errors[key] = f"{d.label} {msg}"
    return errors


def initialise(session: Session, *, now: datetime, clinic_name: str, values: dict[str, Any]) -> None:
    """Write every declared setting's value for a new store."""
    merged = {k: d.default for k, d in DEFS.items()} | {"clinic.name": clinic_name} | values
    if errors := validate(merged):
        raise ValidationError(errors)
    for key, value in merged.items():
        session.add(Setting(key=key, value=value, updated_at=now))
    session.flush()


def get(session: Session, key: str) -> Any:
    """A setting's value (its default if never written)."""
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    return DEFS[key].default if value is None else value


def get_all(session: Session) -> dict[str, Any]:
    """Every declared setting with its current value."""
    stored = {s.key: s.value for s in session.scalars(select(Setting))}
    return {k: stored.get(k, d.default) for k, d in DEFS.items()}


def put(session: Session, key: str, value: Any, *, now: datetime) -> None:
    """Write one setting without a permission check (internal counters such as `mrn.next`)."""
    row = session.get(Setting, key, with_for_update=True)
    if row is None:
        session.add(Setting(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now


def update(session: Session, *, actor: Actor, values: dict[str, Any]) -> None:
    """Change settings (admin), validated all together, audited by key (never by value)."""
    from hmis_desktop.store.store import Store

    require(actor, Perm.SETTINGS_MANAGE)
    if errors := validate(values):
        raise ValidationError(errors)
    store = Store.of(session)
    for key, value in values.items():
        put(session, key, value, now=store.clock.now())
    store.audit(session, "settings.update", actor=actor, detail={"keys": sorted(values)})
