"""Worker functions of the Patients screens: each runs on the DB executor (through `Op`) in one transaction.

They take the store and the actor, call the core services and return the services' frozen dataclasses (or
QImages, which are safe to build off the GUI thread; QPixmaps are not). Nothing here touches a widget.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from hmis_desktop import settings
from hmis_desktop.audit import Actor
from hmis_desktop.errors import ValidationError
from hmis_desktop.permissions import Perm, allowed
from hmis_desktop.services import documents, history, invoices, merge, patient_search, patients
from hmis_desktop.services.duplicates import DuplicateCandidate
from hmis_desktop.services.patient_fields import (
    PatientCreate,
    PatientUpdate,
    load_context,
    phone_example,
    validate,
)
from hmis_desktop.store.store import Store

PREVIEW_DPI = 96
PREVIEW_MAX_PAGES = 30
PREVIEW_MAX_TEXT = 1_000_000


@dataclass(frozen=True)
class ClinicFormats:
    """What the forms need from the clinic settings: the locale (date order) and the phone region."""

    locale: str
    region: str
    phone_example: str
    currency: str


@dataclass(frozen=True)
class DuplicatesFound:
    """Registration paused: these patients may be the one being registered."""

    candidates: tuple[DuplicateCandidate, ...]


@dataclass(frozen=True)
class PatientBundle:
    """What the record page shows at once: the patient and (when allowed) the balance."""

    patient: patients.PatientPublic
    balance: invoices.PatientBalance | None


@dataclass(frozen=True)
class Preview:
    """A document's content ready to show: `kind` is "image", "pdf" or "text"."""

    document_id: uuid.UUID
    kind: str
    images: tuple[QImage, ...] = ()
    text: str = ""
    page_count: int = 0
    truncated: bool = False


def clinic_formats(store: Store) -> ClinicFormats:
    """The clinic's locale, phone region and currency."""
    with store.read_session() as s:
        region = str(settings.get(s, "clinic.region"))
        return ClinicFormats(
            locale=str(settings.get(s, "clinic.locale")),
            region=region,
            phone_example=phone_example(region),
            currency=str(settings.get(s, "clinic.currency")),
        )


def search(
    store: Store, actor: Actor, query: str, offset: int = 0, limit: int = 50, archived: bool = False
) -> patient_search.SearchPage:
    """One page of search results (archived patients too when asked)."""
    with store.read_session() as s:
        return patient_search.search_patients(
            s, actor=actor, query=query, offset=offset, limit=limit, include_archived=archived
        )


def register(store: Store, actor: Actor, data: PatientCreate, force: bool) -> Any:
    """Validate, look for duplicates (unless `force`), then register; DuplicatesFound pauses for the user."""
    if not force:
        with store.read_session() as s:
            _values, errors = validate(data, load_context(s, store.clock.now().date()))
            if errors:
                raise ValidationError(errors)
            found = patients.check_duplicates(s, actor=actor, data=data)
        if found:
            return DuplicatesFound(tuple(found))
    with store.session() as s:
        return patients.register_patient(s, actor=actor, data=data)


def update(
    store: Store, actor: Actor, patient_id: uuid.UUID, data: PatientUpdate, version: int
) -> patients.PatientPublic:
    """Save an edit made on `version`."""
    with store.session() as s:
        return patients.update_patient(
            s, actor=actor, patient_id=patient_id, data=data, expected_version=version
        )


def open_patient(store: Store, actor: Actor, patient_id: uuid.UUID) -> PatientBundle:
    """The patient (audited view) and their balance when the role sees invoices."""
    with store.session() as s:
        patient = patients.get_patient(s, actor=actor, patient_id=patient_id)
        balance = None
        if allowed(actor.role, Perm.INVOICE_VIEW):
            balance = invoices.patient_balance(s, actor=actor, patient_id=patient_id)
        return PatientBundle(patient, balance)


def set_archived(store: Store, actor: Actor, patient_id: uuid.UUID, archived: bool) -> patients.PatientPublic:
    """Archive or restore a patient."""
    with store.session() as s:
        if archived:
            return patients.archive_patient(s, actor=actor, patient_id=patient_id)
        return patients.restore_patient(s, actor=actor, patient_id=patient_id)


def merge_pair(
    store: Store, actor: Actor, keep_id: uuid.UUID, merge_id: uuid.UUID, reason: str
) -> merge.MergeResult:
    """Merge `merge_id` into `keep_id`."""
    with store.session() as s:
        return merge.merge_patients(s, actor=actor, keep_id=keep_id, merge_id=merge_id, reason=reason)


