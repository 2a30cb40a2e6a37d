"""Patient import from CSV (a dry run, then an all-or-nothing bulk write) and, re-exported, the exports.

`plan_import` reads the file, guesses which column is which (or takes a mapping), validates every row with
the same rules as the registration form, and finds duplicates inside the file and against the store. Row
numbers are those a spreadsheet shows: the header is row 1, the first patient row 2.

`run_import` writes nothing if any row has a problem. Otherwise it writes every patient with Core bulk
inserts (ciphertexts from `encrypt_values`), their blind-index tokens sorted by key (so the B-tree fills
almost in order), and one audit event per patient through `audit.record_many`, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hmis_desktop import audit
from hmis_desktop.audit import Actor
from hmis_desktop.crypto.blind import Term, identifier
from hmis_desktop.errors import ValidationError
from hmis_desktop.ids import new_id
from hmis_desktop.permissions import Perm, require
from hmis_desktop.services.duplicates import (
    Person,
    duplicates_within,
    find_duplicates_bulk,
    person_of_values,
)
from hmis_desktop.services.patient_csv import (
    FIELDS,
    column_of,
    csv_rows,
    guess_mapping,
    parse_row,
    read_source,
)
from hmis_desktop.services.patient_export import export_patients_csv, export_patients_fhir
from hmis_desktop.services.patient_fields import (
    PatientValues,
    load_context,
    validate,
)
from hmis_desktop.services.patient_index import (
    PT,
    ST,
    bind_converter,
    bulk_cache,
    bump_mrn_counter,
    chunks,
    driver_insert,
    identifiers_taken,
    patient_tokens,
    take_mrns,
)
from hmis_desktop.store.encrypted import encrypt_values
from hmis_desktop.store.models import Patient
from hmis_desktop.store.store import Store

__all__ = [
    "FIELDS",
    "ImportDuplicate",
    "ImportPlan",
    "ImportResult",
    "RowError",
    "describe_plan",
    "export_patients_csv",
    "export_patients_fhir",
    "guess_mapping",
    "plan_import",
    "run_import",
]


@dataclass(frozen=True)
class RowError:
    """One problem in one row: spreadsheet row number, our field, the file's column, what to fix."""

    row: int
    field: str
    column: str
    message: str


@dataclass(frozen=True)
class ImportDuplicate:
    """A row that may be a patient already in the store, or an earlier row of the same file."""

    row: int
    score: int
    reasons: tuple[str, ...]
    other_row: int | None = None
    patient_id: uuid.UUID | None = None
    mrn: str = ""


@dataclass(frozen=True)
class _Record:
    row: int
    values: PatientValues
    mrn: str | None


@dataclass(frozen=True)
class ImportPlan:
    """The dry run: what would be imported, every row problem, and likely duplicates."""

    headers: tuple[str, ...]
    mapping: dict[str, str]
    total_rows: int
    valid_rows: int
    errors: tuple[RowError, ...]
    duplicates: tuple[ImportDuplicate, ...]
    records: tuple[_Record, ...] = field(default=(), repr=False)
    checked_in: Any = field(default=None, repr=False, compare=False)  # the transaction that checked the store

    @property
    def ok(self) -> bool:
        """Whether `run_import` would write the file."""
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    """What `run_import` wrote."""

    imported: int
    skipped_duplicates: int
    patient_ids: tuple[uuid.UUID, ...]


