"""Encrypted binary content in the database, in chunks (documents, logos).

Each chunk is a field-cipher value whose associated data names the blob, the chunk's index and the chunk
count: a chunk moved to another blob or position, a dropped last chunk, or a swapped pair fails to decrypt.
Content never touches a temp file; reading can stream chunk by chunk.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from hmis_desktop.errors import DecryptionError, StoreError
from hmis_desktop.ids import new_id
from hmis_desktop.store.models import Blob, BlobChunk

CHUNK_SIZE = 256 * 1024
_CHANGED = "The file changed while it was being stored; nothing was saved. Attach it again."


def _chunk_column(idx: int, count: int) -> str:
    return f"data#{idx}/{count}"


def put_blob(session: Session, data: bytes | BinaryIO | Iterable[bytes], *, size: int | None = None) -> Blob:
    """Store content encrypted in chunks; returns the flushed `Blob` (its `sha256` is of the plaintext).

    With `size` known (or bytes given) chunks stream straight to the database, so a large file is never held
    whole in memory; otherwise the content is gathered first to learn the chunk count.
    """
    from hmis_desktop.store.store import Store

    store = Store.of(session)
    cipher = store.require_keys().cipher
    if isinstance(data, bytes | bytearray | memoryview):
        size = len(data)
    chunks: Iterable[bytes] = _chunks(data)
    if size is None:
        gathered = list(chunks)
        size, chunks = sum(len(c) for c in gathered), gathered
    count = max(1, -(-size // CHUNK_SIZE))
    blob = Blob(
        id=new_id(), size=size, chunk_size=CHUNK_SIZE, chunk_count=count, created_at=store.clock.now()
    )
    session.add(blob)
    session.flush()
    digest = hashlib.sha256()
    total = 0
    for idx, chunk in enumerate(chunks):
        if idx >= count:
            raise StoreError(_CHANGED)
        digest.update(chunk)
        total += len(chunk)
        ct = cipher.encrypt(chunk, "blob_chunks", _chunk_column(idx, count), blob.id)
        session.execute(insert(BlobChunk).values(blob_id=blob.id, idx=idx, data=ct))
    if size == 0:
        session.execute(
            insert(BlobChunk).values(
                blob_id=blob.id, idx=0, data=cipher.encrypt(b"", "blob_chunks", _chunk_column(0, 1), blob.id)
            )
        )
    elif total != size:
        raise StoreError(_CHANGED)
    blob.sha256 = digest.digest()
    session.flush()
    return blob


def _chunks(data: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        buf = bytes(data)
        for i in range(0, len(buf), CHUNK_SIZE):
            yield buf[i : i + CHUNK_SIZE]
        return
    if hasattr(data, "read"):
        while piece := data.read(CHUNK_SIZE):
            yield piece
        return
    pending = b""
    for piece in data:
        pending += piece
        while len(pending) >= CHUNK_SIZE:
            yield pending[:CHUNK_SIZE]
            pending = pending[CHUNK_SIZE:]
    if pending:
        yield pending


def iter_blob(session: Session, blob_id: uuid.UUID) -> Iterator[bytes]:
    """Decrypt a blob chunk by chunk, checking the count and, at the end, the SHA-256."""
    from hmis_desktop.store.store import Store

    cipher = Store.of(session).require_keys().cipher
    blob = session.get(Blob, blob_id)
    if blob is None:
        raise DecryptionError("blobs", "id", blob_id, "the content is missing")
    digest = hashlib.sha256()
    seen = 0
    rows = session.execute(
        select(BlobChunk.idx, BlobChunk.data).where(BlobChunk.blob_id == blob_id).order_by(BlobChunk.idx)
    )
    for idx, ct in rows:
        if idx != seen:
            raise DecryptionError("blob_chunks", f"data#{seen}", blob_id, "a chunk is missing")
        plain = cipher.decrypt(ct, "blob_chunks", _chunk_column(idx, blob.chunk_count), blob_id)
        digest.update(plain)
        seen += 1
        yield plain
    if seen != blob.chunk_count:
        raise DecryptionError("blob_chunks", f"data#{seen}", blob_id, "the content is truncated")
    expected = blob.sha256
    if expected is None or not hmac.compare_digest(digest.digest(), expected):
        raise DecryptionError("blobs", "sha256", blob_id, "the content does not match its checksum")


def get_blob(session: Session, blob_id: uuid.UUID) -> bytes:
    """The whole decrypted content of a blob."""
    return b"".join(iter_blob(session, blob_id))


def delete_blob(session: Session, blob_id: uuid.UUID) -> None:
    """Remove a blob and its chunks."""
    blob = session.get(Blob, blob_id)
    if blob is not None:
        session.execute(delete(BlobChunk).where(BlobChunk.blob_id == blob_id))
        session.delete(blob)
