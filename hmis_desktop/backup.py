"""Encrypted, consistent backups of the whole store, and restores that check before they replace.

File format (version 1):
    b"HMISBAK1" ‖ header length (4 bytes BE) ‖ header JSON ‖ chunks
    chunk = length (4 bytes BE) ‖ nonce ‖ AES-256-GCM(ciphertext ‖ tag)
The header (plain, no PHI) names the store, the time, the database kind and carries copies of the store's
key slots (they are already wrapped), so a backup opens with any user's password or the recovery key even
on a new PC. The payload key is HKDF(root key, "hmis-backup" ‖ random salt). Each chunk's associated data is
SHA-256(header) ‖ index ‖ last-chunk flag, so a truncated, reordered or spliced file fails to decrypt.
The payload itself is an SQLite online-backup snapshot (or a `pg_dump` archive for PostgreSQL stores); its
PHI columns are field-encrypted already, so even the temporary snapshot holds no plaintext PHI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.engine import make_url

from hmis_desktop.audit import Actor
from hmis_desktop.crypto import keys as keymod
from hmis_desktop.crypto.primitives import NONCE_LEN, hkdf, unwrap
from hmis_desktop.errors import HMISError, StoreError, WrongKey
from hmis_desktop.permissions import Perm, require
from hmis_desktop.profile import Profile
from hmis_desktop.store.migrate import sqlite_backup
from hmis_desktop.store.models import KeySlot, User
from hmis_desktop.store.store import Store, check_sqlite_file

MAGIC = b"HMISBAK1"
CHUNK = 1024 * 1024
_LEN = struct.Struct(">I")


class BackupError(HMISError):
    """A backup file cannot be used; nothing was replaced."""

    exit_code = 9


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file says about itself (from its plain header)."""

    path: Path
    store_id: str
    created_at: str
    kind: str  # sqlite | postgresql
    schema: str
    size: int


def _slots_for_header(store: Store) -> list[dict[str, Any]]:
    out = []
    with store.read_session() as s:
        users = {u.id: u for u in s.scalars(select(User))}
        for slot in s.scalars(select(KeySlot)):
            entry: dict[str, Any] = {
                "id": str(slot.id),
                "kind": slot.kind,
                "salt": base64.b64encode(slot.salt).decode(),
                "wrapped": base64.b64encode(slot.wrapped).decode(),
            }
            if slot.kind == "user" and slot.user_id in users:
                u = users[slot.user_id]
                entry |= {
                    "username": u.username,
                    "user_salt": base64.b64encode(u.salt).decode(),
                    "params": u.kdf_params,
                }
            out.append(entry)
    return out


def _aad(header_hash: bytes, idx: int, last: bool) -> bytes:
    return header_hash + struct.pack(">Q?", idx, last)


def _encrypt_stream(src: BinaryIO, out: BinaryIO, key: bytes, header_hash: bytes) -> None:
    aead = AESGCM(key)
    idx = 0
    current = src.read(CHUNK)
    while True:
        nxt = src.read(CHUNK)
        last = not nxt
        nonce = os.urandom(NONCE_LEN)
        body = nonce + aead.encrypt(nonce, current, _aad(header_hash, idx, last))
        out.write(_LEN.pack(len(body)) + body)
        if last:
            return
        current, idx = nxt, idx + 1


def _decrypt_stream(src: BinaryIO, key: bytes, header_hash: bytes) -> Iterator[bytes]:
    aead = AESGCM(key)
    idx = 0
    while True:
        raw_len = src.read(4)
        if len(raw_len) != 4:
            raise BackupError("The backup file is truncated: its last part is missing. Use another backup.")
        (n,) = _LEN.unpack(raw_len)
        body = src.read(n)
        if len(body) != n:
            raise BackupError("The backup file is truncated: its last part is missing. Use another backup.")
        more = src.read(1)
        if more:
            src.seek(-1, os.SEEK_CUR)
        try:
            plain = aead.decrypt(body[:NONCE_LEN], body[NONCE_LEN:], _aad(header_hash, idx, not more))
        except InvalidTag:
            raise BackupError(
                f"Part {idx + 1} of the backup file is damaged or was altered. Nothing was replaced; use another backup."
            ) from None
        yield plain
        if not more:
            return
        idx += 1


