"""Keyed blind indexes: search encrypted fields through a B-tree without storing plaintext.

Each token is the first 32 bits of HMAC-SHA256 under a key derived from the root key for one kind of term.
Truncation is deliberate (CipherSweet): many values share a token, so a token alone does not identify a
value; the candidates a token finds are decrypted and filtered in memory.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

import jellyfish
import phonenumbers

from hmis_desktop.crypto.primitives import hkdf, hmac256

MAX_PREFIX = 12


class Term(enum.IntEnum):
    """Kinds of blind-index term; the value is stored in `search_tokens.kind`."""

    NAME_PREFIX = 1
    PHONETIC = 2
    BIRTH_DATE = 3
    PHONE_SUFFIX = 4
    RECORD_NUMBER = 5
    NATIONAL_ID = 6


_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # kana
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xAC00 <= cp <= 0xD7AF  # hangul
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x2FFFF
    )


def fold(text: str) -> str:
    """Case- and accent-fold text for matching: "Zoë Núñez-Ångström" -> "zoe nunez angstrom"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", stripped.casefold().replace("_", " ")).split())


def name_parts(*names: str | None) -> list[str]:
    """Folded name parts of all the given names, split on spaces, hyphens and apostrophes."""
    parts: list[str] = []
    for name in names:
        if name:
            parts.extend(p for p in fold(name).split() if p)
    return parts


def prefixes(part: str) -> list[str]:
    """Prefixes of a folded name part that get a token: 2..12 characters (1.. for CJK names)."""
    start = 1 if part and _is_cjk(part[0]) else 2
    return [part[:n] for n in range(start, min(len(part), MAX_PREFIX) + 1)]


def phonetic(part: str) -> str | None:
    """Metaphone code of a Latin-script name part ("smyth" and "smith" both give "SM0")."""
    if not part or not part.isascii() or not part.isalpha():
        return None
    code = jellyfish.metaphone(part)
    return code or None


def phone_digits(raw: str, region: str = "US") -> str | None:
    """E.164 digits (no '+') of a phone number, or None if it cannot be a phone number."""
    try:
        num = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def digits_only(text: str) -> str:
    """The ASCII digits of `text`."""
    return "".join(c for c in text if c.isdigit() and c.isascii())


def phone_suffixes(digits: str) -> list[str]:
    """Suffixes of 4 or more digits: "find by any trailing 4+ digits" without a table scan."""
    return [digits[-n:] for n in range(4, len(digits) + 1)]


def identifier(text: str) -> str:
    """Normalise a record number or national id: upper case, letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).upper() if c.isalnum())


class BlindIndexer:
    """Computes blind-index tokens with keys derived from the root key, one key per kind of term."""

    def __init__(self, root_key: bytes) -> None:
        self._keys = {t: hkdf(root_key, b"hmis-blind-index|" + t.name.encode()) for t in Term}

    def token(self, term: Term, value: str) -> int:
        """The 32-bit signed token for one normalised value."""
        mac = hmac256(self._keys[term], value.encode("utf-8"))
        return int.from_bytes(mac[:4], "big", signed=True)

    def tokens(self, term: Term, values: Iterable[str]) -> set[int]:
        """Tokens for several values (duplicates folded)."""
        return {self.token(term, v) for v in values if v}
