"""The service catalogue: what the clinic charges for (code, name, price, tax rate, active flag).

Not PHI, so stored plain. Prices are in the clinic currency's minor units (babel's CLDR precision: two
places for KES or USD, none for JPY). Changing the catalogue needs Perm.CATALOGUE_MANAGE; anyone who may
view invoices may list it (the invoice editor looks items up by code or name prefix).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.invoice_totals import currency_places, has_places
from hmis_desktop.store.models import Service
from hmis_desktop.store.store import Store

CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
NAME_MAX = 200
LIST_LIMIT = 50


@dataclass(frozen=True)
class ServiceCreate:
    """A new catalogue item."""

    code: str
    name: str
    price: Decimal
    tax_rate: Decimal = Decimal(0)
    active: bool = True


@dataclass(frozen=True)
class ServiceUpdate:
    """Changes to a catalogue item; None leaves a field as it is."""

    code: str | None = None
    name: str | None = None
    price: Decimal | None = None
    tax_rate: Decimal | None = None


@dataclass(frozen=True)
class ServicePublic:
    """A catalogue item as the UI shows it."""

    id: uuid.UUID
    code: str
    name: str
    price: Decimal
    tax_rate: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime


def normalise_code(code: str) -> str:
    """Codes are compared and stored upper-case without surrounding spaces."""
    return code.strip().upper()


def _public(row: Service) -> ServicePublic:
    return ServicePublic(
        id=row.id,
        code=row.code,
        name=row.name,
        price=row.price,
        tax_rate=row.tax_rate,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a Decimal, int or text (floats refused: they carry binary error), else None."""
    if isinstance(value, (bool, float)):
        return None
    try:
        d = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        return None
    return d if d.is_finite() else None


def check_price(value: Any, places: int, errors: dict[str, str], field: str = "price") -> Decimal | None:
    """A valid catalogue price (≥ 0, at most the currency's places), or an entry in `errors`."""
    d = to_decimal(value)
    if d is None:
        errors[field] = "Enter the price as a number, for example 1500 or 12.50."
    elif d < 0:
        errors[field] = "The price cannot be negative."
    elif not has_places(d, places):
        errors[field] = f"The price can have at most {places} decimal places in the clinic currency."
    elif d >= Decimal(10) ** 12:
        errors[field] = "The price is too large."
    else:
        return d
    return None


def check_tax_rate(value: Any, errors: dict[str, str], field: str = "tax_rate") -> Decimal | None:
    """A valid tax rate in percent (0–100, at most two places), or an entry in `errors`."""
    d = to_decimal(value)
    if d is None or not (0 <= d <= 100) or not has_places(d, 2):
        errors[field] = "Enter the tax rate as a percentage from 0 to 100 (for example 16 or 7.5)."
        return None
    return d


def _check(
    session: Session,
    *,
    code: str | None,
    name: str | None,
    exclude_id: uuid.UUID | None,
    errors: dict[str, str],
) -> tuple[str | None, str | None]:
    norm_code = None
    if code is not None:
        norm_code = normalise_code(code)
        if not CODE_RE.fullmatch(norm_code):
            errors["code"] = (
                "Enter a code of 1 to 32 letters, digits, dots, dashes or underscores (for example CONS-01)."
            )
        else:
            taken = select(Service.id).where(Service.code == norm_code)
            if exclude_id is not None:
                taken = taken.where(Service.id != exclude_id)
            if session.scalar(taken) is not None:
                errors["code"] = "Another service already uses this code. Choose another code."
    norm_name = None
    if name is not None:
        norm_name = " ".join(name.split())
        if not norm_name:
            errors["name"] = "Enter the service's name."
        elif len(norm_name) > NAME_MAX:
            errors["name"] = f"The name can have at most {NAME_MAX} characters."
    return norm_code, norm_name


