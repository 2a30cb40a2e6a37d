"""The field cipher, recovery keys and blind indexes, without a database."""

from __future__ import annotations

import uuid

import pytest

from hmis_desktop.crypto import keys as keymod
from hmis_desktop.crypto.blind import (
    BlindIndexer,
    Term,
    fold,
    phone_digits,
    phone_suffixes,
    phonetic,
    prefixes,
)
from hmis_desktop.crypto.fields import FieldCipher, key_id_of
from hmis_desktop.crypto.primitives import random_key
from hmis_desktop.errors import DecryptionError, StoreError, WrongKey

ROW = uuid.UUID("01900000-0000-7000-8000-000000000001")
OTHER_ROW = uuid.UUID("01900000-0000-7000-8000-000000000002")


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher({1: random_key(), 2: random_key()}, primary_id=2)


def test_round_trip_under_primary_key(cipher: FieldCipher) -> None:
    ct = cipher.encrypt("Zoë Núñez".encode(), "patients", "given_name", ROW)
    assert key_id_of(ct) == 2
    assert "Zoë".encode() not in ct
    assert cipher.decrypt(ct, "patients", "given_name", ROW).decode() == "Zoë Núñez"


def test_same_value_encrypts_differently_each_time(cipher: FieldCipher) -> None:
    a = cipher.encrypt(b"Smith", "patients", "family_name", ROW)
    b = cipher.encrypt(b"Smith", "patients", "family_name", ROW)
    assert a != b


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [
        ("patients", "given_name", OTHER_ROW),
        ("patients", "family_name", ROW),
        ("invoices", "given_name", ROW),
    ],
)
def test_value_moved_to_another_place_fails(
    cipher: FieldCipher, table: str, column: str, row: uuid.UUID
) -> None:
    ct = cipher.encrypt(b"secret-name", "patients", "given_name", ROW)
    with pytest.raises(DecryptionError) as exc:
        cipher.decrypt(ct, table, column, row)
    msg = str(exc.value)
    assert table in msg and column in msg and row.hex in msg
    assert "secret-name" not in msg


def test_every_flipped_byte_is_detected(cipher: FieldCipher) -> None:
    ct = cipher.encrypt(b"0712345678", "patients", "phones", ROW)
    for i in range(len(ct)):
        bad = bytearray(ct)
        bad[i] ^= 0x01
        with pytest.raises(DecryptionError):
            cipher.decrypt(bytes(bad), "patients", "phones", ROW)


def test_truncated_and_unknown_key_values(cipher: FieldCipher) -> None:
    ct = cipher.encrypt(b"x", "t", "c", ROW)
    with pytest.raises(DecryptionError, match="truncated"):
        cipher.decrypt(ct[:10], "t", "c", ROW)
    relabelled = bytes([1]) + (99).to_bytes(4, "big") + ct[5:]
    with pytest.raises(DecryptionError, match="data key 99"):
        cipher.decrypt(relabelled, "t", "c", ROW)
    other = FieldCipher({2: random_key()}, primary_id=2)
    with pytest.raises(DecryptionError, match="authentication failed"):
        other.decrypt(ct, "t", "c", ROW)


def test_closed_cipher_refuses(cipher: FieldCipher) -> None:
    ct = cipher.encrypt(b"x", "t", "c", ROW)
    cipher.close()
    with pytest.raises(StoreError, match="locked"):
        cipher.decrypt(ct, "t", "c", ROW)


def test_recovery_key_format_and_forgiving_parse() -> None:
    raw = bytes(range(20))
    text = keymod.format_recovery_key(raw)
    groups = text.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert keymod.parse_recovery_key(text) == raw
    assert keymod.parse_recovery_key(text.lower().replace("-", " ")) == raw
    sloppy = text.replace("0", "o").replace("1", "l")
    assert keymod.parse_recovery_key(sloppy) == raw
    with pytest.raises(WrongKey):
        keymod.parse_recovery_key("ABCD-EFGH")


def test_blind_tokens_are_keyed_and_normalised() -> None:
    a, b = BlindIndexer(random_key()), BlindIndexer(random_key())
    assert a.token(Term.NAME_PREFIX, "smi") == a.token(Term.NAME_PREFIX, "smi")
    assert a.token(Term.NAME_PREFIX, "smi") != b.token(Term.NAME_PREFIX, "smi")
    assert a.token(Term.NAME_PREFIX, "smi") != a.token(Term.PHONETIC, "smi")
    assert fold("Zoë Núñez-Ångström") == "zoe nunez angstrom"
    assert prefixes("smith") == ["sm", "smi", "smit", "smith"]
    assert prefixes("李小龍")[0] == "李"
    assert phonetic("smyth") == phonetic("smith")
    assert phonetic("jon") == phonetic("john")
    assert phonetic("محمد") is None


def test_phone_digits_and_suffixes() -> None:
    assert phone_digits("0712 345 678", "KE") == "254712345678"
    assert phone_digits("+1 (415) 555-0100", "KE") == "14155550100"
    assert phone_digits("12", "KE") is None
    assert phone_suffixes("254712345678")[:2] == ["5678", "45678"]
    assert phone_suffixes("254712345678")[-1] == "254712345678"
