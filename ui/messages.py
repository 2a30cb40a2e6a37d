"""Core errors in the user's language: login failures get their own translated sentences."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from hmis_desktop.errors import AccountDisabled, AccountLocked, HMISError, InvalidCredentials, ValidationError


def _tr(text: str, n: int = -1) -> str:
    return QCoreApplication.translate("messages", text, None, n)


def wait_words(seconds: int) -> str:
    """'3 minutes', '1 minute', '45 seconds' — how long a lockout lasts."""
    if seconds < 60:
        return _tr("%n second(s)", max(1, seconds)).replace("(s)", "s" if seconds != 1 else "")
    minutes = (seconds + 59) // 60
    return _tr("%n minute(s)", minutes).replace("(s)", "s" if minutes != 1 else "")


def auth_message(error: HMISError) -> str:
    """A login or unlock failure in words."""
    if isinstance(error, InvalidCredentials):
        return _tr("The user name or password is not correct.")
    if isinstance(error, AccountLocked):
        return _tr(
            "This account is locked after repeated failed attempts. Try again in {wait}, "
            "or ask an administrator to reset the password."
        ).format(wait=wait_words(error.seconds))
    if isinstance(error, AccountDisabled):
        return _tr("This account is disabled. Ask an administrator to enable it.")
    return str(error)


def field_errors(error: HMISError) -> dict[str, str]:
    """Per-field messages of a ValidationError (empty for other errors)."""
    return dict(error.errors) if isinstance(error, ValidationError) else {}
