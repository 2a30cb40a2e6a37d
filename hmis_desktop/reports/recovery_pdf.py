"""The printable recovery-key sheet shown once when a store is set up."""

from __future__ import annotations

import io
import math
import re
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, ListFlowable, ListItem, Paragraph, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from hmis_desktop.reports import _layout as L
from hmis_desktop.reports import fonts

MARGIN = 22 * mm
KEY_MAX_SIZE = 26.0
KEY_MIN_SIZE = 11.0
KEY_COMFORTABLE_SIZE = 20.0

WARNING = (
    "Keep this sheet in a safe place. Anyone with this key and a copy of the store can read the clinic's data. "
    "It is the only way back in if every administrator password is lost."
)


def _key_lines(key: str, width: float) -> tuple[list[str], float]:
    """Lay the key out in as few balanced lines as read comfortably, and the font size that fits them.

    Lines break only where the key has a separator (a dash or space), so nothing is added to the key.
    """
    key = key.strip()
    groups = [g for g in re.split(r"(?<=[-\s])", key) if g]
    best: tuple[list[str], float] | None = None
    for count in range(1, min(len(groups), 4) + 1):
        per_line = math.ceil(len(groups) / count)
        lines = ["".join(groups[i : i + per_line]).rstrip() for i in range(0, len(groups), per_line)]
        widest = max(pdfmetrics.stringWidth(line, fonts.MONO, 1) for line in lines)
        size = min(KEY_MAX_SIZE, math.floor(width / widest * 2) / 2)
        if size >= KEY_COMFORTABLE_SIZE:
            return lines, size
        if size >= KEY_MIN_SIZE and (best is None or size > best[1]):
            best = (lines, size)
    if best is not None:
        return best
    # A long key without separators: cut it into equal pieces at the smallest size.
    per_line = max(1, int(width // pdfmetrics.stringWidth("M", fonts.MONO, KEY_MIN_SIZE)))
    return [key[i : i + per_line] for i in range(0, len(key), per_line)], KEY_MIN_SIZE


def _write_in(label: str, width: float) -> Table:
    st = L.styles()
    table = Table(
        [[L.cell(label, st["small"]), ""]], colWidths=[34 * mm, width - 34 * mm], rowHeights=[9 * mm]
    )
    table.setStyle(
        L.table_style(
            [
                ("FONT", (0, 0), (0, 0), fonts.SANS, 9),
                ("TEXTCOLOR", (0, 0), (0, 0), L.MUTED),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, 0), 0.6, L.MUTED),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def render_recovery_key_pdf(*, clinic_name: str, recovery_key: str, created: date) -> bytes:
    """Render the one-page recovery-key sheet (the key never goes into the PDF's metadata)."""
    fonts.ensure_fonts()
    st = L.styles()
    width = A4[0] - 2 * MARGIN
    box_inner = width - 16 * mm
    lines, size = _key_lines(recovery_key, box_inner)
    key_style = L.replace_style(
        st["body"],
        f"recovery_key_{size}",
        fontName=fonts.MONO,
        fontSize=size,
        leading=size * 1.45,
        alignment=TA_CENTER,
    )
    # Recovery keys are ASCII by construction (Noto Sans Mono draws them); escaped so no character is lost.
    key_markup = "<br/>".join(escape(line) for line in lines)
    key_box = Table([[Paragraph(key_markup, key_style)]], colWidths=[width])
    key_box.setStyle(
        L.table_style(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, L.INK),
                ("BACKGROUND", (0, 0), (-1, -1), L.STRIPE),
                ("TOPPADDING", (0, 0), (-1, -1), 9 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 8 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8 * mm),
            ]
        )
    )
    warning_style = L.replace_style(
        st["body"], "recovery_warning", fontSize=11, leading=15.5, fontName=fonts.SANS_BOLD
    )
    bullet_style = L.replace_style(st["body"], "recovery_bullet", fontSize=9.5, leading=13.5)
    advice = [
        "Print this sheet and keep it offline, somewhere locked and away from the clinic's computers.",
        "Do not photograph it, e-mail it or save it on a computer or phone.",
        "You need it only if no administrator can log in. Enter the key exactly as printed; "
        "the line breaks are not part of it.",
        "If you think someone else has seen this key, ask an administrator to replace it.",
    ]
    story: list[Flowable] = [
        Paragraph("HMIS DESKTOP", st["label"]),
        Spacer(1, 1 * mm),
        Paragraph("Recovery key", L.replace_style(st["title"], "recovery_title", fontSize=26, leading=31)),
        Spacer(1, 2 * mm),
        L.para(clinic_name, st["name"], bold=True, width=width, rtl_right=False),
        Paragraph(f"Created {created.isoformat()}", st["small"]),
        Spacer(1, 5 * mm),
        HRFlowable(width="100%", thickness=1.2, color=L.ACCENT, spaceAfter=8 * mm),
        key_box,
        Spacer(1, 8 * mm),
        Table(
            [[Paragraph(WARNING, warning_style)]],
            colWidths=[width],
            style=L.table_style(
                [
                    ("LINEBEFORE", (0, 0), (0, -1), 3, L.DANGER),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.Color(0.706, 0.137, 0.094, alpha=0.06)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
                ]
            ),
        ),
        Spacer(1, 6 * mm),
        ListFlowable(
            [ListItem(Paragraph(text, bullet_style), leftIndent=12, value="•") for text in advice],
            bulletType="bullet",
            start="•",
            bulletFontName=fonts.SANS,
            leftIndent=12,
        ),
        Spacer(1, 12 * mm),
        _write_in("Stored at", width),
        _write_in("Stored by", width),
        _write_in("Date", width),
    ]
    buffer = io.BytesIO()
    doc = L.simple_doc(
        buffer,
        A4,
        margins=(MARGIN, MARGIN, 20 * mm, 20 * mm),
        title="HMIS Desktop recovery key",
        author=clinic_name,
    )
    doc.build(story)
    return buffer.getvalue()
