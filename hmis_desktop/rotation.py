"""Data-key rotation and whole-store verification.

Rotation makes a new data key primary, then a background job re-encrypts every value still under an older
key, a batch per transaction. Progress is the data itself: each value names its key id, so a job stopped
anywhere (crash, power cut, cancel) resumes by scanning for values not yet on the primary key. When none is
left and every value decrypts, the old keys are retired. Re-wrapping the root key (password change, new
device) never touches values; this does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from hmis_desktop import audit
from hmis_desktop.audit import Actor
from hmis_desktop.crypto import keys as keymod
from hmis_desktop.crypto.fields import FieldCipher, key_id_of
from hmis_desktop.errors import DecryptionError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.store.encrypted import REGISTRY
from hmis_desktop.store.models import Base, Blob, BlobChunk, DataKey
from hmis_desktop.store.store import Store

BATCH = 500


@dataclass
class RotationReport:
    """What a rotation run did."""

    primary_key_id: int
    reencrypted: int = 0
    finished: bool = False
    retired: list[int] = field(default_factory=list)


def start_rotation(store: Store, *, actor: Actor) -> int:
    """Make a new data key primary (new writes use it at once); returns its id. Run `resume_rotation` next."""
    require(actor, Perm.KEY_MANAGE)
    keys = store.require_keys()
    with store.session() as s:
        key_id = keymod.add_data_key(s, keys.root_key, now=store.clock.now())
        store.audit(s, "key.rotate_start", actor=actor, detail={"key_id": key_id})
    store.open_with_root(keys.root_key)
    return key_id


def _tables() -> Iterator[tuple[Table, list[str]]]:
    for name, fields in REGISTRY.items():
        table = Base.metadata.tables[name]
        yield table, [f for f, _ in fields]


def _reencrypt_table(
    s: Session, cipher: FieldCipher, table: Table, names: list[str], after: Any, limit: int
) -> tuple[int, Any, bool]:
    cols = [table.c.id] + [table.c[f"{n}_ct"] for n in names]
    rows = s.execute(select(*cols).where(table.c.id > after).order_by(table.c.id).limit(limit)).all()
    changed = 0
    for row in rows:
        values: dict[str, bytes] = {}
        for name, ct in zip(names, row[1:], strict=True):
            if ct is not None and key_id_of(ct) != cipher.primary_id:
                plain = cipher.decrypt(ct, table.name, name, row.id)
                values[f"{name}_ct"] = cipher.encrypt(plain, table.name, name, row.id)
        if values:
            s.execute(update(table).where(table.c.id == row.id).values(**values))
            changed += 1
    last = rows[-1].id if rows else after
    return changed, last, len(rows) < limit


def _reencrypt_chunks(
    s: Session, cipher: FieldCipher, after: tuple[Any, int], limit: int
) -> tuple[int, Any, bool]:
    blob_after, idx_after = after
    q = (
        select(BlobChunk.blob_id, BlobChunk.idx, BlobChunk.data, Blob.chunk_count)
        .join(Blob, Blob.id == BlobChunk.blob_id)
        .where(
            (BlobChunk.blob_id > blob_after)
            | ((BlobChunk.blob_id == blob_after) & (BlobChunk.idx > idx_after))
        )
        .order_by(BlobChunk.blob_id, BlobChunk.idx)
        .limit(limit)
    )
    rows = s.execute(q).all()
    changed = 0
    for blob_id, idx, data, count in rows:
        if key_id_of(data) != cipher.primary_id:
            column = f"data#{idx}/{count}"
            new = cipher.encrypt(
                cipher.decrypt(data, "blob_chunks", column, blob_id), "blob_chunks", column, blob_id
            )
            s.execute(
                update(BlobChunk).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == idx).values(data=new)
            )
            changed += 1
    last = (rows[-1][0], rows[-1][1]) if rows else after
    return changed, last, len(rows) < limit


def resume_rotation(
    store: Store,
    *,
    actor: Actor | None = None,
    batch: int = BATCH,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[int], None] = lambda n: None,
) -> RotationReport:
    """Re-encrypt values not under the primary key, one batch per transaction; retire old keys at the end.

    Safe to call any number of times; returns early (finished=False) when `should_stop()` turns true.
    """
    keys = store.require_keys()
    cipher = keys.cipher
    report = RotationReport(primary_key_id=cipher.primary_id)
    zero = uuid.UUID(int=0)
    for table, names in _tables():
        after: Any = zero
        done = False
        while not done:
            if should_stop():
                return report
            with store.session() as s:
                n, after, done = _reencrypt_table(s, cipher, table, names, after, batch)
            report.reencrypted += n
            progress(report.reencrypted)
    chunk_after: tuple[Any, int] = (zero, -1)
    done = False
    while not done:
        if should_stop():
            return report
        with store.session() as s:
            n, chunk_after, done = _reencrypt_chunks(s, cipher, chunk_after, max(1, batch // 50))
        report.reencrypted += n
        progress(report.reencrypted)
    check = verify_values(store)
    if check.bad or check.not_primary:
        raise DecryptionError(*check.bad[0]) if check.bad else RuntimeError("values remain under old keys")
    with store.session() as s:
        for dk in s.scalars(select(DataKey).where(DataKey.state == "active")):
            dk.state, dk.retired_at = "retired", store.clock.now()
            report.retired.append(dk.id)
        store.audit(
            s, "key.rotate_done", actor=actor, detail={"key_id": cipher.primary_id, "retired": report.retired}
        )
    store.open_with_root(keys.root_key)
    report.finished = True
    return report


def rotation_pending(store: Store) -> bool:
    """Whether an older key is still active (a rotation started and not finished)."""
    with store.read_session() as s:
        return s.scalar(select(DataKey.id).where(DataKey.state == "active").limit(1)) is not None


@dataclass
class ValueCheck:
    """Result of decrypting every encrypted value."""

    checked: int = 0
    bad: list[tuple[str, str, str]] = field(default_factory=list)  # (table, column, row id)
    not_primary: int = 0


def verify_values(store: Store, *, batch: int = 2000) -> ValueCheck:
    """Decrypt every encrypted value and blob chunk; list the places that fail (never their content)."""
    cipher = store.require_keys().cipher
    result = ValueCheck()
    zero = uuid.UUID(int=0)

    def check(ct: bytes, table: str, column: str, row_id: Any) -> None:
        result.checked += 1
        try:
            cipher.decrypt(ct, table, column, row_id)
        except DecryptionError:
            result.bad.append((table, column, row_key(row_id)))
            return
        if key_id_of(ct) != cipher.primary_id:
            result.not_primary += 1

    with store.read_session() as s:
        for table, names in _tables():
            cols = [table.c.id] + [table.c[f"{n}_ct"] for n in names]
            after: Any = zero
            while True:
                rows = s.execute(
                    select(*cols).where(table.c.id > after).order_by(table.c.id).limit(batch)
                ).all()
                for row in rows:
                    for name, ct in zip(names, row[1:], strict=True):
                        if ct is not None:
                            check(ct, table.name, name, row.id)
                if len(rows) < batch:
                    break
                after = rows[-1].id
        q = select(BlobChunk.blob_id, BlobChunk.idx, BlobChunk.data, Blob.chunk_count).join(
            Blob, Blob.id == BlobChunk.blob_id
        )
        for blob_id, idx, data, count in s.execute(q):
            check(data, "blob_chunks", f"data#{idx}/{count}", blob_id)
    return result


def row_key(row_id: Any) -> str:
    """Text form of a row id for reports."""
    return row_id.hex if isinstance(row_id, uuid.UUID) else str(row_id)


@dataclass
class StoreCheck:
    """`hmis-desktop verify`: the audit chain and every encrypted value."""

    audit_problems: list[audit.ChainProblem]
    values: ValueCheck
    database: str = "ok"  # SQLite's quick_check verdict ("ok" on PostgreSQL, which checks its own pages)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.audit_problems and not self.values.bad and self.database == "ok"


def verify_store(store: Store, *, actor: Actor) -> StoreCheck:
    """Check the audit chain and decrypt every value; audited."""
    require(actor, Perm.AUDIT_VIEW)
    keys = store.require_keys()
    database = "ok"
    with store.read_session() as s:
        if store.profile.is_sqlite:
            # The whole-file page check that start-up skips (it reads every page: seconds on a large store).
            database = str(s.connection().exec_driver_sql("PRAGMA quick_check").scalar())
        problems = audit.verify(s, keys.audit_key)
    values = verify_values(store)
    with store.session() as s:
        store.audit(
            s,
            "store.verify",
            actor=actor,
            outcome="ok" if not problems and not values.bad else "problems",
            detail={"values": values.checked, "bad": len(values.bad), "audit_problems": len(problems)},
        )
    return StoreCheck(problems, values, database)
