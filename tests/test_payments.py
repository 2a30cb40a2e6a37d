"""Payments: partial and full, overpayment refused, refunds bounded by what was paid, derived status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, PermissionDenied, ValidationError
from hmis_desktop.reports.model import PAYMENT_METHODS as DOC_METHODS
from hmis_desktop.services import invoices as inv
from hmis_desktop.services import payments as pay
from hmis_desktop.store.models import Invoice, Payment
from hmis_desktop.store.store import Store
from tests.billing_helpers import (
    audit_actions,
    draft,
    issued,
    line,
    make_actor,
    make_patient,
    pay_now,
    refund_now,
    view,
)
from tests.conftest import admin_actor

D = Decimal


@pytest.fixture
def admin1(sqlite_store: Store) -> Actor:
    return admin_actor(sqlite_store)


@pytest.fixture
def patient(sqlite_store: Store) -> object:
    return make_patient(sqlite_store)


def test_partial_then_full_payment(store: Store, admin: Actor) -> None:
    patient = make_patient(store)
    i = issued(store, admin, patient, [line(price="1000", tax="16")])
    p1 = pay_now(store, admin, i.id, "500", "cash")
    assert (p1.amount, p1.balance_after, p1.status_after) == (D("500.00"), D("660.00"), "partially_paid")
    mid = view(store, admin, i.id)
    assert (mid.status, mid.paid, mid.balance) == ("partially_paid", D("500.00"), D("660.00"))
    p2 = pay_now(store, admin, i.id, "660", "card")
    assert (p2.balance_after, p2.status_after) == (D("0.00"), "paid")
    done = view(store, admin, i.id)
    assert (done.status, done.paid, done.balance) == ("paid", D("1160.00"), D("0.00"))
    assert [(p.method, p.amount) for p in done.payments] == [("cash", D("500.00")), ("card", D("660.00"))]
    assert all(p.taken_by == admin.user_id for p in done.payments)
    with pytest.raises(Conflict, match="already paid"), store.session() as s:
        pay.take_payment(s, actor=admin, invoice_id=i.id, amount=D("1"), method="cash")
    assert audit_actions(store, p1.id) == ["payment.take"]


def test_overpayment_is_refused_with_the_figures(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient, [line(price="500")])
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        pay.take_payment(s, actor=admin1, invoice_id=i.id, amount=D("600"), method="cash")
    msg = e.value.errors["amount"]
    assert "KES600.00" in msg.replace("\xa0", "") and "KES500.00" in msg.replace("\xa0", "")
    assert "change" in msg
    assert view(sqlite_store, admin1, i.id).paid == D("0.00")


def test_payment_input_is_checked(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient, [line(price="500")])
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        pay.take_payment(
            s, actor=admin1, invoice_id=i.id, amount=D("0.001"), method="cheque", reference="x" * 101
        )
    assert set(e.value.errors) == {"amount", "method", "reference"}
    for bad in (D("0"), D("-5")):
        with pytest.raises(ValidationError), sqlite_store.session() as s:
            pay.take_payment(s, actor=admin1, invoice_id=i.id, amount=bad, method="cash")


def test_no_payment_on_draft_voided_or_credit_note(sqlite_store: Store, admin1: Actor, patient) -> None:
    d = draft(sqlite_store, admin1, patient)
    with pytest.raises(Conflict, match="Issue the invoice"), sqlite_store.session() as s:
        pay.take_payment(s, actor=admin1, invoice_id=d.id, amount=D("1"), method="cash")
    v = issued(sqlite_store, admin1, patient)
    with sqlite_store.session() as s:
        inv.void_invoice(s, actor=admin1, invoice_id=v.id, reason="duplicate")
    with pytest.raises(Conflict, match="voided"), sqlite_store.session() as s:
        pay.take_payment(s, actor=admin1, invoice_id=v.id, amount=D("1"), method="cash")
    c = issued(sqlite_store, admin1, patient)
    with sqlite_store.session() as s:
        cn = inv.create_credit_note(s, actor=admin1, invoice_id=c.id, reason="insured")
    with pytest.raises(Conflict, match="credit note"), sqlite_store.session() as s:
        pay.take_payment(s, actor=admin1, invoice_id=cn.id, amount=D("1"), method="cash")
    with pytest.raises(Conflict), sqlite_store.session() as s:
        pay.refund_payment(s, actor=admin1, invoice_id=d.id, amount=D("1"), method="cash")
    with sqlite_store.read_session() as s:
        assert s.scalar(select(Payment.id)) is None


def test_refund_is_a_negative_payment_bounded_by_what_was_paid(store: Store, admin: Actor) -> None:
    patient = make_patient(store)
    i = issued(store, admin, patient, [line(price="1000")])
    pay_now(store, admin, i.id, "1000")
    r = refund_now(store, admin, i.id, "300")
    assert (r.amount, r.balance_after, r.status_after) == (D("-300.00"), D("300.00"), "partially_paid")
    with pytest.raises(ValidationError, match="more than what was paid"), store.session() as s:
        pay.refund_payment(s, actor=admin, invoice_id=i.id, amount=D("700.01"), method="cash")
    r2 = refund_now(store, admin, i.id, "700")
    assert (r2.balance_after, r2.status_after) == (D("1000.00"), "unpaid")
    with pytest.raises(ValidationError), store.session() as s:
        pay.refund_payment(s, actor=admin, invoice_id=i.id, amount=D("0.01"), method="cash")
    after = view(store, admin, i.id)
    assert [p.amount for p in after.payments] == [D("1000.00"), D("-300.00"), D("-700.00")]
    assert (after.paid, after.balance, after.status) == (D("0.00"), D("1000.00"), "unpaid")
    assert audit_actions(store, r.id) == ["payment.refund"]


def test_refund_after_a_full_credit_note(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient, [line(price="800")])
    pay_now(sqlite_store, admin1, i.id, "800", "card")
    with sqlite_store.session() as s:
        inv.create_credit_note(s, actor=admin1, invoice_id=i.id, reason="Covered by insurer")
    voided = view(sqlite_store, admin1, i.id)
    assert (voided.status, voided.balance) == ("voided", D("-800.00"))
    r = refund_now(sqlite_store, admin1, i.id, "800", "card")
    assert (r.balance_after, r.status_after) == (D("0.00"), "voided")


def test_partial_credit_can_leave_money_to_refund(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient, [line("A", price="600"), line("B", price="400")])
    pay_now(sqlite_store, admin1, i.id, "1000")
    with sqlite_store.session() as s:
        inv.create_credit_note(
            s, actor=admin1, invoice_id=i.id, reason="B not given", lines=[line("B", price="400")]
        )
    after = view(sqlite_store, admin1, i.id)
    assert (after.status, after.balance) == ("paid", D("-400.00"))
    assert refund_now(sqlite_store, admin1, i.id, "400").balance_after == D("0.00")


def test_change_due() -> None:
    assert pay.change_due(D("1000"), D("660")) == D("340")
    assert pay.change_due(D("500"), D("660")) == D("0")
    assert pay.change_due(D("660"), D("660")) == D("0")
    assert pay.change_due(D("100"), D("-50")) == D("100")
    with pytest.raises(ValueError):
        pay.change_due(D("-1"), D("10"))


def test_balance_is_derived_not_stored() -> None:
    columns = set(Invoice.__table__.columns.keys())
    assert not columns & {"balance", "paid", "status"}


def test_methods_match_the_print_contract() -> None:
    assert pay.PAYMENT_METHODS == DOC_METHODS


def test_roles(sqlite_store: Store, admin1: Actor, patient) -> None:
    desk = make_actor(sqlite_store, admin1, "front_desk")
    doctor = make_actor(sqlite_store, admin1, "doctor")
    manager = make_actor(sqlite_store, admin1, "manager")
    i = issued(sqlite_store, desk, patient, [line(price="1000")])
    assert pay_now(sqlite_store, desk, i.id, "100").taken_by == desk.user_id
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        pay.refund_payment(s, actor=desk, invoice_id=i.id, amount=D("10"), method="cash")
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        pay.take_payment(s, actor=doctor, invoice_id=i.id, amount=D("10"), method="cash")
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        pay.refund_payment(s, actor=doctor, invoice_id=i.id, amount=D("10"), method="cash")
    assert pay_now(sqlite_store, manager, i.id, "100").amount == D("100.00")
    assert refund_now(sqlite_store, manager, i.id, "50").amount == D("-50.00")
    with sqlite_store.session() as s:
        assert pay.get_payment(
            s, actor=doctor, payment_id=view(sqlite_store, doctor, i.id).payments[0].id
        ).amount == D("100.00")
