"""Likely duplicate patients: a weighted score over identifiers, names, birth date and phones.

Scoring in the manner of OpenEMR's duplicate finder (points per matching attribute, one threshold):

    same national id ................................ 100
    same name (given + family parts, any order) .....  40   or similar name (same sounds, or
                                                              rapidfuzz token-sort ratio >= 88) ... 25
    same date of birth ..............................  30
    same phone number ...............................  25
    same email ......................................  15

A candidate is reported at THRESHOLD (50) or more: the same name and birth date (70), a similar name and
the same birth date (55), the same name and phone (65), or the same national id alone. A name alone (40), a
shared phone (families share one) or a birth date alone are not enough. Duplicates warn; they never block.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term, identifier, name_parts, phonetic
from hmis_desktop.crypto.keys import KeySet
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.patient_fields import (
    PatientCreate,
    PatientValues,
    display_name,
    load_context,
    validate,
)
from hmis_desktop.services.patient_index import PT, ST, chunks, decrypt_columns
from hmis_desktop.store.store import Store

THRESHOLD = 50
W_NATIONAL_ID, W_SAME_NAME, W_SIMILAR_NAME, W_BIRTH_DATE, W_PHONE, W_EMAIL = 100, 40, 25, 30, 25, 15
SIMILAR_RATIO = 88
CANDIDATE_CAP = 200
_COLUMNS = (
    "mrn",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "birth_date",
    "phones",
    "national_id",
    "email",
)


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing patient who may be the same person, with the score and why."""

    patient_id: uuid.UUID
    mrn: str
    display_name: str
    sex: str
    birth_date: date | None
    status: str
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    """The comparable form of a patient: folded name parts, their sounds, birth date, phone digits, ids."""

    parts: tuple[str, ...]
    codes: tuple[str, ...]
    birth_date: date | None
    phones: frozenset[str]
    national_id: str
    email: str


def person(
    given: str | None,
    family: str | None,
    birth_date: date | None,
    phones: Iterable[str],
    national_id: str | None,
    email: str | None,
    memo: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
) -> Person:
    """Build the comparable form (phones as E.164 with or without '+'); `memo` reuses repeated names."""
    parts: list[str] = []
    codes: list[str] = []
    for name in (given, family):
        if not name:
            continue
        known = memo.get(name) if memo is not None else None
        if known is None:
            p = tuple(name_parts(name))
            known = p, tuple(c for c in (phonetic(x) for x in p) if c)
            if memo is not None:
                memo[name] = known
        parts += known[0]
        codes += known[1]
    return Person(
        parts=tuple(sorted(parts)),
        codes=tuple(sorted(codes)),
        birth_date=birth_date,
        phones=frozenset(p.lstrip("+") for p in phones if p),
        national_id=identifier(national_id or ""),
        email=(email or "").strip().casefold(),
    )


def person_of_values(v: PatientValues, memo: dict[Any, Any] | None = None) -> Person:
    """The comparable form of validated input."""
    phones = [p.number for p in v.phones]
    return person(v.given_name, v.family_name, v.birth_date, phones, v.national_id, v.email, memo)


def score(a: Person, b: Person) -> tuple[int, tuple[str, ...]]:
    """Points and reasons for two people being the same (see the module docstring for the weights)."""
    total, reasons = 0, []
    if a.national_id and a.national_id == b.national_id:
        total += W_NATIONAL_ID
        reasons.append("same national id")
    name = ""
    if a.parts and a.parts == b.parts:
        total, name = total + W_SAME_NAME, "same name"
    elif (
        a.parts
        and b.parts
        and (
            (a.codes and a.codes == b.codes and len(a.codes) == len(a.parts))
            or fuzz.token_sort_ratio(" ".join(a.parts), " ".join(b.parts)) >= SIMILAR_RATIO
        )
    ):
        total, name = total + W_SIMILAR_NAME, "similar name"
    same_dob = a.birth_date is not None and a.birth_date == b.birth_date
    if same_dob:
        total += W_BIRTH_DATE
    if name and same_dob:
        reasons.append(
            f"{name} and date of birth" if name == "same name" else f"{name} and same date of birth"
        )
    elif name:
        reasons.append(name)
    elif same_dob:
        reasons.append("same date of birth")
    if a.phones & b.phones:
        total += W_PHONE
        reasons.append("same phone number")
    if a.email and a.email == b.email:
        total += W_EMAIL
        reasons.append("same email")
    return total, tuple(reasons)


def check_duplicates(session: Session, *, actor: Actor, data: PatientCreate) -> list[DuplicateCandidate]:
    """Patients who may be the one being typed in (the form calls this before saving; invalid fields ignored)."""
    require(actor, Perm.PATIENT_VIEW)
    store = Store.of(session)
    ctx = load_context(session, store.clock.now().date())
    values, _errors = validate(data, ctx)
    return find_duplicates(session, store.require_keys(), values)


def _lookup_terms(keys: KeySet, p: Person) -> list[tuple[int, int]]:
    tok = keys.indexer.token
    pairs: list[tuple[int, int]] = [(Term.PHONE_SUFFIX, tok(Term.PHONE_SUFFIX, d)) for d in sorted(p.phones)]
    if p.national_id:
        pairs.append((Term.NATIONAL_ID, tok(Term.NATIONAL_ID, p.national_id)))
    if p.birth_date is not None:
        pairs.append((Term.BIRTH_DATE, tok(Term.BIRTH_DATE, p.birth_date.isoformat())))
    return pairs


