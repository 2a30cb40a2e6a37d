"""Manager reports: the day sheet (a day's takings and invoices) and aged receivables.

Like the invoices, these print the domain's figures as given and add nothing up themselves.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from hmis_desktop.reports import _layout as L
from hmis_desktop.reports import fonts
from hmis_desktop.reports.model import AgingDoc, ClinicHeader, DaySheetDoc

MARGIN = 16 * mm
TOP = 16 * mm
BOTTOM = 18 * mm
FOOTER_BASELINE = 9 * mm
_PAD = 4.5


def _decorator(clinic: ClinicHeader, title: str) -> L.PageDecorator:
    def decorate(canvas: Canvas, info: L.PageInfo) -> None:
        L.page_footer(
            canvas, info, left=f"{clinic.name}  ·  {title}", margin=MARGIN, baseline=FOOTER_BASELINE
        )

    return decorate


def _build(story: list[Flowable], clinic: ClinicHeader, title: str) -> bytes:
    buffer = io.BytesIO()
    doc = L.simple_doc(buffer, A4, margins=(MARGIN, MARGIN, TOP, BOTTOM), title=title, author=clinic.name)
    group = L.PageGroup(key=0, meta=title)
    doc.build(story, canvasmaker=L.canvas_maker(_decorator(clinic, title), group))
    return buffer.getvalue()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cards(
    cards: list[tuple[str, str, str]],
    width: float,
    *,
    emphasise_first: bool = False,
    emphasise_last: bool = False,
) -> Table:
    """A row of figure boxes (label, value, note) filling the width."""
    gap = 3 * mm
    card_w = (width - gap * (len(cards) - 1)) / len(cards)
    row: list[Any] = []
    widths: list[float] = []
    for i, (label, value, note) in enumerate(cards):
        emphasised = (i == 0 and emphasise_first) or (i == len(cards) - 1 and emphasise_last)
        color = L.ACCENT if emphasised else L.MUTED
        row.append(L.figure_box(label, value, card_w, note=note, color=color, align=TA_LEFT, value_size=14))
        widths.append(card_w)
        if i < len(cards) - 1:
            row.append("")
            widths.append(gap)
    return L.flush_table([row], widths)


def _data_table(
    heads: list[str],
    rows: list[list[str | Paragraph]],
    widths: list[float],
    *,
    numeric_from: int,
    total: list[str] | None = None,
) -> Table:
    """A striped table with a repeated header row; columns from ``numeric_from`` on are right-aligned.

    Text cells stay left-aligned whatever their script, so a column of names lines up.
    """
    st = L.styles()
    head = L.replace_style(st["label"], "sum_th", textColor=colors.white)
    head_right = L.replace_style(head, "sum_th_right", alignment=2)
    data: list[list[Any]] = [
        [Paragraph(h, head_right if i >= numeric_from else head) for i, h in enumerate(heads)]
    ]
    for values in rows:
        data.append(
            [
                v
                if isinstance(v, Paragraph)
                else L.cell(
                    v,
                    st["cell_right"] if i >= numeric_from else st["cell"],
                    width=widths[i] - 2 * _PAD,
                    rtl_right=False,
                )
                for i, v in enumerate(values)
            ]
        )
    if not rows:
        data.append(["None"] + [""] * (len(heads) - 1))
    if total is not None:
        data.append(
            [
                L.cell(v, st["cell_right"] if i >= numeric_from else st["cell"], bold=True)
                for i, v in enumerate(total)
            ]
        )
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 1), (-1, -1), fonts.SANS, 8.5, 11),
        ("TEXTCOLOR", (0, 1), (-1, -1), L.INK),
        ("BACKGROUND", (0, 0), (-1, 0), L.ACCENT),
        ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("TOPPADDING", (0, 0), (-1, 0), 4.5),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 4.5),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1 if total is None else -2), [colors.white, L.STRIPE]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.75, L.RULE),
    ]
    if not rows:
        commands += [("SPAN", (0, 1), (-1, 1)), ("TEXTCOLOR", (0, 1), (-1, 1), L.MUTED)]
    if total is not None:
        commands += [
            ("FONT", (0, -1), (-1, -1), fonts.SANS_BOLD, 9, 12),
            ("LINEABOVE", (0, -1), (-1, -1), 0.75, L.INK),
            ("TOPPADDING", (0, -1), (-1, -1), 4),
        ]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(L.table_style(commands))
    return table


def _generated(fmt: L.Formats, doc: DaySheetDoc | AgingDoc) -> list[tuple[str, str]]:
    return [("Generated", fmt.datetime(doc.generated_at))] if doc.generated_at else []


def _fit(widths: list[float], width: float, flexible: int) -> list[float]:
    """Give column ``flexible`` whatever the others leave of ``width``."""
    widths = list(widths)
    widths[flexible] = width - (sum(widths) - widths[flexible])
    return widths


def render_day_sheet_pdf(doc: DaySheetDoc, clinic: ClinicHeader) -> bytes:
    """Render a day sheet: payments by method, invoices issued, credit notes, voids, and the day's invoices."""
    fonts.ensure_fonts()
    st = L.styles()
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    width = A4[0] - 2 * MARGIN
    title = f"Day sheet {doc.day.isoformat()}"
    meta = [("Day", fmt.date(doc.day)), *_generated(fmt, doc)]
    if doc.prepared_by:
        meta.append(("Prepared by", doc.prepared_by))
    story: list[Flowable] = [
        L.report_header(clinic, "DAY SHEET", meta, width),
        Spacer(1, 5 * mm),
        HRFlowable(width="100%", thickness=1.2, color=L.ACCENT, spaceAfter=5 * mm),
        _cards(
            [
                ("PAYMENTS RECEIVED", fmt.money(doc.payments_total), "net of refunds"),
                (
                    "INVOICES ISSUED",
                    fmt.money(doc.invoices_issued_total),
                    _count(doc.invoices_issued_count, "invoice"),
                ),
                (
                    "CREDIT NOTES",
                    fmt.money(doc.credit_notes_total),
                    _count(doc.credit_notes_count, "credit note"),
                ),
                ("VOIDED", fmt.money(doc.voided_total), _count(doc.voided_count, "invoice")),
            ],
            width,
            emphasise_first=True,
        ),
        Spacer(1, 7 * mm),
    ]
    methods = [[L.method_label(m.method), str(m.count), fmt.money(m.amount)] for m in doc.method_totals]
    method_table = _data_table(
        ["Method", "Payments", "Amount"],
        methods,
        [width * 0.5, width * 0.2, width * 0.3],
        numeric_from=1,
        total=["Total received", "", fmt.money(doc.payments_total)],
    )
    story.append(
        KeepTogether([Paragraph("Payments by method", st["heading"]), Spacer(1, 2 * mm), method_table])
    )
    story += [Spacer(1, 7 * mm), Paragraph("Invoices", st["heading"]), Spacer(1, 2 * mm)]
    credit_style = L.replace_style(st["cell"], "day_cn")
    rows: list[list[str | Paragraph]] = [
        [
            Paragraph(
                f'{escape(r.invoice_number)}<br/><font size="7" color="#616e7c">credit note</font>',
                credit_style,
            )
            if r.kind == "credit_note"
            else r.invoice_number,
            r.patient_name,
            r.patient_mrn,
            L.status_label(r.status),
            fmt.money(r.total),
            fmt.money(r.paid_today),
            fmt.money(r.balance),
        ]
        for r in doc.rows
    ]
    widths = _fit([31 * mm, 0, 23 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm], width, 1)
    story.append(
        _data_table(
            ["Invoice", "Patient", "MRN", "Status", "Total", "Paid today", "Balance"],
            rows,
            widths,
            numeric_from=4,
        )
    )
    return _build(story, clinic, title)


