"""Small widgets shared by forms: headings, inline messages, password fields with the live policy."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from hmis_desktop import auth


def tr(text: str, context: str = "ui") -> str:
    """Translate a string outside a QObject method."""
    return QCoreApplication.translate(context, text)


def heading(text: str, level: int = 1) -> QLabel:
    """A heading label styled by the theme (object names `heading` / `subheading`)."""
    label = QLabel(text)
    label.setObjectName("heading" if level == 1 else "subheading")
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


def hint(text: str) -> QLabel:
    """Muted explanatory text."""
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


class MessageLabel(QLabel):
    """An inline message (error, success or info); hidden while empty, announced to screen readers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Set before the first polish: the stylesheet's padding is applied then, not on a later re-polish.
        self.setProperty("kind", "info")
        self.hide()

    def _show(self, text: str, kind: str) -> None:
        self.setText(text)
        self.setAccessibleName(text)
        if self.property("kind") != kind:
            self.setProperty("kind", kind)
            # A dynamic property only restyles after a re-polish (Qt stylesheet rule).
            self.style().unpolish(self)
            self.style().polish(self)
        self.updateGeometry()
        self.setVisible(bool(text))

    def error(self, text: str) -> None:
        """Show an error."""
        self._show(text, "error")

    def success(self, text: str) -> None:
        """Show a confirmation."""
        self._show(text, "success")

    def info(self, text: str) -> None:
        """Show neutral information."""
        self._show(text, "info")

    def clear_message(self) -> None:
        """Hide the message."""
        self._show("", "info")


def password_edit(accessible_name: str, placeholder: str = "") -> QLineEdit:
    """A password line edit with a show/hide toggle."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(accessible_name)
    edit.setPlaceholderText(placeholder)
    from ui.theme import icon

    toggle = QAction(icon("eye"), tr("Show password"), edit)
    toggle.setCheckable(True)
    toggle.setToolTip(tr("Show or hide the password"))

    def flip(shown: bool) -> None:
        edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        toggle.setIcon(icon("eye-off" if shown else "eye"))
        toggle.setText(tr("Hide password") if shown else tr("Show password"))

    toggle.toggled.connect(flip)
    edit.addAction(toggle, QLineEdit.ActionPosition.TrailingPosition)
    return edit


class PasswordPolicy(QLabel):
    """Shows the core's password-policy problems live for a new password and its confirmation."""

    changed = Signal(bool)

    def __init__(
        self,
        password: QLineEdit,
        confirm: QLineEdit,
        username: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("policy")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._password, self._confirm, self._username = password, confirm, username
        password.textChanged.connect(self.refresh)
        confirm.textChanged.connect(self.refresh)
        self._ok = False
        self.refresh()

    def problems(self) -> list[str]:
        """What is wrong now (empty when the password and confirmation are acceptable)."""
        pw = self._password.text()
        if not pw:
            return [self.tr("Choose a password: at least 8 characters mixing letters, digits and symbols.")]
        found = [self.tr(p) for p in auth.password_problems(pw, self._username().strip().lower())]
        if self._confirm.text() != pw:
            found.append(self.tr("The two passwords are not the same."))
        return found

    def refresh(self) -> None:
        """Re-check and re-render."""
        problems = self.problems()
        self._ok = not problems
        if problems:
            self.setText("\n".join(f"• {p}" for p in problems))
            self.setProperty("kind", "error" if self._password.text() else "info")
        else:
            self.setText(self.tr("✓ The password meets the policy."))
            self.setProperty("kind", "success")
        self.setAccessibleName(self.text())
        self.style().unpolish(self)
        self.style().polish(self)
        self.changed.emit(self._ok)

    @property
    def ok(self) -> bool:
        """Whether the password is acceptable and confirmed."""
        return self._ok


def monospace(size_pt: float = 0) -> QFont:
    """The system's fixed-width font, optionally at a size in points."""
    from PySide6.QtGui import QFontDatabase

    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if size_pt:
        font.setPointSizeF(size_pt)
    return font
