"""Real PDFs rendered and read back with pypdf: text, fonts, pages, metadata, page sizes."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_currency
from PIL import Image
from pypdf import PdfReader

from hmis_desktop.reports import (
    render_aging_pdf,
    render_day_sheet_pdf,
    render_invoice_pdf,
    render_invoices_batch_pdf,
    render_receipt_pdf,
    render_recovery_key_pdf,
)
from hmis_desktop.reports.model import (
    AgingBucket,
    AgingDoc,
    AgingRow,
    ClinicHeader,
    DaySheetDoc,
    DaySheetRow,
    InvoiceDoc,
    InvoiceLineDoc,
    MethodTotal,
    PaymentDoc,
)

LATIN_NAME = "Zoë Núñez-Ångström"
ARABIC_NAME = "محمد عبد الله"
CJK_NAME = "李小龍"
KOREAN_NAME = "김민준"
LONG_DESCRIPTION = (
    "Full blood count with differential, including a repeat sample when the first one is haemolysed or "
    "clotted, which is long enough to wrap over several lines of the description column"
)


# ------------------------------------------------------------------------------------------- builders


def _logo_png() -> bytes:
    image = Image.new("RGB", (120, 60), (11, 93, 107))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _clinic(**changes: Any) -> ClinicHeader:
    base: dict[str, Any] = {
        "name": "Harbourside Family Clinic",
        "address": "Plot 17, Moi Avenue\nMombasa",
        "tax_id": "P051234567X",
        "phone": "+254 700 123 456",
        "email": "billing@harbourside.example",
        "logo_png": _logo_png(),
        "footer": "Pay by M-Pesa Paybill 123456, account = invoice number.",
    }
    base.update(changes)
    return ClinicHeader(**base)


def _line(
    i: int, description: str | None = None, qty: str = "1", price: str = "25.00", discount: str = "0"
) -> InvoiceLineDoc:
    q, p, d = D(qty), D(price), D(discount)
    net = (q * p - d).quantize(D("0.01"))
    tax = (net * D("16") / 100).quantize(D("0.01"))
    return InvoiceLineDoc(
        description=description or f"Consultation item {i:03d}",
        quantity=q,
        unit_price=p,
        discount=d,
        tax_rate=D("16"),
        net=net,
        tax=tax,
        total=net + tax,
        code=f"SV{i:03d}",
    )


def _invoice(lines: list[InvoiceLineDoc] | None = None, **changes: Any) -> InvoiceDoc:
    lines = (
        lines
        if lines is not None
        else [_line(1, "General consultation"), _line(2, LONG_DESCRIPTION, qty="2", discount="3.00")]
    )
    subtotal = sum((x.net for x in lines), D(0))
    tax = sum((x.tax for x in lines), D(0))
    discount = D("5.00")
    total = subtotal - discount + tax
    payments = (PaymentDoc(date(2026, 11, 20), "card", D("20.00"), "VISA 4242"),)
    paid = sum((p.amount for p in payments), D(0))
    base: dict[str, Any] = {
        "number": "INV-2026-000123",
        "kind": "invoice",
        "status": "partially_paid",
        "issue_date": date(2026, 11, 18),
        "due_date": date(2026, 12, 18),
        "patient_name": LATIN_NAME,
        "patient_mrn": "MRN-004512",
        "patient_address": "12 Harbour Road\nMombasa 80100",
        "lines": tuple(lines),
        "subtotal": subtotal,
        "invoice_discount": discount,
        "tax_total": tax,
        "total": total,
        "payments": payments,
        "paid": paid,
        "balance": total - paid,
        "notes": "Follow-up visit in two weeks.",
    }
    base.update(changes)
    return InvoiceDoc(**base)


# -------------------------------------------------------------------------------------------- reading


def _reader(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def _page_texts(pdf: bytes) -> list[str]:
    return [unicodedata.normalize("NFKC", page.extract_text()) for page in _reader(pdf).pages]


def _flat(text: str) -> str:
    """Whitespace collapsed, so wrapped lines compare equal to the one-line original."""
    return " ".join(text.split())


def _text(pdf: bytes) -> str:
    return _flat("\n".join(_page_texts(pdf)))


def _money(amount: D, currency: str = "USD", locale: str = "en_US") -> str:
    return unicodedata.normalize("NFKC", format_currency(amount, currency, locale=locale))


def _fonts(pdf: bytes) -> list[dict[str, Any]]:
    fonts: list[dict[str, Any]] = []
    for page in _reader(pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            fonts.append(ref.get_object())
    return fonts


# -------------------------------------------------------------------------------------------- invoices


def test_invoice_prints_number_patient_lines_totals_and_balance() -> None:
    doc = _invoice()
    text = _text(render_invoice_pdf(doc, _clinic()))
    for expected in (
        "INVOICE",
        doc.number,
        LATIN_NAME,
        doc.patient_mrn,
        "Harbourside Family Clinic",
        "P051234567X",
    ):
        assert expected in text
    for line in doc.lines:
        assert _flat(line.description) in text
        assert _money(line.total) in text
    for amount in (doc.subtotal, -doc.invoice_discount, doc.tax_total, doc.total, doc.paid, doc.balance):
        assert _money(amount) in text
    assert "Balance due" in text
    assert "Nov 18, 2026" in text and "Dec 18, 2026" in text  # babel medium dates, en_US
    assert "Card" in text and "VISA 4242" in text
    assert "Follow-up visit in two weeks." in text
    assert "Pay by M-Pesa Paybill 123456" in text
    assert "Page 1 of 1" in text


def test_long_description_wraps_inside_its_column() -> None:
    raw = "\n".join(_reader(render_invoice_pdf(_invoice(), _clinic())).pages[0].extract_text().splitlines())
    # Present once whitespace is collapsed, absent as one line: it was broken over several lines.
    assert _flat(LONG_DESCRIPTION) in _flat(raw)
    assert LONG_DESCRIPTION not in raw


def test_amounts_follow_the_clinic_locale_and_currency() -> None:
    doc = _invoice()
    text = _text(render_invoice_pdf(doc, _clinic(currency="EUR", locale="fr_FR")))
    assert _money(doc.balance, "EUR", "fr_FR") in text
    assert _money(doc.total, "EUR", "fr_FR") in text
    assert "18 nov. 2026" in text
    assert _money(doc.total) not in text  # not the en_US "$…" form


def test_fonts_are_embedded_subsets_and_nothing_else() -> None:
    fonts = _fonts(
        render_invoice_pdf(_invoice(patient_name=f"{LATIN_NAME} {ARABIC_NAME} {CJK_NAME}"), _clinic())
    )
    names = {str(f["/BaseFont"]) for f in fonts}
    assert any("NotoSans-Regular" in n for n in names)
    assert any("NotoSansArabic" in n for n in names)
    assert any("DroidSansFallback" in n for n in names)
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+[A-Za-z-]+", str(font["/BaseFont"])), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"


def test_sixty_line_invoice_runs_over_pages_with_header_and_page_numbers() -> None:
    lines = [_line(i, f"Item {i:03d} " + "with a description " * (i % 3)) for i in range(1, 61)]
    texts = _page_texts(render_invoice_pdf(_invoice(lines), _clinic()))
    count = len(texts)
    assert count > 1
    table_pages = 0
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {count}" in text
        assert "INV-2026-000123" in text
        if re.search(r"SV\d{3}", text):  # the line table runs on this page: its header was repeated
            table_pages += 1
            for header in ("Description", "Qty", "Unit price", "Discount", "Tax", "Total"):
                assert header in text, f"table header {header!r} missing on page {number}"
    assert table_pages > 1
    assert all("(continued)" in text for text in texts[1:])
    assert "(continued)" not in texts[0]
    everything = _flat("\n".join(texts))
    for line in lines:
        assert _flat(line.description) in everything


def test_names_in_latin_arabic_cjk_and_hangul_come_back() -> None:
    for name in (LATIN_NAME, CJK_NAME, KOREAN_NAME):
        assert name in _text(render_invoice_pdf(_invoice(patient_name=name), _clinic()))


def test_arabic_name_is_joined_and_right_to_left() -> None:
    pdf = render_invoice_pdf(_invoice(patient_name=ARABIC_NAME), _clinic())
    raw = _reader(pdf).pages[0].extract_text()
    # Joined: the letters were drawn as contextual presentation forms, not as isolated base letters.
    assert any(0xFE70 <= ord(c) <= 0xFEFF or 0xFB50 <= ord(c) <= 0xFDFF for c in raw)
    assert "محمد" not in raw
    # Right-to-left: pypdf reads a run of RTL glyphs back in reverse, so the NFKC text equals the logical
    # name only when the glyphs were laid out in visual order. Drawn in logical order (no bidi), the same
    # string reads back as "الله دبع دمحم", and unshaped as "هللا دبع دمحم".
    assert ARABIC_NAME in unicodedata.normalize("NFKC", raw)
    assert "دمحم" not in unicodedata.normalize("NFKC", raw)


def test_mixed_script_string_keeps_every_part() -> None:
    name = f"{LATIN_NAME} / {CJK_NAME} / {KOREAN_NAME}"
    assert _flat(name) in _text(render_invoice_pdf(_invoice(patient_name=name), _clinic()))


def test_markup_characters_are_printed_literally() -> None:
    desc = 'Saline <0.9%> & glucose <b>bold</b> "5%"'
    text = _text(render_invoice_pdf(_invoice([_line(1, desc)]), _clinic()))
    assert desc in text


def test_credit_note_names_the_invoice_it_corrects() -> None:
    doc = _invoice(
        kind="credit_note", number="CN-2026-000004", status="paid", credits_invoice_number="INV-2026-000122"
    )
    pdf = render_invoice_pdf(doc, _clinic())
    text = _text(pdf)
    assert "CREDIT NOTE" in text
    assert "CN-2026-000004" in text
    assert "INV-2026-000122" in text
    assert _reader(pdf).metadata.title == "Credit note CN-2026-000004"


def test_draft_is_marked_draft() -> None:
    pdf = render_invoice_pdf(_invoice(number=None, status="draft", issue_date=None), _clinic())
    text = _text(pdf)
    assert "Invoice no. DRAFT" in text
    assert "not a valid invoice" in text
    assert text.count("DRAFT") >= 3  # the number field, the banner and the diagonal stamp
    assert "INV-" not in text
    assert "DRAFT" not in _text(render_invoice_pdf(_invoice(), _clinic()))


def test_voided_invoice_shows_void_and_reason() -> None:
    doc = _invoice(status="voided", void_reason="Entered twice by the front desk")
    text = _text(render_invoice_pdf(doc, _clinic()))
    assert text.count("VOID") >= 3  # the banner, the status box and the diagonal stamp
    assert "Reason: Entered twice by the front desk" in text
    assert "VOID" not in _text(render_invoice_pdf(_invoice(), _clinic()))


def test_metadata_carries_no_patient_details() -> None:
    doc = _invoice(patient_name=LATIN_NAME)
    pdf = render_invoice_pdf(doc, _clinic())
    meta = _reader(pdf).metadata
    assert meta.title == "Invoice INV-2026-000123"
    values = " ".join(str(v) for v in meta.values())
    for phi in (LATIN_NAME, "Núñez", doc.patient_mrn, "Harbour Road"):
        assert phi not in values
    assert b"Zo\xc3\xab" not in pdf  # no UTF-8 name anywhere in the file (e.g. XMP) either
    draft = _reader(render_invoice_pdf(_invoice(number=None, status="draft"), _clinic())).metadata
    assert draft.title == "Invoice (draft)"


def test_logo_is_drawn_and_a_broken_logo_is_skipped() -> None:
    with_logo = _reader(render_invoice_pdf(_invoice(), _clinic())).pages[0]
    assert "/XObject" in with_logo["/Resources"]
    broken = render_invoice_pdf(_invoice(), _clinic(logo_png=b"not an image"))
    page = _reader(broken).pages[0]
    assert "/XObject" not in page["/Resources"]
    assert "INV-2026-000123" in _text(broken)


def test_invoice_without_lines_or_payments_still_renders() -> None:
    doc = _invoice([], payments=(), paid=D(0))
    text = _text(render_invoice_pdf(doc, _clinic(logo_png=None, footer="")))
    assert "No lines" in text
    assert "Payments" not in text


# -------------------------------------------------------------------------------------------- receipts


def test_a5_receipt() -> None:
    doc = _invoice()
    pdf = render_receipt_pdf(doc, doc.payments[0], _clinic())
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(419.53, abs=0.05)
    assert float(box.height) == pytest.approx(595.28, abs=0.05)
    text = _text(pdf)
    for expected in (
        "RECEIPT",
        doc.number,
        LATIN_NAME,
        doc.patient_mrn,
        _money(D("20.00")),
        _money(doc.balance),
    ):
        assert expected in text
    assert reader.metadata.title == "Receipt INV-2026-000123"


def test_thermal_receipt_is_80mm_wide_and_fitted() -> None:
    doc = _invoice()
    pdf = render_receipt_pdf(doc, doc.payments[0], _clinic(), layout="thermal80")
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(226.77, abs=0.01)
    assert 200 < float(box.height) < 700  # fitted to the content, not a full page
    assert "Thank you." in _text(pdf)  # the last line made it onto the strip


def test_refund_receipt() -> None:
    refund = PaymentDoc(date(2026, 11, 21), "cash", D("-5.00"))
    text = _text(render_receipt_pdf(_invoice(), refund, _clinic(), layout="thermal80"))
    assert "REFUND" in text
    assert _money(D("-5.00")) in text


def test_unknown_receipt_layout_is_refused() -> None:
    doc = _invoice()
    with pytest.raises(ValueError, match="layout"):
        render_receipt_pdf(doc, doc.payments[0], _clinic(), layout="letter")


# --------------------------------------------------------------------------------------------- batches


def test_batch_starts_each_invoice_on_a_new_page_and_numbers_them_separately() -> None:
    long = _invoice([_line(i) for i in range(1, 61)], number="INV-2026-000002")
    docs = [
        _invoice(number="INV-2026-000001"),
        long,
        _invoice(number="INV-2026-000003", patient_name=CJK_NAME),
    ]
    pdf = render_invoices_batch_pdf(docs, _clinic())
    texts = _page_texts(pdf)
    long_pages = len(_page_texts(render_invoice_pdf(long, _clinic())))
    assert long_pages > 1
    assert len(texts) == 2 + long_pages
    assert "INV-2026-000001" in texts[0] and "Page 1 of 1" in texts[0]
    for i in range(long_pages):
        assert "INV-2026-000002" in texts[1 + i]
        assert f"Page {i + 1} of {long_pages}" in texts[1 + i]
    assert "INV-2026-000003" in texts[-1] and "Page 1 of 1" in texts[-1]
    assert CJK_NAME in texts[-1]
    meta = _reader(pdf).metadata
    assert meta.title == "Invoices INV-2026-000001 – INV-2026-000003 (3)"
    assert LATIN_NAME not in " ".join(str(v) for v in meta.values())


def test_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError):
        render_invoices_batch_pdf([], _clinic())


# ------------------------------------------------------------------------------------- manager reports


def _day_sheet() -> DaySheetDoc:
    return DaySheetDoc(
        day=date(2026, 11, 24),
        method_totals=(
            MethodTotal("cash", 14, D("612.50")),
            MethodTotal("card", 9, D("1104.00")),
            MethodTotal("bank_transfer", 1, D("250.00")),
        ),
        payments_total=D("1966.50"),
        invoices_issued_count=22,
        invoices_issued_total=D("3120.75"),
        voided_count=1,
        voided_total=D("96.67"),
        credit_notes_count=1,
        credit_notes_total=D("29.00"),
        prepared_by="Amina Wanjiru",
        generated_at=datetime(2026, 11, 24, 18, 5),
        rows=tuple(
            DaySheetRow(
                f"INV-2026-{i:06d}",
                [LATIN_NAME, ARABIC_NAME, CJK_NAME][i % 3],
                f"MRN-{i:06d}",
                "credit_note" if i == 4 else "invoice",
                "paid",
                D("100.00") + i,
                D("40.00"),
                D("60.00") + i,
            )
            for i in range(1, 61)
        ),
    )


def test_day_sheet() -> None:
    doc = _day_sheet()
    pdf = render_day_sheet_pdf(doc, _clinic())
    texts = _page_texts(pdf)
    text = _flat("\n".join(texts))
    assert "DAY SHEET" in text
    for amount in (doc.payments_total, doc.invoices_issued_total, doc.voided_total, doc.credit_notes_total):
        assert _money(amount) in text
    for method in doc.method_totals:
        assert _money(method.amount) in text
    assert "Cash" in text and "Bank transfer" in text
    for row in doc.rows:
        assert row.invoice_number in text and row.patient_mrn in text and _money(row.balance) in text
    assert LATIN_NAME in text and CJK_NAME in text
    assert len(texts) > 1
    for number, page in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in page
        assert "Paid today" in page  # header row repeated
    meta = _reader(pdf).metadata
    assert meta.title == "Day sheet 2026-11-24"


def test_aging_report() -> None:
    doc = AgingDoc(
        as_of=date(2026, 11, 24),
        buckets=(
            AgingBucket("0–30", 1, D("100.00")),
            AgingBucket("31–60", 1, D("45.50")),
            AgingBucket("61–90", 0, D("0")),
            AgingBucket("90+", 1, D("1210.99")),
        ),
        total=D("1356.49"),
        rows=(
            AgingRow(LATIN_NAME, "MRN-1", "INV-2026-000010", date(2026, 11, 1), 23, D("100.00"), "0–30"),
            AgingRow(ARABIC_NAME, "MRN-2", "INV-2026-000011", date(2026, 10, 1), 54, D("45.50"), "31–60"),
            AgingRow(CJK_NAME, "MRN-3", "INV-2026-000012", date(2026, 7, 1), 146, D("1210.99"), "90+"),
        ),
    )
    pdf = render_aging_pdf(doc, _clinic())
    text = _text(pdf)
    assert "AGED RECEIVABLES" in text
    for label in ("0–30", "31–60", "61–90", "90+"):
        assert label in text
    for amount in (D("100.00"), D("45.50"), D("1210.99"), doc.total):
        assert _money(amount) in text
    for row in doc.rows:
        assert row.invoice_number in text and str(row.days_outstanding) in text
    assert LATIN_NAME in text and CJK_NAME in text
    assert "Page 1 of 1" in text
    assert LATIN_NAME not in " ".join(str(v) for v in _reader(pdf).metadata.values())


# ------------------------------------------------------------------------------------------ recovery key


def test_recovery_key_sheet() -> None:
    key = "K7QF-2M9X-PD4H-8WZT-N3RC-6YVB-J5LA-QE2U"
    pdf = render_recovery_key_pdf(
        clinic_name="Harbourside Family Clinic", recovery_key=key, created=date(2026, 11, 24)
    )
    reader = _reader(pdf)
    assert len(reader.pages) == 1
    text = _text(pdf)
    assert key in text.replace(" ", "")
    assert (
        "Keep this sheet in a safe place. Anyone with this key and a copy of the store can read the clinic's data. "
        "It is the only way back in if every administrator password is lost."
    ) in text
    assert "Harbourside Family Clinic" in text and "2026-11-24" in text
    assert any("NotoSansMono" in str(f["/BaseFont"]) for f in _fonts(pdf))
    meta = " ".join(str(v) for v in reader.metadata.values())
    assert "K7QF" not in meta


def test_recovery_key_without_separators_is_printed_whole() -> None:
    key = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" * 3
    text = _text(render_recovery_key_pdf(clinic_name="Clinic", recovery_key=key, created=date(2026, 1, 2)))
    assert key in text.replace(" ", "")


# ---------------------------------------------------------------------------------------------- headless


def test_reports_never_import_qt() -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from hmis_desktop.reports import render_recovery_key_pdf\n"
        "render_recovery_key_pdf(clinic_name='C', recovery_key='A-B', created=date(2026, 1, 1))\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(Path(__file__).resolve().parents[1]))


def test_arabic_locale_amounts_and_dates() -> None:
    doc = _invoice(patient_name=ARABIC_NAME)
    text = _text(render_invoice_pdf(doc, _clinic(currency="EGP", locale="ar_EG")))
    # babel writes "\u200f78.52\xa0ج.م.\u200f": a right-to-left amount, drawn in visual order; pypdf's
    # reading order for such mixed runs is its own, so check the parts rather than the whole string.
    for amount in (doc.total, doc.balance, doc.tax_total):
        assert str(amount) in text
    assert "ج.م" in text
    assert "18/11/2026" in text  # ar_EG medium date, its RLMs dropped
    assert "\u200f" not in text and "\u200e" not in text
    assert ARABIC_NAME in text
