"""Printing glue: real PDFs read back with pypdf, batch export files and permissions, report PDFs, roles."""

from __future__ import annotations

import io
import stat
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import format_currency
from pypdf import PdfReader

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import PermissionDenied, ValidationError
from hmis_desktop.services import invoice_print as ip
from hmis_desktop.services import invoices as inv
from hmis_desktop.store import blobs
from hmis_desktop.store.store import Store
from tests.billing_helpers import audit_actions, issued, line, make_actor, make_patient, pay_now
from tests.conftest import admin_actor

D = Decimal


def pdf_text(data: bytes) -> str:
    """All text of a PDF, NFKC-normalised, with every kind of space removed (layout splits runs)."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return "".join(unicodedata.normalize("NFKC", text).split())


def money(amount: str) -> str:
    return "".join(format_currency(D(amount), "KES", locale="en_US").split())


def squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _invoice(store: Store, admin: Actor) -> inv.InvoicePublic:
    patient = make_patient(store, "Amina", "Otieno", "MRN000042", address="12 Moi Avenue, Nairobi")
    i = issued(
        store,
        admin,
        patient,
        [
            line("General consultation", "1", "1500", tax="16", code="CONS"),
            line("Wound dressing", "2", "250.50", discount="1"),
            line("Paracetamol 500 mg", "3", "0.333"),
        ],
        discount="10",
    )
    pay_now(store, admin, i.id, "1000", "card")
    with store.session() as s:
        return inv.load_public(s, i.id)


def test_invoice_pdf_reads_back(store: Store, admin: Actor) -> None:
    i = _invoice(store, admin)
    with store.session() as s:
        data = ip.invoice_pdf(s, actor=admin, invoice_id=i.id)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        i.number,
        "AminaOtieno",
        "MRN000042",
        "Generalconsultation",
        "Wounddressing",
        "Paracetamol500mg",
        "SunriseClinic",
    ):
        assert expected in text, expected
    for ln in i.lines:
        assert money(str(ln.total)) in text
    assert (i.subtotal, i.tax_total, i.total, i.paid, i.balance) == (
        D("2001.00"),
        D("238.80"),
        D("2229.80"),
        D("1000.00"),
        D("1229.80"),
    )
    for amount in ("2001.00", "-10.00", "238.80", "2229.80", "1000.00", "1229.80"):
        assert money(amount) in text, amount
    assert audit_actions(store, i.id)[-1] == "invoice.print"


def test_invoice_pdf_of_a_credit_note_and_a_partly_credited_invoice(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    i = _invoice(sqlite_store, admin)
    with sqlite_store.session() as s:
        cn = inv.create_credit_note(
            s,
            actor=admin,
            invoice_id=i.id,
            reason="Dressing not done",
            lines=[line("Wound dressing", "1", "250.50")],
        )
        cn_text = pdf_text(ip.invoice_pdf(s, actor=admin, invoice_id=cn.id))
        inv_text = pdf_text(ip.invoice_pdf(s, actor=admin, invoice_id=i.id))
    assert cn.number in cn_text and "Dressingnotdone" in cn_text and money("250.50") in cn_text
    assert f"Creditedbycreditnote{cn.number}:{money('250.50')}" in inv_text
    assert money("979.30") in inv_text  # 2229.80 − 250.50 − 1000.00


def test_receipts(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    i = _invoice(sqlite_store, admin)
    payment = i.payments[0]
    with sqlite_store.session() as s:
        a5 = ip.receipt_pdf(s, actor=admin, payment_id=payment.id, layout="a5")
        roll = ip.receipt_pdf(s, actor=admin, payment_id=payment.id, layout="thermal80")
        with pytest.raises(ValidationError):
            ip.receipt_pdf(s, actor=admin, payment_id=payment.id, layout="letter")
    for data in (a5, roll):
        text = pdf_text(data)
        assert i.number in text and money("1000.00") in text and "AminaOtieno" in text
    assert (
        PdfReader(io.BytesIO(roll)).pages[0].mediabox.width
        < PdfReader(io.BytesIO(a5)).pages[0].mediabox.width
    )
    assert audit_actions(sqlite_store, payment.id)[-2:] == ["payment.print", "payment.print"]


def test_clinic_header_and_logo(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    png = _tiny_png()
    with sqlite_store.session() as s:
        blob = blobs.put_blob(s, png)
        settings.update(
            s,
            actor=admin,
            values={
                "clinic.logo_blob_id": str(blob.id),
                "clinic.address": "1 Clinic Road",
                "clinic.tax_id": "P051234567X",
                "clinic.invoice_footer": "Pay by M-Pesa till 12345",
            },
        )
    with sqlite_store.session() as s:
        header = ip.clinic_header(s)
    assert (header.name, header.currency, header.tax_id, header.logo_png) == (
        "Sunrise Clinic",
        "KES",
        "P051234567X",
        png,
    )
    i = _invoice(sqlite_store, admin)
    with sqlite_store.session() as s:
        data = ip.invoice_pdf(s, actor=admin, invoice_id=i.id)
    text = pdf_text(data)
    assert "P051234567X" in text and "PaybyM-Pesatill12345" in text
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 1
    with sqlite_store.session() as s:  # a logo that cannot be read does not stop the invoice
        settings.update(s, actor=admin, values={"clinic.logo_blob_id": "not-a-uuid"})
        assert ip.clinic_header(s).logo_png is None
        assert ip.invoice_pdf(s, actor=admin, invoice_id=i.id).startswith(b"%PDF")


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\x0b\x5d\x6b" * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _period(store: Store, admin: Actor, clock: FakeClock) -> list[inv.InvoicePublic]:
    out = [_invoice(store, admin)]
    patient = make_patient(store, "Zoë", "Ndlovu", "MRN000043")
    out.append(issued(store, admin, patient, [line("Lab test", price="800")]))
    with store.session() as s:
        inv.void_invoice(s, actor=admin, invoice_id=out[-1].id, reason="Ordered twice")
    clock.advance(days=40)
    issued(store, admin, patient, [line("Later visit", price="100")])  # outside the period
    return out


def test_export_one_pdf(store: Store, admin: Actor, clock: FakeClock, tmp_path: Path) -> None:
    period = _period(store, admin, clock)
    dest = tmp_path / "exports"
    with store.session() as s:
        result = ip.export_invoices(
            s, actor=admin, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), dest=dest, mode="one_pdf"
        )
    assert result.count == 2 and result.numbers == tuple(i.number for i in period)
    assert result.paths == (dest / "invoices_2026-01-01_2026-01-31.pdf",)
    path = result.paths[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = pdf_text(path.read_bytes())
    assert all(i.number in text for i in period) and "Latervisit" not in text
    assert "AminaOtieno" in text and "ZoëNdlovu" in text and "Orderedtwice" in text
    assert [f.name for f in dest.iterdir()] == [path.name]  # no temp file left behind
    with store.session() as s:  # an explicit file name is used as given
        named = ip.export_invoices(
            s, actor=admin, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), dest=tmp_path / "jan.pdf"
        )
    assert named.paths == (tmp_path / "jan.pdf",)
    actions = audit_actions(store)
    assert actions.count("invoice.export") == 4 and actions.count("invoice.export_batch") == 2


def test_export_folder_names_files_by_number_only(
    sqlite_store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    admin = admin_actor(sqlite_store)
    period = _period(sqlite_store, admin, clock)
    dest = tmp_path / "folder"
    with sqlite_store.session() as s:
        result = ip.export_invoices(
            s, actor=admin, date_from=date(2026, 1, 15), date_to=date(2026, 1, 15), dest=dest, mode="folder"
        )
    names = sorted(p.name for p in dest.iterdir())
    assert names == sorted(f"{i.number}.pdf" for i in period)
    assert not any("Amina" in n or "Zo" in n or "MRN" in n for n in names)
    for p in result.paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        assert p.stem in pdf_text(p.read_bytes())
    with sqlite_store.session() as s:
        empty = ip.export_invoices(
            s,
            actor=admin,
            date_from=date(2025, 1, 1),
            date_to=date(2025, 1, 2),
            dest=tmp_path / "none",
            mode="folder",
        )
        with pytest.raises(ValidationError):
            ip.export_invoices(
                s, actor=admin, date_from=date(2026, 2, 1), date_to=date(2026, 1, 1), dest=dest
            )
    assert (empty.count, empty.paths) == (0, ()) and not (tmp_path / "none").exists()
    assert ip.safe_file_name("A-2026-000001") == "A-2026-000001"
    assert ip.safe_file_name("../x/y") == "x_y"


def test_day_sheet_and_aging_pdfs(sqlite_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(sqlite_store)
    i = _invoice(sqlite_store, admin)
    with sqlite_store.session() as s:
        sheet = pdf_text(ip.day_sheet_pdf(s, actor=admin, day=date(2026, 1, 15)))
        aging = pdf_text(ip.aging_pdf(s, actor=admin, as_of=date(2026, 3, 1)))
    assert (
        i.number in sheet
        and money("1000.00") in sheet
        and money("2229.80") in sheet
        and "AminaOtieno" in sheet
    )
    assert "AdaAdmin" in sheet  # prepared by: the user's display name
    assert i.number in aging and money("1229.80") in aging and "MRN000042" in aging
    assert audit_actions(sqlite_store).count("report.print") == 2


def test_roles(sqlite_store: Store, clock: FakeClock, tmp_path: Path) -> None:
    admin = admin_actor(sqlite_store)
    desk = make_actor(sqlite_store, admin, "front_desk")
    doctor = make_actor(sqlite_store, admin, "doctor")
    manager = make_actor(sqlite_store, admin, "manager")
    i = _invoice(sqlite_store, admin)
    with sqlite_store.session() as s:
        for who in (desk, doctor, manager):  # anyone who may view an invoice may print it
            assert ip.invoice_pdf(s, actor=who, invoice_id=i.id).startswith(b"%PDF")
        assert ip.receipt_pdf(s, actor=desk, payment_id=i.payments[0].id).startswith(b"%PDF")
        for who in (desk, doctor):
            with pytest.raises(PermissionDenied):
                ip.export_invoices(
                    s, actor=who, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), dest=tmp_path
                )
            with pytest.raises(PermissionDenied):
                ip.day_sheet_pdf(s, actor=who, day=date(2026, 1, 15))
            with pytest.raises(PermissionDenied):
                ip.aging_pdf(s, actor=who, as_of=date(2026, 1, 15))
        assert (
            ip.export_invoices(
                s, actor=manager, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), dest=tmp_path / "m"
            ).count
            == 1
        )
        assert ip.day_sheet_pdf(s, actor=manager, day=date(2026, 1, 15)).startswith(b"%PDF")
    assert not list(tmp_path.glob("*.pdf"))
