"""The key hierarchy: a random root key (RK) stored only wrapped, in key slots; data keys wrapped by RK.

Any one slot opens the store: the device slot (wrapping key in the OS keyring), a user's slot (key from
Argon2id of their password), or the recovery slot (a recovery key shown once at set-up).
Never a plaintext key file, never a new RK over an existing store (DESIGN.md, "Encryption at rest").
"""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import keyring
import keyring.errors
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.orm import Session

from hmis_desktop.crypto.blind import BlindIndexer
from hmis_desktop.crypto.fields import FieldCipher
from hmis_desktop.crypto.primitives import DEFAULT_ARGON2, argon2id, hkdf, hmac256, random_key, unwrap, wrap
from hmis_desktop.errors import KeyringUnavailable, StoreError, WrongKey
from hmis_desktop.ids import new_id
from hmis_desktop.store.models import DataKey, KeySlot

KEYRING_SERVICE = "HMIS Desktop"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_BYTES = 20  # 160 bits -> 32 base-32 characters, printed in 8 groups of 4


@dataclass
class KeySet:
    """Everything an unlocked store holds in memory."""

    root_key: bytes
    cipher: FieldCipher
    indexer: BlindIndexer
    audit_key: bytes
    data_key_ids: list[int] = field(default_factory=list)

    def close(self) -> None:
        """Forget the data keys (the cipher refuses further use)."""
        self.cipher.close()
        self.root_key = b""
        self.audit_key = b""


# --- passwords -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordSecrets:
    """What one Argon2id run over a password yields: a login verifier and a slot-wrapping key."""

    verifier: bytes
    kek: bytes


def password_secrets(password: str, salt: bytes, params: dict[str, int]) -> PasswordSecrets:
    """Stretch once, derive twice: the verifier and the KEK are independent HMACs of one Argon2id output."""
    master = argon2id(password, salt, params)
    return PasswordSecrets(verifier=hmac256(master, b"hmis-verifier"), kek=hmac256(master, b"hmis-slot-kek"))


def new_password_params() -> tuple[bytes, dict[str, int]]:
    """A fresh salt and the current Argon2id parameters (stored with the user, so they can be raised later)."""
    return os.urandom(16), dict(DEFAULT_ARGON2)


# --- recovery key --------------------------------------------------------------------------------


def format_recovery_key(raw: bytes) -> str:
    """Crockford base-32 in groups of four: unambiguous to read aloud and to type."""
    n = int.from_bytes(raw, "big")
    chars = []
    for _ in range(len(raw) * 8 // 5):
        chars.append(_CROCKFORD[n & 31])
        n >>= 5
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_key(text: str) -> bytes:
    """Reverse `format_recovery_key`, forgiving case, spaces, dashes and O/I/L look-alikes."""
    cleaned = (
        text.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    )
    if len(cleaned) != RECOVERY_BYTES * 8 // 5 or any(c not in _CROCKFORD for c in cleaned):
        raise WrongKey("That is not a recovery key: it has 32 letters and digits, in groups of four.")
    n = 0
    for c in cleaned:
        n = (n << 5) | _CROCKFORD.index(c)
    return n.to_bytes(RECOVERY_BYTES, "big")


def _recovery_kek(raw: bytes, salt: bytes) -> bytes:
    # The recovery key has 160 bits of entropy, so HKDF suffices; no password stretching is needed.
    return hkdf(raw + salt, b"hmis-recovery-slot")


# --- slots ---------------------------------------------------------------------------------------


def _slot_aad(slot_id: uuid.UUID, kind: str) -> bytes:
    return b"hmis-slot|" + slot_id.bytes + b"|" + kind.encode()


def _dek_aad(key_id: int) -> bytes:
    return b"hmis-dek|" + str(key_id).encode()


def _add_slot(
    session: Session, rk: bytes, kek: bytes, *, kind: str, kdf: str, salt: bytes, now: datetime, **kw: object
) -> KeySlot:
    slot_id = new_id()
    slot = KeySlot(
        id=slot_id,
        kind=kind,
        kdf=kdf,
        salt=salt,
        wrapped=wrap(kek, rk, _slot_aad(slot_id, kind)),
        created_at=now,
        **kw,
    )
    session.add(slot)
    return slot


def add_user_slot(
    session: Session, rk: bytes, *, user_id: uuid.UUID, kek: bytes, params: dict[str, int], now: datetime
) -> KeySlot:
    """Replace the user's slot with one wrapped under their password's KEK."""
    for old in session.scalars(select(KeySlot).where(KeySlot.kind == "user", KeySlot.user_id == user_id)):
        session.delete(old)
    return _add_slot(
        session, rk, kek, kind="user", kdf="argon2id", salt=b"", now=now, user_id=user_id, kdf_params=params
    )


def add_recovery_slot(session: Session, rk: bytes, *, now: datetime) -> str:
    """Make a new recovery key (replacing any old one) and return it formatted, to be shown once."""
    for old in session.scalars(select(KeySlot).where(KeySlot.kind == "recovery")):
        session.delete(old)
    raw, salt = os.urandom(RECOVERY_BYTES), os.urandom(16)
    _add_slot(session, rk, _recovery_kek(raw, salt), kind="recovery", kdf="hkdf", salt=salt, now=now)
    return format_recovery_key(raw)


def keyring_username(store_id: str) -> str:
    """The keyring entry name for a store (an id, never a clinic or patient name)."""
    return f"store-{store_id}"


def add_device_slot(session: Session, rk: bytes, *, store_id: str, label: str, now: datetime) -> KeySlot:
    """Put a fresh wrapping key in the OS keyring and a slot for this device; raises KeyringUnavailable."""
    kek = random_key()
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_username(store_id), base64.b64encode(kek).decode())
    except (keyring.errors.KeyringError, RuntimeError) as exc:
        raise KeyringUnavailable(
            f"The system keyring cannot be used ({type(exc).__name__}); users will open the store with their "
            "passwords instead."
        ) from None
    return _add_slot(session, rk, kek, kind="device", kdf="keyring", salt=b"", now=now, label=label)