def find_duplicates(
    session: Session,
    keys: KeySet,
    values: PatientValues,
    *,
    exclude: uuid.UUID | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Candidates by national id, birth date or phone (one token query joined to one batch fetch), scored."""
    me = person_of_values(values)
    pairs = _lookup_terms(keys, me)
    if not pairs:
        return []
    ids = select(ST.c.row_id).where(or_(*(and_(ST.c.kind == int(k), ST.c.token == t) for k, t in pairs)))
    cols = [PT.c.id, PT.c.status] + [PT.c[f"{c}_ct"] for c in _COLUMNS]
    rows = session.execute(
        select(*cols).where(PT.c.id.in_(ids), PT.c.status != "merged").limit(CANDIDATE_CAP)
    ).all()
    out = [c for c in (_candidate(keys, me, r) for r in rows if r.id != exclude) if c.score >= THRESHOLD]
    out.sort(key=lambda c: (-c.score, c.display_name.casefold(), c.patient_id))
    return out[:limit]


def _candidate(keys: KeySet, me: Person, row: Any) -> DuplicateCandidate:
    v = decrypt_columns(keys, row, _COLUMNS)
    other = person(
        v["given_name"],
        v["family_name"],
        v["birth_date"],
        [p["number"] for p in v["phones"] or ()],
        v["national_id"],
        v["email"],
    )
    points, reasons = score(me, other)
    return DuplicateCandidate(
        patient_id=row.id,
        mrn=v["mrn"] or "",
        display_name=display_name(v["given_name"], v["family_name"], v["other_names"]),
        sex=v["sex"] or "unknown",
        birth_date=v["birth_date"],
        status=row.status,
        score=points,
        reasons=reasons,
    )


def find_duplicates_bulk(
    session: Session, keys: KeySet, people: Sequence[Person]
) -> dict[int, list[DuplicateCandidate]]:
    """Store duplicates of many people at once (import): batched token lookups, one decrypt per candidate.

    A birth-date match is kept as a candidate only when a name part also sounds the same, so a large file
    does not decrypt every patient born on a popular date.
    """
    tok = keys.indexer.token
    want: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        for pair in _lookup_terms(keys, p):
            want[pair].append(i)
    hits: dict[tuple[int, int], list[uuid.UUID]] = defaultdict(list)
    by_kind: dict[int, list[int]] = defaultdict(list)
    for k, t in want:
        by_kind[k].append(t)
    for kind, tokens in by_kind.items():
        for tpart in chunks(sorted(set(tokens))):
            for row_id, t in session.execute(
                select(ST.c.row_id, ST.c.token).where(ST.c.kind == kind, ST.c.token.in_(tpart))
            ):
                hits[(kind, t)].append(row_id)
    dob_ids = sorted({r for (k, _t), rows in hits.items() if k == Term.BIRTH_DATE for r in rows})
    sounds: dict[uuid.UUID, set[int]] = defaultdict(set)
    for part in chunks(dob_ids):
        for row_id, t in session.execute(
            select(ST.c.row_id, ST.c.token).where(ST.c.kind == int(Term.PHONETIC), ST.c.row_id.in_(part))
        ):
            sounds[row_id].add(t)
    wanted: dict[int, set[uuid.UUID]] = defaultdict(set)
    for (kind, t), idxs in want.items():
        for i in idxs:
            for row_id in hits.get((kind, t), ()):
                # A birth-date hit counts only with a name part that sounds the same (see above).
                if kind != Term.BIRTH_DATE or sounds[row_id] & {
                    tok(Term.PHONETIC, c) for c in people[i].codes
                }:
                    wanted[i].add(row_id)
    all_ids = sorted({r for ids in wanted.values() for r in ids})
    rows: dict[uuid.UUID, Any] = {}
    cols = [PT.c.id, PT.c.status] + [PT.c[f"{c}_ct"] for c in _COLUMNS]
    for part in chunks(all_ids):
        for r in session.execute(select(*cols).where(PT.c.id.in_(part), PT.c.status != "merged")):
            rows[r.id] = r
    out: dict[int, list[DuplicateCandidate]] = {}
    for i, ids in wanted.items():
        found = [_candidate(keys, people[i], rows[r]) for r in sorted(ids) if r in rows]
        found = sorted((c for c in found if c.score >= THRESHOLD), key=lambda c: -c.score)
        if found:
            out[i] = found
    return out


def duplicates_within(people: Sequence[Person | None]) -> dict[int, tuple[int, int, tuple[str, ...]]]:
    """For each person, the best earlier person in the same list scoring at THRESHOLD or more.

    Pairs are compared only inside blocks sharing a national id, birth date or phone, so a file of 100,000
    rows costs a few comparisons per row, not 10^10.
    """
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        if p is None:
            continue
        keys = [("n", p.national_id)] if p.national_id else []
        if p.birth_date is not None:
            keys.append(("d", p.birth_date.isoformat()))
        keys.extend(("p", d) for d in p.phones)
        for key in keys:
            blocks[key].append(i)
    best: dict[int, tuple[int, int, tuple[str, ...]]] = {}
    for members in blocks.values():
        if len(members) < 2:
            continue
        head = members[:50]  # a block this crowded is a shared clinic phone or a default date, not people
        for pos, i in enumerate(members[1:], start=1):
            for j in head[: min(pos, 50)]:
                pi, pj = people[i], people[j]
                assert pi is not None and pj is not None
                points, reasons = score(pi, pj)
                if points >= THRESHOLD and (i not in best or points > best[i][1]):
                    best[i] = (j, points, reasons)
    return best
