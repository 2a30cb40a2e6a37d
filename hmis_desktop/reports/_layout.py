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
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Image, Paragraph

from hmis_desktop.reports import fonts

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


def para(text: str, style: ParagraphStyle, *, bold: bool = False, width: float | None = None) -> Paragraph:
    """A Paragraph for text in any script; right-to-left text is right-aligned unless the style centres it.

    ``width`` is the width the paragraph will get, so that right-to-left text can be wrapped correctly.
    """
    text = fonts.clean(text)
    if fonts.is_rtl(text) and style.alignment in (TA_LEFT,):
        style = _aligned(style, TA_RIGHT)
    return Paragraph(fonts.markup(text, bold=bold, width=width, size=style.fontSize), style)


def cell(
    text: str, style: ParagraphStyle, *, bold: bool = False, width: float | None = None
) -> str | Paragraph:
    """A table cell: the plain string when the table's font can draw it (fast), else a Paragraph."""
    text = fonts.clean(text)
    if "\n" not in text and fonts.is_plain(text):
        return text
    return para(text, style, bold=bold, width=width)


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
        self.canv.hmis_group = self.group  # type: ignore[attr-defined]


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
    canvas.drawString(-width / 2, -size * 0.35, text)
    canvas.roundRect(-width / 2 - 14, -size * 0.55, width + 28, size * 1.05, 10, stroke=1, fill=0)
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
