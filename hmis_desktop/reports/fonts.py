"""Embedded fonts, and text split into runs that each font can draw.

reportlab has no font fallback and no bidi: one string in one font shows boxes for every glyph the font
lacks, and Arabic comes out unjoined and left-to-right. So every string that reaches a PDF goes through
here: it is split by script into runs (Latin/Greek/Cyrillic -> Noto Sans, Arabic -> Noto Sans Arabic,
Han/Kana/Hangul -> Droid Sans Fallback), Arabic is joined with arabic_reshaper and put in visual order
with python-bidi, and the runs come back as Paragraph markup or are drawn straight on a canvas.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi.algorithm import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"

SANS = "HmisSans"
SANS_BOLD = "HmisSans-Bold"
ARABIC = "HmisArabic"
ARABIC_BOLD = "HmisArabic-Bold"
CJK = "HmisCJK"
CJK_HANGUL = "HmisCJK-Hangul"
MONO = "HmisMono"

_FILES = {
    SANS: "NotoSans-Regular.ttf",
    SANS_BOLD: "NotoSans-Bold.ttf",
    ARABIC: "NotoSansArabic-Regular.ttf",
    ARABIC_BOLD: "NotoSansArabic-Bold.ttf",
    MONO: "NotoSansMono-Bold.ttf",
    # DroidSansFallbackFull has CJK Extension A but no Hangul syllables; the smaller DroidSansFallback has
    # all 11,172 of them, so Korean names fall through to it. The Full file's PostScript name was changed
    # to DroidSansFallbackFull (resources/fonts/README.md): reportlab merges fonts that share one.
    CJK: "DroidSansFallbackFull.ttf",
    CJK_HANGUL: "DroidSansFallback.ttf",
}
_BASE_FONTS = (SANS, SANS_BOLD, ARABIC, ARABIC_BOLD, MONO)
# The CJK files are 4 MB each and take ~80 ms to parse: loaded only when a string needs them.
_CJK_FONTS = (CJK, CJK_HANGUL)

_lock = threading.Lock()
_loaded: dict[str, TTFont] = {}
_base_ready = False
_cjk_ready = False

# Bidi controls and joiners: reshaping and reordering have used them by the time text is drawn, and
# reportlab would otherwise draw them as glyphs (or boxes).
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x061C,
        0x2060,
        0xFEFF,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# C0/C1 controls other than tab and newline (category Cc).
_CONTROLS_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RTL_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]")


class FontsMissingError(RuntimeError):
    """A font file the PDFs need is not in resources/fonts."""


@dataclass(frozen=True)
class Run:
    """A piece of one line, in visual order, drawn in a single font."""

    text: str
    font: str


def _load(names: tuple[str, ...]) -> None:
    # Caller holds _lock.
    for name in names:
        if name in _loaded:
            continue
        path = FONTS_DIR / _FILES[name]
        if not path.is_file():
            raise FontsMissingError(
                f"PDF font {path.name} is missing from {FONTS_DIR}; reinstall the application"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
        # reportlab shares one font object between names whose files have the same PostScript name, so
        # ask it what it will really draw with (our files' PostScript names are all distinct).
        registered = pdfmetrics.getFont(name)
        if Path(registered.face.filename).name != path.name:
            raise FontsMissingError(
                f"PDF font {name} resolves to {registered.face.filename}: a font with the same PostScript name "
                "was registered earlier in this process"
            )
        _loaded[name] = registered


def ensure_fonts() -> None:
    """Register the Latin, Arabic and monospace fonts with reportlab once per process."""
    global _base_ready
    if _base_ready:
        return
    with _lock:
        if _base_ready:
            return
        _load(_BASE_FONTS)
        # Lets <b> inside paragraph markup pick the bold file of the same family.
        for regular, bold in ((SANS, SANS_BOLD), (ARABIC, ARABIC_BOLD)):
            addMapping(regular, 0, 0, regular)
            addMapping(regular, 1, 0, bold)
            addMapping(regular, 0, 1, regular)
            addMapping(regular, 1, 1, bold)
        _base_ready = True


def _ensure_cjk() -> None:
    global _cjk_ready
    if _cjk_ready:
        return
    ensure_fonts()
    with _lock:
        if not _cjk_ready:
            _load(_CJK_FONTS)
            _cjk_ready = True


def _covers(font: str, cp: int) -> bool:
    return cp in _loaded[font].face.charToGlyph


def _is_arabic(cp: int) -> bool:
    return (
        0x0600 <= cp <= 0x06FF
        or 0x0750 <= cp <= 0x077F
        or 0x0870 <= cp <= 0x08FF
        or 0xFB50 <= cp <= 0xFDFF
        or 0xFE70 <= cp <= 0xFEFF
    )


def _is_cjk(cp: int) -> bool:
    return (
        0x1100 <= cp <= 0x11FF  # Hangul Jamo
        or 0x2E80 <= cp <= 0x2FDF  # radicals
        or 0x3000 <= cp <= 0x33FF  # CJK punctuation, Hiragana, Katakana, Bopomofo, compatibility Jamo
        or 0x3400 <= cp <= 0x4DBF  # Han Extension A
        or 0x4E00 <= cp <= 0x9FFF  # Han
        or 0xA960 <= cp <= 0xA97F
        or 0xAC00 <= cp <= 0xD7FF  # Hangul syllables
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF00 <= cp <= 0xFFEF  # half- and full-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


@functools.lru_cache(maxsize=8192)
def _font_for(ch: str, bold: bool) -> str:
    """The first font, in this script's order of preference, that has a glyph for ``ch``."""
    cp = ord(ch)
    sans, arabic = (SANS_BOLD, ARABIC_BOLD) if bold else (SANS, ARABIC)
    if _is_arabic(cp):
        chain: tuple[str, ...] = (arabic, sans, *_CJK_FONTS)
    elif _is_cjk(cp):
        chain = (*_CJK_FONTS, sans)
    else:
        chain = (sans, arabic, *_CJK_FONTS)
    for font in chain:
        if font in _CJK_FONTS:
            _ensure_cjk()
        if _covers(font, cp):
            return font
    return sans  # nobody has it: Noto Sans draws its .notdef box, which at least shows something is missing


