"""Password dialogs: change my password (forced after a reset), and the recovery-key reset of an admin."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.recovery import reset_admin_with_recovery_key
from hmis_desktop.store.store import Store
from ui.messages import field_errors
from ui.ops import Op
from ui.widgets import MessageLabel, PasswordPolicy, heading, hint, monospace, password_edit


def _primary(box: QDialogButtonBox, text: str) -> None:
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(text)
    ok.setProperty("primary", True)
    ok.setDefault(True)


class ChangePasswordDialog(QDialog):
    """The signed-in user chooses a new password; `old_password` given (just typed at login) hides that field."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        *,
        old_password: str | None = None,
        forced: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self._known_old = old_password
        self.setWindowTitle(self.tr("Choose a new password"))
        self.setObjectName("changePasswordDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Choose a new password"), 2))
        if forced:
            layout.addWidget(
                hint(
                    self.tr("Your password was set by an administrator. Choose your own before you continue.")
                )
            )
        form = QFormLayout()
        self.old = password_edit(self.tr("Current password"))
        self.new = password_edit(self.tr("New password"))
        self.confirm = password_edit(self.tr("Repeat the new password"))
        if old_password is None:
            form.addRow(self.tr("&Current password"), self.old)
        else:
            self.old.hide()
        form.addRow(self.tr("&New password"), self.new)
        form.addRow(self.tr("&Repeat it"), self.confirm)
        layout.addLayout(form)
        self.policy = PasswordPolicy(self.new, self.confirm, lambda: actor.username)
        layout.addWidget(self.policy)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _primary(self.buttons, self.tr("Change password"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.policy.changed.connect(self._enable)
        self._enable(self.policy.ok)
        (self.new if old_password is not None else self.old).setFocus()

    def _enable(self, ok: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def submit(self) -> None:
        """Change the password off the GUI thread."""
        if not self.policy.ok:
            return
        old = self._known_old if self._known_old is not None else self.old.text()
        new = self.new.text()
        store, actor = self.store, self.actor

        def work() -> None:
            with store.session() as s:
                auth.change_password(s, actor=actor, old_password=old, new_password=new)

        self.setEnabled(False)
        Op(self, work, lambda _: self.accept(), self._failed, name="change_password", ignore_lock=True).run()

    def _failed(self, error: HMISError) -> None:
        self.setEnabled(True)
        errors = field_errors(error)
        self.message.error(" ".join(errors.values()) if errors else str(error))


class RecoveryDialog(QDialog):
    """Reset an administrator's password with the recovery key (when no password opens the store)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("Use the recovery key"))
        self.setObjectName("recoveryDialog")
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Use the recovery key"), 2))
        layout.addWidget(
            hint(
                self.tr(
                    "If no administrator can sign in, the recovery key printed when this clinic was set up "
                    "lets you choose a new password for an administrator account."
                )
            )
        )
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setFont(monospace())
        self.key.setObjectName("recoveryInput")
        self.key.setAccessibleName(self.tr("Recovery key"))
        self.key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("Administrator user name"))
        self.new = password_edit(self.tr("New password"))
        self.confirm = password_edit(self.tr("Repeat the new password"))
        form.addRow(self.tr("Recovery &key"), self.key)
        form.addRow(self.tr("Administrator &user name"), self.username)
        form.addRow(self.tr("&New password"), self.new)
        form.addRow(self.tr("&Repeat it"), self.confirm)
        layout.addLayout(form)
        self.policy = PasswordPolicy(self.new, self.confirm, self.username.text)
        self.username.textChanged.connect(self.policy.refresh)
        layout.addWidget(self.policy)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        _primary(self.buttons, self.tr("Reset password"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.policy.changed.connect(self._enable)
        self.key.textChanged.connect(lambda _: self._enable(self.policy.ok))
        self.username.textChanged.connect(lambda _: self._enable(self.policy.ok))
        self._enable(self.policy.ok)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 40)
        self.key.setFocus(Qt.FocusReason.OtherFocusReason)

    def _enable(self, ok: bool) -> None:
        ready = ok and bool(self.key.text().strip()) and bool(self.username.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    def submit(self) -> None:
        """Open the store with the key and reset the password, off the GUI thread."""
        store, key, user, pw = self.store, self.key.text(), self.username.text(), self.new.text()

        def work() -> None:
            reset_admin_with_recovery_key(store, recovery_key=key, username=user, new_password=pw)

        self.setEnabled(False)
        Op(self, work, lambda _: self.accept(), self._failed, name="recovery_reset").run()

    def _failed(self, error: HMISError) -> None:
        self.setEnabled(True)
        errors = field_errors(error)
        self.message.error(" ".join(errors.values()) if errors else str(error))
