"""Documents: content-type checks, the size limit, encryption at rest, safe names, export, roles, audit."""

from __future__ import annotations

import io
import os
import stat
import struct
import sys
import time
import uuid
import zipfile
import zlib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, update

from hmis_desktop import auth
from hmis_desktop import settings as clinic_settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, DecryptionError, NotFound, PermissionDenied, ValidationError
from hmis_desktop.services import documents as docs
from hmis_desktop.services.documents import safe_filename
from hmis_desktop.store.blobs import CHUNK_SIZE
from hmis_desktop.store.models import AuditEvent, Blob, BlobChunk, Document, Patient
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor

ACCEPTED = "only PDF, PNG, JPEG, TIFF and plain-text files can be attached."
SECRET_TEXT = "Referral for Quokkabella Zanzibarian: suspected hyperzymosis, urgent.\n" * 20
SECRET_NAME = "Quokkabella-Zanzibarian-referral.txt"
SECRET_TITLE = "Zanzibarian cardiology referral"

# --- files made here, small and real --------------------------------------------------------------


def make_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Lab result: haemoglobin 13.2 g/dL")
    c.showPage()
    c.save()
    return buf.getvalue()


def make_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def make_image(fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 200)).save(buf, format=fmt)
    return buf.getvalue()


def make_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    return buf.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"


# --- fixtures --------------------------------------------------------------------------------------


def new_patient(store: Store, given: str = "Quokkabella", family: str = "Zanzibarian") -> uuid.UUID:
    now = store.clock.now()
    with store.session() as s:
        p = Patient(
            given_name=given,
            family_name=family,
            mrn=f"MRN-{uuid.uuid4().hex[:6]}",
            created_at=now,
            updated_at=now,
        )
        s.add(p)
        s.flush()
        return p.id


def user(store: Store, admin: Actor, role: str) -> Actor:
    name = f"{role.replace('_', '')}1"
    password = "Clinic-Staff-77x"
    with store.session() as s:
        auth.create_user(s, actor=admin, username=name, display_name=role, role=role, password=password)
    return auth.login(store, name, password)


def attach(
    store: Store, actor: Actor, patient_id: uuid.UUID, source: object, **kw: object
) -> docs.DocumentPublic:
    kw.setdefault("category", "other")
    kw.setdefault("title", "A document")
    with store.session() as s:
        return docs.attach_document(s, actor=actor, patient_id=patient_id, source=source, **kw)  # type: ignore[arg-type]


def read(store: Store, actor: Actor, doc_id: uuid.UUID) -> bytes:
    with store.session() as s:
        return docs.read_document(s, actor=actor, document_id=doc_id)


def refusal(
    store: Store, actor: Actor, patient_id: uuid.UUID, source: object, **kw: object
) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        attach(store, actor, patient_id, source, **kw)
    return info.value.errors


def count(store: Store, model: type) -> int:
    with store.read_session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def sadmin(sqlite_store: Store) -> Actor:
    return admin_actor(sqlite_store)


@pytest.fixture
def pid(sqlite_store: Store) -> uuid.UUID:
    return new_patient(sqlite_store)


# --- accepted types, round trip --------------------------------------------------------------------

TYPES = {
    "pdf": (make_pdf, "application/pdf", "pdf", ".pdf"),
    "png": (make_png, "image/png", "image", ".png"),
    "jpeg": (lambda: make_image("JPEG"), "image/jpeg", "image", ".jpg"),
    "tiff": (lambda: make_image("TIFF"), "image/tiff", "image", ".tif"),
    "text": (lambda: "Résumé of visit — ok ✓\n".encode(), "text/plain", "text", ".txt"),
}


@pytest.mark.parametrize("kind", list(TYPES))
def test_each_accepted_type_round_trips(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, kind: str, tmp_path: Path
) -> None:
    make, mime, preview, ext = TYPES[kind]
    data = make()
    path = tmp_path / f"scan{ext}"
    path.write_bytes(data)
    doc = attach(sqlite_store, sadmin, pid, path, title="", category="lab_result", doc_date=date(2026, 1, 10))
    assert (doc.mime, doc.preview_kind, doc.size, doc.filename, doc.title) == (
        mime,
        preview,
        len(data),
        f"scan{ext}",
        "scan",
    )
    assert (doc.category, doc.doc_date, doc.status, doc.created_by) == (
        "lab_result",
        date(2026, 1, 10),
        "active",
        sadmin.user_id,
    )
    assert read(sqlite_store, sadmin, doc.id) == data
    # The same content from bytes is detected the same way, with no name to go on.
    from_bytes = attach(sqlite_store, sadmin, pid, data, title="t")
    assert (from_bytes.mime, from_bytes.filename) == (mime, f"document{ext}")


