"""Errors the core raises. Messages say what failed and what to do; they never carry PHI."""

from __future__ import annotations


class HMISError(Exception):
    """Base class: `str(error)` is a sentence a clinic user can read."""

    exit_code = 1


class StoreError(HMISError):
    """The store cannot be opened or used."""

    exit_code = 3


class StoreNotFound(StoreError):
    """No store exists at the profile."""


class StoreExists(StoreError):
    """A store already exists where a new one was to be created."""


class StoreCorrupt(StoreError):
    """The store file is damaged (truncated, not a database, unreadable)."""


class KeyMaterialError(StoreError):
    """Key material is missing or wrong."""

    exit_code = 4


class WrongKey(KeyMaterialError):
    """A password, recovery key or device key did not open the store."""


class KeyringUnavailable(KeyMaterialError):
    """The OS keyring cannot be used on this machine."""


class DecryptionError(StoreError):
    """An encrypted value failed authentication: altered, moved, or under a key we do not hold."""

    def __init__(self, table: str, column: str, row_id: object, reason: str = "") -> None:
        self.table, self.column, self.row_id = table, column, row_id
        msg = (
            f"The encrypted value in {table}.{column} for row {row_id} cannot be decrypted"
            f"{': ' + reason if reason else ''}. It was altered, copied from another row, or written "
            "under a key this store does not hold. Nothing was changed; run `hmis-desktop verify` "
            "and restore that record from a backup."
        )
        super().__init__(msg)


class AuthError(HMISError):
    """Login failed."""

    exit_code = 5


class InvalidCredentials(AuthError):
    """Unknown user or wrong password (deliberately the same message for both)."""

    def __init__(self) -> None:
        super().__init__("The user name or password is not correct.")


class AccountLocked(AuthError):
    """Too many failed attempts: wait before trying again."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        minutes = max(1, (seconds + 59) // 60)
        super().__init__(
            f"This account is locked after repeated failed logins. Try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}, or ask an administrator to reset the password."
        )


class AccountDisabled(AuthError):
    """The user was disabled by an administrator."""

    def __init__(self) -> None:
        super().__init__("This account is disabled. Ask an administrator to enable it.")


class PermissionDenied(HMISError):
    """The actor's role may not do this."""

    exit_code = 6

    def __init__(self, action: str, role: str) -> None:
        self.action, self.role = action, role
        super().__init__(f"A {role.replace('_', ' ')} may not {action}. Ask a manager or administrator.")


class ValidationError(HMISError):
    """Input was refused; `errors` maps field names to messages a front desk understands."""

    exit_code = 2

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        self.errors = dict(errors)
        super().__init__(message or "Please correct: " + "; ".join(f"{v}" for v in errors.values()))


class NotFound(HMISError):
    """A record does not exist (or is not visible to the actor)."""

    exit_code = 7


class Conflict(HMISError):
    """The operation conflicts with the record's state (e.g. editing an issued invoice)."""

    exit_code = 8