def render_aging_pdf(doc: AgingDoc, clinic: ClinicHeader) -> bytes:
    """Render aged receivables: the bucket totals and every outstanding invoice behind them."""
    fonts.ensure_fonts()
    st = L.styles()
    fmt = L.Formats.for_clinic(clinic.currency, clinic.locale)
    width = A4[0] - 2 * MARGIN
    title = f"Aged receivables {doc.as_of.isoformat()}"
    cards = [(f"{b.label} DAYS", fmt.money(b.amount), _count(b.count, "invoice")) for b in doc.buckets]
    cards.append(("TOTAL", fmt.money(doc.total), _count(len(doc.rows), "invoice")))
    story: list[Flowable] = [
        L.report_header(
            clinic, "AGED RECEIVABLES", [("As of", fmt.date(doc.as_of)), *_generated(fmt, doc)], width
        ),
        Spacer(1, 5 * mm),
        HRFlowable(width="100%", thickness=1.2, color=L.ACCENT, spaceAfter=5 * mm),
        _cards(cards, width, emphasise_last=True),
        Spacer(1, 7 * mm),
        Paragraph("Outstanding invoices", st["heading"]),
        Spacer(1, 2 * mm),
    ]
    rows = [
        [
            r.patient_name,
            r.patient_mrn,
            r.invoice_number,
            fmt.date(r.issue_date),
            r.bucket,
            str(r.days_outstanding),
            fmt.money(r.balance),
        ]
        for r in doc.rows
    ]
    widths = _fit([0, 24 * mm, 32 * mm, 25 * mm, 16 * mm, 14 * mm, 26 * mm], width, 0)
    total = ["Total", "", "", "", "", "", fmt.money(doc.total)]
    story.append(
        _data_table(
            ["Patient", "MRN", "Invoice", "Issued", "Bucket", "Days", "Balance"],
            rows,
            widths,
            numeric_from=5,
            total=total,
        )
    )
    return _build(story, clinic, title)
