"""Small helpers shared by the Patients screens: removing widgets without leaving their text behind,
and input dialogs made per use (the lock closes and deletes them)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QWidget


def discard(widget: QWidget) -> None:
    """Empty, detach and delete a widget now-ish: a hidden child still holding a name would outlive the lock."""
    if isinstance(widget, QLineEdit):
        widget.setText("")  # also drops the undo history (clear() is undoable)
    elif isinstance(widget, QLabel):
        widget.clear()
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()


def ask_text(
    parent: QWidget, title: str, label: str, text: str, on_ok: Callable[[str], None], *, name: str = ""
) -> QInputDialog:
    """A one-line input dialog, opened (not exec'd) and deleted on close."""
    dialog = QInputDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setObjectName(name or "askText")
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.textValueSelected.connect(on_ok)
    dialog.open()
    return dialog


def ask_choice(
    parent: QWidget,
    title: str,
    label: str,
    items: list[tuple[str, str]],
    current: str,
    on_ok: Callable[[str], None],
) -> QInputDialog:
    """A choice among (code, label) items, opened and deleted on close; `on_ok` receives the code."""
    dialog = QInputDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setObjectName("askChoice")
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems([text for _code, text in items])
    dialog.setComboBoxEditable(False)
    labels = dict(items)
    if current in labels:
        dialog.setTextValue(labels[current])
    codes = {text: code for code, text in items}
    dialog.textValueSelected.connect(lambda text: on_ok(codes[text]) if text in codes else None)
    dialog.open()
    return dialog
