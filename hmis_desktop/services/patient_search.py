"""Patient search from one box: names, sounds, birth dates, phone digits, record numbers and national ids.

What was typed decides the lookups: a date (2019-03-04, or 04/03/2019 read in the clinic locale's order) is a
birth date; digits are a phone's trailing digits, a record number or a national id; letters and digits
together are a record number or national id; words are name prefixes ("jo smi" finds John Smith), with a
sound-alike pass ("Jon Smyth" finds John Smith) ranked below prefix matches. Mixed queries ("smith 1980")
must match every part; a plausible year next to a name narrows by birth year (or phone ending).

Every lookup intersects token sets in the `search_tokens` B-tree in SQL; at most CANDIDATE_CAP candidates
are fetched and their columns decrypted in one batch, false positives (tokens are truncated HMACs) dropped,
the rest ranked and paged. The table is never scanned or decrypted whole.

Searches are not audited: the UI searches on every keystroke, so an event per search would bury the log,
and a search shows only what a result list needs. Opening a patient (`get_patient`) is audited.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import LargeBinary, Select, and_, intersect, or_, select, type_coerce
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import (
    MAX_PREFIX,
    Term,
    name_parts,
    phonetic,
)
from hmis_desktop.crypto.keys import KeySet
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.patient_fields import (
    age_on,
    display_name,
    load_context,
)
from hmis_desktop.services.patient_index import PT, ST, status_unindexed
from hmis_desktop.services.patient_query import Query, parse_query, tokenable
from hmis_desktop.store.models import Patient
from hmis_desktop.store.store import Store

# At most this many candidates are fetched and decrypted per pass. A query matching more is too broad to
# browse anyway (the hint asks for more letters); 300 keeps the worst case inside the 10 ms budget at
# 100,000 patients (fetching and testing a candidate costs ~20 µs on our 2-core reference PC).
CANDIDATE_CAP = 300
MAX_LIMIT = 200
_NAME_COLS = ("given_name", "family_name", "other_names")
_SHOW_COLS = ("mrn", "sex", "birth_date", "phones")
HINT_SHORT = "Type at least two letters of a name, or a birth date, phone number or record number."
HINT_MORE = f"More than {CANDIDATE_CAP} patients match. Type more of the name, or add a birth date."


@dataclass(frozen=True)
class PatientSummary:
    """One row of a patient list."""

    id: uuid.UUID
    mrn: str
    display_name: str
    given_name: str
    family_name: str
    sex: str
    birth_date: date | None
    birth_date_estimated: bool
    age: int | None
    phone: str
    status: str
    merged_into_id: uuid.UUID | None
    match: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class SearchPage:
    """A page of results.

    `total` counts the matches found among the candidates; sound-alikes are looked up only when prefix
    matches leave room on the requested page, so on a full page it counts prefix matches. `truncated` says
    the candidate cap was hit (type more).
    """

    query: str
    rows: tuple[PatientSummary, ...]
    total: int
    offset: int
    limit: int
    truncated: bool = False
    hint: str = ""


def _term_select(pairs: list[tuple[int, int]]) -> Select[Any]:
    if len(pairs) == 1:
        return select(ST.c.row_id).where(ST.c.kind == int(pairs[0][0]), ST.c.token == pairs[0][1])
    return select(ST.c.row_id).where(or_(*(and_(ST.c.kind == int(k), ST.c.token == t) for k, t in pairs)))


def _candidates(
    session: Session, selects: list[Select[Any]], statuses: tuple[str, ...], ctx: _Batch
) -> list[Any]:
    ids: Any = selects[0] if len(selects) == 1 else intersect(*selects)
    cols = [_raw_id(), *(PT.c[c] for c in _PLAIN_COLS[1:])]
    cols += [PT.c[f"{c}_ct"] for c in ctx.names[len(_PLAIN_COLS) :]]
    stmt = select(*cols).where(PT.c.id.in_(ids), status_unindexed().in_(statuses)).limit(CANDIDATE_CAP + 1)
    return list(session.execute(stmt).all())


_PLAIN_COLS = ("id", "status", "merged_into_id", "birth_date_estimated")


def _raw_id() -> Any:
    # The id as the driver returns it (16 bytes on SQLite, uuid on PostgreSQL): building a UUID object for
    # each of up to 300 candidates costs more than the test that drops most of them. Both forms give the
    # same associated data (`row_key`), and only the page's rows are turned into UUIDs.
    return type_coerce(PT.c.id, LargeBinary()).label("id")


_DECODE = {n: Patient.__dict__[n].codec.decode for n in _NAME_COLS + _SHOW_COLS + ("national_id",)}
_MISSING = object()
_NON_WORD = re.compile(r"[^\w]+")


class _Batch:
    """One search's candidates: column positions, the cipher, and memos of folded names and their sounds.

    The memos live only for one call (names repeat a lot among candidates: "Smith" many times over) and are
    never kept, so no plaintext outlives the search.
    """

    def __init__(self, keys: KeySet, columns: set[str]) -> None:
        self.cipher = keys.cipher
        self.names = list(_PLAIN_COLS) + sorted(columns)
        self.pos = {n: i for i, n in enumerate(self.names)}
        self._parts: dict[str, tuple[str, ...]] = {}
        self._sounds: dict[str, str | None] = {}

    def parts(self, name: str | None) -> tuple[str, ...]:
        if not name:
            return ()
        got = self._parts.get(name)
        if got is None:
            if name.isascii():  # what `name_parts` gives for ASCII, without its Unicode decomposition
                got = tuple(_NON_WORD.sub(" ", name.lower().replace("_", " ")).split())
            else:
                got = tuple(name_parts(name))
            self._parts[name] = got
        return got

    def sound(self, part: str) -> str | None:
        if part not in self._sounds:
            self._sounds[part] = phonetic(part)
        return self._sounds[part]


class _Row:
    """A candidate whose columns are decrypted on first use, so filtering decrypts only what it reads."""

    __slots__ = ("batch", "extra", "row", "values")

    def __init__(self, batch: _Batch, row: Any) -> None:
        self.batch, self.row = batch, row
        self.values: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}  # ciphertexts fetched after ranking (`_fetch_rest`)

    @property
    def key(self) -> Any:
        return self.row[0]

    @property
    def id(self) -> uuid.UUID:
        k = self.row[0]
        return k if isinstance(k, uuid.UUID) else uuid.UUID(bytes=bytes(k))

    def __getitem__(self, name: str) -> Any:
        value = self.values.get(name, _MISSING)
        if value is _MISSING:
            pos = self.batch.pos.get(name)
            ct = self.row[pos] if pos is not None else self.extra.get(name)
            value = (
                None
                if ct is None
                else _DECODE[name](self.batch.cipher.decrypt(ct, "patients", name, self.key))
            )
            self.values[name] = value
        return value

    def dict(self, names: tuple[str, ...]) -> dict[str, Any]:
        return {n: self[n] for n in names}

    def sort_key(self) -> tuple[str, str]:
        b = self.batch
        return " ".join(b.parts(self["family_name"])), " ".join(b.parts(self["given_name"]))


def _name_score(words: list[str], r: _Row, sounds: bool) -> float | None:
    b = r.batch
    main = b.parts(r["given_name"]) + b.parts(r["family_name"])
    if not sounds:
        missing = [w for w in words if not any(p.startswith(w) for p in main)]
        other: tuple[str, ...] = ()
        if missing:  # other names are decrypted only when the given and family names do not explain a word
            other = b.parts(r["other_names"])
            if not all(any(p.startswith(w) for p in other) for w in missing):
                return None
        if set(words) == set(main):
            return 1.0
        return 0.9 if all(w in main or w in other for w in words) else 0.8
    parts = main + b.parts(r["other_names"])
    codes = {b.sound(p) for p in parts}
    if not all(b.sound(w) in codes for w in words):
        return None
    return 0.5 + 0.2 * fuzz.token_sort_ratio(" ".join(words), " ".join(parts)) / 100


# Without a name, exact identifiers and whole numbers rank above a phone's trailing digits.
KIND_SCORES = {"mrn": 1.0, "national_id": 1.0, "birth_date": 1.0, "phone_number": 1.0, "phone": 0.9}


def _kind_score(kind: str | None) -> float:
    if not kind:
        return 0.0
    return min(KIND_SCORES.get(k, 0.9) for k in kind.split("+"))


def _verify(q: Query, r: _Row) -> str | None:
    kinds: list[str] = []
    for t in q.terms + q.filters:
        kind = t.verify(r.dict(t.columns))
        if kind is None:
            return None
        kinds.append(kind)
    return "+".join(dict.fromkeys(kinds))


def search_patients(
    session: Session,
    *,
    actor: Actor,
    query: str,
    limit: int = 25,
    offset: int = 0,
    include_archived: bool = False,
    include_merged: bool = False,
) -> SearchPage:
    """Find patients from one search box (see the module docstring); merged records only when asked."""
    require(actor, Perm.PATIENT_VIEW)
    store = Store.of(session)
    keys = store.require_keys()
    limit, offset = max(1, min(limit, MAX_LIMIT)), max(0, offset)
    ctx = load_context(session, store.clock.now().date())
    q = parse_query(query, ctx, keys.indexer)
    token_words = [w for w in q.words if tokenable(w)]
    if not q.terms and not token_words:
        return SearchPage(query, (), 0, offset, limit, hint=HINT_SHORT if query.strip() else "")
    statuses = (
        ("active",) + (("archived",) if include_archived else ()) + (("merged",) if include_merged else ())
    )
    # Candidates bring their names and what the query tests; the page's other columns come afterwards.
    batch = _Batch(keys, set(_NAME_COLS) | {c for t in q.terms + q.filters for c in t.columns})
    base = [_term_select(t.pairs) for t in q.terms]
    tok = keys.indexer.token
    prefix_sel = base + [
        _term_select([(Term.NAME_PREFIX, tok(Term.NAME_PREFIX, w[:MAX_PREFIX]))]) for w in token_words
    ]
    rows = _candidates(session, prefix_sel, statuses, batch)
    truncated = len(rows) > CANDIDATE_CAP
    found: dict[Any, tuple[float, str, _Row]] = {}
    for raw in rows[:CANDIDATE_CAP]:
        r = _Row(batch, raw)
        kind = _verify(q, r)
        score = _name_score(q.words, r, sounds=False) if q.words and kind is not None else _kind_score(kind)
        if kind is not None and score is not None:
            found[r.key] = (score, "+".join(x for x in ("name" if q.words else "", kind) if x), r)
    codes = [phonetic(w) for w in q.words]
    # Sounds need whole words: metaphone of a two-letter prefix ("zz" -> "S") matches half the clinic. They
    # rank below every prefix match, so they are looked up only when prefix matches leave room on the page.
    if (
        q.words
        and not truncated
        and len(found) < offset + limit
        and all(codes)
        and all(len(w) >= 3 for w in q.words)
    ):
        sound_sel = base + [
            _term_select([(Term.PHONETIC, tok(Term.PHONETIC, c))])
            for c in dict.fromkeys(c for c in codes if c)
        ]
        more = _candidates(session, sound_sel, statuses, batch)
        truncated = len(more) > CANDIDATE_CAP
        for raw in more[:CANDIDATE_CAP]:
            if raw[0] in found:
                continue
            r = _Row(batch, raw)
            kind = _verify(q, r)
            score = _name_score(q.words, r, sounds=True) if kind is not None else None
            if kind is not None and score is not None:
                found[r.key] = (score, "+".join(x for x in ("phonetic", kind) if x), r)
    ranked = sorted(found.values(), key=lambda x: (-x[0], x[2].sort_key(), str(x[2].key)))
    chosen = ranked[offset : offset + limit]
    _fetch_rest(session, batch, [r for _s, _m, r in chosen])
    page = tuple(_summary(r, ctx.today, match, score) for score, match, r in chosen)
    return SearchPage(query, page, len(ranked), offset, limit, truncated, HINT_MORE if truncated else "")


def _fetch_rest(session: Session, batch: _Batch, rows: list[_Row]) -> None:
    """Fetch the display columns the candidate query left out, for the page's rows only (one query)."""
    missing = [c for c in _SHOW_COLS if c not in batch.pos]
    if not missing or not rows:
        return
    stmt = select(_raw_id(), *(PT.c[f"{c}_ct"] for c in missing)).where(PT.c.id.in_([r.id for r in rows]))
    got = {str(row[0]): row for row in session.execute(stmt)}
    for r in rows:
        extra = got.get(str(r.key))
        if extra is not None:
            r.extra = dict(zip(missing, extra[1:], strict=True))