def _read_header(fh: BinaryIO) -> tuple[dict[str, Any], bytes]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise BackupError("That file is not an HMIS backup (or was made by a newer version).")
    raw_len = fh.read(4)
    if len(raw_len) != 4:
        raise BackupError("The backup file is truncated.")
    (n,) = _LEN.unpack(raw_len)
    raw = fh.read(n)
    try:
        header = json.loads(raw)
    except ValueError:
        raise BackupError("The backup file's header is damaged. Use another backup.") from None
    return header, hashlib.sha256(MAGIC + raw_len + raw).digest()


def read_info(path: Path) -> BackupInfo:
    """The plain facts of a backup file, without any key."""
    with path.open("rb") as fh:
        header, _ = _read_header(fh)
    return BackupInfo(
        path=path,
        store_id=header["store_id"],
        created_at=header["created_at"],
        kind=header["kind"],
        schema=header.get("schema", ""),
        size=path.stat().st_size,
    )


def create_backup(store: Store, *, actor: Actor, dest: Path) -> BackupInfo:
    """Write an encrypted backup of the running store to `dest` (a file, or a folder to name it in)."""
    require(actor, Perm.BACKUP_RUN)
    keys = store.require_keys()
    now: datetime = store.clock.now()
    if dest.is_dir():
        dest = dest / f"hmis-backup-{now.strftime('%Y%m%d-%H%M%S')}.hmisbak"
    from hmis_desktop.store.migrate import current_revision

    salt = os.urandom(16)
    header = {
        "format": 1,
        "store_id": store.profile.store_id,
        "created_at": now.isoformat(),
        "kind": "sqlite" if store.profile.is_sqlite else "postgresql",
        "schema": current_revision(store.engine) or "",
        "salt": base64.b64encode(salt).decode(),
        "slots": _slots_for_header(store),
    }
    raw = json.dumps(header, sort_keys=True).encode()
    prefix = MAGIC + _LEN.pack(len(raw)) + raw
    key = hkdf(keys.root_key + salt, b"hmis-backup")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.profile.path, prefix=".backup-") as tmp:
        snap = Path(tmp) / "snapshot"
        if store.profile.is_sqlite:
            sqlite_backup(store.profile.sqlite_path, snap)
        else:
            _pg_dump(store.profile.database_url, snap)
        part = dest.with_name(dest.name + ".part")
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out, snap.open("rb") as src:
                out.write(prefix)
                _encrypt_stream(src, out, key, hashlib.sha256(prefix).digest())
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, dest)
        except OSError as exc:
            part.unlink(missing_ok=True)
            raise BackupError(
                f"The backup could not be written ({exc.strerror}). Check the destination's free space."
            ) from None
    with store.session() as s:
        store.audit(s, "backup.create", actor=actor, detail={"bytes": dest.stat().st_size})
    return read_info(dest)


