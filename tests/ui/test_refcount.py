"""Guard against PySide6 6.12 on Python 3.11 lowering None's reference count (shared/STACK-NOTES.md)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLineEdit


def test_none_refcount_does_not_drift(qapp) -> None:
    before = sys.getrefcount(None)
    for _ in range(1000):
        QLineEdit().setText("x")
    after = sys.getrefcount(None)
    # On 3.12+ None is immortal and this holds trivially; on a 3.11 venv with the bad wheel it drops by 1000.
    assert after >= before, (
        f"None's refcount dropped by {before - after}: pin PySide6-Essentials<6.12 on 3.11"
    )
