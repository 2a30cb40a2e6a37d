"""Creating, opening and damaging stores: clear errors, nothing overwritten, no plaintext on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import keyring
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.crypto.keys import KEYRING_SERVICE, keyring_username
from hmis_desktop.errors import (
    DecryptionError,
    InvalidCredentials,
    StoreCorrupt,
    StoreExists,
    StoreNotFound,
    WrongKey,
)
from hmis_desktop.store.models import KeySlot, Patient
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, make_store

SEEDED = {
    "given_name": "Quentinella",
    "family_name": "Vandersnoot",
    "phones": [{"number": "254712999888", "label": "mobile"}],
    "notes": "Allergic to penicillinase-zeta",
}


def _seed(store: Store) -> Patient:
    now = store.clock.now()
    with store.session() as s:
        p = Patient(created_at=now, updated_at=now, **SEEDED)
        s.add(p)
    return p


def _all_bytes(profile: Path) -> bytes:
    return b"".join(f.read_bytes() for f in sorted(profile.rglob("*")) if f.is_file())


def test_plaintext_never_reaches_the_sqlite_files(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    _seed(store)
    store.close()
    raw = _all_bytes(tmp_path / "p")
    assert b"SQLite format 3" in raw  # we are looking at the real file
    for needle in ("Quentinella", "Vandersnoot", "254712999888", "penicillinase"):
        assert needle.encode() not in raw
        assert needle.encode("utf-16-le") not in raw


@pytest.mark.postgres
def test_plaintext_never_reaches_a_postgresql_dump(tmp_path: Path, clock: FakeClock, pg_url: str) -> None:
    store, _ = make_store(tmp_path / "p", clock, url=pg_url)
    p = _seed(store)
    with store.read_session() as s:
        assert s.get(Patient, p.id).family_name == "Vandersnoot"  # type: ignore[union-attr]
    store.close()
    dbname = make_url(pg_url).database
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", dbname],
        check=True,
        capture_output=True,
    ).stdout
    assert b"COPY public.patients" in dump
    for needle in ("Quentinella", "Vandersnoot", "254712999888", "penicillinase"):
        assert needle.encode() not in dump


def test_values_round_trip_through_a_reopened_store(store: Store) -> None:
    p = _seed(store)
    path = store.profile.path
    store.close()
    reopened = Store.open(path)
    auth.login(reopened, "admin", ADMIN_PASSWORD)
    with reopened.read_session() as s:
        got = s.get(Patient, p.id)
        assert got is not None
        assert (got.given_name, got.family_name, got.phones, got.notes) == (
            SEEDED["given_name"],
            SEEDED["family_name"],
            SEEDED["phones"],
            SEEDED["notes"],
        )
    reopened.close()


def test_flipped_byte_names_the_place_and_writes_nothing(store: Store) -> None:
    p = _seed(store)
    with store.session() as s:
        ct = s.scalar(select(Patient.family_name_ct).where(Patient.id == p.id))
        assert ct is not None
        bad = bytearray(ct)
        bad[-3] ^= 0x40
        s.execute(update(Patient).where(Patient.id == p.id).values(family_name_ct=bytes(bad)))
    with store.read_session() as s:
        got = s.get(Patient, p.id)
        assert got is not None
        assert got.given_name == "Quentinella"  # other fields still read
        with pytest.raises(DecryptionError) as exc:
            _ = got.family_name
    msg = str(exc.value)
    assert "patients.family_name" in msg and p.id.hex in msg and "Vandersnoot" not in msg
    with store.read_session() as s:
        assert s.scalar(select(Patient.family_name_ct).where(Patient.id == p.id)) == bytes(bad)


def test_value_moved_to_another_row_or_column_fails(store: Store) -> None:
    a = _seed(store)
    b = _seed(store)
    with store.session() as s:
        ct_a = s.scalar(select(Patient.family_name_ct).where(Patient.id == a.id))
        s.execute(update(Patient).where(Patient.id == b.id).values(family_name_ct=ct_a, notes_ct=ct_a))
    with store.read_session() as s:
        got = s.get(Patient, b.id)
        assert got is not None
        with pytest.raises(DecryptionError, match="patients.family_name"):
            _ = got.family_name
        with pytest.raises(DecryptionError, match="patients.notes"):
            _ = got.notes


def test_wrong_password_leaves_the_store_intact(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    p = _seed(store)
    store.close()
    before = (tmp_path / "p" / "store.db").stat().st_size
    reopened = Store.open(tmp_path / "p", clock=clock)
    with pytest.raises(InvalidCredentials):
        auth.login(reopened, "admin", "Not-The-Password-1")
    assert not reopened.unlocked
    auth.login(reopened, "admin", ADMIN_PASSWORD)
    with reopened.read_session() as s:
        assert s.get(Patient, p.id).given_name == "Quentinella"  # type: ignore[union-attr]
    reopened.close()
    assert (tmp_path / "p" / "store.db").stat().st_size >= before


def test_device_slot_opens_without_a_password_and_a_missing_entry_is_not_fatal(
    tmp_path: Path, clock: FakeClock
) -> None:
    store, _ = make_store(tmp_path / "p", clock, use_keyring=True)
    with store.read_session() as s:
        assert s.scalar(select(KeySlot.id).where(KeySlot.kind == "device")) is not None
    store_id = store.profile.store_id
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    assert reopened.unlock_with_device()
    reopened.close()
    keyring.delete_password(KEYRING_SERVICE, keyring_username(store_id))
    again = Store.open(tmp_path / "p", clock=clock)
    assert not again.unlock_with_device()
    auth.login(again, "admin", ADMIN_PASSWORD)  # a user's slot still opens it
    assert again.unlocked
    again.close()


def test_recovery_key_opens_and_a_wrong_one_does_not(tmp_path: Path, clock: FakeClock) -> None:
    store, recovery = make_store(tmp_path / "p", clock)
    p = _seed(store)
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    with pytest.raises(WrongKey):
        reopened.unlock_with_recovery("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789")
    reopened.unlock_with_recovery(recovery.lower())
    with reopened.read_session() as s:
        assert s.get(Patient, p.id).family_name == "Vandersnoot"  # type: ignore[union-attr]
    reopened.close()


def test_no_key_file_is_ever_written(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock, use_keyring=False)
    store.close()
    names = {f.name for f in (tmp_path / "p").rglob("*") if f.is_file()}
    assert names <= {"profile.json", "store.db", "store.db-wal", "store.db-shm"}
    assert b"key" not in (tmp_path / "p" / "profile.json").read_bytes().lower().replace(b"store_id", b"")


def test_truncated_file_is_refused_and_left_as_it_was(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    _seed(store)
    store.close()
    db = tmp_path / "p" / "store.db"
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    for extra in ("store.db-wal", "store.db-shm"):
        (tmp_path / "p" / extra).unlink(missing_ok=True)
    with pytest.raises(StoreCorrupt, match="truncated"):
        Store.open(tmp_path / "p", clock=clock)
    assert db.read_bytes() == data[: len(data) // 2]


def test_not_a_database_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    db = tmp_path / "p" / "store.db"
    db.write_bytes(b"%PDF-1.4 this is not a database" * 10)
    with pytest.raises(StoreCorrupt, match="not an HMIS store"):
        Store.open(tmp_path / "p", clock=clock)
    assert db.read_bytes().startswith(b"%PDF")


def test_missing_store_file_is_not_recreated(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    for f in (tmp_path / "p").glob("store.db*"):
        f.unlink()
    with pytest.raises(StoreNotFound, match="restore"):
        Store.open(tmp_path / "p", clock=clock)
    assert not (tmp_path / "p" / "store.db").exists()
    with pytest.raises(StoreNotFound, match="init"):
        Store.open(tmp_path / "nothing-here", clock=clock)


def test_never_a_new_store_over_an_existing_one(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    before = (tmp_path / "p" / "store.db").read_bytes()
    with pytest.raises(StoreExists):
        make_store(tmp_path / "p", clock)
    assert (tmp_path / "p" / "store.db").read_bytes() == before


@pytest.mark.postgres
def test_new_store_refuses_a_postgresql_database_with_tables(
    tmp_path: Path, clock: FakeClock, pg_url: str
) -> None:
    store, _ = make_store(tmp_path / "a", clock, url=pg_url)
    store.close()
    with pytest.raises(StoreExists, match="already holds tables"):
        make_store(tmp_path / "b", clock, url=pg_url)


def test_sqlite_pragmas(sqlite_store: Store) -> None:
    with sqlite_store.read_session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_ci_uses_a_real_os_keyring() -> None:
    """Under CI the device-slot tests must exercise the real Secret Service, not the in-memory stand-in."""
    import os

    backend = type(keyring.get_keyring())
    if os.environ.get("CI"):
        assert backend.__module__ == "keyring.backends.SecretService", backend
    else:
        assert backend.__name__ in {"Keyring", "MemoryKeyring"}
