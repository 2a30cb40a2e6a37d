"""Documents attached to patients: type checks on content, encrypted storage, safe names, export.

Content goes into an encrypted chunked blob (`store.blobs`); the title and the original file name are
encrypted fields of `documents`. A name that came from outside is only ever a display value: it is cleaned
by `safe_filename` and never used as a path, except (cleaned again) as the name of an exported copy.
Nothing here imports Qt; `document_preview_kind` tells the UI which viewer to use.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Literal

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, NotFound, ValidationError
from hmis_desktop.permissions import Perm, require
from hmis_desktop.profile import atomic_write
from hmis_desktop.store.blobs import CHUNK_SIZE, get_blob, put_blob
from hmis_desktop.store.encrypted import decrypt_value
from hmis_desktop.store.models import Document, Patient
from hmis_desktop.store.store import Store

CATEGORIES: dict[str, str] = {
    "referral": "Referral",
    "lab_result": "Lab result",
    "imaging": "Imaging",
    "identity": "Identity document",
    "consent": "Consent form",
    "other": "Other",
}
MIME_PDF = "application/pdf"
MIME_PNG = "image/png"
MIME_JPEG = "image/jpeg"
MIME_TIFF = "image/tiff"
MIME_TEXT = "text/plain"
ACCEPTED_MIME: tuple[str, ...] = (MIME_PDF, MIME_PNG, MIME_JPEG, MIME_TIFF, MIME_TEXT)
PreviewKind = Literal["image", "pdf", "text"]

MAX_FILENAME = 120
MAX_TITLE = 200
# Bytes looked at to decide the type (filetype reads at most 8 KiB too).
HEAD_BYTES = 8192
# Names are also capped in UTF-8 bytes: file systems allow 255 and an export may add " (12)".
_MAX_FILENAME_BYTES = 200
_MAX_EXT = 16  # the dot included
_ACCEPTED_WORDS = "only PDF, PNG, JPEG, TIFF and plain-text files can be attached."
_CANONICAL_EXT = {MIME_PDF: ".pdf", MIME_PNG: ".png", MIME_JPEG: ".jpg", MIME_TIFF: ".tif", MIME_TEXT: ".txt"}
_EXPORT_EXTS = {
    MIME_PDF: {".pdf"},
    MIME_PNG: {".png"},
    MIME_JPEG: {".jpg", ".jpeg", ".jpe", ".jfif"},
    MIME_TIFF: {".tif", ".tiff"},
    MIME_TEXT: {".txt", ".text", ".log"},
}
_PREVIEW: dict[str, PreviewKind] = {
    MIME_PDF: "pdf",
    MIME_PNG: "image",
    MIME_JPEG: "image",
    MIME_TIFF: "image",
    MIME_TEXT: "text",
}
# filetype's names for what we accept; an animated PNG is still a PNG any viewer shows.
_FILETYPE_ACCEPTED = {"pdf": MIME_PDF, "png": MIME_PNG, "apng": MIME_PNG, "jpg": MIME_JPEG, "tif": MIME_TIFF}
# Text-based formats filetype recognises that are not plain text to a reader.
_TEXT_FORMATS = {"rtf", "ps"}
_KIND_WORDS = {
    "zip": "a ZIP archive",
    "rar": "a RAR archive",
    "7z": "a 7-Zip archive",
    "gz": "a gzip archive",
    "bz2": "a bzip2 archive",
    "xz": "an XZ archive",
    "tar": "a TAR archive",
    "zst": "a Zstandard archive",
    "cab": "a CAB archive",
    "exe": "a Windows program",
    "elf": "a Linux program",
    "wasm": "a WebAssembly program",
    "doc": "a Word document",
    "docx": "a Word document",
    "odt": "a word-processor document",
    "xls": "a spreadsheet",
    "xlsx": "a spreadsheet",
    "ods": "a spreadsheet",
    "ppt": "a presentation",
    "pptx": "a presentation",
    "odp": "a presentation",
    "rtf": "an RTF document",
    "ps": "a PostScript file",
    "epub": "an e-book",
    "sqlite": "a database file",
    "gif": "a GIF image",
    "bmp": "a BMP image",
    "webp": "a WebP image",
    "heic": "a HEIC photo",
    "avif": "an AVIF image",
    "jpx": "a JPEG 2000 image",
    "psd": "a Photoshop image",
    "ico": "an icon",
    "cr2": "a camera RAW photo",
    "dcm": "a DICOM image",
}
_MARKUP_PREFIX = r"^(?:\ufeff)?\s*(?:<!--.*?-->\s*)*"
_HTML_RE = re.compile(
    _MARKUP_PREFIX
    + r"<(?:!doctype\s+html|html|head|body|script|iframe|meta|style|title|link|object|embed)\b",
    re.IGNORECASE | re.DOTALL,
)
_XML_RE = re.compile(_MARKUP_PREFIX + r"<(?:\?xml|!doctype|svg\b)", re.IGNORECASE | re.DOTALL)

# Windows refuses these as the part of a name before the first dot, whatever the extension or case.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³"}
)
_FORBIDDEN = str.maketrans({c: "_" for c in '<>:"|?*'})
_JOINERS = {"\u200c", "\u200d"}  # ZWNJ/ZWJ are part of how Persian, Indic and emoji text is written


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentPublic:
    """One document's details, decrypted (no content)."""

    id: uuid.UUID
    patient_id: uuid.UUID
    title: str
    filename: str
    category: str
    mime: str
    size: int
    doc_date: date | None
    status: str
    created_at: datetime
    updated_at: datetime
    created_by: uuid.UUID | None

    @property
    def preview_kind(self) -> PreviewKind:
        """Which viewer shows this document."""
        return document_preview_kind(self.mime)

    @property
    def archived(self) -> bool:
        """Whether the document is archived (hidden from the default list)."""
        return self.status == "archived"