def _is_strong(ch: str) -> bool:
    # Letters pick their font by script; spaces, digits, punctuation and marks follow their neighbours.
    return unicodedata.category(ch)[0] == "L"


def clean(text: str) -> str:
    """NFC-normalise and drop characters that must not be drawn (controls; bidi marks in left-to-right text)."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _CONTROLS_RE.sub("", text).replace("\t", " ")
    # babel puts RLM/ALM in some locales' numbers and dates ("\u200f-1,234.50 US$"); with no right-to-left
    # letter around they change nothing we draw, and would otherwise ride along as invisible glyphs.
    return text if has_rtl(text) else text.translate(_INVISIBLE)


def has_rtl(text: str) -> bool:
    """Whether ``text`` contains right-to-left letters (Arabic, Hebrew, …)."""
    return _RTL_RE.search(text) is not None


def is_rtl(text: str) -> bool:
    """Whether the paragraph direction of ``text`` is right-to-left (its first strong letter is RTL)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return False


def _visual(line: str) -> str:
    """One logical line -> the glyph order to draw (Arabic joined, RTL reordered), controls removed."""
    if has_rtl(line):
        shaped = arabic_reshaper.reshape(line)
        line = get_display(shaped, base_dir="R" if is_rtl(line) else "L")
    return line.translate(_INVISIBLE)


def line_runs(line: str, *, bold: bool = False) -> list[Run]:
    """Split one line (no newline) into font runs in visual order, ready to draw left to right."""
    ensure_fonts()
    text = _visual(line)
    fonts: list[str | None] = [_font_for(ch, bold) if _is_strong(ch) else None for ch in text]
    # A neutral takes the font of the letter before it, else of the letter after it, when that font has
    # the glyph: "محمد 12" stays one Arabic run instead of switching fonts around the space.
    following_strong: list[str | None] = [None] * len(text)
    nxt: str | None = None
    for i in range(len(text) - 1, -1, -1):
        following_strong[i] = nxt
        nxt = fonts[i] or nxt
    previous: str | None = None
    for i, ch in enumerate(text):
        font = fonts[i]
        if font is not None:
            previous = font
            continue
        cp = ord(ch)
        following = following_strong[i]
        if previous is not None and _covers(previous, cp):
            fonts[i] = previous
        elif following is not None and _covers(following, cp):
            fonts[i] = following
        else:
            fonts[i] = _font_for(ch, bold)
    runs: list[Run] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or fonts[i] != fonts[start]:
            runs.append(Run(text[start:i], fonts[start] or SANS))
            start = i
    return runs


def is_plain(text: str) -> bool:
    """Whether ``text`` draws correctly as one string in Noto Sans (no other script, no RTL)."""
    ensure_fonts()
    glyphs = _loaded[SANS].face.charToGlyph
    return not has_rtl(text) and all(ord(ch) in glyphs for ch in text if ch != "\n")


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of the widest line of ``text`` at ``size``."""
    widest = 0.0
    for line in text.split("\n"):
        if is_plain(line):  # the common case, without building runs
            width = pdfmetrics.stringWidth(line, SANS_BOLD if bold else SANS, size)
        else:
            width = sum(pdfmetrics.stringWidth(r.text, r.font, size) for r in line_runs(line, bold=bold))
        widest = max(widest, width)
    return widest


def wrap_logical(line: str, width: float, size: float, *, bold: bool = False) -> list[str]:
    """Break one logical line into lines no wider than ``width``, before any bidi reordering.

    Bidi reordering is per line (UAX #9): wrapping a reordered RTL string would put its first words on the
    last line, so right-to-left text is broken here first and each line reordered on its own.
    """
    words = line.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold=bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def markup(text: str, *, bold: bool = False, width: float | None = None, size: float | None = None) -> str:
    """Paragraph markup for ``text``: escaped ``<font name=…>`` runs, newlines as ``<br/>``.

    Give ``width`` and ``size`` when the text may wrap and may contain right-to-left script.
    """
    out: list[str] = []
    for line in clean(text).split("\n"):
        pieces = wrap_logical(line, width, size, bold=bold) if width and size and has_rtl(line) else [line]
        for piece in pieces:
            out.append(
                "".join(f'<font name="{r.font}">{escape(r.text)}</font>' for r in line_runs(piece, bold=bold))
            )
    return "<br/>".join(out)


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, bold: bool = False, align: str = "left"
) -> float:
    """Draw one line of any script at baseline ``y``; ``align`` is left, right, centre or auto (by direction).

    Returns the drawn width.
    """
    line = clean(text).replace("\n", " ")
    runs = line_runs(line, bold=bold)
    widths = [pdfmetrics.stringWidth(r.text, r.font, size) for r in runs]
    total = sum(widths)
    if align == "auto":
        align = "right" if is_rtl(line) else "left"
    if align == "right":
        x -= total
    elif align in ("centre", "center"):
        x -= total / 2
    for run, w in zip(runs, widths, strict=True):
        canvas.setFont(run.font, size)
        canvas.drawString(x, y, run.text)
        x += w
    return total