def patient_invoices(store: Store, actor: Actor, patient_id: uuid.UUID) -> list[invoices.InvoiceSummary]:
    """The patient's invoices, newest first."""
    with store.read_session() as s:
        return invoices.list_invoices(s, actor=actor, patient_id=patient_id, limit=200)


def patient_history(store: Store, actor: Actor, patient_id: uuid.UUID) -> list[history.HistoryEvent]:
    """The patient's history (audited)."""
    with store.session() as s:
        return history.patient_history(s, actor=actor, patient_id=patient_id, limit=500)


# --- documents ---------------------------------------------------------------------------------------


def list_documents(
    store: Store, actor: Actor, patient_id: uuid.UUID, archived: bool
) -> list[documents.DocumentSummary]:
    """The patient's documents (archived ones too when asked)."""
    with store.read_session() as s:
        return documents.list_documents(s, actor=actor, patient_id=patient_id, include_archived=archived)


def attach(
    store: Store, actor: Actor, patient_id: uuid.UUID, path: Path, category: str
) -> documents.DocumentPublic:
    """Attach one file (read here, on the worker)."""
    with store.session() as s:
        return documents.attach_document(
            s, actor=actor, patient_id=patient_id, source=path, category=category
        )


def rename_document(
    store: Store, actor: Actor, document_id: uuid.UUID, title: str
) -> documents.DocumentPublic:
    """Give a document a new title."""
    with store.session() as s:
        return documents.rename_document(s, actor=actor, document_id=document_id, title=title)


def recategorise(
    store: Store, actor: Actor, document_id: uuid.UUID, category: str
) -> documents.DocumentPublic:
    """Move a document to another category."""
    with store.session() as s:
        return documents.recategorise_document(s, actor=actor, document_id=document_id, category=category)


def set_document_archived(
    store: Store, actor: Actor, document_id: uuid.UUID, archived: bool
) -> documents.DocumentPublic:
    """Archive or restore a document."""
    with store.session() as s:
        if archived:
            return documents.archive_document(s, actor=actor, document_id=document_id)
        return documents.restore_document(s, actor=actor, document_id=document_id)


def export(store: Store, actor: Actor, document_id: uuid.UUID, folder: Path) -> Path:
    """Write a decrypted copy into `folder`."""
    with store.session() as s:
        return documents.export_document(s, actor=actor, document_id=document_id, dest_dir=folder)


def preview(store: Store, actor: Actor, document_id: uuid.UUID, mime: str) -> Preview:
    """Decrypt a document (audited view) and prepare it for display: images decoded, PDF pages rendered."""
    kind = documents.document_preview_kind(mime)
    with store.session() as s:
        data = documents.read_document(s, actor=actor, document_id=document_id)
    if kind == "image":
        image = QImage.fromData(data)
        if image.isNull():
            raise ValidationError({"file": "This image cannot be shown; export it and open it elsewhere."})
        return Preview(document_id, kind, images=(image,), page_count=1)
    if kind == "pdf":
        return _pdf_preview(document_id, data)
    text = data[:PREVIEW_MAX_TEXT].decode("utf-8", errors="replace")
    return Preview(document_id, kind, text=text, truncated=len(data) > PREVIEW_MAX_TEXT)


def _pdf_preview(document_id: uuid.UUID, data: bytes) -> Preview:
    import pypdfium2 as pdfium

    images: list[QImage] = []
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        raise ValidationError(
            {"file": "This PDF cannot be shown (it may be damaged); export it and open it elsewhere."}
        ) from None
    try:
        count = len(doc)
        for number in range(min(count, PREVIEW_MAX_PAGES)):
            page = doc[number]
            bitmap = page.render(scale=PREVIEW_DPI / 72, rev_byteorder=True)
            fmt = QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888
            raw = bytes(bitmap.buffer)
            # copy(): the QImage must own its pixels once `raw` and the bitmap are gone.
            images.append(QImage(raw, bitmap.width, bitmap.height, bitmap.stride, fmt).copy())
            bitmap.close()
            page.close()
    finally:
        doc.close()
    return Preview(document_id, "pdf", images=tuple(images), page_count=count, truncated=count > len(images))


def today(store: Store) -> date:
    """The store clock's date (the form parses two-digit years against it)."""
    return store.clock.now().date()
