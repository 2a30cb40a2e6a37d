"""Worker-side reads about the signed-in user (staff data, not PHI). Call from an `Op`, not the GUI thread."""

from __future__ import annotations

import uuid

from hmis_desktop import settings as settings_mod
from hmis_desktop.store.models import User
from hmis_desktop.store.store import Store


def display_name(store: Store, user_id: uuid.UUID) -> str:
    """The user's display name ('' if the user is gone)."""
    with store.read_session() as s:
        user = s.get(User, user_id)
        return user.display_name if user is not None else ""


def lock_timeout_minutes(store: Store) -> int:
    """The clinic's lock timeout (admin setting `lock.timeout_minutes`)."""
    with store.read_session() as s:
        return int(settings_mod.get(s, "lock.timeout_minutes"))