def _pg_dump(url: str, out: Path) -> None:
    u = make_url(url)
    cmd = ["pg_dump", "--format=custom", "--no-owner", "-h", u.host or "localhost", "-p", str(u.port or 5432)]
    cmd += ["-U", u.username or "postgres", "-f", str(out), u.database or ""]
    env = os.environ | ({"PGPASSWORD": u.password} if u.password else {})
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not installed on this PC; install the PostgreSQL client tools to back up."
        )
    result = subprocess.run(cmd, env=env, capture_output=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError("pg_dump failed: " + result.stderr.decode(errors="replace").strip()[:300])


def _root_key(
    header: dict[str, Any], *, username: str | None, password: str | None, recovery_key: str | None
) -> bytes:
    slots = header.get("slots", [])
    if recovery_key:
        raw = keymod.parse_recovery_key(recovery_key)
        for slot in slots:
            if slot["kind"] == "recovery":
                try:
                    return keymod.unwrap_recovery_slot(raw, slot)
                except InvalidTag:
                    continue
        raise WrongKey("That recovery key does not open this backup.")
    if username and password:
        for slot in slots:
            if slot["kind"] == "user" and slot.get("username") == username.strip().lower():
                secrets = keymod.password_secrets(
                    password, base64.b64decode(slot["user_salt"]), slot["params"]
                )
                try:
                    return unwrap(
                        secrets.kek, base64.b64decode(slot["wrapped"]), keymod.slot_aad_from_header(slot)
                    )
                except InvalidTag:
                    break
        raise WrongKey("That user name and password do not open this backup.")
    raise WrongKey("Give a user name and password, or the recovery key, to open the backup.")


def restore_backup(
    path: Path,
    profile_dir: Path,
    *,
    username: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
    root_key: bytes | None = None,
    allow_other_store: bool = False,
) -> Path | None:
    """Replace a profile's SQLite store with a backup; returns where the replaced store was kept.

    Every check (the file, the key, every chunk, the database inside) passes before anything is replaced.
    The profile's store must be closed by the caller.
    """
    with path.open("rb") as fh:
        header, header_hash = _read_header(fh)
        if header.get("kind") != "sqlite":
            raise BackupError(
                "This backup is of a PostgreSQL store: restore it with `pg_restore` into an empty database "
                "(see README, 'Backups'), after `hmis-desktop restore --decrypt-to FILE`."
            )
        profile = (
            Profile.load(profile_dir)
            if (profile_dir / "profile.json").exists()
            else Profile(path=profile_dir)
        )
        if profile.exists() and profile.store_id != header["store_id"] and not allow_other_store:
            raise BackupError(
                "This backup belongs to another store than this profile's. Nothing was replaced; restore it into "
                "a new, empty profile folder instead."
            )
        if profile.url:
            raise BackupError("This profile's store is on PostgreSQL; an SQLite backup cannot replace it.")
        rk = root_key or _root_key(header, username=username, password=password, recovery_key=recovery_key)
        key = hkdf(rk + base64.b64decode(header["salt"]), b"hmis-backup")
        profile_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=profile_dir, prefix=".restore-", suffix=".db")
        tmp = Path(tmp_name)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as out:
                for plain in _decrypt_stream(fh, key, header_hash):
                    out.write(plain)
                out.flush()
                os.fsync(out.fileno())
            check_sqlite_file(tmp, thorough=True)
            with sqlite3.connect(tmp) as conn:
                row = conn.execute("SELECT value FROM store_meta WHERE key='store_id'").fetchone()
            if not row or row[0] != header["store_id"]:
                raise BackupError(
                    "The database inside the backup does not match its header. Use another backup."
                )
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    kept = None
    now = datetime.now().strftime("%Y%m%d-%H%M%S")
    current = profile.sqlite_path
    if current.exists():
        profile.backups_dir.mkdir(parents=True, exist_ok=True)
        kept = profile.backups_dir / f"replaced-{now}.db"
        sqlite_backup(current, kept)  # a consistent copy including the WAL's committed pages
        for extra in ("-wal", "-shm"):
            Path(str(current) + extra).unlink(missing_ok=True)
    os.replace(tmp, current)
    profile.store_id = header["store_id"]
    profile.save()
    return kept


def decrypt_to(
    path: Path, out: Path, *, username: str | None, password: str | None, recovery_key: str | None
) -> None:
    """Write a backup's inner database or dump (field-encrypted still) to `out`, e.g. for `pg_restore`."""
    with path.open("rb") as fh:
        header, header_hash = _read_header(fh)
        rk = _root_key(header, username=username, password=password, recovery_key=recovery_key)
        key = hkdf(rk + base64.b64decode(header["salt"]), b"hmis-backup")
        part = out.with_name(out.name + ".part")
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as dst:
                for plain in _decrypt_stream(fh, key, header_hash):
                    dst.write(plain)
            os.replace(part, out)
        except BaseException:
            part.unlink(missing_ok=True)
            raise


def restore_check(store_path: Path) -> None:
    """Raise if a restored profile does not open (used by the CLI after a restore)."""
    try:
        Store.open(store_path).close()
    except StoreError as exc:
        raise BackupError(f"The restored store does not open: {exc}") from None