def plan_import(
    session: Session, *, actor: Actor, source: str | Path, mapping: dict[str, str] | None = None
) -> ImportPlan:
    """The dry run of an import: per-row errors, duplicates, valid count. Writes nothing.

    `source` is a `Path`, a path string, or the CSV text itself; `mapping` is {field: column header}
    (guessed from the headers when None; see FIELDS).
    """
    require(actor, Perm.PATIENT_IMPORT)
    store = Store.of(session)
    keys = store.require_keys()
    ctx = load_context(session, store.clock.now().date())
    headers, rows = csv_rows(read_source(source))
    mapping = dict(mapping) if mapping is not None else guess_mapping(headers)
    bad = {f: f"There is no field {f!r}." for f in mapping if f not in FIELDS}
    bad |= {
        f: f"The file has no column {c!r}." for f, c in mapping.items() if f in FIELDS and c not in headers
    }
    if not ({"given_name", "family_name"} & set(mapping)) and not bad:
        bad["mapping"] = "Choose the column with the given name or the family name."
    if bad:
        raise ValidationError(bad)
    cols = {f: headers.index(c) for f, c in mapping.items()}
    errors: list[RowError] = []
    records: list[_Record] = []
    seen_nid: dict[str, int] = {}
    seen_mrn: dict[str, int] = {}
    for n, raw in enumerate(rows, start=2):
        if not any(v.strip() for v in raw):
            continue  # blank lines at the end of spreadsheets
        data, mrn, row_errors = parse_row(raw, cols, ctx)
        values, field_errors = validate(data, ctx)
        if "estimated_age" in row_errors:
            field_errors.pop("birth_date", None)  # the age was unreadable, not missing
        field_errors = field_errors | row_errors  # "write the date as …" beats "enter the date"
        nid = identifier(values.national_id or "")
        if nid and nid in seen_nid:
            field_errors["national_id"] = f"The same national id is already on row {seen_nid[nid]}."
        mid = identifier(mrn)
        if mid and mid in seen_mrn:
            field_errors["mrn"] = f"The same record number is already on row {seen_mrn[mid]}."
        if field_errors:
            for key, msg in field_errors.items():
                name, column = column_of(key, mapping)
                errors.append(RowError(n, name, column, msg))
            continue
        if nid:
            seen_nid[nid] = n
        if mid:
            seen_mrn[mid] = n
        records.append(_Record(n, values, mrn or None))
    errors += _store_conflicts(session, store, records, mapping)
    bad_rows = {e.row for e in errors}
    good = [r for r in records if r.row not in bad_rows]
    return ImportPlan(
        headers=tuple(headers),
        mapping=mapping,
        total_rows=sum(1 for r in rows if any(v.strip() for v in r)),
        valid_rows=len(good),
        errors=tuple(sorted(errors, key=lambda e: (e.row, e.field))),
        duplicates=tuple(_duplicates(session, keys, good)),
        records=tuple(good),
        checked_in=session.get_transaction(),
    )


def _store_conflicts(
    session: Session, store: Store, records: list[_Record], mapping: dict[str, str]
) -> list[RowError]:
    keys = store.require_keys()
    out: list[RowError] = []
    nids = identifiers_taken(
        session,
        keys,
        Term.NATIONAL_ID,
        "national_id",
        [r.values.national_id for r in records if r.values.national_id],
    )
    mrns = identifiers_taken(session, keys, Term.RECORD_NUMBER, "mrn", [r.mrn for r in records if r.mrn])
    for r in records:
        if r.values.national_id and identifier(r.values.national_id) in nids:
            out.append(
                RowError(
                    r.row,
                    "national_id",
                    mapping.get("national_id", ""),
                    "A patient in the store already has this national id.",
                )
            )
        if r.mrn and identifier(r.mrn) in mrns:
            out.append(
                RowError(
                    r.row,
                    "mrn",
                    mapping.get("mrn", ""),
                    "A patient in the store already has this record number.",
                )
            )
    return out


def _duplicates(session: Session, keys: Any, records: list[_Record]) -> list[ImportDuplicate]:
    memo: dict[Any, Any] = {}
    people: list[Person | None] = [person_of_values(r.values, memo) for r in records]
    out: list[ImportDuplicate] = []
    for i, (j, points, reasons) in sorted(duplicates_within(people).items()):
        out.append(ImportDuplicate(records[i].row, points, reasons, other_row=records[j].row))
    found = find_duplicates_bulk(session, keys, [p for p in people if p is not None])
    for i, cands in sorted(found.items()):
        best = cands[0]
        out.append(
            ImportDuplicate(
                records[i].row, best.score, best.reasons, patient_id=best.patient_id, mrn=best.mrn
            )
        )
    return sorted(out, key=lambda d: (d.row, d.other_row or 0))


def describe_plan(plan: ImportPlan, *, limit: int = 20) -> str:
    """The dry run in words (for the CLI and logs the user sees): counts, row problems, likely duplicates."""
    bad_rows = len({e.row for e in plan.errors})
    lines = [
        f"{plan.total_rows:,} rows read: {plan.valid_rows:,} ready to import, {bad_rows:,} with problems."
    ]
    if plan.errors:
        lines.append("Problems (nothing is imported until every row is fixed):")
        lines += [f"  row {e.row} ({e.column or e.field}): {e.message}" for e in plan.errors[:limit]]
        if len(plan.errors) > limit:
            lines.append(f"  … and {len(plan.errors) - limit:,} more.")
    if plan.duplicates:
        lines.append("Possible duplicates (imported unless skipped):")
        for d in plan.duplicates[:limit]:
            other = f"row {d.other_row} of this file" if d.other_row else f"patient {d.mrn}"
            lines.append(f"  row {d.row} may be {other}: {', '.join(d.reasons)} (score {d.score})")
        if len(plan.duplicates) > limit:
            lines.append(f"  … and {len(plan.duplicates) - limit:,} more.")
    return "\n".join(lines)


