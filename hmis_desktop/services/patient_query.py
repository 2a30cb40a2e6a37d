"""What a search box query means: which blind-index lookups to make and how to check each candidate.

A date (2019-03-04, or 04/03/2019 read in the clinic locale's order) is a birth date; digits are a phone's
trailing digits, a record number or a national id; letters with digits are a record number or national id;
words are name parts. A plausible year next to other terms narrows by birth year (or phone ending).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hmis_desktop.crypto.blind import BlindIndexer, Term, digits_only, identifier, name_parts, phone_digits
from hmis_desktop.services.patient_fields import ClinicContext
from hmis_desktop.services.patient_formats import format_mrn, mrn_seq, parse_date

_PHONE_CHARS = re.compile(r"^[\d\s()+\-./]+$")


Verify = Callable[[dict[str, Any]], str | None]


@dataclass
class Lookup:
    """A non-name part of the query: token alternatives (any may match) and a check on decrypted values."""

    pairs: list[tuple[int, int]]
    verify: Verify
    columns: tuple[str, ...]


@dataclass
class Query:
    """What a query asks: lookups that must all match, filters checked after decryption, and name words."""

    terms: list[Lookup] = field(default_factory=list)
    filters: list[Lookup] = field(default_factory=list)  # checked after decryption only (a birth year)
    words: list[str] = field(default_factory=list)  # folded name words


def _numeric(digits: str, ctx: ClinicContext, idx: BlindIndexer) -> Lookup:
    pairs: list[tuple[int, int]] = []
    tok = idx.token
    local = phone_digits(digits, ctx.region) if len(digits) >= 4 else None
    if len(digits) >= 4:
        pairs.append((Term.PHONE_SUFFIX, tok(Term.PHONE_SUFFIX, digits)))
        if local and local != digits:
            pairs.append((Term.PHONE_SUFFIX, tok(Term.PHONE_SUFFIX, local)))
    mrns = {digits}
    if len(digits) <= 12 and int(digits) > 0:
        mrns.add(identifier(format_mrn(ctx.mrn_format, int(digits))))
    pairs += [(Term.RECORD_NUMBER, tok(Term.RECORD_NUMBER, m)) for m in sorted(mrns)]
    pairs.append((Term.NATIONAL_ID, tok(Term.NATIONAL_ID, digits)))

    def verify(v: dict[str, Any]) -> str | None:
        if v["mrn"] and identifier(v["mrn"]) in mrns:
            return "mrn"
        if v["national_id"] and identifier(v["national_id"]) == digits:
            return "national_id"
        if len(digits) >= 4:
            for ph in v["phones"] or ():
                d = ph["number"].lstrip("+")
                if d in (local, digits):
                    return "phone_number"
                if d.endswith(digits):
                    return "phone"
        return None

    return Lookup(pairs, verify, ("phones", "mrn", "national_id"))


def _ident(word: str, ctx: ClinicContext, idx: BlindIndexer) -> Lookup:
    ident = identifier(word)
    mrns = {ident}
    seq = mrn_seq(ctx.mrn_format, word)
    if seq is not None:
        mrns.add(identifier(format_mrn(ctx.mrn_format, seq)))
    pairs = [(int(Term.RECORD_NUMBER), idx.token(Term.RECORD_NUMBER, m)) for m in sorted(mrns)]
    pairs.append((Term.NATIONAL_ID, idx.token(Term.NATIONAL_ID, ident)))

    def verify(v: dict[str, Any]) -> str | None:
        if v["mrn"] and identifier(v["mrn"]) in mrns:
            return "mrn"
        if v["national_id"] and identifier(v["national_id"]) == ident:
            return "national_id"
        return None

    return Lookup(pairs, verify, ("mrn", "national_id"))


def _birth(d: date, idx: BlindIndexer) -> Lookup:
    return Lookup(
        [(Term.BIRTH_DATE, idx.token(Term.BIRTH_DATE, d.isoformat()))],
        lambda v: "birth_date" if v["birth_date"] == d else None,
        ("birth_date",),
    )


def _year_term(year: int) -> Lookup:
    digits = str(year)

    def verify(v: dict[str, Any]) -> str | None:
        if v["birth_date"] is not None and v["birth_date"].year == year:
            return "birth_year"
        if any(ph["number"].endswith(digits) for ph in v["phones"] or ()):
            return "phone"
        return None

    return Lookup([], verify, ("birth_date", "phones"))


def parse_query(text: str, ctx: ClinicContext, idx: BlindIndexer) -> Query:
    """Decide what each part of the query is (see the module docstring)."""
    q = Query()
    text = text.strip()
    if not text:
        return q
    whole_digits = digits_only(text)
    if _PHONE_CHARS.match(text) and parse_date(text, ctx.locale, ctx.today) is None and whole_digits:
        q.terms.append(_numeric(whole_digits, ctx, idx))  # "0712 345 678", "+254-712-345678"
        return q
    has_alpha = any(c.isalpha() for c in text)
    if has_alpha and whole_digits and mrn_seq(ctx.mrn_format, text) is not None:
        q.terms.append(_ident(text, ctx, idx))  # "MRN 000123", "mrn123"
        return q
    words = text.replace(",", " ").replace(";", " ").split()
    years: list[int] = []
    for w in words:
        d = parse_date(w, ctx.locale, ctx.today) if any(c in w for c in "-/.") else None
        wd = digits_only(w)
        if d is not None:
            q.terms.append(_birth(d, idx))
        elif wd and _PHONE_CHARS.match(w):
            if len(wd) == 4 and 1900 <= int(wd) <= ctx.today.year and len(words) > 1:
                years.append(int(wd))
            else:
                q.terms.append(_numeric(wd, ctx, idx))
        elif wd and any(c.isalpha() for c in w):
            q.terms.append(_ident(w, ctx, idx))
        else:
            q.words.extend(name_parts(w))
    for y in years:
        # A year narrows other terms; alone (no other lookups) it is searched as phone digits.
        if q.terms or any(tokenable(w) for w in q.words):
            q.filters.append(_year_term(y))
        else:
            q.terms.append(_numeric(str(y), ctx, idx))
    return q


def tokenable(word: str) -> bool:
    return len(word) >= 2 or (bool(word) and not word.isascii())
