"""Invoices: the totals and rounding rule, the draft → issued → voided life, credit notes, numbering, lists."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select, update

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import Conflict, NotFound, PermissionDenied, ValidationError
from hmis_desktop.services import catalogue as cat
from hmis_desktop.services import invoices as inv
from hmis_desktop.services.invoice_totals import LineAmounts, allocate, compute_totals, round_money
from hmis_desktop.store.models import Invoice, InvoiceLine, InvoiceSequence
from hmis_desktop.store.store import Store
from tests.billing_helpers import (
    audit_actions,
    draft,
    issued,
    line,
    make_actor,
    make_patient,
    pay_now,
    view,
)
from tests.conftest import admin_actor

D = Decimal


# --- the pure totals function ------------------------------------------------------------------------


def L(qty: str, price: str, disc: str = "0", rate: str = "0") -> LineAmounts:
    return LineAmounts(D(qty), D(price), D(disc), D(rate))


def test_three_times_a_third_rounds_once_per_line() -> None:
    t = compute_totals([L("3", "0.333", rate="16")], D(0), 2)
    assert t.lines[0].gross == D("0.999")
    assert t.lines[0].net == D("1.00")
    assert t.lines[0].tax == D("0.16")
    assert (t.subtotal, t.tax_total, t.total) == (D("1.00"), D("0.16"), D("1.16"))


def test_half_up_not_half_even() -> None:
    assert round_money(D("1.005"), 2) == D("1.01")
    assert round_money(D("1.015"), 2) == D("1.02")
    assert round_money(D("2.5"), 0) == D("3")
    t = compute_totals([L("1", "1.005")], D(0), 2)
    assert t.lines[0].net == D("1.01")
    # tax half up too: 0.50 at 1% is 0.005 -> 0.01 (half-even would give 0.00)
    t = compute_totals([L("1", "0.50", rate="1")], D(0), 2)
    assert t.lines[0].tax == D("0.01")


def test_tax_is_on_the_discounted_line() -> None:
    t = compute_totals([L("2", "50", disc="10", rate="16")], D(0), 2)
    assert t.lines[0].net == D("90.00")
    assert t.lines[0].tax == D("14.40")
    assert t.lines[0].total == D("104.40")
    assert t.total == D("104.40")


def test_invoice_discount_is_allocated_before_tax_with_remainder_on_largest_line() -> None:
    lines = [L("1", "33.33", rate="10"), L("1", "33.33", rate="10"), L("1", "33.34", rate="10")]
    t = compute_totals(lines, D("1.00"), 2)
    assert [x.discount_share for x in t.lines] == [D("0.33"), D("0.33"), D("0.34")]
    assert [x.taxable for x in t.lines] == [D("33.00"), D("33.00"), D("33.00")]
    assert [x.tax for x in t.lines] == [D("3.30"), D("3.30"), D("3.30")]
    assert t.subtotal == D("100.00")
    assert t.tax_total == D("9.90")
    assert t.total == D("100.00") - D("1.00") + D("9.90")


def test_negative_remainder_goes_to_the_largest_line_first() -> None:
    # 2.00 over three equal lines: 0.67 each is 2.01, so the first (largest, earliest) gives one cent back.
    assert allocate(D("2.00"), [D("1.00"), D("1.00"), D("1.00")], 2) == [D("0.66"), D("0.67"), D("0.67")]
    assert allocate(D("2.00"), [D("1.00"), D("3.00"), D("1.00")], 2) == [D("0.40"), D("1.20"), D("0.40")]


def test_discount_only_changes_tax_of_the_taxed_lines() -> None:
    t = compute_totals([L("1", "100", rate="16"), L("1", "100")], D("20"), 2)
    assert [x.discount_share for x in t.lines] == [D("10.00"), D("10.00")]
    assert t.lines[0].tax == D("14.40")
    assert t.lines[1].tax == D("0.00")
    assert t.total == D("194.40")


def test_allocation_properties_on_random_invoices() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        places = rng.choice([0, 2, 3])
        q = D(1).scaleb(-places)
        nets = [D(rng.randint(0, 5000)) * q for _ in range(rng.randint(1, 8))]
        total = sum(nets, D(0))
        discount = D(rng.randint(0, int(total / q))) * q if total else D(0)
        shares = allocate(discount, nets, places)
        assert sum(shares, D(0)) == (discount if total else 0)
        assert all(D(0) <= s <= n for s, n in zip(shares, nets, strict=True))


def test_zero_decimal_currency() -> None:
    t = compute_totals([L("3", "333", rate="10")], D("0"), 0)
    assert t.lines[0].net == D("999")
    assert t.lines[0].tax == D("100")
    assert t.total == D("1099")


# --- drafts -----------------------------------------------------------------------------------------


@pytest.fixture
def patient(sqlite_store: Store) -> object:
    return make_patient(sqlite_store)


@pytest.fixture
def admin1(sqlite_store: Store) -> Actor:
    return admin_actor(sqlite_store)


def test_draft_keeps_lines_and_totals_and_encrypts_descriptions(
    sqlite_store: Store, admin1: Actor, patient
) -> None:
    d = draft(
        sqlite_store,
        admin1,
        patient,
        [line("Consultation", "1", "1500", tax="16"), line("Dressing", "2", "250.50", discount="1")],
        discount="10",
        notes="Follow-up in a week",
    )
    assert d.state == "draft" and d.status == "draft" and d.number is None and d.issue_date is None
    assert [ln.description for ln in d.lines] == ["Consultation", "Dressing"]
    assert [ln.net for ln in d.lines] == [D("1500.00"), D("500.00")]
    assert [ln.discount_share for ln in d.lines] == [D("7.50"), D("2.50")]
    assert d.subtotal == D("2000.00") and d.tax_total == D("238.80") and d.total == D("2228.80")
    assert d.notes == "Follow-up in a week"
    assert (d.patient_name, d.patient_mrn) == ("Amina Otieno", "MRN000001")
    with sqlite_store.read_session() as s:
        raw = list(s.scalars(select(InvoiceLine.description_ct)))
    assert raw and all(b"Consultation" not in r and b"Dressing" not in r for r in raw)


def test_draft_validation_collects_every_error(sqlite_store: Store, admin1: Actor, patient) -> None:
    bad = [
        inv.LineInput(description="", quantity=D(0), unit_price=D("-1")),
        inv.LineInput(description="Gauze", quantity=D(1), unit_price=D("10"), discount=D("11")),
        inv.LineInput(description="Test", quantity=D(1), unit_price=D(5), tax_rate=D(101)),
    ]
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        inv.create_draft(s, actor=admin1, data=inv.InvoiceCreate(patient_id=patient, lines=bad))
    assert set(e.value.errors) == {
        "lines[1].description",
        "lines[1].quantity",
        "lines[1].unit_price",
        "lines[2].discount",
        "lines[3].tax_rate",
    }
    assert "credit note" in e.value.errors["lines[1].unit_price"]
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        inv.create_draft(
            s,
            actor=admin1,
            data=inv.InvoiceCreate(
                patient_id=patient, lines=[line(price="100")], invoice_discount=D("100.01")
            ),
        )
    assert "invoice_discount" in e.value.errors


def test_draft_for_unknown_patient(sqlite_store: Store, admin1: Actor) -> None:
    import uuid

    with pytest.raises(NotFound), sqlite_store.session() as s:
        inv.create_draft(s, actor=admin1, data=inv.InvoiceCreate(patient_id=uuid.uuid4()))


def test_lines_from_the_catalogue(sqlite_store: Store, admin1: Actor, patient) -> None:
    with sqlite_store.session() as s:
        svc = cat.create_service(
            s,
            actor=admin1,
            data=cat.ServiceCreate(code="lab-01", name="Blood count", price=D("800"), tax_rate=D(16)),
        )
        d = inv.create_draft(
            s,
            actor=admin1,
            data=inv.InvoiceCreate(
                patient_id=patient, lines=[inv.LineInput(service_id=svc.id, quantity=D(2))]
            ),
        )
    ln = d.lines[0]
    assert (ln.code, ln.description, ln.unit_price, ln.tax_rate) == (
        "LAB-01",
        "Blood count",
        D("800"),
        D("16"),
    )
    assert d.total == D("1856.00")
    with sqlite_store.session() as s:
        cat.set_service_active(s, actor=admin1, service_id=svc.id, active=False)
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        inv.create_draft(
            s,
            actor=admin1,
            data=inv.InvoiceCreate(patient_id=patient, lines=[inv.LineInput(service_id=svc.id)]),
        )
    assert "no longer offered" in e.value.errors["lines[1].service"]


def test_update_draft_replaces_content_and_checks_the_version(
    sqlite_store: Store, admin1: Actor, patient
) -> None:
    d = draft(sqlite_store, admin1, patient, [line("A", price="100"), line("B", price="200")])
    with sqlite_store.session() as s:
        u = inv.update_draft(
            s,
            actor=admin1,
            invoice_id=d.id,
            data=inv.InvoiceUpdate(lines=[line("C", price="50")], notes="n", due_date=date(2026, 3, 1)),
            expected_updated_at=d.updated_at,
        )
    assert [ln.description for ln in u.lines] == ["C"]
    assert (u.total, u.notes, u.due_date) == (D("50.00"), "n", date(2026, 3, 1))
    assert u.updated_at > d.updated_at  # the clock did not move, the version still did
    with pytest.raises(Conflict, match="changed by someone else"), sqlite_store.session() as s:
        inv.update_draft(
            s,
            actor=admin1,
            invoice_id=d.id,
            data=inv.InvoiceUpdate(lines=[line()]),
            expected_updated_at=d.updated_at,
        )
    with sqlite_store.read_session() as s:
        assert s.scalar(select(InvoiceLine.id).where(InvoiceLine.invoice_id == d.id).limit(2)) is not None
        assert len(list(s.scalars(select(InvoiceLine.id).where(InvoiceLine.invoice_id == d.id)))) == 1


# --- issue, immutability, void, credit ----------------------------------------------------------------


def test_issue_numbers_dates_and_freezes(store: Store, admin: Actor, clock: FakeClock) -> None:
    patient = make_patient(store)
    d = draft(store, admin, patient, [line("Consultation", "1", "1500", tax="16")])
    with store.session() as s:
        i = inv.issue_invoice(s, actor=admin, invoice_id=d.id, expected_updated_at=d.updated_at)
    assert i.number == "A-2026-000001"
    assert (i.state, i.status) == ("issued", "unpaid")
    assert i.issue_date == date(2026, 1, 15)
    assert i.due_date == date(2026, 2, 14)  # invoice.due_days = 30
    assert (i.total, i.balance, i.issued_by) == (D("1740.00"), D("1740.00"), admin.user_id)
    second = issued(store, admin, patient)
    assert second.number == "A-2026-000002"

    with pytest.raises(Conflict) as e, store.session() as s:
        inv.update_draft(
            s,
            actor=admin,
            invoice_id=i.id,
            data=inv.InvoiceUpdate(lines=[line()]),
            expected_updated_at=i.updated_at,
        )
    assert str(e.value) == "An issued invoice cannot be changed; void it and issue a credit note."
    with pytest.raises(Conflict), store.session() as s:
        inv.issue_invoice(s, actor=admin, invoice_id=i.id)
    assert view(store, admin, i.id).total == D("1740.00")
    assert audit_actions(store, i.id) == ["invoice.create", "invoice.issue", "invoice.view"]


def test_issue_needs_a_line_and_a_sane_due_date(sqlite_store: Store, admin1: Actor, patient) -> None:
    with sqlite_store.session() as s:
        d = inv.create_draft(s, actor=admin1, data=inv.InvoiceCreate(patient_id=patient))
    with pytest.raises(ValidationError, match="at least one line"), sqlite_store.session() as s:
        inv.issue_invoice(s, actor=admin1, invoice_id=d.id)
    with sqlite_store.session() as s:
        d = inv.create_draft(
            s,
            actor=admin1,
            data=inv.InvoiceCreate(patient_id=patient, lines=[line()], due_date=date(2026, 1, 1)),
        )
    with pytest.raises(ValidationError, match="due date"), sqlite_store.session() as s:
        inv.issue_invoice(s, actor=admin1, invoice_id=d.id)
    with sqlite_store.read_session() as s:
        assert s.scalar(select(InvoiceSequence.next_seq)) is None  # nothing consumed a number


def test_explicit_due_date_is_kept(sqlite_store: Store, admin1: Actor, patient) -> None:
    with sqlite_store.session() as s:
        d = inv.create_draft(
            s,
            actor=admin1,
            data=inv.InvoiceCreate(patient_id=patient, lines=[line()], due_date=date(2026, 1, 20)),
        )
        i = inv.issue_invoice(s, actor=admin1, invoice_id=d.id)
    assert i.due_date == date(2026, 1, 20)


def test_void_needs_a_reason_and_no_payments(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient)
    with pytest.raises(ValidationError) as e, sqlite_store.session() as s:
        inv.void_invoice(s, actor=admin1, invoice_id=i.id, reason="  ")
    assert "reason" in e.value.errors
    with sqlite_store.session() as s:
        v = inv.void_invoice(s, actor=admin1, invoice_id=i.id, reason="Issued to the wrong patient")
    assert (v.state, v.status, v.balance, v.void_reason) == (
        "voided",
        "voided",
        D("0.00"),
        "Issued to the wrong patient",
    )
    assert v.voided_by == admin1.user_id
    with pytest.raises(Conflict, match="already voided"), sqlite_store.session() as s:
        inv.void_invoice(s, actor=admin1, invoice_id=i.id, reason="again")

    paid = issued(sqlite_store, admin1, patient)
    pay_now(sqlite_store, admin1, paid.id, "100")
    with pytest.raises(Conflict, match="Refund them first"), sqlite_store.session() as s:
        inv.void_invoice(s, actor=admin1, invoice_id=paid.id, reason="mistake")
    with pytest.raises(Conflict), sqlite_store.session() as s:
        inv.void_invoice(
            s, actor=admin1, invoice_id=draft(sqlite_store, admin1, patient).id, reason="mistake"
        )


def test_full_credit_note_references_numbers_and_voids(store: Store, admin: Actor) -> None:
    patient = make_patient(store)
    i = issued(
        store, admin, patient, [line("Consultation", "1", "1000", tax="16"), line("Dressing", "1", "200")]
    )
    pay_now(store, admin, i.id, "500")
    with store.session() as s:
        cn = inv.create_credit_note(s, actor=admin, invoice_id=i.id, reason="Patient was insured")
    assert cn.kind == "credit_note" and cn.state == "issued" and cn.status == "paid"
    assert cn.number == "A-2026-000002" and cn.number != i.number
    assert cn.credit_of_id == i.id and cn.credit_of_number == i.number
    assert (cn.subtotal, cn.tax_total, cn.total) == (i.subtotal, i.tax_total, i.total)
    assert cn.total > 0 and all(ln.total > 0 for ln in cn.lines)  # positive, the kind says it flows back
    assert cn.notes == "Patient was insured"
    orig = view(store, admin, i.id)
    assert (orig.state, orig.status, orig.void_reason) == ("voided", "voided", "Patient was insured")
    assert orig.credited == D("1360.00") and orig.paid == D("500.00")
    assert orig.balance == D("-500.00")  # owed back to the patient
    assert [c.number for c in orig.credit_notes] == [cn.number]
    with pytest.raises(Conflict), store.session() as s:
        inv.create_credit_note(s, actor=admin, invoice_id=i.id, reason="again")
    with pytest.raises(Conflict), store.session() as s:
        inv.void_invoice(s, actor=admin, invoice_id=cn.id, reason="not needed")


def test_partial_credit_reduces_the_balance(sqlite_store: Store, admin1: Actor, patient) -> None:
    i = issued(sqlite_store, admin1, patient, [line("Consultation", "1", "1000"), line("X-ray", "1", "600")])
    with sqlite_store.session() as s:
        cn = inv.create_credit_note(
            s, actor=admin1, invoice_id=i.id, reason="X-ray not done", lines=[line("X-ray", "1", "600")]
        )
    assert cn.total == D("600.00")
    orig = view(sqlite_store, admin1, i.id)
    assert (orig.state, orig.status, orig.credited, orig.balance) == (
        "issued",
        "unpaid",
        D("600.00"),
        D("1000.00"),
    )
    with (
        pytest.raises(ValidationError, match=r"left to credit \(KES1,000\.00\)"),
        sqlite_store.session() as s,
    ):
        inv.create_credit_note(
            s, actor=admin1, invoice_id=i.id, reason="more", lines=[line("x", "1", "1000.01")]
        )
    with pytest.raises(ValidationError, match="already credited"), sqlite_store.session() as s:
        inv.create_credit_note(s, actor=admin1, invoice_id=i.id, reason="all")
    with sqlite_store.session() as s:
        inv.create_credit_note(
            s, actor=admin1, invoice_id=i.id, reason="rest", lines=[line("Consultation", "1", "1000")]
        )
    assert view(sqlite_store, admin1, i.id).status == "voided"  # fully credited


# --- numbering ----------------------------------------------------------------------------------------


def test_numbers_per_prefix_and_year_with_rollover(tmp_path) -> None:
    from tests.conftest import make_store

    clock = FakeClock(datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    store, _ = make_store(tmp_path / "p2", clock)
    try:
        admin = admin_actor(store)
        patient = make_patient(store)
        assert issued(store, admin, patient).number == "A-2026-000001"
        late_draft = draft(store, admin, patient)
        clock.advance(days=1)
        with store.session() as s:
            assert inv.issue_invoice(s, actor=admin, invoice_id=late_draft.id).number == "A-2027-000001"
        assert issued(store, admin, patient).number == "A-2027-000002"
        with store.session() as s:
            settings.update(s, actor=admin, values={"invoice.prefix": "B7"})
        assert issued(store, admin, patient).number == "B7-2027-000001"
        with store.session() as s:
            settings.update(s, actor=admin, values={"invoice.prefix": "A"})
        assert issued(store, admin, patient).number == "A-2027-000003"
        with store.read_session() as s:
            seqs = {(r.prefix, r.year): r.next_seq for r in s.scalars(select(InvoiceSequence))}
        assert seqs == {("A", 2026): 2, ("A", 2027): 4, ("B7", 2027): 2}
    finally:
        store.close()


def test_a_counter_that_went_back_skips_used_numbers(store: Store, admin: Actor) -> None:
    patient = make_patient(store)
    first = issued(store, admin, patient)
    issued(store, admin, patient)
    with store.session() as s:  # a restored backup put the counter back
        s.execute(update(InvoiceSequence).values(next_seq=1))
    d = draft(store, admin, patient)
    with store.session() as s:
        i = inv.issue_invoice(s, actor=admin, invoice_id=d.id)
    # 000001 and 000002 are in use: the series moves past them
    assert i.number == "A-2026-000003"
    assert i.state == "issued" and i.total == first.total
    with store.read_session() as s:
        assert s.scalar(select(InvoiceSequence.next_seq)) == 4
    assert "invoice.sequence_resync" in audit_actions(store)


def test_the_database_refuses_a_duplicate_number(store: Store, admin: Actor) -> None:
    from sqlalchemy.exc import IntegrityError

    patient = make_patient(store)
    first = issued(store, admin, patient)
    d = draft(store, admin, patient)
    with pytest.raises(IntegrityError), store.session() as s:
        s.execute(update(Invoice).where(Invoice.id == d.id).values(number=first.number))


def test_number_format() -> None:
    assert inv.format_number("A", 2026, 42) == "A-2026-000042"
    assert inv.format_number("B7", 2027, 1234567) == "B7-2027-1234567"


# --- lists and balances ---------------------------------------------------------------------------------


def _fixture_invoices(store: Store, admin: Actor, clock: FakeClock) -> dict[str, object]:
    amina = make_patient(store, "Amina", "Otieno", "MRN000001")
    brian = make_patient(store, "Brian", "Kamau", "MRN000002")
    ids: dict[str, object] = {"amina": amina, "brian": brian}
    ids["draft"] = draft(store, admin, amina).id
    ids["unpaid"] = issued(store, admin, amina, [line(price="1000")]).id
    clock.advance(days=1)
    ids["partial"] = issued(store, admin, brian, [line(price="1000")]).id
    pay_now(store, admin, ids["partial"], "400")
    clock.advance(days=1)
    ids["paid"] = issued(store, admin, brian, [line(price="300")]).id
    pay_now(store, admin, ids["paid"], "300", "card")
    ids["voided"] = issued(store, admin, amina, [line(price="50")]).id
    with store.session() as s:
        inv.void_invoice(s, actor=admin, invoice_id=ids["voided"], reason="duplicate")
    return ids


def test_list_filters_and_derived_status(store: Store, admin: Actor, clock: FakeClock) -> None:
    ids = _fixture_invoices(store, admin, clock)

    def listed(**kw: object) -> list[inv.InvoiceSummary]:
        with store.session() as s:
            return inv.list_invoices(s, actor=admin, **kw)  # type: ignore[arg-type]

    every = listed()
    # newest first, by creation: the draft was started first
    assert [x.id for x in every] == [ids["voided"], ids["paid"], ids["partial"], ids["unpaid"], ids["draft"]]
    by_id = {x.id: x for x in every}
    assert by_id[ids["partial"]].status == "partially_paid" and by_id[ids["partial"]].balance == D("600.00")
    assert by_id[ids["paid"]].status == "paid" and by_id[ids["paid"]].balance == D("0.00")
    assert by_id[ids["unpaid"]].status == "unpaid"
    assert by_id[ids["voided"]].status == "voided"
    assert (
        by_id[ids["partial"]].patient_name == "Brian Kamau"
        and by_id[ids["partial"]].patient_mrn == "MRN000002"
    )
    for status in ("draft", "unpaid", "partially_paid", "paid", "voided"):
        assert [x.id for x in listed(status=status)] == [ids[status.replace("partially_paid", "partial")]]
    assert {x.id for x in listed(status=["unpaid", "partially_paid"])} == {ids["unpaid"], ids["partial"]}
    assert [x.id for x in listed(date_from=date(2026, 1, 16), date_to=date(2026, 1, 16))] == [ids["partial"]]
    assert {x.id for x in listed(patient_id=ids["brian"])} == {ids["partial"], ids["paid"]}
    assert [x.id for x in listed(limit=2, offset=1)] == [ids["paid"], ids["partial"]]
    with pytest.raises(ValidationError):
        listed(status="owing")


def test_list_has_no_n_plus_one(sqlite_store: Store, admin1: Actor, clock: FakeClock) -> None:
    for n in range(12):
        p = make_patient(sqlite_store, "P", f"N{n}", f"MRN{n:06d}")
        i = issued(sqlite_store, admin1, p, [line(), line("b"), line("c")])
        pay_now(sqlite_store, admin1, i.id, "10")
    counts = []
    for size in (3, 12):
        seen: list[str] = []

        def count(conn, cursor, statement, *a, _seen=seen) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                _seen.append(statement)

        event.listen(sqlite_store.engine, "before_cursor_execute", count)
        try:
            with sqlite_store.session() as s:
                got = inv.list_invoices(s, actor=admin1, limit=size)
        finally:
            event.remove(sqlite_store.engine, "before_cursor_execute", count)
        assert len(got) == size
        counts.append(len(seen))
    assert counts[0] == counts[1]  # same queries for 3 rows as for 12


def test_open_invoice_loads_in_fixed_queries(sqlite_store: Store, admin1: Actor, patient) -> None:
    counts = []
    for n_lines in (1, 15):
        i = issued(sqlite_store, admin1, patient, [line(f"l{k}") for k in range(n_lines)])
        for _ in range(n_lines):
            pay_now(sqlite_store, admin1, i.id, "1")
        seen: list[str] = []

        def count(conn, cursor, statement, *a, _seen=seen) -> None:
            _seen.append(statement)

        event.listen(sqlite_store.engine, "before_cursor_execute", count)
        try:
            with sqlite_store.session() as s:
                pub = inv.load_public(s, i.id, address=True)
        finally:
            event.remove(sqlite_store.engine, "before_cursor_execute", count)
        assert len(pub.lines) == n_lines and len(pub.payments) == n_lines
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_patient_balance(store: Store, admin: Actor, clock: FakeClock) -> None:
    ids = _fixture_invoices(store, admin, clock)
    with store.session() as s:
        amina = inv.patient_balance(s, actor=admin, patient_id=ids["amina"])
        brian = inv.patient_balance(s, actor=admin, patient_id=ids["brian"])
    assert (amina.invoiced, amina.paid, amina.balance, amina.open_invoices) == (
        D("1000.00"),
        D("0.00"),
        D("1000.00"),
        1,
    )
    assert (brian.invoiced, brian.paid, brian.balance, brian.open_invoices) == (
        D("1300.00"),
        D("700.00"),
        D("600.00"),
        1,
    )


# --- roles --------------------------------------------------------------------------------------------


def test_roles(sqlite_store: Store, admin1: Actor, patient) -> None:
    desk = make_actor(sqlite_store, admin1, "front_desk")
    doctor = make_actor(sqlite_store, admin1, "doctor")
    manager = make_actor(sqlite_store, admin1, "manager")

    i = issued(sqlite_store, desk, patient)  # front desk creates and issues
    assert i.created_by == desk.user_id and i.issued_by == desk.user_id
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        inv.void_invoice(s, actor=desk, invoice_id=i.id, reason="mistake")
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        inv.create_credit_note(s, actor=desk, invoice_id=i.id, reason="mistake")

    assert view(sqlite_store, doctor, i.id).number == i.number  # doctor may view and list
    with sqlite_store.session() as s:
        assert len(inv.list_invoices(s, actor=doctor)) == 1
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        inv.create_draft(s, actor=doctor, data=inv.InvoiceCreate(patient_id=patient, lines=[line()]))
    d = draft(sqlite_store, desk, patient)
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        inv.issue_invoice(s, actor=doctor, invoice_id=d.id)
    with pytest.raises(PermissionDenied), sqlite_store.session() as s:
        inv.void_invoice(s, actor=doctor, invoice_id=i.id, reason="mistake")

    with sqlite_store.session() as s:  # manager may do all
        inv.issue_invoice(s, actor=manager, invoice_id=d.id)
        assert inv.void_invoice(s, actor=manager, invoice_id=i.id, reason="mistake").status == "voided"
        assert (
            inv.create_credit_note(s, actor=manager, invoice_id=d.id, reason="insured").kind == "credit_note"
        )


def test_every_step_is_audited_without_phi(sqlite_store: Store, admin1: Actor, patient) -> None:
    d = draft(sqlite_store, admin1, patient, [line("Wound care for Amina")])
    with sqlite_store.session() as s:
        inv.update_draft(
            s,
            actor=admin1,
            invoice_id=d.id,
            data=inv.InvoiceUpdate(lines=[line("Wound care for Amina")]),
            expected_updated_at=d.updated_at,
        )
        inv.issue_invoice(s, actor=admin1, invoice_id=d.id)
        inv.list_invoices(s, actor=admin1)
        cn = inv.create_credit_note(s, actor=admin1, invoice_id=d.id, reason="Amina was insured")
    assert audit_actions(sqlite_store, d.id) == [
        "invoice.create",
        "invoice.update",
        "invoice.issue",
        "invoice.list",
        "invoice.void",
    ]
    assert audit_actions(sqlite_store, cn.id) == ["invoice.credit"]
    from hmis_desktop.store.models import AuditEvent

    with sqlite_store.read_session() as s:
        details = [str(e.detail) for e in s.scalars(select(AuditEvent))]
    assert not any("Amina" in x or "Otieno" in x for x in details)


def test_dates_use_the_local_day(sqlite_store: Store) -> None:
    from zoneinfo import ZoneInfo

    at = datetime(2026, 1, 15, 22, 30, tzinfo=UTC)
    assert inv.local_date(at, ZoneInfo("Africa/Nairobi")) == date(2026, 1, 16)
    assert inv.local_date(at, UTC) == date(2026, 1, 15)
    assert inv.local_date(at + timedelta(hours=2), UTC) == date(2026, 1, 16)


def test_concurrent_issues_get_distinct_numbers(store: Store, admin: Actor) -> None:
    import threading

    patient = make_patient(store)
    drafts = [draft(store, admin, patient).id for _ in range(4)]
    barrier = threading.Barrier(len(drafts))
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue(invoice_id: object) -> None:
        try:
            barrier.wait(timeout=10)
            with store.session() as s:
                numbers.append(inv.issue_invoice(s, actor=admin, invoice_id=invoice_id).number or "")  # type: ignore[arg-type]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == [f"A-2026-{n:06d}" for n in range(1, 5)]


def test_patient_name_as_lists_show_it(sqlite_store: Store, admin1: Actor) -> None:
    from hmis_desktop.store.models import Patient

    now = sqlite_store.clock.now()
    with sqlite_store.session() as s:
        p = Patient(
            mrn="MRN000777", given_name="Wanjiru", family_name="Mwangi", created_at=now, updated_at=now
        )
        p.other_names = "Grace"
        s.add(p)
        s.flush()
        pid = p.id
    d = draft(sqlite_store, admin1, pid)
    assert (d.patient_name, d.patient_mrn) == ("Wanjiru Grace Mwangi", "MRN000777")
