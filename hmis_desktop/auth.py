"""Users, passwords and logins: Argon2id verifiers, password policy, lockout with growing delays.

With no device slot the store's keys are closed until a user logs in: the same Argon2id run that checks the
password also yields the key that unwraps the user's slot (`crypto.keys.password_secrets`).
"""

from __future__ import annotations

import hmac
import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.crypto import keys as keymod
from hmis_desktop.errors import (
    AccountDisabled,
    AccountLocked,
    Conflict,
    InvalidCredentials,
    NotFound,
    ValidationError,
)
from hmis_desktop.permissions import Perm, Role, require
from hmis_desktop.store.models import User
from hmis_desktop.store.store import Store

FREE_ATTEMPTS = 5
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=60)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

# Bases of the passwords people pick first; compared after undoing l33t-speak and dropping digits/symbols.
_DENY = {
    "password",
    "passw",
    "pass",
    "passwd",
    "welcome",
    "qwerty",
    "qwertyuiop",
    "asdfgh",
    "asdfghjkl",
    "zxcvbnm",
    "letmein",
    "admin",
    "administrator",
    "root",
    "login",
    "changeme",
    "default",
    "secret",
    "master",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "soccer",
    "iloveyou",
    "sunshine",
    "princess",
    "shadow",
    "superman",
    "trustno",
    "whatever",
    "abc",
    "abcdef",
    "abcdefg",
    "abcdefgh",
    "hello",
    "freedom",
    "summer",
    "winter",
    "spring",
    "autumn",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "friday",
    "clinic",
    "hospital",
    "doctor",
    "nurse",
    "health",
    "medical",
    "patient",
    "reception",
    "hmis",
    "manager",
    "user",
    "test",
    "temp",
    "guest",
    "computer",
    "internet",
    "samsung",
    "google",
    "microsoft",
    "welcomeback",
    "starwars",
    "pokemon",
    "jesus",
    "christ",
    "love",
    "lovely",
    "batman",
    "charlie",
    "michael",
    "jennifer",
    "jordan",
    "hunter",
    "ranger",
    "thomas",
    "robert",
    "daniel",
    "andrew",
    "joshua",
    "matthew",
    "jessica",
    "ashley",
    "nicole",
    "qazwsx",
    "azerty",
    "mustang",
    "access",
    "flower",
    "cheese",
    "killer",
    "pepper",
    "ginger",
    "secure",
    "security",
}
_LEET = str.maketrans(
    {"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"}
)


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a password under the policy (empty list = acceptable)."""
    problems = []
    if len(password) < 8:
        problems.append("Use at least 8 characters.")
    if len(password) > 256:
        problems.append("Use at most 256 characters.")
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 3:
        problems.append("Mix at least three of: lower-case letters, capitals, digits, symbols.")
    if _is_common(password):
        problems.append("This password is too common; choose one that is not a dictionary word with numbers.")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("Do not use your user name in your password.")
    return problems


def _is_common(password: str) -> bool:
    """A deny-listed word, l33t-spelt or not, padded with at most three other letters ("Winter2026!")."""
    lower = password.lower()
    candidates = {re.sub(r"[^a-z]", "", lower), re.sub(r"[^a-z]", "", lower.translate(_LEET))}
    for core in candidates:
        if not core or len(set(core)) == 1:
            return True
        if (
            any(len(word) >= 4 and word in core and len(core) - len(word) <= 3 for word in _DENY)
            or core in _DENY
        ):
            return True
    return False


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ValidationError(field 'password') if the policy refuses the password."""
    if problems := password_problems(password, username):
        raise ValidationError({"password": " ".join(problems)})


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise ValidationError(
            {
                "username": "User names have 2 to 63 characters: lower-case letters, digits, dot, dash or underscore."
            }
        )
    return name