def test_round_trip_on_both_backends_spans_chunks(store: Store) -> None:
    admin = admin_actor(store)
    patient = new_patient(store)
    data = ("line of a long lab report 0123456789\n" * 20000).encode()  # ~740 KB: 3 chunks
    assert len(data) > 2 * CHUNK_SIZE
    doc = attach(
        store, admin, patient, io.BytesIO(data), filename="report.txt", title="", category="lab_result"
    )
    assert doc.title == "report" and doc.mime == "text/plain"
    assert read(store, admin, doc.id) == data
    with store.read_session() as s:
        listed = docs.list_documents(s, actor=admin, patient_id=patient)
        assert [(d.id, d.title, d.filename) for d in listed] == [(doc.id, "report", "report.txt")]
        assert s.scalar(select(Blob.chunk_count)) == 3


def test_tampered_chunk_names_the_row_and_not_the_content(store: Store) -> None:
    admin = admin_actor(store)
    patient = new_patient(store)
    doc = attach(store, admin, patient, SECRET_TEXT.encode(), filename=SECRET_NAME, title=SECRET_TITLE)
    with store.session() as s:
        blob_id = s.scalar(select(Document.blob_id).where(Document.id == doc.id))
        ct = bytearray(
            s.scalar(select(BlobChunk.data).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 0))
        )
        ct[40] ^= 0x01
        s.execute(
            update(BlobChunk).where(BlobChunk.blob_id == blob_id, BlobChunk.idx == 0).values(data=bytes(ct))
        )
    with pytest.raises(DecryptionError) as info:
        read(store, admin, doc.id)
    err = info.value
    assert (err.table, err.column, err.row_id) == ("blob_chunks", "data#0/1", blob_id.hex)
    for secret in ("Quokkabella", "Zanzibarian", "hyperzymosis"):
        assert secret not in str(err)
    # The failed read was rolled back, audit event included.
    with store.read_session() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "document.view")) == 0


def test_text_detection_rules(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID) -> None:
    # Ordinary sentences that begin like weak binary signatures (BMP "BM", GIF, MP3 "ID3") stay text.
    for text in ("BMI 31, advised diet.\n", "GIFT of samples received\n", "ID3 form attached\n"):
        assert attach(sqlite_store, sadmin, pid, text.encode()).mime == "text/plain"
    # A multi-byte character cut by the end of the sniffed head is still valid UTF-8.
    cut = b"a" * (docs.HEAD_BYTES - 1) + "é and more".encode()
    assert attach(sqlite_store, sadmin, pid, cut).mime == "text/plain"
    # Latin-1 bytes are not UTF-8; NULs are not text.
    assert refusal(sqlite_store, sadmin, pid, "café".encode("latin-1"))["file"].startswith(
        "The type of this file was not recognised"
    )
    assert refusal(sqlite_store, sadmin, pid, b"abc\x00def")["file"].startswith(
        "The type of this file was not recognised"
    )
    assert "RTF document" in refusal(sqlite_store, sadmin, pid, b"{\\rtf1\\ansi hello}")["file"]


REFUSED = {
    "zip": (make_zip, f"This file is a ZIP archive; {ACCEPTED}"),
    "elf": (lambda: ELF, f"This file is a Linux program; {ACCEPTED}"),
    "exe": (lambda: EXE, f"This file is a Windows program; {ACCEPTED}"),
    "html": (lambda: HTML, f"This file is a web page (HTML); {ACCEPTED}"),
    "html-lower": (
        lambda: b"  <!-- saved -->\n<html lang=en><p>x</p></html>",
        f"This file is a web page (HTML); {ACCEPTED}",
    ),
    "svg": (
        lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        f"This file is an XML or SVG file; {ACCEPTED}",
    ),
    "gif": (lambda: make_image("GIF"), f"This file is a GIF image; {ACCEPTED}"),
    "bmp": (lambda: make_image("BMP"), f"This file is a BMP image; {ACCEPTED}"),
}


