"""The local store's tables (SQLAlchemy 2.x typed ORM).

Encrypted fields are pairs: a `<name>_ct` LargeBinary column and an `Encrypted` descriptor (see
`encrypted.py`). Plain columns hold only what reports, search and sync bookkeeping need: ids, timestamps,
statuses, amounts and codes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from hmis_desktop.ids import new_id
from hmis_desktop.store import encrypted as enc
from hmis_desktop.store.encrypted import Encrypted
from hmis_desktop.store.types import CompactUuid, Fixed4, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: UUID keys made on the client, timezone-aware timestamps."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: CompactUuid(),
        datetime: UTCDateTime(),
        date: Date(),
        Decimal: Fixed4(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        bytes: LargeBinary(),
    }

    def __init__(self, **kw: Any) -> None:
        # The id exists before the first flush so encrypted values can bind it into their associated data.
        if "id" in type(self).__mapper__.columns and kw.get("id") is None:
            kw["id"] = new_id()
        for key, value in kw.items():
            setattr(self, key, value)


enc.install(Base)


def Ct() -> Any:
    """A nullable ciphertext column named after its descriptor (`given_name_ct` -> column `given_name`)."""
    return mapped_column(LargeBinary, nullable=True)


# --- store, keys ---------------------------------------------------------------------------------


class StoreMeta(Base):
    """Plain facts about the store: its id, format, creation time."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))


class Setting(Base):
    """Clinic profile and policies (plain, non-PHI), one JSON value per key."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class KeySlot(Base):
    """The root key wrapped under one way in: the device keyring, a user's password, or the recovery key."""

    __tablename__ = "key_slots"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # device | user | recovery
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    kdf: Mapped[str] = mapped_column(String(16))  # keyring | argon2id | hkdf
    kdf_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    salt: Mapped[bytes]
    wrapped: Mapped[bytes]
    created_at: Mapped[datetime]


class DataKey(Base):
    """A data-encryption key wrapped by the root key; `state` is primary, active or retired."""

    __tablename__ = "data_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    wrapped: Mapped[bytes]
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


# --- users, audit, drafts ------------------------------------------------------------------------


class User(Base):
    """A person who logs in. Names here are staff names, not PHI, so they are plain."""

    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    kdf_params: Mapped[dict[str, Any]]
    salt: Mapped[bytes]
    verifier: Mapped[bytes]
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class AuditEvent(Base):
    """An append-only audit event. Carries ids and codes, never names; `mac` chains it to its predecessor."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48), index=True)
    entity: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mac: Mapped[bytes | None]  # None: written while the store was closed, sealed at the next unlock


class AuditHead(Base):
    """One row: the last sealed event's sequence and MAC; locked to serialise appends across PCs."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[bytes]