def _new_user(
    session: Session, store: Store, *, username: str, display_name: str, role: str, password: str
) -> User:
    name = _check_username(username)
    if role not in Role.__members__.values():
        raise ValidationError({"role": "Choose a role: front desk, doctor, manager or administrator."})
    if not display_name.strip():
        raise ValidationError({"display_name": "Enter the person's name."})
    check_password_policy(password, name)
    if session.scalar(select(func.count()).select_from(User).where(User.username == name)):
        raise ValidationError({"username": "That user name is taken."})
    keys = store.require_keys()
    now = store.clock.now()
    salt, params = keymod.new_password_params()
    secrets = keymod.password_secrets(password, salt, params)
    user = User(
        username=name,
        display_name=display_name.strip(),
        role=role,
        active=True,
        kdf_params=params,
        salt=salt,
        verifier=secrets.verifier,
        failed_count=0,
        must_change_password=False,
        password_changed_at=now,
        created_at=now,
    )
    session.add(user)
    session.flush()
    keymod.add_user_slot(session, keys.root_key, user_id=user.id, kek=secrets.kek, params=params, now=now)
    return user


def create_first_admin(
    session: Session, store: Store, *, username: str, display_name: str, password: str
) -> User:
    """The administrator made with a new store (no actor exists yet)."""
    return _new_user(
        session, store, username=username, display_name=display_name, role=Role.ADMIN, password=password
    )


def create_user(
    session: Session, *, actor: Actor, username: str, display_name: str, role: str, password: str
) -> User:
    """Add a user (admin only); they must change the password at first login."""
    require(actor, Perm.USER_MANAGE)
    store = Store.of(session)
    user = _new_user(
        session, store, username=username, display_name=display_name, role=role, password=password
    )
    user.must_change_password = True
    store.audit(session, "user.create", actor=actor, entity="user", entity_id=user.id, detail={"role": role})
    return user


def list_users(session: Session, *, actor: Actor) -> list[User]:
    """All users, by user name (admin only)."""
    require(actor, Perm.USER_MANAGE)
    return list(session.scalars(select(User).order_by(User.username)))


def _get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That user does not exist.")
    return user


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        or 0
    )


def set_active(session: Session, *, actor: Actor, user_id: uuid.UUID, active: bool) -> None:
    """Disable or enable a user (admin only); the last active admin cannot be disabled."""
    require(actor, Perm.USER_MANAGE)
    user = _get_user(session, user_id)
    if not active and user.role == Role.ADMIN and user.active and _active_admins(session) <= 1:
        raise Conflict("The last active administrator cannot be disabled.")
    user.active = active
    Store.of(session).audit(
        session, "user.enable" if active else "user.disable", actor=actor, entity="user", entity_id=user.id
    )


def set_role(session: Session, *, actor: Actor, user_id: uuid.UUID, role: str) -> None:
    """Change a user's role (admin only); the last active admin keeps theirs."""
    require(actor, Perm.USER_MANAGE)
    if role not in Role.__members__.values():
        raise ValidationError({"role": "Choose a role: front desk, doctor, manager or administrator."})
    user = _get_user(session, user_id)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active and _active_admins(session) <= 1:
        raise Conflict("The last active administrator must stay an administrator.")
    user.role = role
    Store.of(session).audit(
        session, "user.role", actor=actor, entity="user", entity_id=user.id, detail={"role": role}
    )


def _set_password(session: Session, store: Store, user: User, password: str) -> None:
    check_password_policy(password, user.username)
    keys = store.require_keys()
    now = store.clock.now()
    salt, params = keymod.new_password_params()
    secrets = keymod.password_secrets(password, salt, params)
    user.salt, user.kdf_params, user.verifier = salt, params, secrets.verifier
    user.password_changed_at = now
    user.failed_count, user.locked_until = 0, None
    # Only the user's slot is re-wrapped: the root key and every encrypted value stay as they are.
    keymod.add_user_slot(session, keys.root_key, user_id=user.id, kek=secrets.kek, params=params, now=now)


def change_password(session: Session, *, actor: Actor, old_password: str, new_password: str) -> None:
    """A user changes their own password (the old one is checked)."""
    store = Store.of(session)
    user = _get_user(session, actor.user_id)
    if not _verifies(user, old_password):
        store.audit(
            session, "user.password_change", actor=actor, entity="user", entity_id=user.id, outcome="denied"
        )
        raise ValidationError({"old_password": "The current password is not correct."})
    if old_password == new_password:
        raise ValidationError({"password": "Choose a password different from the current one."})
    _set_password(session, store, user, new_password)
    user.must_change_password = False
    store.audit(session, "user.password_change", actor=actor, entity="user", entity_id=user.id)


