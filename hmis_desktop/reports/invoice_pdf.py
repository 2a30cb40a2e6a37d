"""Invoice, credit note and receipt PDFs (A4 invoices, A5 or 80 mm thermal receipts).

Every figure comes from the InvoiceDoc as the domain computed it; nothing here adds anything up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import HRFlowable

from hmis_desktop.reports import _layout as L
from hmis_desktop.reports import fonts
from hmis_desktop.reports.model import ClinicHeader, InvoiceDoc, PaymentDoc

MARGIN = 18 * mm
TOP = 16 * mm
FOOTER_BASELINE = 10 * mm
RUNNING_HEADER = 12 * mm  # extra top space on continuation pages for "Invoice … (continued)"
THERMAL_WIDTH = 80 * mm


@dataclass(frozen=True)
class _Meta:
    """What the page decorator needs about one invoice of a (possibly one-invoice) batch."""

    title: str  # "Invoice INV-2026-0001", "Credit note …", "Invoice (draft)"
    draft: bool
    voided: bool


def _title_word(doc: InvoiceDoc) -> str:
    return "CREDIT NOTE" if doc.kind == "credit_note" else "INVOICE"


def document_title(doc: InvoiceDoc) -> str:
    """A PHI-free title for the PDF metadata and page footers, e.g. "Invoice INV-2026-0001"."""
    kind = "Credit note" if doc.kind == "credit_note" else "Invoice"
    return f"{kind} {doc.number}" if doc.number else f"{kind} (draft)"


# --------------------------------------------------------------------------------------------- header


def _header(doc: InvoiceDoc, clinic: ClinicHeader, width: float) -> Table:
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    number_label = "Credit note no." if doc.kind == "credit_note" else "Invoice no."
    meta = [(number_label, doc.number or "DRAFT"), ("Issue date", fmt.date(doc.issue_date))]
    if doc.due_date is not None or doc.kind != "credit_note":
        meta.append(("Due date", fmt.date(doc.due_date)))
    if doc.kind == "credit_note" and doc.credits_invoice_number:
        meta.append(("Corrects invoice", doc.credits_invoice_number))
    meta.append(("Status", L.status_label(doc.status)))
    return L.report_header(clinic, _title_word(doc), meta, width)


def _banner(text: str, color: colors.Color, width: float) -> Table:
    """A full-width boxed notice (void reason, draft warning)."""
    st = L.styles()
    style = L.replace_style(st["body"], "banner", textColor=color, fontSize=9.5, leading=13)
    table = Table([[L.para(text, style, width=width - 16)]], colWidths=[width])
    table.setStyle(
        L.table_style(
            [
                ("BOX", (0, 0), (-1, -1), 1, color),
                (
                    "BACKGROUND",
                    (0, 0),
                    (-1, -1),
                    colors.Color(color.red, color.green, color.blue, alpha=0.06),
                ),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _bill_to(doc: InvoiceDoc, clinic: ClinicHeader, width: float) -> Table:
    st = L.styles()
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    left_w = width * 0.56
    right_w = width - left_w
    left: list[Flowable] = [
        Paragraph("BILL TO" if doc.kind != "credit_note" else "CREDIT TO", st["label"]),
        Spacer(1, 1),
        # Left-aligned whatever the script: the block reads as a form under its label, and each line is
        # still in right-to-left order.
        L.para(doc.patient_name, st["name"], bold=True, width=left_w - 6 * mm, rtl_right=False),
        L.para(f"MRN: {doc.patient_mrn}", st["body"], width=left_w - 6 * mm, rtl_right=False),
    ]
    if doc.patient_address:
        left.append(L.para(doc.patient_address, st["small"], width=left_w - 6 * mm, rtl_right=False))

    if doc.status == "voided":
        box = L.figure_box("STATUS", "VOID", min(right_w, 62 * mm), note="No payment is due", color=L.DANGER)
    elif doc.kind == "credit_note":
        box = L.figure_box("CREDIT TOTAL", fmt.money(doc.total), min(right_w, 62 * mm))
    else:
        due = f"Due {fmt.date(doc.due_date)}" if doc.due_date else ""
        box = L.figure_box("BALANCE DUE", fmt.money(doc.balance), min(right_w, 62 * mm), note=due)
    return L.flush_table([[left, box]], [left_w, right_w], ("ALIGN", (1, 0), (1, 0), "RIGHT"))


# ------------------------------------------------------------------------------------------ line table

_CELL_PAD = 5
_HEAD_SIZE = 7.5
_BODY_SIZE = 8.5


def _col_width(header: str, values: list[str], *, bold: bool = False) -> float:
    widest = fonts.text_width(header, _HEAD_SIZE, bold=True)
    for value in values:
        widest = max(widest, fonts.text_width(value, _BODY_SIZE, bold=bold))
    return widest + 2 * _CELL_PAD + 1


def _lines_table(doc: InvoiceDoc, fmt: L.Formats, width: float) -> Table:
    st = L.styles()
    has_codes = any(line.code for line in doc.lines)
    numeric_heads = ["Qty", "Unit price", "Discount", "Tax", "Total"]
    numeric = [
        [
            fmt.number(line.quantity),
            fmt.money(line.unit_price),
            fmt.money(line.discount) if line.discount else "–",
            fmt.percent(line.tax_rate),
            fmt.money(line.total),
        ]
        for line in doc.lines
    ]
    last = len(numeric_heads) - 1  # the line total is printed in bold
    num_widths = [
        _col_width(h, [row[i] for row in numeric], bold=i == last) for i, h in enumerate(numeric_heads)
    ]
    code_w = min(_col_width("Code", [line.code for line in doc.lines]), 24 * mm) if has_codes else 0.0
    desc_w = max(width - code_w - sum(num_widths), 45 * mm)
    # Wide currency formats squeeze the description, never push the table past the margin.
    overflow = code_w + desc_w + sum(num_widths) - width
    if overflow > 0:
        desc_w -= overflow

    heads = (["Code"] if has_codes else []) + ["Description", *numeric_heads]
    # Header labels are ASCII: plain strings styled by the table, cheaper than paragraphs.
    data: list[list[Flowable | str]] = [list(heads)]
    for line, nums in zip(doc.lines, numeric, strict=True):
        row: list[Flowable | str] = []
        if has_codes:
            row.append(L.cell(line.code, st["cell"], width=code_w - 2 * _CELL_PAD))
        row.append(L.para(line.description, st["cell"], width=desc_w - 2 * _CELL_PAD))
        row += [
            L.cell(v, st["cell_right"], width=w - 2 * _CELL_PAD, bold=i == len(nums) - 1)
            for i, (v, w) in enumerate(zip(nums, num_widths, strict=True))
        ]
        data.append(row)
    if not doc.lines:
        data.append(["No lines"] + [""] * (len(heads) - 1))

    first_num = 1 + (1 if has_codes else 0)
    widths = ([code_w] if has_codes else []) + [desc_w, *num_widths]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 1), (-1, -1), fonts.SANS, _BODY_SIZE, 11),
        ("TEXTCOLOR", (0, 1), (-1, -1), L.INK),
        ("BACKGROUND", (0, 0), (-1, 0), L.ACCENT),
        ("FONT", (0, 0), (-1, 0), fonts.SANS_BOLD, _HEAD_SIZE, 10),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("ALIGN", (first_num, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, 0), 5),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, L.STRIPE]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.75, L.RULE),
        ("FONT", (-1, 1), (-1, -1), fonts.SANS_BOLD, _BODY_SIZE, 11),
    ]
    if not doc.lines:
        commands.append(("SPAN", (0, 1), (-1, 1)))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(L.table_style(commands))
    return table


# ------------------------------------------------------------------------------- totals, payments, notes


def _totals(doc: InvoiceDoc, fmt: L.Formats, width: float) -> Table:
    st = L.styles()
    rows: list[tuple[str, str]] = [("Subtotal", fmt.money(doc.subtotal))]
    if doc.invoice_discount:
        rows.append(("Invoice discount", fmt.money(-doc.invoice_discount)))
    rows += [
        ("Tax", fmt.money(doc.tax_total)),
        ("Total", fmt.money(doc.total)),
        ("Paid", fmt.money(doc.paid)),
    ]
    rows.append(("Balance due" if doc.kind != "credit_note" else "Balance", fmt.money(doc.balance)))
    total_row = len(rows) - 3
    table_w = min(88 * mm, width)
    # Paragraph cells (amounts in right-to-left locales) ignore the table's FONT and TEXTCOLOR, so each
    # row gets a paragraph style that matches what the table sets for plain strings.
    label = L.replace_style(st["cell"], "tot_label", fontSize=9, leading=12, textColor=L.MUTED)
    value = L.replace_style(st["cell_right"], "tot_value", fontSize=9, leading=12)
    strong_label = L.replace_style(label, "tot_strong_label", fontSize=9.5, textColor=L.INK)
    strong_value = L.replace_style(value, "tot_strong_value", fontSize=9.5)
    due_label = L.replace_style(label, "tot_due_label", fontSize=10.5, leading=13, textColor=colors.white)
    due_value = L.replace_style(value, "tot_due_value", fontSize=10.5, leading=13, textColor=colors.white)
    data = []
    for i, (k, v) in enumerate(rows):
        styles_, bold = (label, value), False
        if i == total_row:
            styles_, bold = (strong_label, strong_value), True
        elif i == len(rows) - 1:
            styles_, bold = (due_label, due_value), True
        data.append(
            [
                L.cell(k, styles_[0], bold=bold),
                L.cell(v, styles_[1], bold=bold, width=table_w * 0.5 - 2 * _CELL_PAD),
            ]
        )
    table = Table(data, colWidths=[table_w * 0.5, table_w * 0.5], hAlign="RIGHT")
    table.setStyle(
        L.table_style(
            [
                ("FONT", (0, 0), (-1, -1), fonts.SANS, 9, 12),
                ("TEXTCOLOR", (0, 0), (0, -1), L.MUTED),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("FONT", (0, total_row), (-1, total_row), fonts.SANS_BOLD, 9.5, 12),
                ("TEXTCOLOR", (0, total_row), (0, total_row), L.INK),
                ("LINEABOVE", (0, total_row), (-1, total_row), 0.75, L.INK),
                ("FONT", (0, -1), (-1, -1), fonts.SANS_BOLD, 10.5, 13),
                ("TEXTCOLOR", (0, -1), (-1, -1), colors.white),
                ("BACKGROUND", (0, -1), (-1, -1), L.ACCENT),
                ("TOPPADDING", (0, -1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]
        )
    )
    return table


def _payments(doc: InvoiceDoc, fmt: L.Formats, width: float) -> list[Flowable]:
    if not doc.payments:
        return []
    st = L.styles()
    head = L.replace_style(st["label"], "pay_head")
    head_right = L.replace_style(head, "pay_head_right", alignment=2)
    widths = [30 * mm, 40 * mm, width - 100 * mm, 30 * mm]
    data: list[list[Flowable | str]] = [
        [
            Paragraph("Date", head),
            Paragraph("Method", head),
            Paragraph("Reference", head),
            Paragraph("Amount", head_right),
        ]
    ]
    for pay in doc.payments:
        method = L.method_label(pay.method) + (" (refund)" if pay.amount < 0 else "")
        data.append(
            [
                L.cell(fmt.date(pay.paid_on), st["cell"], width=widths[0]),
                L.cell(method, st["cell"], width=widths[1]),
                L.cell(pay.reference, st["cell"], width=widths[2] - 2 * _CELL_PAD),
                L.cell(fmt.money(pay.amount), st["cell_right"], width=widths[3]),
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        L.table_style(
            [
                ("FONT", (0, 1), (-1, -1), fonts.SANS, _BODY_SIZE, 11),
                ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, L.RULE),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, L.RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [KeepTogether([Paragraph("Payments", st["heading"]), Spacer(1, 1.5 * mm), table])]


def _story(doc: InvoiceDoc, clinic: ClinicHeader, width: float) -> list[Flowable]:
    st = L.styles()
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    story: list[Flowable] = [_header(doc, clinic, width), Spacer(1, 5 * mm)]
    story.append(HRFlowable(width="100%", thickness=1.2, color=L.ACCENT, spaceBefore=0, spaceAfter=5 * mm))
    if doc.status == "voided":
        reason = doc.void_reason or "no reason recorded"
        story += [
            _banner(f"VOID — this document was voided. Reason: {reason}", L.DANGER, width),
            Spacer(1, 4 * mm),
        ]
    elif doc.number is None:
        story += [
            _banner("DRAFT — not yet issued. This is not a valid invoice and has no number.", L.MUTED, width),
            Spacer(1, 4 * mm),
        ]
    story += [
        _bill_to(doc, clinic, width),
        Spacer(1, 7 * mm),
        _lines_table(doc, fmt, width),
        Spacer(1, 4 * mm),
    ]
    story.append(KeepTogether([_totals(doc, fmt, width)]))
    payments = _payments(doc, fmt, width)
    if payments:
        story += [Spacer(1, 7 * mm), *payments]
    if doc.notes:
        story += [
            Spacer(1, 6 * mm),
            KeepTogether(
                [
                    Paragraph("Notes", st["heading"]),
                    Spacer(1, 1 * mm),
                    L.para(doc.notes, st["body"], width=width),
                ]
            ),
        ]
    return story


# ------------------------------------------------------------------------------------- page furniture


def _footer_paragraph(clinic: ClinicHeader, width: float) -> tuple[Paragraph | None, float]:
    if not clinic.footer.strip():
        return None, 0.0
    paragraph = L.para(clinic.footer, L.styles()["small_centre"], width=width)
    _, height = paragraph.wrap(width, 1000)
    return paragraph, height


def _decorator(clinic: ClinicHeader, footer: Paragraph | None, footer_h: float) -> L.PageDecorator:
    def decorate(canvas: Canvas, info: L.PageInfo) -> None:
        meta: _Meta = info.group.meta
        if meta.draft:
            L.stamp(canvas, info, "DRAFT", L.MUTED)
        if meta.voided:
            L.stamp(canvas, info, "VOID", L.DANGER, size=120)
        width = info.width - 2 * MARGIN
        if footer is not None:
            footer.wrapOn(canvas, width, footer_h)
            footer.drawOn(canvas, MARGIN, FOOTER_BASELINE + 14)
        L.page_footer(
            canvas, info, left=f"{clinic.name}  ·  {meta.title}", margin=MARGIN, baseline=FOOTER_BASELINE
        )
        if info.number > 1:
            top = info.height - TOP - 8
            canvas.setFillColor(L.MUTED)
            fonts.draw_text(canvas, MARGIN, top, clinic.name, 8, bold=True)
            fonts.draw_text(canvas, info.width - MARGIN, top, f"{meta.title} (continued)", 8, align="right")
            canvas.setStrokeColor(L.RULE)
            canvas.setLineWidth(0.5)
            canvas.line(MARGIN, top - 5, info.width - MARGIN, top - 5)

    return decorate


def _render(docs: Sequence[InvoiceDoc], clinic: ClinicHeader, *, title: str) -> bytes:
    fonts.ensure_fonts()
    width = A4[0] - 2 * MARGIN
    footer, footer_h = _footer_paragraph(clinic, width)
    bottom = FOOTER_BASELINE + 14 + footer_h + (6 * mm if footer_h else 4 * mm)
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP,
        bottomMargin=bottom,
        title=title,
        author=clinic.name,
        subject=title,
        creator=L.PRODUCER,
        producer=L.PRODUCER,
        keywords="",
        pageCompression=1,
        initialFontName=fonts.SANS,
    )
    frame_h = A4[1] - TOP - bottom
    first = Frame(
        MARGIN,
        bottom,
        width,
        frame_h,
        id="first",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    later = Frame(
        MARGIN,
        bottom,
        width,
        frame_h - RUNNING_HEADER,
        id="later",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates(
        [
            PageTemplate(id="first", frames=[first], autoNextPageTemplate="later"),
            PageTemplate(id="later", frames=[later]),
        ]
    )
    groups = [
        L.PageGroup(key=i, meta=_Meta(document_title(d), draft=d.number is None, voided=d.status == "voided"))
        for i, d in enumerate(docs)
    ]
    story: list[Flowable] = []
    for i, (doc, group) in enumerate(zip(docs, groups, strict=True)):
        if i:
            story += [NextPageTemplate("first"), PageBreak()]
        story += [L.GroupMark(group), *_story(doc, clinic, width)]
    template.build(story, canvasmaker=L.canvas_maker(_decorator(clinic, footer, footer_h), groups[0]))
    return buffer.getvalue()


def render_invoice_pdf(doc: InvoiceDoc, clinic: ClinicHeader) -> bytes:
    """Render one invoice or credit note as an A4 PDF."""
    return _render([doc], clinic, title=document_title(doc))


def render_invoices_batch_pdf(docs: Sequence[InvoiceDoc], clinic: ClinicHeader) -> bytes:
    """Render several invoices into one PDF, each from a new page and numbered "Page x of y" on its own."""
    if not docs:
        raise ValueError("no invoices to render")
    numbers = sorted(d.number for d in docs if d.number)
    span = f" {numbers[0]} – {numbers[-1]}" if len(numbers) > 1 else ""
    title = f"Invoices{span} ({len(docs)})"
    return _render(list(docs), clinic, title=title)


# -------------------------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class _ReceiptLayout:
    pagesize: tuple[float, float] | None  # None: height fitted to the content
    width: float
    margin: float
    base: float  # body font size
    centred: bool


_RECEIPT_LAYOUTS = {
    "a5": _ReceiptLayout(pagesize=A5, width=A5[0], margin=12 * mm, base=9, centred=False),
    "thermal80": _ReceiptLayout(pagesize=None, width=THERMAL_WIDTH, margin=4 * mm, base=8, centred=True),
}


def _receipt_story(
    doc: InvoiceDoc, payment: PaymentDoc, clinic: ClinicHeader, spec: _ReceiptLayout
) -> list[Flowable]:
    st = L.styles()
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    width = spec.width - 2 * spec.margin
    align = 1 if spec.centred else 0
    body = L.replace_style(
        st["body"], f"r_body_{spec.base}", fontSize=spec.base, leading=spec.base * 1.35, alignment=align
    )
    small = L.replace_style(
        st["small"],
        f"r_small_{spec.base}",
        fontSize=spec.base - 1,
        leading=(spec.base - 1) * 1.35,
        alignment=align,
    )
    clinic_style = L.replace_style(
        st["clinic"],
        f"r_clinic_{spec.base}",
        fontSize=spec.base + 4,
        leading=(spec.base + 4) * 1.25,
        alignment=align,
    )
    title_style = L.replace_style(
        st["title"],
        f"r_title_{spec.base}",
        fontSize=spec.base + 8,
        leading=(spec.base + 8) * 1.2,
        alignment=align,
    )

    story: list[Flowable] = []
    image = L.logo(clinic.logo_png, width * 0.5, 14 * mm if spec.centred else 16 * mm)
    if image is not None:
        image.hAlign = "CENTER" if spec.centred else "LEFT"
        story += [image, Spacer(1, 2 * mm)]
    story.append(L.para(clinic.name, clinic_style, bold=True, width=width))
    details = [clinic.address] if clinic.address else []
    if clinic.tax_id:
        details.append(f"Tax ID: {clinic.tax_id}")
    details += [x for x in (clinic.phone, clinic.email) if x]
    if details:
        story.append(L.para("\n".join(details), small, width=width))
    story += [Spacer(1, 3 * mm), HRFlowable(width="100%", thickness=1, color=L.ACCENT, spaceAfter=3 * mm)]
    refund = payment.amount < 0
    story += [Paragraph("REFUND" if refund else "RECEIPT", title_style), Spacer(1, 2.5 * mm)]

    number = doc.number or "DRAFT"
    rows = [
        ("Date", fmt.date(payment.paid_on)),
        ("Invoice" if doc.kind != "credit_note" else "Credit note", number),
        ("Patient", doc.patient_name),
        ("MRN", doc.patient_mrn),
        ("Method", L.method_label(payment.method)),
    ]
    if payment.reference:
        rows.append(("Reference", payment.reference))
    story += [_receipt_rows(rows, width, spec.base), Spacer(1, 3 * mm)]

    amount_label = "Amount refunded" if refund else "Amount received"
    box_label = L.replace_style(st["label"], f"r_box_label_{spec.base}", alignment=1, textColor=L.ACCENT)
    box_value = L.replace_style(title_style, f"r_box_value_{spec.base}", textColor=L.INK, alignment=1)
    box = Table(
        [
            [Paragraph(amount_label.upper(), box_label)],
            [L.para(fmt.money(payment.amount), box_value, bold=True, width=width - 12)],
        ],
        colWidths=[width],
    )
    box.setStyle(
        L.table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), L.ACCENT_LIGHT),
                ("BOX", (0, 0), (-1, -1), 0.75, L.ACCENT),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
                ("TOPPADDING", (0, 1), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
            ]
        )
    )
    story += [box, Spacer(1, 3 * mm)]
    summary = [
        ("Invoice total", fmt.money(doc.total)),
        ("Paid to date", fmt.money(doc.paid)),
        ("Balance remaining", fmt.money(doc.balance)),
    ]
    story += [_receipt_rows(summary, width, spec.base, bold_last=True), Spacer(1, 4 * mm)]
    if doc.status == "voided":
        void_style = L.replace_style(body, f"r_void_{spec.base}", textColor=L.DANGER)
        story += [
            L.para(f"Invoice voided: {doc.void_reason or 'no reason recorded'}", void_style, width=width),
            Spacer(1, 2 * mm),
        ]
    if clinic.footer:
        story += [L.para(clinic.footer, small, width=width), Spacer(1, 2 * mm)]
    if not spec.centred:
        # A counter copy is signed by whoever took the money.
        story += [Spacer(1, 10 * mm), _signature_line(width, spec.base)]
    story.append(Paragraph("Thank you.", body))
    return story


def _signature_line(width: float, size: float) -> Table:
    st = L.styles()
    table = Table(
        [["", ""], [L.cell("Received by", st["small"]), ""]],
        colWidths=[width * 0.55, width * 0.45],
        hAlign="LEFT",
    )
    table.setStyle(
        L.table_style(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.6, L.MUTED),
                ("FONT", (0, 1), (0, 1), fonts.SANS, size - 1.5),
                ("TEXTCOLOR", (0, 1), (0, 1), L.MUTED),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 2),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
            ]
        )
    )
    return table


def _receipt_rows(
    rows: list[tuple[str, str]], width: float, size: float, *, bold_last: bool = False
) -> Table:
    st = L.styles()
    value_style = L.replace_style(st["cell_right"], f"r_val_{size}", fontSize=size, leading=size * 1.3)
    label_w = width * 0.38
    data = [[L.cell(k, st["small"]), L.cell(v, value_style, width=width - label_w)] for k, v in rows]
    table = Table(data, colWidths=[label_w, width - label_w])
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (0, -1), fonts.SANS, size - 0.5),
        ("TEXTCOLOR", (0, 0), (0, -1), L.MUTED),
        ("FONT", (1, 0), (1, -1), fonts.SANS, size),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, L.RULE),
    ]
    if bold_last:
        commands += [
            ("FONT", (0, -1), (-1, -1), fonts.SANS_BOLD, size),
            ("TEXTCOLOR", (0, -1), (0, -1), L.INK),
        ]
    table.setStyle(L.table_style(commands))
    return table


def _fitted_height(story: list[Flowable], width: float) -> float:
    """The height the story takes in one frame of ``width`` (for a roll printer's page)."""
    total = 0.0
    previous_after = 0.0
    for flowable in story:
        _, h = flowable.wrap(width, 10_000)
        total += h + max(previous_after, flowable.getSpaceBefore())
        previous_after = flowable.getSpaceAfter()
    return total + previous_after


def render_receipt_pdf(
    doc: InvoiceDoc, payment: PaymentDoc, clinic: ClinicHeader, *, layout: str = "a5"
) -> bytes:
    """Render a payment receipt: layout "a5" (half A4) or "thermal80" (80 mm roll, height fitted)."""
    try:
        spec = _RECEIPT_LAYOUTS[layout]
    except KeyError:
        raise ValueError(
            f"unknown receipt layout {layout!r}; use one of {sorted(_RECEIPT_LAYOUTS)}"
        ) from None
    fonts.ensure_fonts()
    width = spec.width - 2 * spec.margin
    story = _receipt_story(doc, payment, clinic, spec)
    if spec.pagesize is None:
        # A few points of slack: the frame must never spill a last line onto a second strip of paper.
        height = _fitted_height(_receipt_story(doc, payment, clinic, spec), width) + 2 * spec.margin + 6
        pagesize = (spec.width, height)
    else:
        pagesize = spec.pagesize
    buffer = io.BytesIO()
    title = f"Receipt {doc.number}" if doc.number else "Receipt (draft invoice)"
    template = L.simple_doc(buffer, pagesize, margins=(spec.margin,) * 4, title=title, author=clinic.name)
    template.build(story)
    return buffer.getvalue()
