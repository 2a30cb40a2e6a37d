"""`Store`: opens a profile's database, runs migrations, holds the unlocked keys, hands out sessions."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hmis_desktop import audit
from hmis_desktop.audit import Actor
from hmis_desktop.clock import Clock, SystemClock
from hmis_desktop.crypto import keys as keymod
from hmis_desktop.crypto.keys import KeySet
from hmis_desktop.crypto.primitives import random_key
from hmis_desktop.errors import KeyringUnavailable, StoreCorrupt, StoreError, StoreExists, StoreNotFound
from hmis_desktop.ids import new_id
from hmis_desktop.profile import Profile
from hmis_desktop.store import migrate
from hmis_desktop.store.db import make_engine
from hmis_desktop.store.models import StoreMeta

SQLITE_MAGIC = b"SQLite format 3\x00"


def check_sqlite_file(path: Path, *, thorough: bool = False) -> None:
    """Refuse a file that is not a whole SQLite database, before SQLAlchemy touches it.

    The header checks (magic, page count against the file size) are instant and run at every start;
    `thorough` adds SQLite's `quick_check`, which reads the whole file (restores, `verify`).
    """
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"The store file {path} cannot be read ({exc.strerror}).") from None
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise StoreCorrupt(
            f"The store file {path} is not an HMIS store (it is empty, truncated or another kind of file). "
            "Nothing was changed. Restore it with `hmis-desktop restore BACKUP` or pick another profile."
        )
    page_size = int.from_bytes(header[16:18], "big") or 65536
    pages = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    if pages and size < page_size * pages:
        raise StoreCorrupt(
            f"The store file {path} is truncated ({size} of {page_size * pages} bytes). Nothing was changed. "
            "Restore the latest backup with `hmis-desktop restore BACKUP`."
        )
    if not thorough:
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError:
        result = ("damaged",)
    if not result or result[0] != "ok":
        raise StoreCorrupt(
            f"The store file {path} is damaged (SQLite's integrity check failed). Nothing was changed. "
            "Restore the latest backup with `hmis-desktop restore BACKUP`."
        )


class Store:
    """One clinic's local store. Locked (no keys) until a device slot, a user or the recovery key opens it."""

    def __init__(self, profile: Profile, engine: Engine, clock: Clock | None = None) -> None:
        self.profile = profile
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.keys: KeySet | None = None
        self._write = sessionmaker(bind=engine.execution_options(hmis_write=True), expire_on_commit=False)
        self._read = sessionmaker(bind=engine, expire_on_commit=False)

    # --- lifecycle -------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        clinic_name: str,
        admin_username: str,
        admin_password: str,
        admin_display_name: str = "Administrator",
        url: str | None = None,
        use_keyring: bool = True,
        settings: dict[str, Any] | None = None,
        clock: Clock | None = None,
    ) -> tuple[Store, str]:
        """Create a new store and its first admin; returns the store (unlocked) and the recovery key."""
        from hmis_desktop import auth
        from hmis_desktop import settings as settings_mod

        auth.check_password_policy(admin_password, admin_username)
        profile = Profile(path=path, store_id=new_id().hex, url=url)
        if profile.exists():
            raise StoreExists(f"A store already exists at {path}. Open it, or choose an empty folder.")
        if profile.is_sqlite and profile.sqlite_path.exists():
            raise StoreExists(
                f"{profile.sqlite_path} already exists. It was not touched; move it away or choose another folder."
            )
        path.mkdir(parents=True, exist_ok=True)
        engine = make_engine(profile.database_url)
        try:
            if inspect(engine).get_table_names():
                raise StoreExists(
                    "That database already holds tables. Nothing was changed; use an empty database for a new store."
                )
        except OperationalError as exc:
            raise StoreError(f"The database cannot be reached: {_db_reason(exc)}") from None
        migrate.upgrade(engine)
        store = cls(profile, engine, clock)
        now = store.clock.now()
        rk = random_key()
        with store._write.begin() as s:
            s.add(StoreMeta(key="store_id", value=profile.store_id))
            s.add(StoreMeta(key="created_at", value=now.isoformat()))
            keymod.add_data_key(s, rk, now=now)
            store.keys = keymod.load_keyset(s, rk)
            s.info["store"] = store
            s.info["cipher"] = store.keys.cipher
            admin = auth.create_first_admin(
                s, store, username=admin_username, display_name=admin_display_name, password=admin_password
            )
            recovery = keymod.add_recovery_slot(s, rk, now=now)
            if use_keyring:
                with suppress(KeyringUnavailable):
                    keymod.add_device_slot(
                        s, rk, store_id=profile.store_id, label=socket.gethostname(), now=now
                    )
            settings_mod.initialise(s, now=now, clinic_name=clinic_name, values=settings or {})
            actor = Actor(admin.id, admin.username, admin.role)
            store.audit(s, "store.create", actor=actor, entity="store", entity_id=profile.store_id)
            store.audit(s, "user.create", actor=actor, entity="user", entity_id=admin.id)
            store.audit(s, "key.recovery_created", actor=actor)
        profile.save()
        return store, recovery

    @classmethod
    def open(cls, path: Path, *, clock: Clock | None = None, run_migrations: bool = True) -> Store:
        """Open a profile's store (locked). Clear errors for a missing, foreign, damaged or unreachable store."""
        profile = Profile.load(path)
        if not profile.exists():
            raise StoreNotFound(
                f"No HMIS store at {path}. Run `hmis-desktop init --profile {path}` to create one."
            )
        if profile.is_sqlite:
            if not profile.sqlite_path.exists():
                raise StoreNotFound(
                    f"The profile at {path} has lost its store file ({profile.sqlite_path.name}). Nothing was "
                    "created over it; restore it with `hmis-desktop restore BACKUP`."
                )
            check_sqlite_file(profile.sqlite_path)
        engine = make_engine(profile.database_url)
        store = cls(profile, engine, clock)
        try:
            with store._read() as s:
                store_id = s.scalar(select(StoreMeta.value).where(StoreMeta.key == "store_id"))
        except (OperationalError, DatabaseError) as exc:
            engine.dispose()
            raise StoreError(f"The store cannot be read: {_db_reason(exc)}") from None
        if store_id != profile.store_id:
            engine.dispose()
            raise StoreError(
                "The profile points at a database that belongs to another store (or to none). Nothing was "
                "changed; check the store location in the profile."
            )
        if run_migrations:
            migrate.upgrade(
                engine,
                sqlite_file=profile.sqlite_path if profile.is_sqlite else None,
                backups_dir=profile.backups_dir,
            )
        return store

    def close(self) -> None:
        """Forget the keys and release the database."""
        if self.keys is not None:
            self.keys.close()
            self.keys = None
        self.engine.dispose()

    # --- keys ------------------------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        """Whether keys are loaded."""
        return self.keys is not None

    def require_keys(self) -> KeySet:
        """The loaded keys, or a clear error."""
        if self.keys is None:
            raise StoreError("The store is locked. Log in to continue.")
        return self.keys

    def open_with_root(self, rk: bytes) -> None:
        """Load the data keys under `rk` and seal audit events written while closed."""
        with self._write.begin() as s:
            keys = keymod.load_keyset(s, rk)
            audit.seal_pending(s, keys.audit_key)
        if self.keys is not None:
            self.keys.close()
        self.keys = keys

    def unlock_with_device(self) -> bool:
        """Open with this PC's keyring slot; False if there is none."""
        with self._read() as s:
            rk = keymod.open_with_device(s, store_id=self.profile.store_id)
        if rk is None:
            return False
        self.open_with_root(rk)
        return True

    def unlock_with_recovery(self, code: str) -> None:
        """Open with the recovery key (WrongKey otherwise); audited."""
        with self._read() as s:
            rk = keymod.open_with_recovery(s, code)
        self.open_with_root(rk)
        with self.session() as s:
            self.audit(s, "key.recovery_used")

    # --- sessions --------------------------------------------------------------------------------

    def _prepare(self, s: Session) -> Session:
        s.info["store"] = self
        if self.keys is not None:
            s.info["cipher"] = self.keys.cipher
        return s

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction (one per user action): commits on success, rolls back on error."""
        with self._write() as s, s.begin():
            yield self._prepare(s)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only snapshot that never takes the write lock (search, lists)."""
        with self._read() as s, s.begin():
            yield self._prepare(s)
            s.rollback()

    @staticmethod
    def of(session: Session) -> Store:
        """The store a session belongs to (services take a session; this gives them keys and the clock)."""
        store = session.info.get("store")
        if store is None:
            raise StoreError("session not made by a Store")
        return store

    def audit(self, session: Session, action: str, *, actor: Actor | None = None, **kw: Any) -> None:
        """Append an audit event in this transaction (sealed when the keys are loaded)."""
        audit.record(
            session,
            key=self.keys.audit_key if self.keys else None,
            at=self.clock.now(),
            action=action,
            actor=actor,
            **kw,
        )

    def describe(self) -> str:
        """Where the store lives."""
        return self.profile.describe()


def _db_reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else type(exc).__name__
    return text[:200]