def keyring_available() -> bool:
    """Whether a usable OS keyring backend is configured (the 'fail' backend is not)."""
    kr = keyring.get_keyring()
    return type(kr).__module__ != "keyring.backends.fail" and getattr(kr, "priority", 1) > 0


def open_with_device(session: Session, *, store_id: str) -> bytes | None:
    """Unwrap RK through the device slot; None if this device has no slot or no keyring entry."""
    slots = list(session.scalars(select(KeySlot).where(KeySlot.kind == "device")))
    if not slots:
        return None
    try:
        secret = keyring.get_password(KEYRING_SERVICE, keyring_username(store_id))
    except (keyring.errors.KeyringError, RuntimeError):
        return None
    if not secret:
        return None
    kek = base64.b64decode(secret)
    for slot in slots:
        try:
            return unwrap(kek, slot.wrapped, _slot_aad(slot.id, "device"))
        except InvalidTag:
            continue
    return None


def open_with_user(session: Session, *, user_id: uuid.UUID, kek: bytes) -> bytes:
    """Unwrap RK through a user's slot; WrongKey if it does not open."""
    slot = session.scalars(select(KeySlot).where(KeySlot.kind == "user", KeySlot.user_id == user_id)).first()
    if slot is None:
        raise WrongKey("This user has no key on this store; an administrator must reset the password.")
    try:
        return unwrap(kek, slot.wrapped, _slot_aad(slot.id, "user"))
    except InvalidTag:
        raise WrongKey("The password did not open the store's key.") from None


def open_with_recovery(session: Session, code: str) -> bytes:
    """Unwrap RK with the recovery key; WrongKey if it does not open."""
    raw = parse_recovery_key(code)
    for slot in session.scalars(select(KeySlot).where(KeySlot.kind == "recovery")):
        try:
            return unwrap(_recovery_kek(raw, slot.salt), slot.wrapped, _slot_aad(slot.id, "recovery"))
        except InvalidTag:
            continue
    raise WrongKey("That recovery key does not open this store.")


def slot_aad_from_header(slot: dict[str, object]) -> bytes:
    """The associated data of a slot copied into a backup header."""
    return _slot_aad(uuid.UUID(str(slot["id"])), str(slot["kind"]))


def unwrap_recovery_slot(raw: bytes, slot: dict[str, object]) -> bytes:
    """Unwrap RK from a recovery slot copied into a backup header (raises InvalidTag if wrong)."""
    salt = base64.b64decode(str(slot["salt"]))
    return unwrap(
        _recovery_kek(raw, salt), base64.b64decode(str(slot["wrapped"])), slot_aad_from_header(slot)
    )


# --- data keys -----------------------------------------------------------------------------------


def add_data_key(session: Session, rk: bytes, *, now: datetime) -> int:
    """Create a new data key and make it primary (the old primary stays active for reading)."""
    existing = list(session.scalars(select(DataKey)))
    key_id = max((k.id for k in existing), default=0) + 1
    for k in existing:
        if k.state == "primary":
            k.state = "active"
    session.add(
        DataKey(id=key_id, wrapped=wrap(rk, random_key(), _dek_aad(key_id)), state="primary", created_at=now)
    )
    session.flush()
    return key_id


def load_keyset(session: Session, rk: bytes) -> KeySet:
    """Unwrap the data keys with RK and build the cipher, blind indexer and audit key."""
    keys: dict[int, bytes] = {}
    primary = None
    for dk in session.scalars(select(DataKey).where(DataKey.state != "retired")):
        try:
            keys[dk.id] = unwrap(rk, dk.wrapped, _dek_aad(dk.id))
        except InvalidTag:
            raise StoreError(
                f"Data key {dk.id} of this store cannot be unwrapped: the key table was altered. "
                "Restore the store from a backup."
            ) from None
        if dk.state == "primary":
            primary = dk.id
    if primary is None:
        raise StoreError(
            "This store has no primary data key; it was not set up completely. Restore a backup."
        )
    return KeySet(
        root_key=rk,
        cipher=FieldCipher(keys, primary),
        indexer=BlindIndexer(rk),
        audit_key=hkdf(rk, b"hmis-audit-chain"),
        data_key_ids=sorted(keys),
    )
