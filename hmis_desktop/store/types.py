"""Column types shared by the models: exact decimals as scaled integers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, LargeBinary, Uuid
from sqlalchemy.types import TypeDecorator, TypeEngine

SCALE = 10_000


class Fixed4(TypeDecorator[Decimal]):
    """A Decimal with four places, stored as a BIGINT of ten-thousandths.

    Exact on SQLite (whose NUMERIC goes through float) and PostgreSQL alike, and still summable in SQL.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        """Decimal -> scaled integer; refuses values with more than four places rather than rounding."""
        if value is None:
            return None
        d = Decimal(value)
        scaled = d * SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError("amount has more than four decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Scaled integer -> Decimal."""
        if value is None:
            return None
        return (Decimal(int(value)) / SCALE).quantize(Decimal("0.0001"))


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every dialect (SQLite drops the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes: an unzoned time is a bug, not a guess to make."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        v = value.astimezone(UTC)
        return v.replace(tzinfo=None) if dialect.name == "sqlite" else v

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CompactUuid(TypeDecorator[uuid.UUID]):
    """A UUID: 16 raw bytes on SQLite (half the size of SQLAlchemy's 32-character text, in every index
    that holds one), the native `uuid` type on PostgreSQL."""

    impl = LargeBinary(16)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """BLOB on SQLite, UUID elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(LargeBinary(16))
        return dialect.type_descriptor(Uuid(as_uuid=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """UUID -> bytes on SQLite."""
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(str(value))
        return value.bytes if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        """bytes -> UUID on SQLite."""
        if value is None:
            return None
        if isinstance(value, uuid.UUID):
            return value
        if isinstance(value, bytes | memoryview):
            return uuid.UUID(bytes=bytes(value))
        return uuid.UUID(str(value))