def run_import(
    session: Session,
    *,
    actor: Actor,
    plan: ImportPlan | None = None,
    source: str | Path | None = None,
    mapping: dict[str, str] | None = None,
    skip_duplicates: bool = False,
) -> ImportResult:
    """Import a planned file (or plan it now): all rows or none; duplicates skipped only when asked."""
    require(actor, Perm.PATIENT_IMPORT)
    store = Store.of(session)
    keys = store.require_keys()
    if plan is None:
        if source is None:
            raise ValidationError({"file": "Choose the CSV file to import."})
        plan = plan_import(session, actor=actor, source=source, mapping=mapping)
    elif plan.checked_in is not session.get_transaction():
        # The plan is older than this transaction: re-check identifiers against the store now.
        late = _store_conflicts(session, store, list(plan.records), plan.mapping)
        if late:
            plan = ImportPlan(
                plan.headers,
                plan.mapping,
                plan.total_rows,
                plan.valid_rows - len(late),
                plan.errors + tuple(late),
                plan.duplicates,
                plan.records,
            )
    if plan.errors:
        first = plan.errors[:10]
        raise ValidationError(
            {f"row {e.row} {e.field}": e.message for e in first},
            f"Nothing was imported: {len({e.row for e in plan.errors})} row(s) have problems. "
            + "; ".join(f"row {e.row} ({e.column or e.field}): {e.message}" for e in first[:5]),
        )
    skip = {d.row for d in plan.duplicates} if skip_duplicates else set()
    records = [r for r in plan.records if r.row not in skip]
    ids = _bulk_insert(session, store, keys, actor, records)
    return ImportResult(
        imported=len(ids), skipped_duplicates=len(plan.records) - len(records), patient_ids=tuple(ids)
    )


_PLAIN = (
    "id",
    "status",
    "birth_date_estimated",
    "merged_into_id",
    "created_at",
    "updated_at",
    "created_by",
    "version",
)
_SECRET = ("mrn", *PatientValues().encrypted())
CHUNK = 5000  # patients per insert batch: bounded memory, tokens sorted within each batch


def _bulk_insert(
    session: Session, store: Store, keys: Any, actor: Actor, records: list[_Record]
) -> list[uuid.UUID]:
    if not records:
        return []
    now = store.clock.now()
    ctx = load_context(session, now.date())
    bump_mrn_counter(session, ctx, [r.mrn for r in records if r.mrn], now)
    fresh = iter(take_mrns(session, keys, ctx, sum(1 for r in records if not r.mrn), now))
    cipher, indexer = keys.cipher, keys.indexer
    as_id = bind_converter(session, PT, "id")
    at = bind_converter(session, PT, "created_at")(now)
    by = bind_converter(session, PT, "created_by")(actor.user_id)
    columns = [*_PLAIN, *(f"{n}_ct" for n in _SECRET)]
    memo: dict[tuple[str, str], list[tuple[int, int]]] = {}
    ids: list[uuid.UUID] = []
    with bulk_cache(session):
        for part in chunks(records, CHUNK):
            rows: list[tuple[Any, ...]] = []
            tokens: list[tuple[Any, ...]] = []
            for r in part:
                pid = new_id()
                db_id = as_id(pid)
                mrn = r.mrn or next(fresh)
                cts = encrypt_values(cipher, Patient, pid, {**r.values.encrypted(), "mrn": mrn})
                plain = (db_id, "active", r.values.birth_date_estimated, None, at, at, by, 1)
                rows.append((*plain, *(cts[f"{n}_ct"] for n in _SECRET)))
                tokens.extend((int(k), t, db_id) for k, t in patient_tokens(indexer, r.values, mrn, memo))
                ids.append(pid)
            driver_insert(session, PT, columns, rows)
            tokens.sort(key=itemgetter(0, 1))  # near-sequential B-tree inserts
            driver_insert(session, ST, ("kind", "token", "row_id"), tokens)
    audit.record_many(
        session,
        key=keys.audit_key,
        at=now,
        actor=actor,
        events=[
            {"action": "patient.create", "entity": "patient", "entity_id": pid, "detail": {"via": "import"}}
            for pid in ids
        ],
    )
    return ids
