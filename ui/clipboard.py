"""What this application put on the clipboard, so the lock can clear it (and leave other programs' text alone)."""

from __future__ import annotations

import hashlib
from collections import deque

from PySide6.QtGui import QGuiApplication

# Digests only: the clipboard text itself (maybe a patient's name) is never kept here.
_recent: deque[bytes] = deque(maxlen=32)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def remember(text: str) -> None:
    """Note that the application put `text` on the clipboard."""
    if text:
        _recent.append(_digest(text))


def remember_current() -> None:
    """Note the clipboard's current text as ours (called just after a Copy/Cut key in our window)."""
    remember(QGuiApplication.clipboard().text())


def copy_text(text: str) -> None:
    """Put text on the clipboard on the application's behalf."""
    QGuiApplication.clipboard().setText(text)
    remember(text)


def clear_if_ours() -> bool:
    """Clear the clipboard if it holds text this application put there; returns whether it did."""
    board = QGuiApplication.clipboard()
    text = board.text()
    ours = bool(text) and (_digest(text) in _recent or board.ownsClipboard())
    if ours:
        board.clear()
        _recent.clear()
    return ours
