"""Drafts belong to one user; blobs are encrypted in chunks that cannot be moved, dropped or swapped."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select, update

from hmis_desktop import auth, drafts
from hmis_desktop.audit import Actor
from hmis_desktop.errors import DecryptionError
from hmis_desktop.permissions import Role
from hmis_desktop.store import blobs
from hmis_desktop.store.models import BlobChunk, Draft
from hmis_desktop.store.store import Store


def _user(store: Store, admin: Actor, name: str) -> Actor:
    with store.session() as s:
        auth.create_user(
            s, actor=admin, username=name, display_name=name, role=Role.FRONT_DESK, password="Front-Desk-77x"
        )
    return auth.login(store, name, "Front-Desk-77x")


def test_drafts_are_per_user(store: Store, admin: Actor) -> None:
    other = _user(store, admin, "fatma")
    form = {"given_name": "Zoë", "phones": ["0712 345 678"], "dirty": True}
    with store.session() as s:
        drafts.save_draft(s, actor=admin, form_key="patient-new", payload=form)
        drafts.save_draft(s, actor=admin, form_key="patient-new", payload=form | {"family_name": "Núñez"})
    with store.read_session() as s:
        assert drafts.load_drafts(s, actor=admin) == {"patient-new": form | {"family_name": "Núñez"}}
        assert drafts.load_drafts(s, actor=other) == {}
        assert drafts.has_drafts(s, actor=admin) and not drafts.has_drafts(s, actor=other)
    with store.session() as s:
        assert drafts.delete_draft(s, actor=admin, form_key="patient-new") == 1
    with store.read_session() as s:
        assert drafts.load_drafts(s, actor=admin) == {}


def test_a_draft_reassigned_to_another_user_is_refused(sqlite_store: Store) -> None:
    from tests.conftest import admin_actor

    admin = admin_actor(sqlite_store)
    other = _user(sqlite_store, admin, "fatma")
    with sqlite_store.session() as s:
        drafts.save_draft(s, actor=admin, form_key="invoice-new", payload={"note": "secret"})
        s.execute(update(Draft).values(user_id=other.user_id))
    with sqlite_store.read_session() as s, pytest.raises(DecryptionError, match="another user"):
        drafts.load_drafts(s, actor=other)


def test_blob_round_trip_over_many_chunks(store: Store) -> None:
    data = os.urandom(blobs.CHUNK_SIZE * 2 + 1234)
    with store.session() as s:
        blob = blobs.put_blob(s, data)
        assert blob.chunk_count == 3 and blob.size == len(data)
    with store.read_session() as s:
        assert blobs.get_blob(s, blob.id) == data
        raw = b"".join(s.scalars(select(BlobChunk.data).where(BlobChunk.blob_id == blob.id)))
        assert data[:64] not in raw


def test_empty_blob(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        blob = blobs.put_blob(s, b"")
    with sqlite_store.read_session() as s:
        assert blobs.get_blob(s, blob.id) == b""


def _two_chunk_blob(store: Store) -> tuple[object, bytes]:
    data = os.urandom(blobs.CHUNK_SIZE + 10)
    with store.session() as s:
        blob = blobs.put_blob(s, data)
    return blob.id, data


def test_swapped_chunks_fail(sqlite_store: Store) -> None:
    blob_id, _ = _two_chunk_blob(sqlite_store)
    with sqlite_store.session() as s:
        rows = dict(
            s.execute(select(BlobChunk.idx, BlobChunk.data).where(BlobChunk.blob_id == blob_id)).all()
        )
        s.execute(
            update(BlobChunk).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 0).values(data=rows[1])
        )
        s.execute(
            update(BlobChunk).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 1).values(data=rows[0])
        )
    with sqlite_store.read_session() as s, pytest.raises(DecryptionError, match="blob_chunks"):
        blobs.get_blob(s, blob_id)  # type: ignore[arg-type]


def test_dropped_last_chunk_fails(sqlite_store: Store) -> None:
    blob_id, _ = _two_chunk_blob(sqlite_store)
    with sqlite_store.session() as s:
        s.execute(BlobChunk.__table__.delete().where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 1))
    with sqlite_store.read_session() as s, pytest.raises(DecryptionError, match="truncated"):
        blobs.get_blob(s, blob_id)  # type: ignore[arg-type]


def test_flipped_chunk_byte_fails(sqlite_store: Store) -> None:
    blob_id, _ = _two_chunk_blob(sqlite_store)
    with sqlite_store.session() as s:
        ct = s.scalar(select(BlobChunk.data).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 1))
        bad = bytearray(ct)  # type: ignore[arg-type]
        bad[40] ^= 1
        s.execute(
            update(BlobChunk).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 1).values(data=bytes(bad))
        )
    with sqlite_store.read_session() as s, pytest.raises(DecryptionError, match="authentication failed"):
        blobs.get_blob(s, blob_id)  # type: ignore[arg-type]
