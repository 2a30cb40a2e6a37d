"""The way back in when every administrator password is lost: the recovery key resets an admin's password."""

from __future__ import annotations

from sqlalchemy import select

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.errors import ValidationError
from hmis_desktop.permissions import Role
from hmis_desktop.store.models import User
from hmis_desktop.store.store import Store


def reset_admin_with_recovery_key(
    store: Store, *, recovery_key: str, username: str, new_password: str
) -> None:
    """Open the store with the recovery key (WrongKey otherwise), then give an administrator a new password.

    The account is enabled and its lockout cleared; the person holding the key chose the password, so it need
    not be changed at the next login. Audited as `key.recovery_used` and `user.password_recovered`.
    """
    name = username.strip().lower()
    problems = auth.password_problems(new_password, name)
    if problems:
        raise ValidationError({"password": " ".join(problems)})
    store.unlock_with_recovery(recovery_key)
    with store.session() as s:
        user = s.scalars(select(User).where(User.username == name)).first()
        if user is None or user.role != Role.ADMIN:
            raise ValidationError({"username": "There is no administrator with that user name."})
        actor = Actor(user.id, user.username, user.role)
        auth.reset_password(s, actor=actor, user_id=user.id, new_password=new_password)
        user.must_change_password = False
        if not user.active:
            user.active = True
            store.audit(s, "user.enable", actor=actor, entity="user", entity_id=user.id)
        store.audit(s, "user.password_recovered", actor=actor, entity="user", entity_id=user.id)
