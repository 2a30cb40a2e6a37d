"""Backups restore only after every check passes; rotation resumes after an interruption."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hmis_desktop import auth, backup, rotation
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.crypto.fields import key_id_of
from hmis_desktop.errors import PermissionDenied, WrongKey
from hmis_desktop.permissions import Role
from hmis_desktop.store import blobs
from hmis_desktop.store.db import make_engine
from hmis_desktop.store.models import BlobChunk, DataKey, Patient
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, admin_actor, make_store


def _patients(store: Store, n: int, prefix: str = "Name") -> list[Patient]:
    now = store.clock.now()
    made = []
    with store.session() as s:
        for i in range(n):
            p = Patient(
                given_name=f"{prefix}{i}",
                family_name="Okafor",
                notes=f"note {i}",
                created_at=now,
                updated_at=now,
            )
            s.add(p)
            made.append(p)
    return made


def _given_names(store: Store) -> list[str]:
    with store.read_session() as s:
        return sorted(p.given_name or "" for p in s.scalars(select(Patient)))


@pytest.fixture
def kit(tmp_path: Path, clock: FakeClock) -> tuple[Store, Actor, str]:
    store, recovery = make_store(tmp_path / "p", clock)
    return store, admin_actor(store), recovery


def test_backup_and_restore_round_trip_keeps_the_replaced_store(
    kit: tuple[Store, Actor, str], tmp_path: Path
) -> None:
    store, admin, _ = kit
    _patients(store, 3, "Before")
    (tmp_path / "bk").mkdir()
    info = backup.create_backup(store, actor=admin, dest=tmp_path / "bk")
    assert info.path.parent == tmp_path / "bk" and info.path.suffix == ".hmisbak" and info.kind == "sqlite"
    raw = info.path.read_bytes()
    assert b"Before" not in raw and b"SQLite format 3" not in raw  # the whole payload is encrypted
    _patients(store, 2, "After")
    assert len(_given_names(store)) == 5
    store.close()
    kept = backup.restore_backup(info.path, store.profile.path, username="admin", password=ADMIN_PASSWORD)
    assert kept is not None and kept.exists()
    restored = Store.open(store.profile.path)
    auth.login(restored, "admin", ADMIN_PASSWORD)
    assert _given_names(restored) == ["Before0", "Before1", "Before2"]
    restored.close()
    # The replaced store was kept aside, whole: it still opens with all five patients.
    old = Store(store.profile, make_engine(f"sqlite:///{kept}"))
    auth.login(old, "admin", ADMIN_PASSWORD)
    assert len(_given_names(old)) == 5
    old.close()


def test_restore_with_the_recovery_key_into_a_new_profile(
    kit: tuple[Store, Actor, str], tmp_path: Path
) -> None:
    store, admin, recovery = kit
    _patients(store, 2)
    info = backup.create_backup(store, actor=admin, dest=tmp_path / "b.hmisbak")
    store.close()
    with pytest.raises(WrongKey):
        backup.restore_backup(
            info.path, tmp_path / "new", recovery_key="0000-0000-0000-0000-0000-0000-0000-0000"
        )
    assert not (tmp_path / "new" / "store.db").exists()
    backup.restore_backup(info.path, tmp_path / "new", recovery_key=recovery)
    fresh = Store.open(tmp_path / "new")
    fresh.unlock_with_recovery(recovery)
    assert _given_names(fresh) == ["Name0", "Name1"]
    fresh.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "header"])
def test_damaged_backup_replaces_nothing(kit: tuple[Store, Actor, str], tmp_path: Path, damage: str) -> None:
    store, admin, _ = kit
    _patients(store, 2)
    info = backup.create_backup(store, actor=admin, dest=tmp_path / "b.hmisbak")
    store.close()
    data = bytearray(info.path.read_bytes())
    if damage == "flip":
        data[-20] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) - 100]
    else:
        data[0:8] = b"NOTMAGIC"
    info.path.write_bytes(bytes(data))
    before = store.profile.sqlite_path.read_bytes()
    with pytest.raises(backup.BackupError):
        backup.restore_backup(info.path, store.profile.path, username="admin", password=ADMIN_PASSWORD)
    assert store.profile.sqlite_path.read_bytes() == before
    assert not list(store.profile.path.glob(".restore-*"))


def test_wrong_password_and_foreign_store_are_refused(
    kit: tuple[Store, Actor, str], tmp_path: Path, clock: FakeClock
) -> None:
    store, admin, _ = kit
    info = backup.create_backup(store, actor=admin, dest=tmp_path / "b.hmisbak")
    store.close()
    with pytest.raises(WrongKey):
        backup.restore_backup(info.path, store.profile.path, username="admin", password="Wrong-Pass-11")
    other, _ = make_store(tmp_path / "other", clock)
    other.close()
    with pytest.raises(backup.BackupError, match="another store"):
        backup.restore_backup(info.path, tmp_path / "other", username="admin", password=ADMIN_PASSWORD)


def test_only_permitted_roles_back_up(kit: tuple[Store, Actor, str], tmp_path: Path) -> None:
    store, admin, _ = kit
    with store.session() as s:
        auth.create_user(
            s,
            actor=admin,
            username="drkim",
            display_name="Dr Kim",
            role=Role.DOCTOR,
            password="Front-Desk-77x",
        )
    doc = auth.login(store, "drkim", "Front-Desk-77x")
    with pytest.raises(PermissionDenied):
        backup.create_backup(store, actor=doc, dest=tmp_path / "x.hmisbak")
    assert not (tmp_path / "x.hmisbak").exists()
    store.close()


def test_rotation_interrupted_then_resumed(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    admin = admin_actor(store)
    _patients(store, 30)
    with store.session() as s:
        blob = blobs.put_blob(s, b"x" * (blobs.CHUNK_SIZE + 5))
    old_key = store.require_keys().cipher.primary_id
    new_key = rotation.start_rotation(store, actor=admin)
    assert new_key != old_key and rotation.rotation_pending(store)
    calls = {"n": 0}

    def stop_after_two_batches() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    report = rotation.resume_rotation(store, actor=admin, batch=7, should_stop=stop_after_two_batches)
    assert not report.finished and report.reencrypted > 0
    mid = rotation.verify_values(store)
    assert mid.bad == [] and mid.not_primary > 0  # half done, everything still readable
    store.close()
    # A "crash": reopen from disk and resume.
    reopened = Store.open(tmp_path / "p", clock=clock)
    auth.login(reopened, "admin", ADMIN_PASSWORD)
    assert reopened.require_keys().cipher.primary_id == new_key
    done = rotation.resume_rotation(reopened, batch=7)
    assert done.finished and done.retired == [old_key]
    final = rotation.verify_values(reopened)
    assert final.bad == [] and final.not_primary == 0 and final.checked >= 30 * 3
    with reopened.read_session() as s:
        assert s.get(DataKey, old_key).state == "retired"  # type: ignore[union-attr]
        assert all(key_id_of(d) == new_key for d in s.scalars(select(BlobChunk.data)))
        assert blobs.get_blob(s, blob.id) == b"x" * (blobs.CHUNK_SIZE + 5)
    assert _given_names(reopened)[0] == "Name0"
    assert not rotation.rotation_pending(reopened)
    reopened.close()
    # After retirement a fresh login still opens everything.
    again = Store.open(tmp_path / "p", clock=clock)
    auth.login(again, "admin", ADMIN_PASSWORD)
    assert len(_given_names(again)) == 30
    again.close()


def test_verify_store_reports_the_place_of_a_bad_value(store: Store, admin: Actor) -> None:
    from sqlalchemy import update

    (p,) = _patients(store, 1)
    with store.session() as s:
        s.execute(
            update(Patient).where(Patient.id == p.id).values(notes_ct=b"\x01\x00\x00\x00\x01" + b"\x00" * 40)
        )
    check = rotation.verify_store(store, actor=admin)
    assert not check.ok
    assert check.values.bad == [("patients", "notes", p.id.hex)]
    assert check.audit_problems == []


@pytest.mark.postgres
def test_postgresql_backup_is_an_encrypted_pg_dump(tmp_path: Path, clock: FakeClock, pg_url: str) -> None:
    store, recovery = make_store(tmp_path / "p", clock, url=pg_url)
    admin = admin_actor(store)
    _patients(store, 2, "Pg")
    info = backup.create_backup(store, actor=admin, dest=tmp_path / "pg.hmisbak")
    store.close()
    assert info.kind == "postgresql"
    assert b"PGDMP" not in info.path.read_bytes()
    with pytest.raises(backup.BackupError, match="PostgreSQL"):
        backup.restore_backup(info.path, tmp_path / "elsewhere", recovery_key=recovery)
    out = tmp_path / "clinic.dump"
    backup.decrypt_to(info.path, out, username=None, password=None, recovery_key=recovery)
    assert out.read_bytes().startswith(b"PGDMP")  # ready for pg_restore (patient fields stay encrypted)
