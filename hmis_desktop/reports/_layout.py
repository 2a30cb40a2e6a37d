"""Shared pieces of the PDF layouts: palette, styles, money and date formats, logo, the page-numbering canvas."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from hmis_desktop.reports import fonts
from hmis_desktop.reports.model import ClinicHeader

log = logging.getLogger(__name__)

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
ACCENT = colors.HexColor("#0b5d6b")
ACCENT_LIGHT = colors.HexColor("#e7f1f3")
RULE = colors.HexColor("#cbd2d9")
STRIPE = colors.HexColor("#f5f7fa")
DANGER = colors.HexColor("#b42318")

PRODUCER = "HMIS Desktop"

METHOD_LABELS = {
    "cash": "Cash",
    "card": "Card",
    "insurance": "Insurance",
    "bank_transfer": "Bank transfer",
    "other": "Other",
}
STATUS_LABELS = {
    "draft": "Draft",
    "unpaid": "Unpaid",
    "partially_paid": "Partially paid",
    "paid": "Paid",
    "voided": "Void",
}


def method_label(method: str) -> str:
    """A payment method as a person reads it."""
    return METHOD_LABELS.get(method, method.replace("_", " ").capitalize())


def status_label(status: str) -> str:
    """An invoice status as a person reads it."""
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


@functools.lru_cache(maxsize=64)
def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        # A clinic with a mistyped locale still gets its invoice, in English number formats.
        log.warning("unknown locale %r in clinic settings; using en_US for the PDF", name)
        return Locale.parse("en_US")


@dataclass(frozen=True)
class Formats:
    """Money, date and number formatting in one clinic's currency and locale."""

    currency: str
    locale: Locale

    @classmethod
    def for_clinic(cls, currency: str, locale: str) -> Formats:
        """Formats for a clinic's currency and babel locale name."""
        return cls(currency=currency, locale=_locale(locale))

    def money(self, amount: Decimal) -> str:
        """An amount in the clinic's currency, e.g. "$1,234.50"."""
        return format_currency(amount, self.currency, locale=self.locale)

    def date(self, value: date | None) -> str:
        """A date in the locale's medium format, or an en dash when there is none."""
        return "–" if value is None else format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime) -> str:
        """A timestamp in the locale's medium format."""
        return format_datetime(value, format="medium", locale=self.locale)

    def number(self, value: Decimal) -> str:
        """A quantity without trailing zeros: 2, 2.5, 0.125."""
        trimmed = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
        return format_decimal(trimmed, locale=self.locale, decimal_quantization=False)

    def percent(self, rate: Decimal) -> str:
        """A rate given in percent (Decimal("16")) as "16%"."""
        return f"{self.number(rate)}%"


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles every report shares, keyed by role."""
    fonts.ensure_fonts()
    base = ParagraphStyle("body", fontName=fonts.SANS, fontSize=9, leading=12, textColor=INK)
    small = replace_style(base, "small", fontSize=8, leading=10.5, textColor=MUTED)
    return {
        "body": base,
        "body_right": replace_style(base, "body_right", alignment=TA_RIGHT),
        "small": small,
        "small_right": replace_style(small, "small_right", alignment=TA_RIGHT),
        "small_centre": replace_style(small, "small_centre", alignment=TA_CENTER),
        "cell": replace_style(base, "cell", fontSize=8.5, leading=11),
        "cell_right": replace_style(base, "cell_right", fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "label": replace_style(
            base, "label", fontName=fonts.SANS_BOLD, fontSize=7.5, leading=10, textColor=MUTED
        ),
        "clinic": replace_style(base, "clinic", fontName=fonts.SANS_BOLD, fontSize=14, leading=18),
        "name": replace_style(base, "name", fontName=fonts.SANS_BOLD, fontSize=11, leading=15),
        "heading": replace_style(
            base, "heading", fontName=fonts.SANS_BOLD, fontSize=10, leading=14, textColor=ACCENT
        ),
        "title": replace_style(
            base, "title", fontName=fonts.SANS_BOLD, fontSize=22, leading=26, textColor=ACCENT
        ),
    }


def replace_style(style: ParagraphStyle, name: str, **changes: Any) -> ParagraphStyle:
    """A copy of ``style`` under a new name with some attributes changed."""
    copy = ParagraphStyle(name, parent=style)
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


@functools.lru_cache(maxsize=128)
def _aligned(style: ParagraphStyle, alignment: int) -> ParagraphStyle:
    return replace_style(style, f"{style.name}_{alignment}", alignment=alignment)


def para(
    text: str,
    style: ParagraphStyle,
    *,
    bold: bool = False,
    width: float | None = None,
    rtl_right: bool = True,
) -> Paragraph:
    """A Paragraph for text in any script; right-to-left text is right-aligned unless ``rtl_right`` is False.

    ``width`` is the width the paragraph will get, so that right-to-left text can be wrapped correctly.
    """
    text = fonts.clean(text)
    if rtl_right and style.alignment == TA_LEFT and fonts.is_rtl(text):
        style = _aligned(style, TA_RIGHT)
    return Paragraph(fonts.markup(text, bold=bold, width=width, size=style.fontSize), style)


def cell(
    text: str,
    style: ParagraphStyle,
    *,
    bold: bool = False,
    width: float | None = None,
    rtl_right: bool = True,
) -> str | Paragraph:
    """A table cell: the plain string when the table's font draws it on one line (fast), else a Paragraph.

    ``width`` is the room inside the cell; without it the text is assumed to fit.
    """
    text = fonts.clean(text)
    if (
        "\n" not in text
        and fonts.is_plain(text)
        and (width is None or stringWidth(text, style.fontName, style.fontSize) <= width)
    ):
        return text
    return para(text, style, bold=bold, width=width, rtl_right=rtl_right)


def table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose cells default to the embedded font.

    reportlab's default cell font is Helvetica, which is never embedded: set it even for cells that
    only hold paragraphs, so no unembedded font is referenced by the PDF.
    """
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.SANS), *commands])