@dataclass(frozen=True)
class DocumentSummary:
    """A row of a patient's document list."""

    id: uuid.UUID
    patient_id: uuid.UUID
    title: str
    filename: str
    category: str
    mime: str
    size: int
    doc_date: date | None
    status: str
    created_at: datetime


# --- names ---------------------------------------------------------------------------------------


def _keep_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat == "Cf":
        # Format characters include the bidi overrides that make "report\u202efdp.exe" read as ".pdf".
        return ch in _JOINERS
    return cat not in {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


def _clean_text(text: str) -> str:
    """NFC, without control or format characters, whitespace collapsed and trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch) == "Zs" or ch in "\t\n\r" else ch for ch in text)
    text = "".join(ch for ch in text if _keep_char(ch))
    return re.sub(r" {2,}", " ", text).strip()


def _clean_ext(ext: str) -> str:
    core = "".join(ch for ch in ext if ch.isascii() and ch.isalnum())[: _MAX_EXT - 1]
    return f".{core}" if core else ""


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext) < _MAX_EXT and ext.isascii() and ext.isalnum():
        return stem, f".{ext}"
    return name, ""


def _is_reserved(name: str) -> bool:
    return name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED


def _fits(name: str) -> bool:
    return len(name) <= MAX_FILENAME and len(name.encode("utf-8")) <= _MAX_FILENAME_BYTES


def safe_filename(name: str, fallback_ext: str = "") -> str:
    """A file name safe to show and to write on any OS: no directories, controls or reserved names; capped.

    `fallback_ext` (".pdf" or "pdf") is added when the name has no extension of its own.
    """
    text = unicodedata.normalize("NFC", name or "")
    # Only the last component: "../../etc/passwd" and "C:\\x\\y.pdf" must not carry their directories.
    text = re.split(r"[/\\]", text.rstrip("/\\"))[-1]
    text = _clean_text(text).translate(_FORBIDDEN)
    # Leading dots hide a file on Unix; trailing dots and spaces are dropped by Windows.
    text = text.strip(" .")
    stem, ext = _split_ext(text)
    stem = stem.rstrip(" .")
    if not stem:
        stem = "document"
    if not ext:
        ext = _clean_ext(fallback_ext)
    if _is_reserved(stem + ext):
        stem = f"_{stem}"
    stem = stem[: MAX_FILENAME - len(ext)].rstrip(" .") or "document"
    while not _fits(stem + ext):
        stem = stem[:-1].rstrip(" .") or "document"
    return stem + ext


def _default_title(filename: str) -> str:
    stem, _ = _split_ext(safe_filename(filename))
    return _clean_text(stem)[:MAX_TITLE]


# --- content type ----------------------------------------------------------------------------------


def document_preview_kind(mime: str) -> PreviewKind:
    """The viewer for a stored document type: "image", "pdf" or "text"."""
    try:
        return _PREVIEW[mime]
    except KeyError:
        raise ValueError("There is no preview for this kind of document.") from None


def _looks_like_text(head: bytes, complete: bool) -> bool:
    """Valid UTF-8 without NULs; a multi-byte character cut at the end of the head is fine."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def detect_mime(head: bytes, *, complete: bool) -> str:
    """The accepted MIME type of content from its first bytes, or ValueError with the reason in words.

    `complete` says whether `head` is the whole content (a text check may then require the last character).
    """
    kind = filetype.guess(bytes(head[:HEAD_BYTES]))
    if kind is not None and kind.extension in _FILETYPE_ACCEPTED:
        return _FILETYPE_ACCEPTED[kind.extension]
    # Weak binary signatures ("BM", "GIF", "ID3") also begin ordinary sentences: text wins over them,
    # except for the text-based formats that are not plain text to a reader.
    if _looks_like_text(head, complete) and (kind is None or kind.extension not in _TEXT_FORMATS):
        sample = head[:2048].decode("utf-8", errors="ignore")
        if _HTML_RE.match(sample):
            raise ValueError(f"This file is a web page (HTML); {_ACCEPTED_WORDS}")
        if _XML_RE.match(sample):
            raise ValueError(f"This file is an XML or SVG file; {_ACCEPTED_WORDS}")
        return MIME_TEXT
    if kind is None:
        raise ValueError(f"The type of this file was not recognised; {_ACCEPTED_WORDS}")
    words = _KIND_WORDS.get(kind.extension)
    if words is None:
        major = kind.mime.split("/", 1)[0]
        words = {"video": "a video", "audio": "a sound recording", "font": "a font"}.get(
            major, f"a {kind.extension.upper()} file"
        )
    raise ValueError(f"This file is {words}; {_ACCEPTED_WORDS}")


# --- reading the source with the size limit -------------------------------------------------------


class _TooLarge(Exception):
    """A stream went past the size limit while it was being read."""


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def _too_large(limit: int, size: int | None) -> str:
    got = f"This file is {_mb(size)}" if size is not None else "This file is too large"
    return f"{got}; the largest document this clinic accepts is {_mb(limit)}. Scan at a lower resolution or split it."


def _read_upto(fh: BinaryIO, n: int) -> bytes:
    """Up to `n` bytes, tolerating short reads from pipes and sockets."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        piece = fh.read(n - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def _limited(head: bytes, fh: BinaryIO, limit: int) -> Iterator[bytes]:
    """The head, then the rest of `fh` in chunks, stopping as soon as the total passes `limit`."""
    total = len(head)
    yield head
    while piece := fh.read(CHUNK_SIZE):
        total += len(piece)
        if total > limit:
            raise _TooLarge
        yield piece


@dataclass
class _Opened:
    head: bytes = b""
    body: bytes | Iterable[bytes] = b""
    size: int | None = None
    complete: bool = False
    error: str | None = None


def _open_source(source: Path | bytes | BinaryIO, limit: int, stack: ExitStack) -> _Opened:
    """Look at the first bytes of a source, refusing an over-size file before reading it."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > limit:
            return _Opened(error=_too_large(limit, len(data)))
        return _Opened(head=data[:HEAD_BYTES], body=data, size=len(data), complete=len(data) <= HEAD_BYTES)
    if isinstance(source, Path):
        # OSError texts carry the path, which can name the patient: they are never shown.
        try:
            st = os.stat(source)
        except OSError:
            return _Opened(
                error="The file cannot be found or opened. Check that it still exists and try again."
            )
        if not stat.S_ISREG(st.st_mode):
            return _Opened(error="Only files can be attached, not folders or devices.")
        if st.st_size > limit:
            return _Opened(error=_too_large(limit, st.st_size))
        try:
            fh: BinaryIO = stack.enter_context(source.open("rb"))
        except OSError:
            return _Opened(error="The file cannot be opened. Check that you may read it and try again.")
        size: int | None = st.st_size  # known: the blob store streams chunks instead of gathering them
    else:
        fh, size = source, None
    want = min(HEAD_BYTES, limit + 1)
    head = _read_upto(fh, want)
    if len(head) > limit:
        return _Opened(error=_too_large(limit, None))
    return _Opened(head=head, body=_limited(head, fh, limit), size=size, complete=len(head) < want)


# --- services --------------------------------------------------------------------------------------


def _public(doc: Document) -> DocumentPublic:
    return DocumentPublic(
        id=doc.id,
        patient_id=doc.patient_id,
        title=doc.title or "",
        filename=doc.filename or "",
        category=doc.category,
        mime=doc.mime,
        size=doc.size,
        doc_date=doc.doc_date,
        status=doc.status,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        created_by=doc.created_by,
    )


def _get(session: Session, document_id: uuid.UUID) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("That document does not exist; it may have been removed. Refresh the list.")
    return doc


def _check_title(title: str, errors: dict[str, str]) -> str:
    clean = _clean_text(title)
    if not clean:
        errors["title"] = "Give the document a title."
    elif len(clean) > MAX_TITLE:
        errors["title"] = f"The title is too long; keep it under {MAX_TITLE} characters."
    return clean


def _check_category(category: str, errors: dict[str, str]) -> None:
    if category not in CATEGORIES:
        names = ", ".join(label.lower() for label in CATEGORIES.values())
        errors["category"] = f"Choose one of the categories: {names}."


def _patient_status(session: Session, patient_id: uuid.UUID) -> str:
    status = session.scalar(select(Patient.status).where(Patient.id == patient_id))
    if status is None:
        raise NotFound("That patient does not exist; it may have been removed. Search again.")
    return status


def attach_document(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    source: Path | bytes | BinaryIO,
    filename: str | None = None,
    title: str = "",
    category: str,
    doc_date: date | None = None,
) -> DocumentPublic:
    """Attach a PDF, PNG, JPEG, TIFF or plain-text file to a patient, encrypted; audited."""
    require(actor, Perm.DOCUMENT_ATTACH)
    store = Store.of(session)
    if _patient_status(session, patient_id) == "merged":
        raise Conflict("This patient record was merged into another. Attach the document to that record.")
    limit = int(settings.get(session, "documents.max_bytes"))
    if filename is None and isinstance(source, Path):
        filename = source.name
    errors: dict[str, str] = {}
    _check_category(category, errors)
    # No title given: the file's name without its extension (none without a name: then it is asked for).
    clean_title = _check_title(_clean_text(title) or (_default_title(filename) if filename else ""), errors)
    today = store.clock.now().date()
    if doc_date is not None and doc_date > today:
        errors["doc_date"] = "The document date is in the future; check it."
    elif doc_date is not None and doc_date.year < 1900:
        errors["doc_date"] = "The document date is before 1900; check the year."
    with ExitStack() as stack:
        opened = _open_source(source, limit, stack)
        mime = ""
        if opened.error is None and not opened.head:
            opened.error = "This file is empty; there is nothing to attach."
        if opened.error is None:
            try:
                mime = detect_mime(opened.head, complete=opened.complete)
            except ValueError as exc:
                opened.error = str(exc)
        if opened.error is not None:
            errors["file"] = opened.error
        if errors:
            raise ValidationError(errors)
        try:
            blob = put_blob(session, opened.body, size=opened.size)
        except _TooLarge:
            raise ValidationError({"file": _too_large(limit, None)}) from None
        except OSError:
            # A removed USB stick or a network drive gone mid-read; the OS text may name the file.
            raise ValidationError({"file": "The file could not be read to the end. Try again."}) from None
    now = store.clock.now()
    doc = Document(
        patient_id=patient_id,
        blob_id=blob.id,
        category=category,
        mime=mime,
        size=blob.size,
        doc_date=doc_date,
        status="active",
        created_at=now,
        updated_at=now,
        created_by=actor.user_id,
    )
    doc.title = clean_title
    doc.filename = safe_filename(filename or "", _CANONICAL_EXT[mime])
    session.add(doc)
    session.flush()
    store.audit(
        session,
        "document.create",
        actor=actor,
        entity="document",
        entity_id=doc.id,
        detail={"patient_id": str(patient_id), "category": category, "mime": mime, "size": blob.size},
    )
    return _public(doc)


def list_documents(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, include_archived: bool = False
) -> list[DocumentSummary]:
    """A patient's documents, newest first (by document date, then attach time); one query, one pass."""
    require(actor, Perm.DOCUMENT_VIEW)
    _patient_status(session, patient_id)
    cipher = Store.of(session).require_keys().cipher
    query = select(
        Document.id,
        Document.title_ct,
        Document.filename_ct,
        Document.category,
        Document.mime,
        Document.size,
        Document.doc_date,
        Document.status,
        Document.created_at,
    ).where(Document.patient_id == patient_id)
    if not include_archived:
        query = query.where(Document.status == "active")
    out = [
        DocumentSummary(
            id=row.id,
            patient_id=patient_id,
            title=decrypt_value(cipher, Document, "title", row.id, row.title_ct) or "",
            filename=decrypt_value(cipher, Document, "filename", row.id, row.filename_ct) or "",
            category=row.category,
            mime=row.mime,
            size=row.size,
            doc_date=row.doc_date,
            status=row.status,
            created_at=row.created_at,
        )
        for row in session.execute(query)
    ]
    out.sort(key=lambda d: (d.doc_date or d.created_at.date(), d.created_at), reverse=True)
    return out


def get_document(session: Session, *, actor: Actor, document_id: uuid.UUID) -> DocumentPublic:
    """One document's details (no content)."""
    require(actor, Perm.DOCUMENT_VIEW)
    return _public(_get(session, document_id))


def read_document(session: Session, *, actor: Actor, document_id: uuid.UUID) -> bytes:
    """A document's content, decrypted and checked against its SHA-256; audited as a view."""
    require(actor, Perm.DOCUMENT_VIEW)
    doc = _get(session, document_id)
    data = get_blob(session, doc.blob_id)
    Store.of(session).audit(
        session,
        "document.view",
        actor=actor,
        entity="document",
        entity_id=doc.id,
        detail={"patient_id": str(doc.patient_id)},
    )
    return data


def _export_name(doc: Document) -> tuple[str, str]:
    """Stem and extension for an exported copy; the extension always matches the content's type."""
    name = safe_filename(doc.filename or "", _CANONICAL_EXT[doc.mime])
    _, ext = _split_ext(name)
    if ext.lower() not in _EXPORT_EXTS[doc.mime]:
        # "scan.exe" holding a PDF is exported as "scan.exe.pdf", so it opens in a viewer, never runs.
        name = safe_filename(name + _CANONICAL_EXT[doc.mime])
    return _split_ext(name)


def _reserve(dest_dir: Path, stem: str, ext: str) -> Path:
    """Create an empty 0600 file under a free name: "x.pdf", "x (2).pdf"…; never an existing file."""
    for n in range(1, 1000):
        suffix = f" ({n})" if n > 1 else ""
        candidate = dest_dir / f"{stem}{suffix}{ext}"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise Conflict("That folder already holds too many copies of this document. Choose another folder.")


def export_document(session: Session, *, actor: Actor, document_id: uuid.UUID, dest_dir: Path) -> Path:
    """Write a decrypted copy into `dest_dir` (0600, atomically, never over an existing file); audited."""
    require(actor, Perm.DOCUMENT_EXPORT)
    doc = _get(session, document_id)
    if not dest_dir.is_dir():
        raise ValidationError({"dest_dir": "Choose a folder that exists."})
    data = get_blob(session, doc.blob_id)
    # Audited before the copy exists: if writing fails the transaction (and the event) rolls back.
    Store.of(session).audit(
        session,
        "document.export",
        actor=actor,
        entity="document",
        entity_id=doc.id,
        detail={"patient_id": str(doc.patient_id)},
    )
    stem, ext = _export_name(doc)
    try:
        path = _reserve(dest_dir, stem, ext)
    except OSError:
        raise ValidationError(
            {"dest_dir": "This folder cannot be written to. Choose another folder."}
        ) from None
    try:
        # The reserved empty file is replaced by a complete one: readers never see half a document.
        atomic_write(path, data, mode=0o600)
    except OSError:
        path.unlink(missing_ok=True)
        raise ValidationError(
            {"dest_dir": "The copy could not be written (is the disk full?). Choose another folder."}
        ) from None
    return path


def _audit_change(session: Session, actor: Actor, action: str, doc: Document, **detail: object) -> None:
    Store.of(session).audit(
        session,
        action,
        actor=actor,
        entity="document",
        entity_id=doc.id,
        detail={"patient_id": str(doc.patient_id), **detail},
    )


def rename_document(session: Session, *, actor: Actor, document_id: uuid.UUID, title: str) -> DocumentPublic:
    """Change a document's title; audited."""
    require(actor, Perm.DOCUMENT_EDIT)
    errors: dict[str, str] = {}
    clean = _check_title(title, errors)
    if errors:
        raise ValidationError(errors)
    doc = _get(session, document_id)
    if doc.title != clean:
        doc.title = clean
        doc.updated_at = Store.of(session).clock.now()
        session.flush()
        _audit_change(session, actor, "document.update", doc, fields=["title"])
    return _public(doc)


def recategorise_document(
    session: Session, *, actor: Actor, document_id: uuid.UUID, category: str
) -> DocumentPublic:
    """Move a document to another category; audited."""
    require(actor, Perm.DOCUMENT_EDIT)
    errors: dict[str, str] = {}
    _check_category(category, errors)
    if errors:
        raise ValidationError(errors)
    doc = _get(session, document_id)
    if doc.category != category:
        old = doc.category
        doc.category = category
        doc.updated_at = Store.of(session).clock.now()
        session.flush()
        _audit_change(session, actor, "document.update", doc, fields=["category"], old=old, new=category)
    return _public(doc)


def _set_status(session: Session, actor: Actor, document_id: uuid.UUID, status: str) -> DocumentPublic:
    require(actor, Perm.DOCUMENT_EDIT)
    doc = _get(session, document_id)
    if doc.status == status:
        raise Conflict(f"This document is already {'archived' if status == 'archived' else 'active'}.")
    doc.status = status
    doc.updated_at = Store.of(session).clock.now()
    session.flush()
    _audit_change(session, actor, "document.archive" if status == "archived" else "document.restore", doc)
    return _public(doc)


def archive_document(session: Session, *, actor: Actor, document_id: uuid.UUID) -> DocumentPublic:
    """Hide a document from the default list (content kept); audited."""
    return _set_status(session, actor, document_id, "archived")


def restore_document(session: Session, *, actor: Actor, document_id: uuid.UUID) -> DocumentPublic:
    """Bring an archived document back to the list; audited."""
    return _set_status(session, actor, document_id, "active")
