"""Formats people type: record numbers (MRN) in the clinic's pattern, and dates in the clinic's locale."""

from __future__ import annotations

import re
import string
from datetime import date
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from hmis_desktop.crypto.blind import identifier

# --- record numbers -----------------------------------------------------------------------------


@lru_cache(maxsize=16)
def mrn_shape(fmt: str) -> tuple[str, str]:
    """The literal text before and after `{seq…}` in the MRN format, as identifiers ("MRN", "")."""
    before: list[str] = []
    after: list[str] = []
    seen = False
    for literal, fname, _spec, _conv in string.Formatter().parse(fmt):
        (after if seen else before).append(literal)
        if fname is not None:
            seen = True
    return identifier("".join(before)), identifier("".join(after))


def mrn_seq(fmt: str, text: str) -> int | None:
    """The sequence number inside an MRN-shaped text ("mrn 123" -> 123 for MRN{seq:06d}), else None."""
    ident = identifier(text)
    pre, suf = mrn_shape(fmt)
    if not ident.startswith(pre) or not ident.endswith(suf) or len(ident) <= len(pre) + len(suf):
        return None
    middle = ident[len(pre) : len(ident) - len(suf)]
    return int(middle) if middle.isdigit() and middle.isascii() else None


def format_mrn(fmt: str, seq: int) -> str:
    """The record number for a sequence value."""
    return fmt.format(seq=seq)


# --- dates typed by people ----------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$")


@lru_cache(maxsize=16)
def date_order(locale: str) -> str:
    """ "dmy", "mdy" or "ymd": the order of the clinic locale's short date (babel)."""
    try:
        pattern = Locale.parse(locale).date_formats["short"].pattern
    except (UnknownLocaleError, ValueError, TypeError, KeyError):
        return "mdy"
    letters = [c for c in pattern if c in "dMy"]
    order = "".join(dict.fromkeys(c.lower() for c in letters))
    return order if order in ("dmy", "mdy", "ymd") else "dmy"


def _year(text: str, today: date) -> int:
    y = int(text)
    if len(text) <= 2:  # birth dates: a two-digit year not after this year is this century
        y += 2000 if y <= today.year % 100 else 1900
    return y


def parse_date(text: str, locale: str, today: date) -> date | None:
    """A date typed by a person: ISO (2019-03-04) or the locale's order (04/03/2019 is 4 March in en_GB)."""
    text = text.strip()
    m = _ISO.match(text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    m = _DMY.match(text)
    if not m:
        return None
    a, b, c = m[1], m[2], m[3]
    if len(a) == 4:
        orders = ["ymd"]
    else:
        first = date_order(locale)
        # A date impossible in the locale's order (13/02/2019 in en_US) is read in the other one.
        orders = [first, "mdy" if first == "dmy" else "dmy"] if first != "ymd" else ["dmy", "mdy"]
    for order in orders:
        parts = dict(zip(order, (a, b, c), strict=True))
        if len(parts["y"]) not in (2, 4):
            continue
        try:
            return date(_year(parts["y"], today), int(parts["m"]), int(parts["d"]))
        except ValueError:
            continue
    return None
