"""Blind-index plumbing for patients: a patient's tokens (compute, write, replace), lookups by identifier.

Lookups go through the `search_tokens` primary key (kind, token, row_id) and then decrypt only the few
candidate rows, because tokens are truncated HMACs: a token match is a candidate, never a proof.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from hmis_desktop.crypto.blind import (
    BlindIndexer,
    Term,
    identifier,
    name_parts,
    phone_suffixes,
    phonetic,
    prefixes,
)
from hmis_desktop.crypto.keys import KeySet
from hmis_desktop.services.patient_fields import ClinicContext, PatientValues
from hmis_desktop.services.patient_formats import format_mrn, mrn_seq
from hmis_desktop.store.encrypted import decrypt_value
from hmis_desktop.store.models import Patient, SearchToken, Setting

ST = cast(Table, SearchToken.__table__)
PT = cast(Table, Patient.__table__)
CHUNK = 900  # bound parameters per IN list: well under SQLite's and PostgreSQL's limits

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def status_unindexed() -> Any:
    """`patients.status || ''`: the same value, but SQLite can no longer pick `ix_patients_status` for it.

    With `id IN (token subquery) AND status IN (...)` SQLite's planner otherwise walks the status index, i.e.
    every active patient, and probes the token set for each: a table scan in disguise. Disqualifying the
    index (SQLite's documented `+column` / `|| ''` idiom, valid on PostgreSQL too) makes the token set drive.
    """
    return PT.c.status.concat("")


def driver_insert(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk insert through the driver's executemany; values must already be as the driver takes them.

    For imports: SQLAlchemy's per-row parameter handling costs more than SQLite's insert itself at millions of
    token rows. Convert values with `bind_converter` (the columns' own bind processors), so a UUID or a
    timestamp is stored exactly as the ORM stores it.
    """
    if not rows:
        return
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


def bind_converter(session: Session, table: Table, column: str) -> Callable[[Any], Any]:
    """How `table.column` turns a Python value into the driver's value on this back-end."""
    dialect = session.connection().dialect
    proc = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    if proc is None:
        return lambda v: v
    return lambda v: None if v is None else proc(v)


@contextmanager
def bulk_cache(session: Session, mib: int = 256) -> Iterator[None]:
    """On SQLite, a larger page cache while one transaction inserts millions of index entries."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    old = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    conn.exec_driver_sql(f"PRAGMA cache_size = {-mib * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {old}")


def write_tokens(session: Session, row_id: uuid.UUID, pairs: Iterable[tuple[int, int]]) -> None:
    """Insert a patient's tokens (one executemany)."""
    rows = [{"kind": int(k), "token": t, "row_id": row_id} for k, t in sorted(set(pairs))]
    if rows:
        session.execute(insert(ST), rows)


def replace_tokens(session: Session, row_id: uuid.UUID, pairs: Iterable[tuple[int, int]]) -> None:
    """Delete and re-insert a patient's tokens in the caller's transaction (after an edit)."""
    session.execute(delete(ST).where(ST.c.row_id == row_id))
    write_tokens(session, row_id, pairs)


def identifiers_taken(
    session: Session,
    keys: KeySet,
    term: Term,
    column: str,
    values: Iterable[str],
    *,
    exclude: Iterable[uuid.UUID] = (),
) -> dict[str, uuid.UUID]:
    """Which of these identifiers (MRN or national id) a non-merged patient already has: ident -> id."""
    wanted = {i for i in (identifier(v) for v in values if v) if i}
    if not wanted:
        return {}
    skip = set(exclude)
    tokens = sorted({keys.indexer.token(term, v) for v in wanted})
    ct_col = PT.c[f"{column}_ct"]
    found: dict[str, uuid.UUID] = {}
    for part in chunks(tokens):
        rows = session.execute(
            select(PT.c.id, ct_col)
            .join(ST, ST.c.row_id == PT.c.id)
            .where(ST.c.kind == int(term), ST.c.token.in_(part), PT.c.status != "merged")
        ).all()
        for pid, ct in rows:
            if pid in skip:
                continue
            value = decrypt_value(keys.cipher, Patient, column, pid, ct)
            ident = identifier(value) if value else ""
            if ident in wanted:
                found[ident] = pid
    return found


def take_mrns(session: Session, keys: KeySet, ctx: ClinicContext, count: int, now: datetime) -> list[str]:
    """Take `count` record numbers from the `mrn.next` counter, locked in the caller's transaction.

    Numbers already used (an imported MRN of the same shape) are skipped rather than handed out twice.
    """
    row = session.get(Setting, "mrn.next", with_for_update=True)
    seq = int(row.value) if row is not None else 1
    out: list[str] = []
    while len(out) < count:
        want = [format_mrn(ctx.mrn_format, s) for s in range(seq, seq + (count - len(out)))]
        seq += len(want)
        taken = identifiers_taken(session, keys, Term.RECORD_NUMBER, "mrn", want)
        out.extend(m for m in want if identifier(m) not in taken)
    _set_next(session, row, seq, now)
    return out


def bump_mrn_counter(session: Session, ctx: ClinicContext, mrns: Iterable[str], now: datetime) -> None:
    """Move `mrn.next` past imported record numbers that have the clinic's shape."""
    seqs = [s for s in (mrn_seq(ctx.mrn_format, m) for m in mrns) if s is not None]
    if not seqs:
        return
    row = session.get(Setting, "mrn.next", with_for_update=True)
    current = int(row.value) if row is not None else 1
    if max(seqs) >= current:
        _set_next(session, row, max(seqs) + 1, now)


def _set_next(session: Session, row: Setting | None, seq: int, now: datetime) -> None:
    if row is None:
        session.add(Setting(key="mrn.next", value=seq, updated_at=now))
    else:
        row.value, row.updated_at = seq, now


def decrypt_columns(keys: KeySet, row: Any, names: Iterable[str]) -> dict[str, Any]:
    """Decrypt the named `<name>_ct` columns of one Core row (which has `id`)."""
    m = row._mapping
    return {n: decrypt_value(keys.cipher, Patient, n, m["id"], m[f"{n}_ct"]) for n in names}


# --- blind-index tokens -------------------------------------------------------------------------


def patient_tokens(
    indexer: BlindIndexer,
    values: PatientValues,
    mrn: str | None,
    memo: dict[tuple[str, str], list[tuple[int, int]]] | None = None,
) -> set[tuple[int, int]]:
    """Every (kind, token) pair a patient is found by: name prefixes and sounds, birth date, phones, ids.

    `memo` (an import's, dropped afterwards) reuses the tokens of name parts and birth dates seen before:
    names repeat so much that most HMACs of a large file are repeats.
    """
    out: set[tuple[int, int]] = set()
    tok = indexer.token
    for part in name_parts(values.given_name, values.family_name, values.other_names):
        got = memo.get(("n", part)) if memo is not None else None
        if got is None:
            got = [(Term.NAME_PREFIX, tok(Term.NAME_PREFIX, p)) for p in prefixes(part)]
            code = phonetic(part)
            if code:
                got.append((Term.PHONETIC, tok(Term.PHONETIC, code)))
            if memo is not None:
                memo[("n", part)] = got
        out.update(got)
    if values.birth_date is not None:
        iso = values.birth_date.isoformat()
        got = memo.get(("d", iso)) if memo is not None else None
        if got is None:
            got = [(Term.BIRTH_DATE, tok(Term.BIRTH_DATE, iso))]
            if memo is not None:
                memo[("d", iso)] = got
        out.update(got)
    for p in values.phones:
        out.update(
            (Term.PHONE_SUFFIX, tok(Term.PHONE_SUFFIX, s)) for s in phone_suffixes(p.number.lstrip("+"))
        )
    mrn_ident = identifier(mrn) if mrn else ""
    if mrn_ident:
        out.add((Term.RECORD_NUMBER, tok(Term.RECORD_NUMBER, mrn_ident)))
    if values.national_id:
        out.add((Term.NATIONAL_ID, tok(Term.NATIONAL_ID, identifier(values.national_id))))
    return out
