"""The interface every page of the main window implements, so the window and the lock treat them alike.

A page is shown in the navigation only to roles with `required_perm`. The lock calls `collect_draft()`
(unsaved form state, saved encrypted for the user), then `clear_sensitive()` (drop every patient detail
from widgets and models); the unlock calls `restore_draft()` with what was collected. Pages create their
dialogs per use (`WA_DeleteOnClose`): the lock closes and deletes open dialogs without asking.
"""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm
from hmis_desktop.store.store import Store
from ui.widgets import heading, hint


class Page(QWidget):
    """A page of the main window."""

    #: English title; shown through `display_title()` (translated in the "Page" context).
    title: ClassVar[str] = ""
    #: The permission a role needs to see the page.
    required_perm: ClassVar[Perm]
    #: The draft key under which the lock saves this page's unsaved state.
    form_key: ClassVar[str] = ""
    #: Window-level commands the page performs through `trigger()`: "search", "new_patient", "new_invoice".
    actions: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.actor = actor
        self.setObjectName(f"page_{self.form_key or type(self).__name__}")

    def display_title(self) -> str:
        """The translated title."""
        return QCoreApplication.translate("Page", self.title)

    def on_shown(self) -> None:
        """Called each time the page becomes the current one (refresh lists here, off the GUI thread)."""

    def collect_draft(self) -> dict[str, Any] | None:
        """Unsaved form state as JSON-able data, or None when there is nothing to keep."""
        return None

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Put back what `collect_draft()` returned."""

    def clear_sensitive(self) -> None:
        """Drop all patient data (and any typed text) from widgets and models."""

    def trigger(self, action: str) -> None:
        """Perform one of `actions` (Ctrl+F, Ctrl+N, Ctrl+I)."""
        raise NotImplementedError(action)


class PlaceholderPage(Page):
    """A page whose content arrives in a later release."""

    blurb: ClassVar[str] = ""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.addWidget(heading(self.display_title()))
        note = hint(QCoreApplication.translate("Page", self.blurb))
        layout.addWidget(note)
        layout.addStretch(1)
        soon = QLabel(QCoreApplication.translate("Page", "Coming in the next release."))
        soon.setObjectName("hint")
        soon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(soon)
        layout.addStretch(2)