@pytest.mark.parametrize("kind", list(REFUSED))
def test_refused_types_say_why_and_store_nothing(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, kind: str, tmp_path: Path
) -> None:
    make, message = REFUSED[kind]
    # Named like an accepted type and after the patient: the name neither helps nor leaks.
    path = tmp_path / "Quokkabella-Zanzibarian.pdf"
    path.write_bytes(make())
    blobs_before = count(sqlite_store, Blob)
    errors = refusal(sqlite_store, sadmin, pid, path)
    assert errors == {"file": message}
    assert "Quokkabella" not in message
    assert count(sqlite_store, Blob) == blobs_before and count(sqlite_store, Document) == 0


def test_empty_and_missing_files_refused_without_the_name(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    empty = tmp_path / "Quokkabella.txt"
    empty.write_bytes(b"")
    assert refusal(sqlite_store, sadmin, pid, empty) == {
        "file": "This file is empty; there is nothing to attach."
    }
    missing = refusal(sqlite_store, sadmin, pid, tmp_path / "Quokkabella-gone.pdf")["file"]
    assert missing.startswith("The file cannot be found") and "Quokkabella" not in missing
    assert (
        refusal(sqlite_store, sadmin, pid, tmp_path)["file"]
        == "Only files can be attached, not folders or devices."
    )


# --- the size limit ---------------------------------------------------------------------------------

_OPENED: list[str] = []


def _audit_open(event_name: str, args: tuple[object, ...]) -> None:
    if (
        event_name == "open"
        and isinstance(args[0], str | bytes | os.PathLike)
        and "sparse-" in os.fsdecode(args[0])
    ):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit_open)  # audit hooks cannot be removed; this one only watches our sparse files


