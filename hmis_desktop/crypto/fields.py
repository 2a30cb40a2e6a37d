"""The field cipher: AES-256-GCM values bound to their table, column and row.

Stored value = version (1 byte) ‖ key id (4 bytes, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
The associated data is version ‖ key id ‖ table ‖ column ‖ row id, so a value copied into another row or
column, or relabelled with another key id, fails to decrypt (CipherSweet / Tink's AEAD with context).
"""

from __future__ import annotations

import os
import struct
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hmis_desktop.crypto.primitives import NONCE_LEN, TAG_LEN
from hmis_desktop.errors import DecryptionError, StoreError

VERSION = 1
_HEADER = struct.Struct(">BI")
HEADER_LEN = _HEADER.size
MIN_LEN = HEADER_LEN + NONCE_LEN + TAG_LEN


def row_key(row_id: object) -> str:
    """Canonical text form of a row id for associated data."""
    if isinstance(row_id, uuid.UUID):
        return row_id.hex
    if isinstance(row_id, bytes | memoryview) and len(row_id) == 16:  # a UUID as SQLite stores it
        return bytes(row_id).hex()
    return str(row_id)


def key_id_of(value: bytes) -> int:
    """Return the key id a stored value was written under (no decryption)."""
    return _HEADER.unpack_from(value)[1]


class FieldCipher:
    """Encrypts and decrypts field values with a set of data keys, one of them primary.

    AESGCM objects are built once per key and reused: a fresh object per value costs 4x (STACK-NOTES).
    """

    def __init__(self, keys: dict[int, bytes], primary_id: int) -> None:
        if primary_id not in keys:
            raise ValueError("primary key id not among the keys")
        self._aead = {kid: AESGCM(k) for kid, k in keys.items()}
        self.primary_id = primary_id
        self.closed = False

    def close(self) -> None:
        """Forget the keys: every holder of this cipher loses access at once (used by the lock)."""
        self._aead = {}
        self.closed = True

    def _check_open(self) -> None:
        if self.closed:
            raise StoreError("The store is locked. Log in again to continue.")

    @property
    def key_ids(self) -> frozenset[int]:
        """Ids of the data keys this cipher holds."""
        return frozenset(self._aead)

    def encrypt(self, plaintext: bytes, table: str, column: str, row_id: object) -> bytes:
        """Encrypt one value for one place under the primary key."""
        self._check_open()
        header = _HEADER.pack(VERSION, self.primary_id)
        nonce = os.urandom(NONCE_LEN)
        aad = header + f"{table}\x1f{column}\x1f{row_key(row_id)}".encode()
        return header + nonce + self._aead[self.primary_id].encrypt(nonce, plaintext, aad)

    def decrypt(self, value: bytes, table: str, column: str, row_id: object) -> bytes:
        """Decrypt one value, checking that it belongs to this table, column and row."""
        self._check_open()
        value = bytes(value)
        if len(value) < MIN_LEN:
            raise DecryptionError(table, column, row_key(row_id), "the value is truncated")
        version, kid = _HEADER.unpack_from(value)
        if version != VERSION:
            raise DecryptionError(table, column, row_key(row_id), f"unknown format version {version}")
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(table, column, row_key(row_id), f"data key {kid} is not in this store")
        aad = value[:HEADER_LEN] + f"{table}\x1f{column}\x1f{row_key(row_id)}".encode()
        try:
            return aead.decrypt(
                value[HEADER_LEN : HEADER_LEN + NONCE_LEN], value[HEADER_LEN + NONCE_LEN :], aad
            )
        except InvalidTag:
            raise DecryptionError(table, column, row_key(row_id), "authentication failed") from None
