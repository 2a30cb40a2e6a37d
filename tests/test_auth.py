"""Users, passwords, lockout, roles; audit of logins."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import (
    AccountDisabled,
    AccountLocked,
    Conflict,
    InvalidCredentials,
    PermissionDenied,
    ValidationError,
)
from hmis_desktop.permissions import MATRIX, Perm, Role, allowed
from hmis_desktop.store.models import AuditEvent, KeySlot, Patient, User
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, admin_actor, make_store

PW = "Front-Desk-77x"


def _add_user(store: Store, admin: Actor, name: str, role: str, password: str = PW) -> Actor:
    with store.session() as s:
        auth.create_user(
            s, actor=admin, username=name, display_name=name.title(), role=role, password=password
        )
    return auth.login(store, name, password)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1!", "at least 8"),
        ("alllowercase", "three of"),
        ("Password1!", "too common"),
        ("P@ssw0rd2024", "too common"),
        ("Winter2026!", "too common"),
        ("xx-maria-2026-X", "user name"),
    ],
)
def test_password_policy_refuses(password: str, problem: str) -> None:
    problems = " ".join(auth.password_problems(password, "maria"))
    assert problem in problems


def test_password_policy_accepts_a_good_password() -> None:
    assert auth.password_problems("Blue-Heron-Lake-42", "maria") == []


def test_lockout_grows_and_expires(sqlite_store: Store, clock: FakeClock) -> None:
    admin = admin_actor(sqlite_store)
    _add_user(sqlite_store, admin, "fatma", Role.FRONT_DESK)
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            auth.login(sqlite_store, "fatma", "Wrong-Pass-11")
    with pytest.raises(AccountLocked) as first:
        auth.login(sqlite_store, "fatma", "Wrong-Pass-11")
    assert first.value.seconds == 60
    with pytest.raises(AccountLocked):  # even the right password waits
        auth.login(sqlite_store, "fatma", PW)
    clock.advance(minutes=1, seconds=1)
    with pytest.raises(AccountLocked) as second:
        auth.login(sqlite_store, "fatma", "Wrong-Pass-11")
    assert second.value.seconds == 120
    clock.advance(minutes=3)
    assert auth.login(sqlite_store, "fatma", PW).username == "fatma"
    with sqlite_store.read_session() as s:
        u = s.scalars(select(User).where(User.username == "fatma")).one()
        assert u.failed_count == 0 and u.locked_until is None
    assert auth.lock_delay(50) == auth.MAX_DELAY


def test_disabled_user_cannot_log_in_and_last_admin_is_protected(store: Store, admin: Actor) -> None:
    doc = _add_user(store, admin, "drkim", Role.DOCTOR)
    with store.session() as s:
        auth.set_active(s, actor=admin, user_id=doc.user_id, active=False)
    with pytest.raises(AccountDisabled):
        auth.login(store, "drkim", PW)
    with store.session() as s, pytest.raises(Conflict):
        auth.set_active(s, actor=admin, user_id=admin.user_id, active=False)
    with store.session() as s, pytest.raises(Conflict):
        auth.set_role(s, actor=admin, user_id=admin.user_id, role=Role.MANAGER)
    with store.session() as s:
        auth.set_active(s, actor=admin, user_id=doc.user_id, active=True)
    assert auth.login(store, "drkim", PW).role == Role.DOCTOR


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.DOCTOR, Role.MANAGER])
def test_only_admins_manage_users(sqlite_store: Store, role: str) -> None:
    admin = admin_actor(sqlite_store)
    actor = _add_user(sqlite_store, admin, "someone", role)
    with sqlite_store.session() as s, pytest.raises(PermissionDenied):
        auth.create_user(s, actor=actor, username="other", display_name="O", role=Role.DOCTOR, password=PW)
    with sqlite_store.session() as s, pytest.raises(PermissionDenied):
        auth.reset_password(s, actor=actor, user_id=admin.user_id, new_password="Blue-Heron-Lake-42")


def test_new_user_validation(sqlite_store: Store) -> None:
    admin = admin_actor(sqlite_store)
    with sqlite_store.session() as s, pytest.raises(ValidationError) as exc:
        auth.create_user(s, actor=admin, username="A B", display_name="", role="janitor", password="short")
    assert set(exc.value.errors) == {"username"}  # the first problem stops it; fields reported in words
    with sqlite_store.session() as s, pytest.raises(ValidationError) as exc:
        auth.create_user(s, actor=admin, username="admin", display_name="X", role=Role.DOCTOR, password=PW)
    assert "taken" in exc.value.errors["username"]


def test_password_change_rewraps_only_the_users_slot(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    admin = admin_actor(store)
    now = clock.now()
    with store.session() as s:
        p = Patient(given_name="Amara", family_name="Okafor", created_at=now, updated_at=now)
        s.add(p)
        s.flush()
        ct_before = p.given_name_ct
        assert ct_before is not None
        slot_before = s.scalars(select(KeySlot.wrapped).where(KeySlot.user_id == admin.user_id)).one()
    with store.session() as s, pytest.raises(ValidationError):
        auth.change_password(s, actor=admin, old_password="wrong", new_password="Blue-Heron-Lake-42")
    with store.session() as s:
        auth.change_password(s, actor=admin, old_password=ADMIN_PASSWORD, new_password="Blue-Heron-Lake-42")
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    with pytest.raises(InvalidCredentials):
        auth.login(reopened, "admin", ADMIN_PASSWORD)
    auth.login(reopened, "admin", "Blue-Heron-Lake-42")
    with reopened.read_session() as s:
        got = s.get(Patient, p.id)
        assert got is not None and got.given_name == "Amara"
        assert got.given_name_ct == ct_before  # data untouched
        assert s.scalars(select(KeySlot.wrapped).where(KeySlot.user_id == admin.user_id)).one() != slot_before
    reopened.close()


def test_reset_password_forces_a_change_and_opens_a_closed_store(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    admin = admin_actor(store)
    fd = _add_user(store, admin, "fatma", Role.FRONT_DESK)
    with store.session() as s:
        auth.reset_password(s, actor=admin, user_id=fd.user_id, new_password="Temp-Pass-5150")
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    actor = auth.login(reopened, "fatma", "Temp-Pass-5150")
    assert reopened.unlocked
    assert auth.must_change_password(reopened, actor)
    reopened.close()


def test_failed_logins_on_a_closed_store_are_audited_and_sealed_later(
    tmp_path: Path, clock: FakeClock
) -> None:
    from hmis_desktop import audit

    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    with pytest.raises(InvalidCredentials):
        auth.login(reopened, "admin", "Wrong-Pass-11")
    with pytest.raises(InvalidCredentials):
        auth.login(reopened, "nobody", "Wrong-Pass-11")
    with reopened.read_session() as s:
        unsealed = s.scalars(select(AuditEvent).where(AuditEvent.mac.is_(None))).all()
        assert [e.action for e in unsealed] == ["login.failed", "login.failed"]
        assert all("Wrong" not in str(e.detail) and "nobody" not in str(e.detail) for e in unsealed)
    auth.login(reopened, "admin", ADMIN_PASSWORD)
    with reopened.read_session() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.mac.is_(None))).all() == []
        assert audit.verify(s, reopened.require_keys().audit_key) == []
    reopened.close()


def test_permission_matrix_shape() -> None:
    assert MATRIX[Role.ADMIN] == frozenset(Perm)
    assert allowed(Role.FRONT_DESK, Perm.PAYMENT_TAKE) and not allowed(Role.FRONT_DESK, Perm.INVOICE_VOID)
    assert not allowed(Role.DOCTOR, Perm.PAYMENT_TAKE) and allowed(Role.DOCTOR, Perm.DOCUMENT_EXPORT)
    assert allowed(Role.MANAGER, Perm.REPORT_VIEW) and not allowed(Role.MANAGER, Perm.USER_MANAGE)
    assert not allowed("janitor", Perm.PATIENT_VIEW)
