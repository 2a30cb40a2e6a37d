"""The recovery key resets a lost administrator password (and nothing else)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import ValidationError, WrongKey
from hmis_desktop.permissions import Role
from hmis_desktop.recovery import reset_admin_with_recovery_key
from hmis_desktop.store.models import AuditEvent
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD, admin_actor, make_store

NEW = "Fresh-Start-2026!"


def test_recovery_resets_a_locked_out_disabled_admin(
    store_and_recovery: tuple[Store, str], clock: FakeClock
) -> None:
    store, recovery = store_and_recovery
    admin = admin_actor(store)
    with store.session() as s:
        auth.create_user(
            s,
            actor=admin,
            username="root2",
            display_name="Second",
            role=Role.ADMIN,
            password="Second-Admin-2026!",
        )
    second = auth.login(store, "root2", "Second-Admin-2026!")
    with store.session() as s:
        auth.set_active(s, actor=second, user_id=admin.user_id, active=False)
    path = store.profile.path
    store.close()
    reopened = Store.open(path, clock=clock)
    try:
        assert not reopened.unlocked
        reset_admin_with_recovery_key(reopened, recovery_key=recovery, username="ADMIN", new_password=NEW)
        actor = auth.login(reopened, "admin", NEW)
        assert actor.role == Role.ADMIN
        assert not auth.must_change_password(reopened, actor)
        with pytest.raises(Exception):
            auth.login(reopened, "admin", ADMIN_PASSWORD)
        with reopened.read_session() as s:
            actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        start = actions.index("key.recovery_used")
        assert actions[start : start + 5] == [
            "key.recovery_used",
            "user.password_reset",
            "user.enable",
            "user.password_recovered",
            "login",
        ]
    finally:
        reopened.close()


def test_wrong_key_changes_nothing(tmp_path: Path, clock: FakeClock) -> None:
    store, _ = make_store(tmp_path / "p", clock)
    store.close()
    reopened = Store.open(tmp_path / "p", clock=clock)
    try:
        with pytest.raises(WrongKey):
            reset_admin_with_recovery_key(
                reopened,
                recovery_key="0000-0000-0000-0000-0000-0000-0000-0000",
                username="admin",
                new_password=NEW,
            )
        assert not reopened.unlocked
        assert auth.login(reopened, "admin", ADMIN_PASSWORD).username == "admin"
    finally:
        reopened.close()


def test_only_administrators_and_good_passwords(tmp_path: Path, clock: FakeClock) -> None:
    store, recovery = make_store(tmp_path / "p", clock)
    try:
        with store.session() as s:
            auth.create_user(
                s,
                actor=admin_actor(store),
                username="fatma",
                display_name="Fatma",
                role=Role.FRONT_DESK,
                password="Front-Desk-77x",
            )
        # A front-desk account is not an administrator: refused, nothing changed.
        with pytest.raises(ValidationError) as err:
            reset_admin_with_recovery_key(store, recovery_key=recovery, username="fatma", new_password=NEW)
        assert "administrator" in err.value.errors["username"]
        with pytest.raises(ValidationError) as err:
            reset_admin_with_recovery_key(
                store, recovery_key=recovery, username="admin", new_password="short"
            )
        assert "password" in err.value.errors
        assert auth.login(store, "admin", ADMIN_PASSWORD).username == "admin"
        assert auth.login(store, "fatma", "Front-Desk-77x").role == Role.FRONT_DESK
    finally:
        store.close()
