"""The service catalogue: codes, prices in the currency's minor units, tax rates, look-up, roles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import NotFound, PermissionDenied, ValidationError
from hmis_desktop.services import catalogue as cat
from hmis_desktop.store.store import Store
from tests.billing_helpers import audit_actions, make_actor
from tests.conftest import admin_actor

D = Decimal


def _new(
    store: Store, actor: Actor, code: str, name: str, price: str = "100", rate: str = "0"
) -> cat.ServicePublic:
    with store.session() as s:
        return cat.create_service(
            s, actor=actor, data=cat.ServiceCreate(code=code, name=name, price=D(price), tax_rate=D(rate))
        )


def test_create_list_update_deactivate(store: Store, admin: Actor) -> None:
    consult = _new(store, admin, " cons-01 ", "General consultation", "1500", "16")
    assert (consult.code, consult.name, consult.price, consult.tax_rate, consult.active) == (
        "CONS-01",
        "General consultation",
        D("1500"),
        D("16"),
        True,
    )
    xray = _new(store, admin, "IMG-XR", "Chest X-ray", "2500.50")
    _new(store, admin, "LAB-FBC", "Full blood count", "800")
    with store.session() as s:
        assert [x.code for x in cat.list_services(s, actor=admin)] == ["CONS-01", "IMG-XR", "LAB-FBC"]
        assert [x.code for x in cat.list_services(s, actor=admin, query="img")] == ["IMG-XR"]  # code prefix
        assert [x.code for x in cat.list_services(s, actor=admin, query="Gen")] == ["CONS-01"]  # name prefix
        assert [x.code for x in cat.list_services(s, actor=admin, query="x-r")] == ["IMG-XR"]  # word prefix
        assert [x.code for x in cat.list_services(s, actor=admin, query="blood")] == ["LAB-FBC"]
        assert cat.list_services(s, actor=admin, query="%") == []  # LIKE wildcards are literal
        u = cat.update_service(
            s,
            actor=admin,
            service_id=xray.id,
            changes=cat.ServiceUpdate(price=D("2600"), name="Chest X-ray (PA)"),
        )
        assert (u.code, u.name, u.price) == ("IMG-XR", "Chest X-ray (PA)", D("2600"))
        off = cat.set_service_active(s, actor=admin, service_id=xray.id, active=False)
        assert off.active is False
        assert [x.code for x in cat.list_services(s, actor=admin)] == ["CONS-01", "LAB-FBC"]
        assert [x.code for x in cat.list_services(s, actor=admin, active_only=False)] == [
            "CONS-01",
            "IMG-XR",
            "LAB-FBC",
        ]
    assert audit_actions(store, xray.id) == ["service.create", "service.update", "service.deactivate"]


def test_validation(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    _new(sqlite_store, admin, "CONS", "Consultation")
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        cat.create_service(
            s, actor=admin, data=cat.ServiceCreate(code="cons", name="  ", price=D("-1"), tax_rate=D("101"))
        )
    assert set(e.value.errors) == {"code", "name", "price", "tax_rate"}
    assert "already uses this code" in e.value.errors["code"]
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        cat.create_service(s, actor=admin, data=cat.ServiceCreate(code="A B", name="x", price=D("1.005")))
    assert set(e.value.errors) == {"code", "price"}
    assert "2 decimal places" in e.value.errors["price"]  # KES has two minor-unit places
    with pytest.raises(ValidationError), sqlite_store.session() as s:
        cat.create_service(s, actor=admin, data=cat.ServiceCreate(code="F", name="x", price=1.5))  # type: ignore[arg-type]


def test_price_places_follow_the_clinic_currency(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    with sqlite_store.session() as s:
        settings.update(s, actor=admin, values={"clinic.currency": "JPY"})
    with pytest.raises(ValidationError, match="0 decimal places"), sqlite_store.session() as s:
        cat.create_service(s, actor=admin, data=cat.ServiceCreate(code="A", name="x", price=D("10.5")))
    assert _new(sqlite_store, admin, "A", "x", "1050").price == D("1050")


def test_update_rejects_a_taken_code_and_unknown_ids(sqlite_store: Store) -> None:
    import uuid

    admin = admin_actor(sqlite_store)
    a = _new(sqlite_store, admin, "A", "Alpha")
    _new(sqlite_store, admin, "B", "Beta")
    with pytest.raises(ValidationError), sqlite_store.session() as s:
        cat.update_service(s, actor=admin, service_id=a.id, changes=cat.ServiceUpdate(code="b"))
    with pytest.raises(NotFound), sqlite_store.session() as s:
        cat.update_service(s, actor=admin, service_id=uuid.uuid4(), changes=cat.ServiceUpdate(name="x"))
    with sqlite_store.session() as s:  # its own code is not a clash
        assert (
            cat.update_service(s, actor=admin, service_id=a.id, changes=cat.ServiceUpdate(code="a")).code
            == "A"
        )


def test_roles(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    desk = make_actor(sqlite_store, admin, "front_desk")
    doctor = make_actor(sqlite_store, admin, "doctor")
    manager = make_actor(sqlite_store, admin, "manager")
    svc = _new(sqlite_store, manager, "M1", "Managed")
    for who in (desk, doctor):
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            cat.create_service(s, actor=who, data=cat.ServiceCreate(code="X", name="x", price=D(1)))
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            cat.update_service(s, actor=who, service_id=svc.id, changes=cat.ServiceUpdate(price=D(2)))
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            cat.set_service_active(s, actor=who, service_id=svc.id, active=False)
        with sqlite_store.session() as s:
            assert [x.code for x in cat.list_services(s, actor=who)] == ["M1"]
            assert cat.get_service(s, actor=who, service_id=svc.id).name == "Managed"
