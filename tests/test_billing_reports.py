"""Billing reports on a known fixture: the day sheet (in the clinic's zone) and balances by age."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import PermissionDenied
from hmis_desktop.services import billing_reports as br
from hmis_desktop.services import invoices as inv
from hmis_desktop.store.store import Store
from tests.billing_helpers import audit_actions, issued, line, make_actor, make_patient, pay_now, refund_now
from tests.conftest import admin_actor

D = Decimal
NAIROBI = ZoneInfo("Africa/Nairobi")  # UTC+3 all year


def _set_clock(clock: FakeClock, at: datetime) -> None:
    clock.advance((at - clock.now()).total_seconds())


def _day_fixture(store: Store, admin: Actor, clock: FakeClock) -> dict[str, inv.InvoicePublic]:
    amina = make_patient(store, "Amina", "Otieno", "MRN000001")
    brian = make_patient(store, "Brian", "Kamau", "MRN000002")
    out = {}
    # 15 Jan 12:00 in Nairobi: the day before the sheet's day.
    out["inv1"] = issued(store, admin, amina, [line(price="1000")])
    pay_now(store, admin, out["inv1"].id, "200", "cash")
    # 15 Jan 22:30 UTC is 16 Jan 01:30 in Nairobi: on the sheet's day there, not in UTC.
    _set_clock(clock, datetime(2026, 1, 15, 22, 30, tzinfo=UTC))
    out["inv2"] = issued(
        store, admin, make_patient(store, "Chen", "Wei", "MRN000003"), [line(price="500", tax="16")]
    )
    pay_now(store, admin, out["inv2"].id, "580", "card")
    _set_clock(clock, datetime(2026, 1, 16, 8, 0, tzinfo=UTC))
    pay_now(store, admin, out["inv1"].id, "300", "cash")
    out["inv3"] = issued(store, admin, amina, [line(price="250")])
    with store.session() as s:
        inv.void_invoice(s, actor=admin, invoice_id=out["inv3"].id, reason="duplicate")
    out["inv4"] = issued(store, admin, brian, [line("Scan", price="600"), line("Gel", price="100")])
    pay_now(store, admin, out["inv4"].id, "700", "other")
    with store.session() as s:
        out["cn1"] = inv.create_credit_note(
            s, actor=admin, invoice_id=out["inv4"].id, reason="Gel not used", lines=[line("Gel", price="100")]
        )
    refund_now(store, admin, out["inv4"].id, "100", "cash")
    # 16 Jan 21:30 UTC is already 17 Jan in Nairobi: not on the sheet there, on it in UTC.
    _set_clock(clock, datetime(2026, 1, 16, 21, 30, tzinfo=UTC))
    pay_now(store, admin, out["inv1"].id, "100", "cash")
    return out


def test_day_sheet_in_the_clinic_zone(store: Store, admin: Actor, clock: FakeClock) -> None:
    f = _day_fixture(store, admin, clock)
    with store.session() as s:
        sheet = br.day_sheet(s, actor=admin, day=date(2026, 1, 16), tz=NAIROBI)
    methods = {m.method: (m.count, m.received, m.refunded, m.net) for m in sheet.methods}
    assert methods == {
        "cash": (2, D("300.00"), D("-100.00"), D("200.00")),
        "card": (1, D("580.00"), D("0.00"), D("580.00")),
        "insurance": (0, D("0.00"), D("0.00"), D("0.00")),
        "bank_transfer": (0, D("0.00"), D("0.00"), D("0.00")),
        "other": (1, D("700.00"), D("0.00"), D("700.00")),
    }
    assert [m.method for m in sheet.methods] == ["cash", "card", "insurance", "bank_transfer", "other"]
    assert (sheet.received_total, sheet.refunded_total, sheet.payments_total) == (
        D("1580.00"),
        D("-100.00"),
        D("1480.00"),
    )
    assert (sheet.invoices_issued_count, sheet.invoices_issued_total) == (2, D("1280.00"))  # inv2 + inv4
    assert (sheet.voided_count, sheet.voided_total) == (1, D("250.00"))
    assert (sheet.credit_notes_count, sheet.credit_notes_total) == (1, D("100.00"))
    rows = [(r.invoice_number, r.kind, r.status, r.total, r.paid_today, r.balance) for r in sheet.rows]
    assert rows == [
        (f["inv1"].number, "invoice", "partially_paid", D("1000.00"), D("300.00"), D("500.00")),
        (f["inv2"].number, "invoice", "paid", D("580.00"), D("580.00"), D("0.00")),
        (f["inv3"].number, "invoice", "voided", D("250.00"), D("0.00"), D("0.00")),
        (f["inv4"].number, "invoice", "paid", D("700.00"), D("600.00"), D("0.00")),
        (f["cn1"].number, "credit_note", "paid", D("100.00"), D("0.00"), D("0.00")),
    ]
    assert (sheet.rows[0].patient_name, sheet.rows[0].patient_mrn) == ("Amina Otieno", "MRN000001")
    assert "report.day_sheet" in audit_actions(store)


def test_day_sheet_in_utc_moves_the_edges(sqlite_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(sqlite_store)
    f = _day_fixture(sqlite_store, admin, clock)
    with sqlite_store.session() as s:
        sheet = br.day_sheet(s, actor=admin, day=date(2026, 1, 16), tz=UTC)
    cash = next(m for m in sheet.methods if m.method == "cash")
    assert (cash.count, cash.net) == (
        3,
        D("300.00"),
    )  # +300 −100 +100 (the late one), inv1's 200 was the 15th
    assert next(m for m in sheet.methods if m.method == "card").count == 0  # 22:30 UTC on the 15th
    assert (sheet.invoices_issued_count, sheet.invoices_issued_total) == (1, D("700.00"))
    inv1 = next(r for r in sheet.rows if r.invoice_number == f["inv1"].number)
    assert (inv1.paid_today, inv1.balance) == (D("400.00"), D("400.00"))
    with (
        sqlite_store.session() as s
    ):  # a reprint later the same is unchanged: figures are as of the day's end
        clock.advance(days=3)
        pay_now(sqlite_store, admin, f["inv1"].id, "400")
        again = br.day_sheet(s, actor=admin, day=date(2026, 1, 16), tz=UTC)
    assert again.rows == sheet.rows and again.methods == sheet.methods


def test_day_bounds_follow_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = br.day_bounds(date(2026, 3, 29), berlin)  # the spring-forward day has 23 hours
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert (end - start).total_seconds() == 23 * 3600


def _aging_fixture(store: Store, admin: Actor, clock: FakeClock) -> dict[str, inv.InvoicePublic]:
    amina = make_patient(store, "Amina", "Otieno", "MRN000001")
    brian = make_patient(store, "Brian", "Kamau", "MRN000002")
    out = {}
    out["a"] = issued(store, admin, amina, [line(price="1000")])  # 15 Jan
    pay_now(store, admin, out["a"].id, "400")
    clock.advance(days=30)  # 14 Feb
    out["b"] = issued(store, admin, brian, [line(price="500")])
    clock.advance(days=30)  # 16 Mar
    out["c"] = issued(store, admin, amina, [line(price="300")])
    out["d"] = issued(store, admin, brian, [line(price="200")])
    pay_now(store, admin, out["d"].id, "200")
    clock.advance(days=31)  # 16 Apr
    out["e"] = issued(store, admin, brian, [line(price="100")])
    out["f"] = issued(store, admin, amina, [line(price="50")])
    with store.session() as s:
        inv.void_invoice(s, actor=admin, invoice_id=out["f"].id, reason="duplicate")
    pay_now(store, admin, out["a"].id, "100")
    return out


def test_outstanding_by_age(store: Store, admin: Actor, clock: FakeClock) -> None:
    f = _aging_fixture(store, admin, clock)
    with store.session() as s:
        aging = br.outstanding_by_age(s, actor=admin, as_of=date(2026, 4, 16), tz=UTC)
    assert [(b.label, b.count, b.amount) for b in aging.buckets] == [
        ("0–30", 1, D("100.00")),
        ("31–60", 1, D("300.00")),
        ("61–90", 1, D("500.00")),
        ("90+", 1, D("500.00")),
    ]
    assert aging.total == D("1400.00")
    rows = [(r.invoice_number, r.issue_date, r.days, r.balance, r.bucket, r.patient_name) for r in aging.rows]
    assert rows == [
        (f["a"].number, date(2026, 1, 15), 91, D("500.00"), "90+", "Amina Otieno"),
        (f["b"].number, date(2026, 2, 14), 61, D("500.00"), "61–90", "Brian Kamau"),
        (f["c"].number, date(2026, 3, 16), 31, D("300.00"), "31–60", "Amina Otieno"),
        (f["e"].number, date(2026, 4, 16), 0, D("100.00"), "0–30", "Brian Kamau"),
    ]
    assert aging.rows[0].patient_mrn == "MRN000001"


def test_aging_as_of_an_earlier_date(sqlite_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(sqlite_store)
    f = _aging_fixture(sqlite_store, admin, clock)
    with sqlite_store.session() as s:
        aging = br.outstanding_by_age(s, actor=admin, as_of=date(2026, 2, 14), tz=UTC)
    assert [(r.invoice_number, r.days, r.balance) for r in aging.rows] == [
        (f["a"].number, 30, D("600.00")),  # the 16 Apr payment is later
        (f["b"].number, 0, D("500.00")),
    ]
    assert [b.amount for b in aging.buckets] == [D("1100.00"), D("0.00"), D("0.00"), D("0.00")]


def test_bucket_edges() -> None:
    assert [br.bucket_of(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
        "0–30",
        "0–30",
        "31–60",
        "31–60",
        "61–90",
        "61–90",
        "90+",
        "90+",
    ]


def test_reports_need_report_view(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    for role in ("front_desk", "doctor"):
        who = make_actor(sqlite_store, admin, role)
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            br.day_sheet(s, actor=who, day=date(2026, 1, 15))
        with pytest.raises(PermissionDenied), sqlite_store.session() as s:
            br.outstanding_by_age(s, actor=who, as_of=date(2026, 1, 15))
    manager = make_actor(sqlite_store, admin, "manager")
    with sqlite_store.session() as s:
        assert br.day_sheet(s, actor=manager, day=date(2026, 1, 15)).rows == ()
        assert br.outstanding_by_age(s, actor=manager, as_of=date(2026, 1, 15)).total == D("0.00")


def test_day_bounds_default_to_this_pcs_zone() -> None:
    start, end = br.day_bounds(date(2026, 7, 1))
    local_midnight = datetime(2026, 7, 1).astimezone()
    assert start == local_midnight.astimezone(UTC)
    assert end - start == datetime(2026, 7, 2).astimezone() - local_midnight
