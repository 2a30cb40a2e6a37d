"""Field encryption inside the ORM, in one place, so services never see ciphertext.

A SQLAlchemy TypeDecorator sees a value but not its row, so it cannot bind the row id into the associated
data (DESIGN.md). Instead each encrypted field is a pair: a mapped `<name>_ct` column holding ciphertext, and
an `Encrypted` descriptor `<name>` holding plaintext. Setting the descriptor marks the row dirty; the
`before_flush` hook encrypts with the row's client-made id; reading decrypts lazily and caches.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, attributes, object_session

from hmis_desktop.crypto.fields import FieldCipher
from hmis_desktop.errors import StoreError
from hmis_desktop.ids import new_id

T = TypeVar("T")


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a plaintext Python value becomes bytes and back."""

    name: str
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


STR: Codec[str] = Codec("str", lambda v: v.encode("utf-8"), lambda b: b.decode("utf-8"))
DATE: Codec[date] = Codec("date", lambda v: v.isoformat().encode(), lambda b: date.fromisoformat(b.decode()))
JSON: Codec[Any] = Codec(
    "json",
    lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8"),
    lambda b: json.loads(b.decode("utf-8")),
)
BYTES: Codec[bytes] = Codec("bytes", bytes, bytes)

# table name -> [(db column name, descriptor)]: what rotation and `verify` walk.
REGISTRY: dict[str, list[tuple[str, Encrypted[Any]]]] = {}

_PLAIN = "_hmis_plain"
_PENDING = "_hmis_pending"
_CIPHER = "_hmis_cipher"


class Encrypted(Generic[T]):
    """Descriptor for an encrypted field; the ciphertext lives in the mapped attribute `<name>_ct`."""

    def __init__(self, codec: Codec[T]) -> None:
        self.codec = codec
        self.name = ""
        self.ct_attr = ""
        self.table = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.ct_attr = f"{name}_ct"
        self.table = owner.__dict__.get("__tablename__", "")
        if self.table:
            REGISTRY.setdefault(self.table, []).append((name, self))

    def __get__(self, obj: Any, owner: type | None = None) -> T | None:
        if obj is None:
            return self  # type: ignore[return-value]
        plain = obj.__dict__.setdefault(_PLAIN, {})
        if self.name in plain:
            return plain[self.name]
        ct = getattr(obj, self.ct_attr)
        value: T | None = None
        if ct is not None:
            value = self.codec.decode(cipher_of(obj).decrypt(ct, self.table, self.name, obj.id))
        plain[self.name] = value
        return value

    def __set__(self, obj: Any, value: T | None) -> None:
        obj.__dict__.setdefault(_PLAIN, {})[self.name] = value
        obj.__dict__.setdefault(_PENDING, set()).add(self.name)
        state = inspect(obj)
        if state.persistent:
            # Make the unit of work see the row as dirty; `before_flush` then writes the real ciphertext.
            if self.ct_attr in obj.__dict__:
                attributes.flag_modified(obj, self.ct_attr)
            else:
                setattr(obj, self.ct_attr, None)


def cipher_of(obj: Any) -> FieldCipher:
    """The cipher of the session the object was loaded in (kept on the object so it survives detaching)."""
    cipher = obj.__dict__.get(_CIPHER)
    if cipher is None:
        session = object_session(obj)
        cipher = session.info.get("cipher") if session is not None else None
    if cipher is None:
        raise StoreError("The store is locked. Log in again to see this record.")
    return cipher


def seal(obj: Any, cipher: FieldCipher) -> None:
    """Encrypt an object's pending plaintext into its ciphertext columns."""
    pending: set[str] = obj.__dict__.get(_PENDING) or set()
    if not pending:
        return
    if getattr(obj, "id", None) is None:
        obj.id = new_id()
    plain = obj.__dict__[_PLAIN]
    cls = type(obj)
    for name in sorted(pending):
        desc: Encrypted[Any] = cls.__dict__[name] if name in cls.__dict__ else getattr(cls, name)
        value = plain.get(name)
        ct = None if value is None else cipher.encrypt(desc.codec.encode(value), desc.table, name, obj.id)
        setattr(obj, desc.ct_attr, ct)
    pending.clear()


def forget_plaintext(obj: Any) -> None:
    """Drop an object's cached plaintext (after a refresh, or before handing it to a lock)."""
    obj.__dict__.pop(_PLAIN, None)


@event.listens_for(Session, "before_flush")
def _encrypt_before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    cipher = session.info.get("cipher")
    for obj in list(session.new) + list(session.dirty):
        if obj.__dict__.get(_PENDING):
            if cipher is None:
                raise StoreError("The store is locked; the change was not saved. Log in and save again.")
            seal(obj, cipher)


def _on_load(target: Any, context: Any) -> None:
    target.__dict__.pop(_PLAIN, None)
    cipher = context.session.info.get("cipher") if context.session is not None else None
    if cipher is not None:
        target.__dict__[_CIPHER] = cipher


def _on_refresh(target: Any, context: Any, attrs: Any) -> None:
    _on_load(target, context)


def install(base: type) -> None:
    """Attach the load/refresh hooks to every model derived from `base`."""
    event.listen(base, "load", _on_load, propagate=True)
    event.listen(base, "refresh", _on_refresh, propagate=True)


def encrypt_values(
    cipher: FieldCipher, model: type, row_id: object, values: dict[str, Any]
) -> dict[str, Any]:
    """Ciphertext column values for a bulk Core insert/update: {"given_name": "Ann"} -> {"given_name_ct": b"…"}.

    For paths too hot for the ORM unit of work (CSV import, key rotation); same format and associated data.
    """
    table = model.__tablename__  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for name, value in values.items():
        desc = model.__dict__.get(name)
        if not isinstance(desc, Encrypted):
            raise KeyError(f"{table}.{name} is not an encrypted field")
        out[desc.ct_attr] = (
            None if value is None else cipher.encrypt(desc.codec.encode(value), table, name, row_id)
        )
    return out


def decrypt_value(cipher: FieldCipher, model: type, name: str, row_id: object, ct: bytes | None) -> Any:
    """Decrypt one ciphertext column value fetched by a Core query (no ORM object needed)."""
    desc = model.__dict__[name]
    if ct is None:
        return None
    return desc.codec.decode(cipher.decrypt(ct, desc.table, name, row_id))