def _summary(r: _Row, today: date, match: str, score: float) -> PatientSummary:
    phones = r["phones"] or ()
    given, family = r["given_name"], r["family_name"]
    row = r.row
    return PatientSummary(
        id=r.id,
        mrn=r["mrn"] or "",
        display_name=display_name(given, family, r["other_names"]),
        given_name=given or "",
        family_name=family or "",
        sex=r["sex"] or "unknown",
        birth_date=r["birth_date"],
        birth_date_estimated=bool(row[3]),
        age=age_on(r["birth_date"], today),
        phone=phones[0]["number"] if phones else "",
        status=row[1],
        merged_into_id=row[2],
        match=match,
        score=round(score, 3),
    )


def _select_summaries() -> Select[Any]:
    return select(
        *[PT.c[c] for c in _PLAIN_COLS], *[PT.c[f"{c}_ct"] for c in sorted(_NAME_COLS + _SHOW_COLS)]
    )


def summaries(session: Session, keys: KeySet, ids: list[uuid.UUID], today: date) -> list[PatientSummary]:
    """Summaries of the given patients in that order, decrypted in one query."""
    batch = _Batch(keys, set(_NAME_COLS + _SHOW_COLS))
    rows = {r[0]: r for r in session.execute(_select_summaries().where(PT.c.id.in_(ids)))}
    return [_summary(_Row(batch, rows[i]), today, "", 0.0) for i in ids if i in rows]


def list_recent(session: Session, *, actor: Actor, limit: int = 20) -> list[PatientSummary]:
    """The most recently registered active patients, newest first (ids are time-ordered UUIDv7)."""
    require(actor, Perm.PATIENT_VIEW)
    store = Store.of(session)
    batch = _Batch(store.require_keys(), set(_NAME_COLS + _SHOW_COLS))
    stmt = (
        _select_summaries()
        .where(status_unindexed() == "active")  # walk the id index newest first, stop at `limit`
        .order_by(PT.c.id.desc())
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    today = store.clock.now().date()
    return [_summary(_Row(batch, r), today, "", 0.0) for r in session.execute(stmt)]
