"""The lock screen that replaces the main window's content: unlock as the same user, or switch user."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from hmis_desktop.permissions import Role
from ui.login import centered_card
from ui.widgets import MessageLabel, heading, hint, password_edit


class LockScreen(QWidget):
    """Emits `unlock_requested(username, password)`; the lock controller checks it off the GUI thread."""

    unlock_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._username = ""
        self._switching = False
        _, box = centered_card(self)
        brand = QLabel(self.tr("HMIS DESKTOP"))
        brand.setObjectName("brand")
        box.addWidget(brand)
        self.title = heading(self.tr("Locked"))
        box.addWidget(self.title)
        self.who = hint("")
        box.addWidget(self.who)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = QLineEdit()
        self.username.setObjectName("lockUsername")
        self.username.setAccessibleName(self.tr("User name"))
        self.username_label = QLabel(self.tr("&User name"))
        self.username_label.setBuddy(self.username)
        self.password = password_edit(self.tr("Password"))
        self.password.setObjectName("lockPassword")
        form.addRow(self.username_label, self.username)
        form.addRow(self.tr("&Password"), self.password)
        box.addLayout(form)
        self.message = MessageLabel()
        box.addWidget(self.message)
        self.unlock = QPushButton(self.tr("Unlock"))
        self.unlock.setObjectName("unlockButton")
        self.unlock.setProperty("primary", True)
        self.unlock.setDefault(True)
        box.addWidget(self.unlock)
        row = QHBoxLayout()
        row.addStretch(1)
        self.switch = QPushButton(self.tr("Switch user"))
        self.switch.setObjectName("linkButton")
        self.switch.setCursor(Qt.CursorShape.PointingHandCursor)
        row.addWidget(self.switch)
        box.addLayout(row)
        box.addWidget(
            hint(
                self.tr(
                    "Unsaved forms were kept for their user and come back when that user unlocks. "
                    "Work in the background goes on while the screen is locked."
                )
            )
        )
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.unlock)
        self.setTabOrder(self.unlock, self.switch)
        self.unlock.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.switch.clicked.connect(lambda: self.set_switching(not self._switching))

    @property
    def switching(self) -> bool:
        """Whether the screen asks for another user's name."""
        return self._switching

    def show_for(self, username: str, display_name: str, role: str, *, switching: bool = False) -> None:
        """Present the lock for the user who was signed in."""
        self._username = username
        label = Role(role).label if role in Role.__members__.values() else role
        self.who.setText(
            self.tr("{name} ({role}) was signed in. Enter the password to unlock.").format(
                name=display_name or username, role=self.tr(label)
            )
        )
        self.message.clear_message()
        self.set_busy(False)
        self.set_switching(switching)

    def set_switching(self, switching: bool) -> None:
        """Switch between "unlock as the same user" and "sign in as another user"."""
        self._switching = switching
        self.username.setVisible(switching)
        self.username_label.setVisible(switching)
        self.username.clear()
        self.password.clear()
        self.message.clear_message()
        self.title.setText(self.tr("Switch user") if switching else self.tr("Locked"))
        self.unlock.setText(self.tr("Sign in") if switching else self.tr("Unlock"))
        self.switch.setText(self.tr("Back to unlock") if switching else self.tr("Switch user"))
        (self.username if switching else self.password).setFocus()

    def set_busy(self, busy: bool) -> None:
        """Disable input while a password is being checked."""
        for w in (self.username, self.password, self.unlock, self.switch):
            w.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        """Show why the unlock failed and get ready for another try."""
        self.set_busy(False)
        self.password.clear()
        self.message.error(text)
        self.password.setFocus()

    def _submit(self) -> None:
        username = self.username.text().strip() if self._switching else self._username
        password = self.password.text()
        if not username or not password:
            self.message.error(self.tr("Enter the user name and password."))
            return
        self.message.clear_message()
        self.set_busy(True)
        self.unlock_requested.emit(username, password)