def logo(data: bytes | None, max_width: float, max_height: float) -> Image | None:
    """The clinic logo scaled to fit the box, or None when there is none or it cannot be read."""
    if not data:
        return None
    try:
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
    except Exception:  # a broken logo must not stop an invoice from printing
        log.warning("clinic logo could not be read; printing without it", exc_info=True)
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(max_width / width, max_height / height)
    image = Image(io.BytesIO(data), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


_FLUSH = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def clinic_block(clinic: ClinicHeader, width: float, *, logo_height: float = 18 * mm) -> list[Flowable]:
    """Logo, clinic name, address, tax id and contact, stacked for the top-left of a page."""
    st = styles()
    parts: list[Flowable] = []
    image = logo(clinic.logo_png, width * 0.6, logo_height)
    if image is not None:
        parts += [image, Spacer(1, 2.5 * mm)]
    parts.append(para(clinic.name, st["clinic"], bold=True, width=width, rtl_right=False))
    details = [clinic.address] if clinic.address else []
    if clinic.tax_id:
        details.append(f"Tax ID: {clinic.tax_id}")
    contact = "  ·  ".join(x for x in (clinic.phone, clinic.email) if x)
    if contact:
        details.append(contact)
    if details:
        parts.append(para("\n".join(details), st["small"], width=width, rtl_right=False))
    return parts


def key_values(rows: list[tuple[str, str]], width: float) -> Table:
    """A right-aligned block of labels and values (document number, dates, status)."""
    st = styles()
    label_w = width * 0.45
    data = [[cell(k, st["small_right"]), cell(v, st["cell_right"], width=width - label_w)] for k, v in rows]
    table = Table(data, colWidths=[label_w, width - label_w], hAlign="RIGHT")
    table.setStyle(
        table_style(
            [
                ("FONT", (0, 0), (0, -1), fonts.SANS, 8),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("FONT", (1, 0), (1, -1), fonts.SANS, 8.5),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, -1), 8),
                ("RIGHTPADDING", (1, 0), (1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def report_header(clinic: ClinicHeader, title: str, meta: list[tuple[str, str]], width: float) -> Table:
    """The first-page header: clinic on the left; the title and its key facts on the right."""
    st = styles()
    left_w = width * 0.56
    right_w = width - left_w
    title_style = _aligned(st["title"], TA_RIGHT)
    right: list[Flowable] = [Paragraph(title, title_style), Spacer(1, 3 * mm), key_values(meta, right_w)]
    table = Table([[clinic_block(clinic, left_w - 6 * mm), right]], colWidths=[left_w, right_w])
    table.setStyle(table_style(_FLUSH))
    return table


def flush_table(rows: list[list[Any]], widths: list[float], *extra: tuple[Any, ...]) -> Table:
    """A layout-only table (no padding, top-aligned) for placing blocks side by side."""
    table = Table(rows, colWidths=widths)
    table.setStyle(table_style([*_FLUSH, *extra]))
    return table


def figure_box(
    label: str,
    value: str,
    width: float,
    *,
    note: str = "",
    color: colors.Color = ACCENT,
    align: int = TA_RIGHT,
    value_size: float = 17,
) -> Table:
    """A tinted box with a small label, one large figure and an optional note (balance due, day totals)."""
    st = styles()
    label_style = replace_style(st["label"], "fig_label", textColor=color, alignment=align)
    value_style = replace_style(
        st["title"],
        "fig_value",
        fontSize=value_size,
        leading=value_size * 1.25,
        textColor=INK,
        alignment=align,
    )
    note_style = replace_style(st["small"], "fig_note", alignment=align)
    rows: list[list[Any]] = [
        [Paragraph(label, label_style)],
        [para(value, value_style, bold=True, width=width - 20)],
    ]
    if note:
        rows.append([para(note, note_style, width=width - 20)])
    tint = colors.Color(color.red, color.green, color.blue, alpha=0.09)
    box = Table(rows, colWidths=[width], hAlign="RIGHT" if align == TA_RIGHT else "LEFT")
    box.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), tint),
                ("LINEBEFORE", (0, 0), (0, -1), 3, color),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (-1, 0), 7),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
            ]
        )
    )
    return box