def test_oversize_path_refused_from_stat_without_opening(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    limit = 25 * 1024 * 1024
    with sqlite_store.read_session() as s:
        assert clinic_settings.get(s, "documents.max_bytes") == limit
    path = tmp_path / "sparse-Quokkabella.pdf"
    path.touch()
    os.truncate(path, limit + 1)  # sparse: no data blocks, so only a read could make this slow
    assert path.stat().st_size == limit + 1
    _OPENED.clear()
    started = time.perf_counter()
    errors = refusal(sqlite_store, sadmin, pid, path)
    elapsed = time.perf_counter() - started
    assert errors == {"file": docs._too_large(limit, limit + 1)}
    assert errors["file"].startswith("This file is 25 MB; the largest document this clinic accepts is 25 MB.")
    assert _OPENED == []  # refused on its size alone: the file was never opened
    assert elapsed < 1.0
    assert count(sqlite_store, Blob) == 0


def test_limit_boundary_follows_the_setting(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    with sqlite_store.session() as s:
        clinic_settings.put(s, "documents.max_bytes", 4096, now=sqlite_store.clock.now())
    at_limit = tmp_path / "at.txt"
    at_limit.write_bytes(b"x" * 4096)
    assert attach(sqlite_store, sadmin, pid, at_limit).size == 4096
    over = tmp_path / "over.txt"
    over.write_bytes(b"x" * 4097)
    assert refusal(sqlite_store, sadmin, pid, over)["file"].startswith("This file is 0.0 MB; the largest")
    assert refusal(sqlite_store, sadmin, pid, b"x" * 4097)["file"].endswith(
        "Scan at a lower resolution or split it."
    )


class CountingStream(io.RawIOBase):
    """A very long text stream that counts what was read from it."""

    def __init__(self, total: int) -> None:
        self.total, self.read_bytes = total, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.total - self.read_bytes if n < 0 else min(n, self.total - self.read_bytes)
        self.read_bytes += n
        return b"y" * n


def test_stream_stops_reading_past_the_limit(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID) -> None:
    limit = 64 * 1024
    with sqlite_store.session() as s:
        clinic_settings.put(s, "documents.max_bytes", limit, now=sqlite_store.clock.now())
    stream = CountingStream(50 * 1024 * 1024)
    errors = refusal(sqlite_store, sadmin, pid, stream)
    assert errors["file"].startswith("This file is too large; the largest document this clinic accepts is")
    assert stream.read_bytes <= limit + CHUNK_SIZE
    assert count(sqlite_store, Blob) == 0 and count(sqlite_store, BlobChunk) == 0
    # A stream whose first bytes already pass the limit stops after them.
    with sqlite_store.session() as s:
        clinic_settings.put(s, "documents.max_bytes", 1024, now=sqlite_store.clock.now())
    small = CountingStream(10 * 1024 * 1024)
    refusal(sqlite_store, sadmin, pid, small)
    assert small.read_bytes == 1025
    # Within the limit a stream is stored whole.
    ok = attach(sqlite_store, sadmin, pid, CountingStream(1000))
    assert read(sqlite_store, sadmin, ok.id) == b"y" * 1000


# --- validation ----------------------------------------------------------------------------------


def test_all_field_errors_reported_together(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, clock: object
) -> None:
    errors = refusal(
        sqlite_store, sadmin, pid, make_zip(), title="  ", category="xray", doc_date=date(2026, 1, 16)
    )
    assert set(errors) == {"file", "title", "category", "doc_date"}
    assert errors["title"] == "Give the document a title."
    assert (
        errors["category"]
        == "Choose one of the categories: referral, lab result, imaging, identity document, consent form, other."
    )
    assert errors["doc_date"] == "The document date is in the future; check it."
    assert refusal(sqlite_store, sadmin, pid, b"ok", doc_date=date(1850, 1, 1)) == {
        "doc_date": "The document date is before 1900; check the year."
    }
    assert "too long" in refusal(sqlite_store, sadmin, pid, b"ok", title="t" * 201)["title"]
    # Today is fine, and a title is cleaned of control characters and extra spaces.
    doc = attach(
        sqlite_store, sadmin, pid, b"ok", title="  Lab\x00  result\u202e \n", doc_date=date(2026, 1, 15)
    )
    assert doc.title == "Lab result"


def test_default_title_comes_from_the_cleaned_stem(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID
) -> None:
    doc = attach(sqlite_store, sadmin, pid, b"hello", filename="../../x/\x07Blood  count.final.txt", title="")
    assert (doc.title, doc.filename) == ("Blood count.final", "Blood count.final.txt")
    doc2 = attach(sqlite_store, sadmin, pid, make_png(), filename="CON", title="")
    assert doc2.filename == "_CON.png"


def test_unknown_and_merged_patients(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID) -> None:
    with pytest.raises(NotFound):
        attach(sqlite_store, sadmin, uuid.uuid4(), b"x")
    with sqlite_store.session() as s, pytest.raises(NotFound):
        docs.list_documents(s, actor=sadmin, patient_id=uuid.uuid4())
    other = new_patient(sqlite_store, "Ann", "Other")
    with sqlite_store.session() as s:
        p = s.get(Patient, other)
        assert p is not None
        p.status, p.merged_into_id = "merged", pid
    with pytest.raises(Conflict):
        attach(sqlite_store, sadmin, other, b"x")
    with sqlite_store.session() as s, pytest.raises(NotFound):
        docs.get_document(s, actor=sadmin, document_id=uuid.uuid4())


# --- nothing in plaintext on disk, audit with ids only ---------------------------------------------


def test_database_files_hold_no_content_name_or_title(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    src = tmp_path / SECRET_NAME
    src.write_text(SECRET_TEXT, encoding="utf-8")
    doc = attach(sqlite_store, sadmin, pid, src, title=SECRET_TITLE, category="referral")
    assert read(sqlite_store, sadmin, doc.id) == SECRET_TEXT.encode()
    with sqlite_store.session() as s:
        docs.rename_document(s, actor=sadmin, document_id=doc.id, title=SECRET_TITLE + " v2")
    profile = sqlite_store.profile.path
    sqlite_store.close()  # the last connection checkpoints the WAL; the -wal file is read too if left
    raw = b"".join(f.read_bytes() for f in sorted(profile.rglob("*")) if f.is_file())
    assert len(raw) > 10_000
    for secret in (
        SECRET_TEXT[:40],
        "hyperzymosis",
        SECRET_NAME,
        "Quokkabella-Zanzibarian",
        SECRET_TITLE,
        "Zanzibarian cardiology",
    ):
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret


def test_every_change_is_audited_with_ids_only(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    doc = attach(
        sqlite_store,
        sadmin,
        pid,
        SECRET_TEXT.encode(),
        filename=SECRET_NAME,
        title=SECRET_TITLE,
        category="referral",
    )
    read(sqlite_store, sadmin, doc.id)
    with sqlite_store.session() as s:
        docs.rename_document(s, actor=sadmin, document_id=doc.id, title="Zanzibarian letter")
        docs.rename_document(
            s, actor=sadmin, document_id=doc.id, title="Zanzibarian letter"
        )  # no change, no event
        docs.recategorise_document(s, actor=sadmin, document_id=doc.id, category="consent")
        docs.archive_document(s, actor=sadmin, document_id=doc.id)
        docs.restore_document(s, actor=sadmin, document_id=doc.id)
        docs.export_document(s, actor=sadmin, document_id=doc.id, dest_dir=tmp_path)
    with sqlite_store.read_session() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.entity == "document").order_by(AuditEvent.seq)
        ).all()
        assert [e.action for e in events] == [
            "document.create",
            "document.view",
            "document.update",
            "document.update",
            "document.archive",
            "document.restore",
            "document.export",
        ]
        assert {e.entity_id for e in events} == {str(doc.id)}
        assert {e.actor_id for e in events} == {sadmin.user_id}
        assert events[0].detail == {
            "patient_id": str(pid),
            "category": "referral",
            "mime": "text/plain",
            "size": len(SECRET_TEXT.encode()),
        }
        assert events[2].detail == {"patient_id": str(pid), "fields": ["title"]}
        assert events[3].detail == {
            "patient_id": str(pid),
            "fields": ["category"],
            "old": "referral",
            "new": "consent",
        }
        text = repr([(e.detail, e.entity_id, e.action) for e in events])
        for secret in ("Zanzibarian", "Quokkabella", "hyperzymosis", "letter"):
            assert secret not in text


# --- list, edit, archive ---------------------------------------------------------------------------


def test_archive_hides_from_default_list_and_restore_brings_back(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, clock: object
) -> None:
    a = attach(sqlite_store, sadmin, pid, b"a", title="Older", doc_date=date(2025, 5, 1))
    b = attach(sqlite_store, sadmin, pid, b"b", title="Newer", doc_date=date(2025, 12, 1))
    c = attach(sqlite_store, sadmin, pid, b"c", title="Undated")  # sorts by its attach day (2026-01-15)
    attach(sqlite_store, sadmin, new_patient(sqlite_store, "Bo", "Else"), b"d", title="Someone else's")
    with sqlite_store.session() as s:
        assert [d.title for d in docs.list_documents(s, actor=sadmin, patient_id=pid)] == [
            "Undated",
            "Newer",
            "Older",
        ]
        archived = docs.archive_document(s, actor=sadmin, document_id=b.id)
        assert archived.archived and archived.status == "archived"
        assert [d.id for d in docs.list_documents(s, actor=sadmin, patient_id=pid)] == [c.id, a.id]
        every = docs.list_documents(s, actor=sadmin, patient_id=pid, include_archived=True)
        assert [(d.id, d.status) for d in every] == [(c.id, "active"), (b.id, "archived"), (a.id, "active")]
        with pytest.raises(Conflict):
            docs.archive_document(s, actor=sadmin, document_id=b.id)
        # Archived content stays readable.
        assert docs.read_document(s, actor=sadmin, document_id=b.id) == b"b"
        docs.restore_document(s, actor=sadmin, document_id=b.id)
        with pytest.raises(Conflict):
            docs.restore_document(s, actor=sadmin, document_id=b.id)
        assert len(docs.list_documents(s, actor=sadmin, patient_id=pid)) == 3


def test_rename_and_recategorise(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, clock: object) -> None:
    doc = attach(sqlite_store, sadmin, pid, b"x", title="Old title")
    clock.advance(60)  # type: ignore[attr-defined]
    with sqlite_store.session() as s:
        renamed = docs.rename_document(s, actor=sadmin, document_id=doc.id, title="  New\ttitle ")
        assert renamed.title == "New title" and renamed.updated_at > doc.updated_at
        moved = docs.recategorise_document(s, actor=sadmin, document_id=doc.id, category="imaging")
        assert moved.category == "imaging"
        with pytest.raises(ValidationError) as info:
            docs.rename_document(s, actor=sadmin, document_id=doc.id, title="\x00 ")
        assert info.value.errors == {"title": "Give the document a title."}
        with pytest.raises(ValidationError) as info:
            docs.recategorise_document(s, actor=sadmin, document_id=doc.id, category="Imaging")
        assert set(info.value.errors) == {"category"}
    with sqlite_store.read_session() as s:
        again = docs.get_document(s, actor=sadmin, document_id=doc.id)
        assert (again.title, again.category) == ("New title", "imaging")


def test_list_is_one_query_whatever_the_count(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID) -> None:
    def statements(n_expected: int) -> int:
        seen: list[str] = []

        def log(conn: object, cursor: object, sql: str, *a: object) -> None:
            seen.append(sql)

        event.listen(sqlite_store.engine, "before_cursor_execute", log)
        try:
            with sqlite_store.read_session() as s:
                assert len(docs.list_documents(s, actor=sadmin, patient_id=pid)) == n_expected
        finally:
            event.remove(sqlite_store.engine, "before_cursor_execute", log)
        return len([q for q in seen if q.lstrip().upper().startswith("SELECT")])

    attach(sqlite_store, sadmin, pid, b"1", title="one")
    one = statements(1)
    for i in range(12):
        attach(sqlite_store, sadmin, pid, f"{i}".encode(), title=f"doc {i}")
    assert statements(13) == one <= 2


# --- export ----------------------------------------------------------------------------------------


def test_export_writes_the_bytes_0600_and_never_overwrites(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    pdf = make_pdf()
    doc = attach(sqlite_store, sadmin, pid, pdf, filename="../Lab result: 12/01.pdf", title="Lab")
    assert doc.filename == "01.pdf"
    out = tmp_path / "out"
    out.mkdir()
    (out / "01.pdf").write_bytes(b"someone else's file")
    paths = []
    for _ in range(3):
        with sqlite_store.session() as s:
            paths.append(docs.export_document(s, actor=sadmin, document_id=doc.id, dest_dir=out))
    assert [p.name for p in paths] == ["01 (2).pdf", "01 (3).pdf", "01 (4).pdf"]
    assert (out / "01.pdf").read_bytes() == b"someone else's file"
    for p in paths:
        assert p.parent == out and p.read_bytes() == pdf
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert sorted(f.name for f in out.iterdir()) == [
        "01 (2).pdf",
        "01 (3).pdf",
        "01 (4).pdf",
        "01.pdf",
    ]  # no temp files left
    from pypdf import PdfReader

    assert "haemoglobin" in PdfReader(paths[0]).pages[0].extract_text()


def test_export_name_matches_the_content_type(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    cases = [
        (make_pdf(), "invoice.exe", "invoice.exe.pdf"),
        (make_image("JPEG"), "photo.JPEG", "photo.JPEG"),
        (b"plain", "notes.html", "notes.html.txt"),
        (b"plain", "NUL", "_NUL.txt"),
        (make_png(), "\u202egnp.exe", "gnp.exe.png"),
    ]
    for data, name, expected in cases:
        doc = attach(sqlite_store, sadmin, pid, data, filename=name, title="t")
        with sqlite_store.session() as s:
            path = docs.export_document(s, actor=sadmin, document_id=doc.id, dest_dir=tmp_path)
        assert path.name == expected and path.read_bytes() == data


def test_export_refuses_a_missing_folder(
    sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path
) -> None:
    doc = attach(sqlite_store, sadmin, pid, b"x", filename="Quokkabella.txt")
    with sqlite_store.session() as s, pytest.raises(ValidationError) as info:
        docs.export_document(s, actor=sadmin, document_id=doc.id, dest_dir=tmp_path / "Quokkabella-folder")
    assert info.value.errors == {"dest_dir": "Choose a folder that exists."}
    with sqlite_store.read_session() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "document.export")) == 0


# --- roles -----------------------------------------------------------------------------------------


def test_roles(sqlite_store: Store, sadmin: Actor, pid: uuid.UUID, tmp_path: Path) -> None:
    front = user(sqlite_store, sadmin, "front_desk")
    doctor = user(sqlite_store, sadmin, "doctor")
    manager = user(sqlite_store, sadmin, "manager")

    # Front desk: attach, view, list, edit; not export.
    doc = attach(sqlite_store, front, pid, make_png(), filename="id-card.png", category="identity")
    assert read(sqlite_store, front, doc.id) == make_png()
    with sqlite_store.session() as s:
        assert [d.id for d in docs.list_documents(s, actor=front, patient_id=pid)] == [doc.id]
        docs.rename_document(s, actor=front, document_id=doc.id, title="ID card")
    with sqlite_store.session() as s, pytest.raises(PermissionDenied) as info:
        docs.export_document(s, actor=front, document_id=doc.id, dest_dir=tmp_path)
    assert str(info.value) == "A front desk may not export documents. Ask a manager or administrator."
    assert list(tmp_path.glob("*.png")) == []

    # Doctor: export too.
    with sqlite_store.session() as s:
        assert (
            docs.export_document(s, actor=doctor, document_id=doc.id, dest_dir=tmp_path).read_bytes()
            == make_png()
        )
    assert read(sqlite_store, doctor, doc.id) == make_png()

    # Manager: everything.
    mdoc = attach(sqlite_store, manager, pid, b"manager note", title="Note", category="consent")
    with sqlite_store.session() as s:
        assert docs.read_document(s, actor=manager, document_id=mdoc.id) == b"manager note"
        docs.recategorise_document(s, actor=manager, document_id=mdoc.id, category="other")
        docs.archive_document(s, actor=manager, document_id=mdoc.id)
        docs.restore_document(s, actor=manager, document_id=mdoc.id)
        assert (
            docs.export_document(s, actor=manager, document_id=mdoc.id, dest_dir=tmp_path).name
            == "document.txt"
        )

    # A role outside the matrix may do nothing, checked before anything is read.
    nobody = Actor(uuid.uuid4(), "ghost", "visitor")
    for call in (
        lambda s: docs.attach_document(
            s, actor=nobody, patient_id=pid, source=b"x", title="t", category="other"
        ),
        lambda s: docs.list_documents(s, actor=nobody, patient_id=pid),
        lambda s: docs.get_document(s, actor=nobody, document_id=doc.id),
        lambda s: docs.read_document(s, actor=nobody, document_id=doc.id),
        lambda s: docs.rename_document(s, actor=nobody, document_id=doc.id, title="x"),
        lambda s: docs.recategorise_document(s, actor=nobody, document_id=doc.id, category="other"),
        lambda s: docs.archive_document(s, actor=nobody, document_id=doc.id),
        lambda s: docs.restore_document(s, actor=nobody, document_id=doc.id),
        lambda s: docs.export_document(s, actor=nobody, document_id=doc.id, dest_dir=tmp_path),
    ):
        with sqlite_store.session() as s, pytest.raises(PermissionDenied):
            call(s)


# --- preview kinds ---------------------------------------------------------------------------------


def test_preview_kind() -> None:
    assert docs.document_preview_kind("application/pdf") == "pdf"
    assert {docs.document_preview_kind(m) for m in ("image/png", "image/jpeg", "image/tiff")} == {"image"}
    assert docs.document_preview_kind("text/plain") == "text"
    with pytest.raises(ValueError, match="no preview"):
        docs.document_preview_kind("application/zip")


# --- safe_filename -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fallback", "expected"),
    [
        ("../../etc/passwd", "", "passwd"),
        ("..\\..\\Windows\\system.ini", "", "system.ini"),
        ("C:\\Users\\clinic\\scan.pdf", "", "scan.pdf"),
        ("/abs/path/", "", "path"),
        ("report.pdf", ".txt", "report.pdf"),
        ("report", ".pdf", "report.pdf"),
        ("report", "pdf", "report.pdf"),
        ("report", "..p/d\\f", "report.pdf"),
        ("", "", "document"),
        ("", ".png", "document.png"),
        ("   ", "", "document"),
        ("...", "", "document"),
        ("..", "", "document"),
        (".pdf", "", "pdf"),
        (".bashrc", "", "bashrc"),
        ("a\x00b.pdf", "", "ab.pdf"),
        ("line\nbreak\ttab.txt", "", "line break tab.txt"),
        ("bell\x07\x1b[31m.txt", "", "bell[31m.txt"),
        ("invoice\u202efdp.exe", "", "invoicefdp.exe"),
        ("zero\u200bwidth\ufeff.txt", "", "zerowidth.txt"),
        ("می\u200cخواهم.pdf", "", "می\u200cخواهم.pdf"),
        ('a<b>c:d"e|f?g*h.png', "", "a_b_c_d_e_f_g_h.png"),
        ("trailing. . ", "", "trailing"),
        ("many   spaces  here.pdf", "", "many spaces here.pdf"),
        ("CON", "", "_CON"),
        ("con", ".txt", "_con.txt"),
        ("Con.pdf", "", "_Con.pdf"),
        ("PRN.tar.gz", "", "_PRN.tar.gz"),
        ("aux .txt", "", "_aux.txt"),
        ("NUL", ".pdf", "_NUL.pdf"),
        ("COM1.jpg", "", "_COM1.jpg"),
        ("com9", "", "_com9"),
        ("LPT1", "", "_LPT1"),
        ("lpt¹.txt", "", "_lpt¹.txt"),
        ("CONIN$", "", "_CONIN$"),
        ("COM10.txt", "", "COM10.txt"),
        ("CONSENT.pdf", "", "CONSENT.pdf"),
        ("console", "", "console"),
        ("Zoë Ñúñez.pdf", "", "Zoë Ñúñez.pdf"),
        ("Zoe\u0308.pdf", "", "Zoë.pdf"),  # NFD from macOS becomes NFC
        ("name.with.dots.final.tiff", "", "name.with.dots.final.tiff"),
        ("weird.ext with space", ".txt", "weird.ext with space.txt"),
    ],
)
def test_safe_filename_cases(name: str, fallback: str, expected: str) -> None:
    assert safe_filename(name, fallback) == expected


def test_safe_filename_caps_length_and_keeps_the_extension() -> None:
    long = safe_filename("x" * 500 + ".pdf")
    assert long == "x" * 116 + ".pdf" and len(long) == 120
    wide = safe_filename("誰" * 300 + ".jpeg")  # 3 bytes a character: capped in bytes as well
    assert wide.endswith(".jpeg") and len(wide.encode()) <= 200 and len(wide) < 120
    # Cutting never leaves a trailing dot or space.
    assert safe_filename("a" * 118 + " .x" + "-" * 20) == "a" * 118
    assert safe_filename("CON" + "." + "x" * 200).startswith("_CON.")


_RESERVED_ORACLE = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789¹²³"
}


@settings(max_examples=400, deadline=None)
@given(
    name=st.one_of(
        st.text(max_size=300),
        st.text(alphabet=st.sampled_from(list("./\\ \x00:*?CONPRNAUXLTcom19¹\u202e\t")), max_size=40),
        st.builds(
            lambda dev, tail: dev + tail,
            st.sampled_from(sorted(_RESERVED_ORACLE) + [d.lower() for d in _RESERVED_ORACLE]),
            st.text(alphabet=" .txtpdf/\\", max_size=8),
        ),
    ),
    fallback=st.one_of(st.just(""), st.sampled_from([".pdf", "png", ".t/x\\t"]), st.text(max_size=20)),
)
def test_safe_filename_properties(name: str, fallback: str) -> None:
    out = safe_filename(name, fallback)
    assert out
    assert "/" not in out and "\\" not in out and "\x00" not in out
    assert len(out) <= 120 and len(out.encode("utf-8")) <= 200
    assert out.split(".", 1)[0].rstrip(" ").upper() not in _RESERVED_ORACLE
    assert not out.startswith(".") and not out.endswith((".", " "))
    assert not any(ord(c) < 32 for c in out)
    assert safe_filename(out, fallback) == out  # a clean name stays as it is
