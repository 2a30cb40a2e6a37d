"""The Reports page: the day sheet and the aging report on screen equal the core's figures; PDFs; roles."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hmis_desktop.clock import FakeClock
from hmis_desktop.permissions import Role
from hmis_desktop.services import billing_reports, payments
from hmis_desktop.services.invoices import local_date
from hmis_desktop.store.store import Store
from tests.ui.billing_support import issued_invoice, make_clinic, page_of, pdf_text, user, window_for
from tests.ui.conftest import settle
from ui.billing.report_models import AgingModel, DaySheetModel, MethodsModel
from ui.pages.reports import ReportsPage


def _texts(model, column) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_day_sheet_and_aging_match_the_core(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    old = issued_invoice(clinic)  # issued 45 days before "today", never paid
    clock.advance(days=45)
    today_inv = issued_invoice(clinic, paid=Decimal("1000"))
    with ui_store.session() as s:
        payments.take_payment(s, actor=clinic.admin, invoice_id=old.id, amount=Decimal("40"), method="card")
    day = local_date(clock.now())
    manager = user(ui_store, "grace", Role.MANAGER)
    window = window_for(qtbot, ui_store, clock, manager)
    page = page_of(window, ReportsPage, qtbot)
    tab = page.day_sheet
    assert tab.chosen() == day
    with ui_store.session() as s:
        sheet = billing_reports.day_sheet(s, actor=manager, day=day)
        aging = billing_reports.outstanding_by_age(s, actor=manager, as_of=day)
    m = tab.money
    assert tab.report == sheet.__class__(**{**sheet.__dict__, "generated_at": tab.report.generated_at})
    assert tab.received.value.text() == m.fmt(sheet.payments_total) == m.fmt(Decimal("1040.00"))
    assert tab.issued.value.text() == m.fmt(sheet.invoices_issued_total)
    assert tab.issued.detail.text() == "1 invoice"
    assert _texts(tab.methods, MethodsModel.Columns.NET) == [m.fmt(x.net) for x in sheet.methods]
    assert _texts(tab.methods, MethodsModel.Columns.METHOD)[:2] == ["Cash", "Card"]
    assert _texts(tab.rows, DaySheetModel.Columns.NUMBER) == [r.invoice_number for r in sheet.rows]
    assert _texts(tab.rows, DaySheetModel.Columns.BALANCE) == [m.fmt(r.balance) for r in sheet.rows]
    assert clinic.patient_name in tab.rows.index(0, DaySheetModel.Columns.PATIENT).data()

    # The same report as PDF, in the same preview widget as invoices.
    tab.views.setCurrentWidget(tab.preview)
    qtbot.waitUntil(lambda: tab.preview.page_count() >= 1, timeout=10_000)
    text = pdf_text(tab.preview.pdf_bytes)
    assert today_inv.number in text and "1,040.00" in text

    # A day with nothing: the cards show zero and say so.
    tab.views.setCurrentWidget(tab.on_screen)
    tab.day.setDate(tab.day.date().addDays(-10))
    settle(qtbot)
    assert tab.rows.rowCount() == 0 and "Nothing was issued" in tab.message.text()

    page.tabs.setCurrentWidget(page.aging)
    settle(qtbot)
    ag = page.aging
    assert [c.value.text() for c in ag.bucket_cards] == [m.fmt(b.amount) for b in aging.buckets]
    assert [c.detail.text() for c in ag.bucket_cards] == [
        "1 invoice",
        "1 invoice",
        "0 invoices",
        "0 invoices",
    ]
    assert ag.total.value.text() == m.fmt(aging.total) == m.fmt(old.total - 40 + today_inv.total - 1000)
    assert _texts(ag.rows, AgingModel.Columns.NUMBER) == [old.number, today_inv.number]
    assert _texts(ag.rows, AgingModel.Columns.BUCKET) == ["31–60 days", "0–30 days"]
    # As of an earlier date the later invoice is not there yet.
    ag.set_day(day - timedelta(days=1))
    ag.load()
    settle(qtbot)
    assert _texts(ag.rows, AgingModel.Columns.NUMBER) == [old.number]

    window.lock.lock("manual")
    assert tab.rows.rowCount() == 0 and ag.rows.rowCount() == 0 and tab.preview.pdf_bytes is None


def test_reports_page_only_for_managers_and_admins(qtbot, ui_store: Store, clock: FakeClock) -> None:
    clinic = make_clinic(ui_store)
    seen = {}
    for role in (Role.FRONT_DESK, Role.DOCTOR, Role.MANAGER):
        actor = user(ui_store, f"r.{role}", role)
        window = window_for(qtbot, ui_store, clock, actor)
        seen[role] = any(isinstance(p, ReportsPage) for p in window.pages)
        window.close()
    window = window_for(qtbot, ui_store, clock, clinic.admin)
    seen[Role.ADMIN] = any(isinstance(p, ReportsPage) for p in window.pages)
    assert seen == {Role.FRONT_DESK: False, Role.DOCTOR: False, Role.MANAGER: True, Role.ADMIN: True}