def reset_password(session: Session, *, actor: Actor, user_id: uuid.UUID, new_password: str) -> None:
    """An admin sets a temporary password; the user must change it at next login."""
    require(actor, Perm.USER_MANAGE)
    store = Store.of(session)
    user = _get_user(session, user_id)
    _set_password(session, store, user, new_password)
    user.must_change_password = True
    store.audit(session, "user.password_reset", actor=actor, entity="user", entity_id=user.id)


def _verifies(user: User, password: str) -> bool:
    secrets = keymod.password_secrets(password, user.salt, user.kdf_params)
    return hmac.compare_digest(secrets.verifier, user.verifier)


def lock_delay(failures: int) -> timedelta:
    """Delay after `failures` consecutive failures: none for the first five, then 1, 2, 4 … 60 minutes."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(BASE_DELAY * (2 ** min(failures - FREE_ATTEMPTS, 12)), MAX_DELAY)


def login(store: Store, username: str, password: str) -> Actor:
    """Check a user's password (with lockout), open the store's keys if needed, and return the actor.

    Also used to unlock the screen: the same checks, counters and audit apply.
    """
    name = username.strip().lower()
    now = store.clock.now()
    success: tuple[uuid.UUID, bytes | None] | None = None
    failure: Exception = InvalidCredentials()
    with store.session() as s:
        user = s.scalars(select(User).where(User.username == name)).first()
        if user is None:
            store.audit(s, "login.failed", detail={"reason": "unknown_user"}, outcome="denied")
            failure = InvalidCredentials()
        elif not user.active:
            store.audit(
                s,
                "login.failed",
                actor_id=user.id,
                actor_role=user.role,
                detail={"reason": "disabled"},
                outcome="denied",
            )
            failure = AccountDisabled()
        elif user.locked_until is not None and user.locked_until > now:
            store.audit(
                s,
                "login.failed",
                actor_id=user.id,
                actor_role=user.role,
                detail={"reason": "locked"},
                outcome="denied",
            )
            failure = AccountLocked(int((user.locked_until - now).total_seconds()))
        else:
            secrets = keymod.password_secrets(password, user.salt, user.kdf_params)
            if hmac.compare_digest(secrets.verifier, user.verifier):
                rk = None if store.unlocked else keymod.open_with_user(s, user_id=user.id, kek=secrets.kek)
                success = (user.id, rk)
            else:
                failure = _count_failure(store, s, user, now)
    if success is not None:
        return _logged_in(store, *success)
    raise failure


def _count_failure(store: Store, s: Session, user: User, now: datetime) -> Exception:
    user.failed_count += 1
    delay = lock_delay(user.failed_count)
    user.locked_until = now + delay if delay else None
    detail = {"reason": "password", "failures": user.failed_count}
    store.audit(s, "login.failed", actor_id=user.id, actor_role=user.role, detail=detail, outcome="denied")
    return AccountLocked(int(delay.total_seconds())) if delay else InvalidCredentials()


def _logged_in(store: Store, user_id: uuid.UUID, rk: bytes | None) -> Actor:
    if rk is not None:
        store.open_with_root(rk)  # also seals audit events written while the keys were closed
    with store.session() as s:
        user = _get_user(s, user_id)
        user.failed_count, user.locked_until, user.last_login_at = 0, None, store.clock.now()
        actor = Actor(user.id, user.username, user.role)
        store.audit(s, "login", actor=actor, entity="user", entity_id=user.id)
        return actor


def must_change_password(store: Store, actor: Actor) -> bool:
    """Whether the user has to choose a new password before working."""
    with store.read_session() as s:
        user = s.get(User, actor.user_id)
        return bool(user and user.must_change_password)


def unlock_failed_window(user: User, now: datetime) -> int:
    """Seconds left of a user's lockout (0 if none)."""
    if user.locked_until is None or user.locked_until <= now:
        return 0
    return int((user.locked_until - now).total_seconds())