class Draft(Base):
    """A user's unsaved form state, encrypted; bound to its user through the row's associated data."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "form_key"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    form_key: Mapped[str] = mapped_column(String(120))
    payload_ct: Mapped[bytes | None] = Ct()
    payload = Encrypted(enc.JSON)
    updated_at: Mapped[datetime]


# --- blobs and search ----------------------------------------------------------------------------


class Blob(Base):
    """Encrypted binary content split into chunks (documents, logos)."""

    __tablename__ = "blobs"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    sha256_ct: Mapped[bytes | None] = Ct()
    sha256 = Encrypted(enc.BYTES)
    created_at: Mapped[datetime]


class BlobChunk(Base):
    """One encrypted chunk; its associated data names the blob, its index and the chunk count."""

    __tablename__ = "blob_chunks"
    blob_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("blobs.id", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes]


class SearchToken(Base):
    """A blind-index token: (kind, token) -> row. The primary key is the lookup B-tree."""

    __tablename__ = "search_tokens"
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # WITHOUT ROWID: the primary-key B-tree is the table, so each token is written once, not twice.
    __table_args__ = (Index("ix_search_tokens_row_id", "row_id"), {"sqlite_with_rowid": False})


# --- clinic domain -------------------------------------------------------------------------------


class Patient(Base):
    """A patient. Every identifying field is encrypted; search goes through `search_tokens`."""

    __tablename__ = "patients"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    mrn_ct: Mapped[bytes | None] = Ct()
    mrn = Encrypted(enc.STR)
    given_name_ct: Mapped[bytes | None] = Ct()
    given_name = Encrypted(enc.STR)
    family_name_ct: Mapped[bytes | None] = Ct()
    family_name = Encrypted(enc.STR)
    other_names_ct: Mapped[bytes | None] = Ct()
    other_names = Encrypted(enc.STR)
    sex_ct: Mapped[bytes | None] = Ct()
    sex = Encrypted(enc.STR)
    birth_date_ct: Mapped[bytes | None] = Ct()
    birth_date = Encrypted(enc.DATE)
    birth_date_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    phones_ct: Mapped[bytes | None] = Ct()
    phones = Encrypted(enc.JSON)  # list of {"number": e164, "label": str}
    email_ct: Mapped[bytes | None] = Ct()
    email = Encrypted(enc.STR)
    address_ct: Mapped[bytes | None] = Ct()
    address = Encrypted(enc.STR)
    national_id_ct: Mapped[bytes | None] = Ct()
    national_id = Encrypted(enc.STR)
    insurance_ct: Mapped[bytes | None] = Ct()
    insurance = Encrypted(enc.JSON)  # {"payer": str, "member_number": str}
    emergency_contact_ct: Mapped[bytes | None] = Ct()
    emergency_contact = Encrypted(enc.JSON)  # {"name", "phone", "relation"}
    allergies_ct: Mapped[bytes | None] = Ct()
    allergies = Encrypted(enc.STR)
    alerts_ct: Mapped[bytes | None] = Ct()
    alerts = Encrypted(enc.STR)
    notes_ct: Mapped[bytes | None] = Ct()
    notes = Encrypted(enc.STR)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active|archived|merged
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("patients.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class PatientMerge(Base):
    """A merge of one patient into another, with what moved, so an admin can undo it."""

    __tablename__ = "patient_merges"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kept_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    moved: Mapped[dict[str, Any]]  # {"invoices": [ids], "documents": [ids]}
    reason_ct: Mapped[bytes | None] = Ct()
    reason = Encrypted(enc.STR)  # free text may name the patient, so it is encrypted
    merged_at: Mapped[datetime]
    merged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Service(Base):
    """A catalogue item: code, name, price, tax rate (not PHI, plain)."""

    __tablename__ = "services"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal]
    tax_rate: Mapped[Decimal]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InvoiceSequence(Base):
    """The next invoice number of a device series in a year; taken in the issuing transaction."""

    __tablename__ = "invoice_sequences"
    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_seq: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    """An invoice or credit note. Issued ones are immutable; totals are fixed at issue by `totals()`."""

    __tablename__ = "invoices"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="invoice")  # invoice | credit_note
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft|issued|voided
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date | None] = mapped_column(index=True)
    due_date: Mapped[date | None]
    invoice_discount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    subtotal: Mapped[Decimal] = mapped_column(default=Decimal(0))
    tax_total: Mapped[Decimal] = mapped_column(default=Decimal(0))
    total: Mapped[Decimal] = mapped_column(default=Decimal(0))
    notes_ct: Mapped[bytes | None] = Ct()
    notes = Encrypted(enc.STR)
    void_reason_ct: Mapped[bytes | None] = Ct()
    void_reason = Encrypted(enc.STR)
    credit_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None]
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime | None]
    voided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.paid_at")


class InvoiceLine(Base):
    """One line: catalogue item or free text, quantity, unit price, line discount (amount), tax rate (%)."""

    __tablename__ = "invoice_lines"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("services.id"))
    code: Mapped[str] = mapped_column(String(32), default="")
    description_ct: Mapped[bytes | None] = Ct()
    description = Encrypted(enc.STR)
    quantity: Mapped[Decimal]
    unit_price: Mapped[Decimal]
    discount: Mapped[Decimal] = mapped_column(default=Decimal(0))
    tax_rate: Mapped[Decimal] = mapped_column(default=Decimal(0))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    """An insert-only payment; a refund is a negative amount."""

    __tablename__ = "payments"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal]
    method: Mapped[str] = mapped_column(String(16))  # cash|card|insurance|bank_transfer|other
    reference_ct: Mapped[bytes | None] = Ct()
    reference = Encrypted(enc.STR)
    paid_at: Mapped[datetime] = mapped_column(index=True)
    taken_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class Document(Base):
    """A scan, photo or PDF attached to a patient; content in an encrypted blob."""

    __tablename__ = "documents"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patients.id"), index=True)
    blob_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("blobs.id"))
    category: Mapped[str] = mapped_column(String(16))  # referral|lab_result|imaging|identity|consent|other
    title_ct: Mapped[bytes | None] = Ct()
    title = Encrypted(enc.STR)
    filename_ct: Mapped[bytes | None] = Ct()
    filename = Encrypted(enc.STR)
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    doc_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|archived
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
