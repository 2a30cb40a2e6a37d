"""Admin → Users: the list, add a user, enable/disable, change role, reset password (`hmis_desktop.auth`)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.permissions import Role
from hmis_desktop.store.store import Store
from ui.messages import field_errors
from ui.ops import Op
from ui.table_model import RowsModel
from ui.widgets import MessageLabel, PasswordPolicy, hint, password_edit

USER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class UserRow:
    """A user as the list shows it (plain values, safe to carry across threads)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    active: bool
    must_change_password: bool
    last_login_at: datetime | None


class Columns(enum.IntEnum):
    """The users table's columns."""

    USERNAME = 0
    NAME = 1
    ROLE = 2
    STATUS = 3
    LAST_LOGIN = 4


def role_label(role: str) -> str:
    """'Front desk', 'Administrator' …"""
    return Role(role).label if role in Role.__members__.values() else role


def list_users(store: Store, actor: Actor) -> list[UserRow]:
    """Worker: every user, as rows."""
    with store.read_session() as s:
        return [
            UserRow(
                u.id, u.username, u.display_name, u.role, u.active, u.must_change_password, u.last_login_at
            )
            for u in auth.list_users(s, actor=actor)
        ]


class UsersModel(RowsModel[UserRow]):
    """Users for a QTableView (Anki's table-model conventions: a Columns enum, roles as constants)."""

    Columns = Columns

    def header(self, column: int) -> str:
        """A column's title."""
        return {
            Columns.USERNAME: self.tr("User name"),
            Columns.NAME: self.tr("Name"),
            Columns.ROLE: self.tr("Role"),
            Columns.STATUS: self.tr("Status"),
            Columns.LAST_LOGIN: self.tr("Last sign-in"),
        }[Columns(column)]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, and the user id under USER_ID_ROLE."""
        row = self.row_of(index)
        if row is None:
            return None
        if role == USER_ID_ROLE:
            return row.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        col = Columns(index.column())
        if col is Columns.USERNAME:
            return row.username
        if col is Columns.NAME:
            return row.display_name
        if col is Columns.ROLE:
            return self.tr(role_label(row.role))
        if col is Columns.STATUS:
            if not row.active:
                return self.tr("Disabled")
            return self.tr("Must change password") if row.must_change_password else self.tr("Active")
        return row.last_login_at.astimezone().strftime("%Y-%m-%d %H:%M") if row.last_login_at else "—"

    def find(self, username: str) -> int:
        """The row of a user name (-1 if absent)."""
        return next((i for i, r in enumerate(self._rows) if r.username == username), -1)


def _role_combo() -> QComboBox:
    combo = QComboBox()
    for role in Role:
        combo.addItem(role_label(role), role.value)
    return combo


class UsersTab(QWidget):
    """List and manage users; the add-user form is inline so the lock can keep it as a draft."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.model = UsersModel(self)
        self.table = QTableView()
        self.table.setObjectName("usersTable")
        self.table.setAccessibleName(self.tr("Users"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Columns.NAME, QHeaderView.ResizeMode.Stretch)
        left.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.toggle = QPushButton(self.tr("Disable"))
        self.change_role = QPushButton(self.tr("Change role…"))
        self.reset = QPushButton(self.tr("Reset password…"))
        self.refresh_button = QPushButton(self.tr("Refresh"))
        for b in (self.toggle, self.change_role, self.reset):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        left.addLayout(buttons)
        self.message = MessageLabel()
        left.addWidget(self.message)
        layout.addLayout(left, 3)
        right = QVBoxLayout()
        form = self._add_form()
        form.setMaximumWidth(form.fontMetrics().horizontalAdvance("M") * 34)
        right.addWidget(form)
        right.addStretch(1)
        layout.addLayout(right, 2)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.toggle.clicked.connect(self.toggle_active)
        self.change_role.clicked.connect(self.ask_role)
        self.reset.clicked.connect(self.ask_reset)
        self.refresh_button.clicked.connect(self.refresh)
        self._selection_changed()

    def _add_form(self) -> QGroupBox:
        box = QGroupBox(self.tr("Add a user"))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A narrow side panel: labels above their fields read better than a cramped label column.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.new_username = QLineEdit()
        self.new_username.setObjectName("newUsername")
        self.new_username.setAccessibleName(self.tr("New user's user name"))
        self.new_username.setPlaceholderText(self.tr("e.g. fatma.k"))
        self.new_display = QLineEdit()
        self.new_display.setObjectName("newDisplayName")
        self.new_display.setAccessibleName(self.tr("New user's full name"))
        self.new_role = _role_combo()
        self.new_role.setObjectName("newRole")
        self.new_role.setAccessibleName(self.tr("New user's role"))
        self.new_password = password_edit(self.tr("Temporary password"))
        self.new_password.setObjectName("newPassword")
        self.new_confirm = password_edit(self.tr("Repeat the temporary password"))
        self.new_confirm.setObjectName("newConfirm")
        form.addRow(self.tr("&User name"), self.new_username)
        form.addRow(self.tr("&Full name"), self.new_display)
        form.addRow(self.tr("R&ole"), self.new_role)
        form.addRow(self.tr("&Temporary password"), self.new_password)
        form.addRow(self.tr("Re&peat it"), self.new_confirm)
        self.new_policy = PasswordPolicy(self.new_password, self.new_confirm, self.new_username.text)
        self.new_username.textChanged.connect(self.new_policy.refresh)
        form.addRow("", self.new_policy)
        form.addRow("", hint(self.tr("They choose their own password the first time they sign in.")))
        self.add_message = MessageLabel()
        form.addRow("", self.add_message)
        self.add_button = QPushButton(self.tr("Add user"))
        self.add_button.setObjectName("addUserButton")
        self.add_button.setProperty("primary", True)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        form.addRow(row)
        self.add_button.clicked.connect(self.add_user)
        return box

    # --- list ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list off the GUI thread."""
        store, actor = self.store, self.actor
        Op(self, lambda: list_users(store, actor), self._show_rows, self._failed, key="admin.users").run()

    def _show_rows(self, rows: list[UserRow]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None and (row := self.model.find(selected.username)) >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def selected(self) -> UserRow | None:
        """The selected user."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _selection_changed(self, *_: object) -> None:
        user = self.selected()
        for b in (self.toggle, self.change_role, self.reset):
            b.setEnabled(user is not None)
        self.toggle.setText(self.tr("Enable") if user is not None and not user.active else self.tr("Disable"))

    def _run(self, work: Any, done_text: str) -> None:
        def ok(_: object) -> None:
            self.message.success(done_text)
            self.refresh()

        Op(self, work, ok, self._failed, name="admin.users.change").run()

    def toggle_active(self) -> None:
        """Disable or enable the selected user."""
        user, store, actor = self.selected(), self.store, self.actor
        if user is None:
            return

        def work() -> None:
            with store.session() as s:
                auth.set_active(s, actor=actor, user_id=user.id, active=not user.active)

        done = (
            self.tr("{user} can sign in again.")
            if not user.active
            else self.tr("{user} can no longer sign in.")
        )
        self._run(work, done.format(user=user.username))

    def ask_role(self) -> None:
        """Choose another role for the selected user."""
        user = self.selected()
        if user is None:
            return
        dialog = QDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle(self.tr("Change role"))
        form = QFormLayout(dialog)
        combo = _role_combo()
        combo.setAccessibleName(self.tr("Role"))
        combo.setCurrentIndex(max(0, combo.findData(user.role)))
        form.addRow(self.tr("Role of {user}").format(user=user.username), combo)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(box)
        box.accepted.connect(dialog.accept)
        box.rejected.connect(dialog.reject)
        store, actor = self.store, self.actor

        def apply() -> None:
            role = str(combo.currentData())

            def work() -> None:
                with store.session() as s:
                    auth.set_role(s, actor=actor, user_id=user.id, role=role)

            self._run(
                work, self.tr("{user} is now: {role}.").format(user=user.username, role=role_label(role))
            )

        dialog.accepted.connect(apply)
        dialog.open()

    def ask_reset(self) -> None:
        """Set a temporary password for the selected user."""
        user = self.selected()
        if user is None:
            return
        dialog = QDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle(self.tr("Reset password"))
        layout = QVBoxLayout(dialog)
        layout.addWidget(
            hint(self.tr("{user} must choose a new password at the next sign-in.").format(user=user.username))
        )
        form = QFormLayout()
        pw = password_edit(self.tr("Temporary password"))
        confirm = password_edit(self.tr("Repeat the temporary password"))
        form.addRow(self.tr("&Temporary password"), pw)
        form.addRow(self.tr("&Repeat it"), confirm)
        layout.addLayout(form)
        policy = PasswordPolicy(pw, confirm, lambda: user.username)
        layout.addWidget(policy)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Reset password"))
        box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        policy.changed.connect(box.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        layout.addWidget(box)
        box.accepted.connect(dialog.accept)
        box.rejected.connect(dialog.reject)
        store, actor = self.store, self.actor

        def apply() -> None:
            password = pw.text()

            def work() -> None:
                with store.session() as s:
                    auth.reset_password(s, actor=actor, user_id=user.id, new_password=password)

            self._run(work, self.tr("{user} has a temporary password.").format(user=user.username))

        dialog.accepted.connect(apply)
        dialog.open()

    # --- add -------------------------------------------------------------------------------------

    def add_user(self) -> None:
        """Create the user off the GUI thread; field errors come back from the core."""
        if not self.new_policy.ok:
            self.add_message.error(" ".join(self.new_policy.problems()))
            return
        store, actor = self.store, self.actor
        username, display = self.new_username.text().strip(), self.new_display.text().strip()
        role, password = str(self.new_role.currentData()), self.new_password.text()

        def work() -> str:
            with store.session() as s:
                return auth.create_user(
                    s, actor=actor, username=username, display_name=display, role=role, password=password
                ).username

        def ok(name: str) -> None:
            self.clear_form()
            self.add_button.setEnabled(True)
            self.add_message.success(
                self.tr("{user} was added. Tell them their temporary password.").format(user=name)
            )
            self.refresh()

        def failed(error: HMISError) -> None:
            self.add_button.setEnabled(True)
            errors = field_errors(error)
            self.add_message.error(" ".join(errors.values()) if errors else str(error))

        self.add_button.setEnabled(False)
        Op(self, work, ok, failed, name="admin.users.add").run()

    def clear_form(self) -> None:
        """Empty the add-user form."""
        for e in (self.new_username, self.new_display, self.new_password, self.new_confirm):
            e.clear()
        self.new_role.setCurrentIndex(0)
        self.add_message.clear_message()

    def form_draft(self) -> dict[str, Any] | None:
        """The add-user form's typed values; passwords are never kept in a draft."""
        data = {
            "username": self.new_username.text(),
            "display_name": self.new_display.text(),
            "role": str(self.new_role.currentData()),
        }
        if not (data["username"] or data["display_name"]):
            return None
        return data

    def restore_form(self, data: dict[str, Any]) -> None:
        """Put back `form_draft()`."""
        self.new_username.setText(str(data.get("username", "")))
        self.new_display.setText(str(data.get("display_name", "")))
        self.new_role.setCurrentIndex(max(0, self.new_role.findData(data.get("role"))))

    def clear_sensitive(self) -> None:
        """Empty the form, the list and the messages."""
        self.clear_form()
        self.model.set_rows([])
        self.message.clear_message()
        self._selection_changed()