def create_service(session: Session, *, actor: Actor, data: ServiceCreate) -> ServicePublic:
    """Add a catalogue item."""
    require(actor, Perm.CATALOGUE_MANAGE)
    store = Store.of(session)
    places = currency_places(settings.get(session, "clinic.currency"))
    errors: dict[str, str] = {}
    code, name = _check(session, code=data.code, name=data.name, exclude_id=None, errors=errors)
    price = check_price(data.price, places, errors)
    rate = check_tax_rate(data.tax_rate, errors)
    if errors:
        raise ValidationError(errors)
    assert code is not None and name is not None and price is not None and rate is not None
    now = store.clock.now()
    row = Service(
        code=code, name=name, price=price, tax_rate=rate, active=data.active, created_at=now, updated_at=now
    )
    session.add(row)
    session.flush()
    store.audit(
        session, "service.create", actor=actor, entity="service", entity_id=row.id, detail={"code": code}
    )
    return _public(row)


def _get(session: Session, service_id: uuid.UUID) -> Service:
    row = session.get(Service, service_id, with_for_update=True)
    if row is None:
        raise NotFound("That service is not in the catalogue. Refresh the list and try again.")
    return row


def update_service(
    session: Session, *, actor: Actor, service_id: uuid.UUID, changes: ServiceUpdate
) -> ServicePublic:
    """Change a catalogue item's code, name, price or tax rate (issued invoices keep their own copies)."""
    require(actor, Perm.CATALOGUE_MANAGE)
    store = Store.of(session)
    row = _get(session, service_id)
    places = currency_places(settings.get(session, "clinic.currency"))
    errors: dict[str, str] = {}
    code, name = _check(session, code=changes.code, name=changes.name, exclude_id=row.id, errors=errors)
    price = check_price(changes.price, places, errors) if changes.price is not None else None
    rate = check_tax_rate(changes.tax_rate, errors) if changes.tax_rate is not None else None
    if errors:
        raise ValidationError(errors)
    changed = []
    for field, value in (("code", code), ("name", name), ("price", price), ("tax_rate", rate)):
        if value is not None and getattr(row, field) != value:
            setattr(row, field, value)
            changed.append(field)
    if changed:
        row.updated_at = store.clock.now()
        store.audit(
            session,
            "service.update",
            actor=actor,
            entity="service",
            entity_id=row.id,
            detail={"fields": changed, "code": row.code},
        )
    return _public(row)


def set_service_active(
    session: Session, *, actor: Actor, service_id: uuid.UUID, active: bool
) -> ServicePublic:
    """Retire an item from the invoice editor (or bring it back); past invoices are untouched."""
    require(actor, Perm.CATALOGUE_MANAGE)
    store = Store.of(session)
    row = _get(session, service_id)
    if row.active != active:
        row.active = active
        row.updated_at = store.clock.now()
        store.audit(
            session,
            "service.activate" if active else "service.deactivate",
            actor=actor,
            entity="service",
            entity_id=row.id,
            detail={"code": row.code},
        )
    return _public(row)


def get_service(session: Session, *, actor: Actor, service_id: uuid.UUID) -> ServicePublic:
    """One catalogue item."""
    require(actor, Perm.INVOICE_VIEW)
    row = session.get(Service, service_id)
    if row is None:
        raise NotFound("That service is not in the catalogue. Refresh the list and try again.")
    return _public(row)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_services(
    session: Session, *, actor: Actor, active_only: bool = True, query: str = "", limit: int = LIST_LIMIT
) -> list[ServicePublic]:
    """Catalogue items by code; `query` matches a code prefix, a name prefix or the prefix of a name's word."""
    require(actor, Perm.INVOICE_VIEW)
    stmt = select(Service)
    if active_only:
        stmt = stmt.where(Service.active.is_(True))
    q = " ".join(query.split())
    if q:
        code_p = _like_escape(q.upper()) + "%"
        name_p = _like_escape(q.lower()) + "%"
        lname = func.lower(Service.name)
        stmt = stmt.where(
            or_(
                Service.code.like(code_p, escape="\\"),
                lname.like(name_p, escape="\\"),
                lname.like("% " + name_p, escape="\\"),
            )
        )
    stmt = stmt.order_by(Service.code).limit(max(1, min(limit, 500)))
    return [_public(row) for row in session.scalars(stmt)]