@dataclass(frozen=True)
class PageGroup:
    """Pages that are numbered together ("Page x of y"): one document in a batch.

    ``meta`` is whatever the page decorator needs to draw that document's running header and footer.
    """

    key: int
    meta: Any = None


@dataclass(frozen=True)
class PageInfo:
    """What a page decorator knows about the page it decorates."""

    group: PageGroup
    number: int  # 1-based within the group
    count: int  # pages in the group
    width: float
    height: float


PageDecorator = Callable[[Canvas, PageInfo], None]


class GroupMark(Flowable):
    """A zero-size flowable that starts a new page group: put it first on the group's first page."""

    def __init__(self, group: PageGroup) -> None:
        super().__init__()
        self.group = group
        self.width = self.height = 0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """Take no space."""
        return 0, 0

    def draw(self) -> None:
        """Tag the page being drawn with this group."""
        self.canv.hmis_group = self.group


class NumberedCanvas(Canvas):
    """A canvas that holds every page back until the document ends, so each page can say "Page x of y".

    Pages are grouped by the last GroupMark drawn on them, so a batch numbers each invoice on its own.
    The decorator draws headers, footers and stamps over the finished page content.
    """

    def __init__(self, *args: Any, decorate: PageDecorator, first_group: PageGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._held: list[dict[str, Any]] = []
        self.hmis_group = first_group

    def showPage(self) -> None:
        """Hold the finished page instead of writing it."""
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Decorate each held page now that page counts are known, then write the document."""
        counts: dict[int, int] = {}
        for state in self._held:
            key = state["hmis_group"].key
            counts[key] = counts.get(key, 0) + 1
        seen: dict[int, int] = {}
        for state in self._held:
            self.__dict__.update(state)
            group: PageGroup = state["hmis_group"]
            seen[group.key] = seen.get(group.key, 0) + 1
            width, height = self._pagesize
            info = PageInfo(
                group=group, number=seen[group.key], count=counts[group.key], width=width, height=height
            )
            self.saveState()
            self._decorate(self, info)
            self.restoreState()
            super().showPage()
        super().save()


def canvas_maker(decorate: PageDecorator, first_group: PageGroup) -> Callable[..., NumberedCanvas]:
    """A canvasmaker for ``doc.build`` that numbers pages and decorates them with ``decorate``."""
    return functools.partial(NumberedCanvas, decorate=decorate, first_group=first_group)


def stamp(canvas: Canvas, info: PageInfo, text: str, color: colors.Color, *, size: float = 96) -> None:
    """A large translucent diagonal word (DRAFT, VOID) across the middle of the page."""
    canvas.saveState()
    canvas.translate(info.width / 2, info.height / 2)
    canvas.rotate(35)
    canvas.setFillColor(color, alpha=0.13)
    canvas.setStrokeColor(color, alpha=0.35)
    canvas.setLineWidth(2)
    canvas.setFont(fonts.SANS_BOLD, size)
    width = canvas.stringWidth(text, fonts.SANS_BOLD, size)
    # Noto Sans caps are 0.714 em tall: centre them on the page centre, with even room inside the frame.
    canvas.drawString(-width / 2, -size * 0.357, text)
    canvas.roundRect(
        -width / 2 - size * 0.2, -size * 0.56, width + size * 0.4, size * 1.12, size * 0.1, stroke=1, fill=0
    )
    canvas.restoreState()


def page_footer(
    canvas: Canvas, info: PageInfo, *, left: str, margin: float, baseline: float, size: float = 7.5
) -> None:
    """A hairline, ``left`` at the left edge and "Page x of y" at the right edge."""
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(margin, baseline + size + 4, info.width - margin, baseline + size + 4)
    canvas.setFillColor(MUTED)
    if left:
        fonts.draw_text(canvas, margin, baseline, left, size)
    fonts.draw_text(
        canvas, info.width - margin, baseline, f"Page {info.number} of {info.count}", size, align="right"
    )


def simple_doc(
    buffer: io.BytesIO,
    pagesize: tuple[float, float],
    *,
    margins: tuple[float, float, float, float],
    title: str,
    author: str,
) -> BaseDocTemplate:
    """A one-frame document with neutral metadata; ``margins`` are (left, right, top, bottom).

    The frame has no padding, so tables sized to the text width fit exactly. Metadata carries only what
    the caller passes as ``title`` (never a patient's name: PHI must not leak into file properties).
    """
    left, right, top, bottom = margins
    doc = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author=author,
        subject=title,
        creator=PRODUCER,
        producer=PRODUCER,
        keywords="",
        pageCompression=1,
        initialFontName=fonts.SANS,
    )
    width, height = pagesize
    frame = Frame(
        left,
        bottom,
        width - left - right,
        height - top - bottom,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc
