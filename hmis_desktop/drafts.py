"""Unsaved form state kept as a user's encrypted drafts (saved by the lock, restored at that user's unlock).

The payload is encrypted with its row id in the associated data and also names its owner inside the
ciphertext, so a draft re-assigned to another user (its `user_id` edited) is refused, not shown.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hmis_desktop.audit import Actor
from hmis_desktop.errors import DecryptionError
from hmis_desktop.store.models import Draft
from hmis_desktop.store.store import Store


def save_draft(session: Session, *, actor: Actor, form_key: str, payload: dict[str, Any]) -> None:
    """Create or replace the actor's draft for one form."""
    store = Store.of(session)
    draft = session.scalars(
        select(Draft).where(Draft.user_id == actor.user_id, Draft.form_key == form_key)
    ).first()
    if draft is None:
        draft = Draft(user_id=actor.user_id, form_key=form_key, updated_at=store.clock.now())
        session.add(draft)
    draft.payload = {"owner": str(actor.user_id), "form": form_key, "data": payload}
    draft.updated_at = store.clock.now()
    session.flush()


def load_drafts(session: Session, *, actor: Actor) -> dict[str, dict[str, Any]]:
    """The actor's drafts by form key (only theirs: filtered by owner and checked inside the ciphertext)."""
    out: dict[str, dict[str, Any]] = {}
    for draft in session.scalars(
        select(Draft).where(Draft.user_id == actor.user_id).order_by(Draft.updated_at)
    ):
        body = draft.payload or {}
        if body.get("owner") != str(actor.user_id) or body.get("form") != draft.form_key:
            raise DecryptionError("drafts", "payload", draft.id, "the draft belongs to another user")
        out[draft.form_key] = body.get("data") or {}
    return out


def delete_draft(session: Session, *, actor: Actor, form_key: str | None = None) -> int:
    """Delete one of the actor's drafts (or all of them); returns how many."""
    stmt = delete(Draft).where(Draft.user_id == actor.user_id)
    if form_key is not None:
        stmt = stmt.where(Draft.form_key == form_key)
    return session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]


def has_drafts(session: Session, *, actor: Actor) -> bool:
    """Whether the actor has drafts waiting."""
    return session.scalar(select(Draft.id).where(Draft.user_id == actor.user_id).limit(1)) is not None
