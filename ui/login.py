"""The login window (offline): user name and password against the local store, with clear refusals."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import auth
from hmis_desktop import settings as settings_mod
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.store.store import Store
from ui.messages import auth_message
from ui.ops import Op
from ui.passwords import ChangePasswordDialog, RecoveryDialog
from ui.widgets import MessageLabel, heading, hint, password_edit


def centered_card(owner: QWidget, margin: int = 36, width_em: int = 44) -> tuple[QFrame, QVBoxLayout]:
    """A white card centred in `owner` (login, lock, error windows); returns it and its layout."""
    outer = QVBoxLayout(owner)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card = QFrame()
    card.setObjectName("card")
    card.setFrameShape(QFrame.Shape.NoFrame)
    inner = QVBoxLayout(card)
    inner.setContentsMargins(margin, margin - 6, margin, margin - 6)
    inner.setSpacing(10)
    card.setMinimumWidth(card.fontMetrics().horizontalAdvance("M") * 30)
    card.setMaximumWidth(card.fontMetrics().horizontalAdvance("M") * width_em)
    row.addWidget(card, 3)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(1)
    return card, inner


class LoginWindow(QWidget):
    """Sign in; emits `logged_in(actor)` once the user is in (and has changed a temporary password)."""

    logged_in = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("loginWindow")
        self.setWindowTitle(self.tr("HMIS Desktop — sign in"))
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        _, box = centered_card(self)
        brand = QLabel(self.tr("HMIS DESKTOP"))
        brand.setObjectName("brand")
        box.addWidget(brand)
        self.clinic = heading(self.tr("Sign in"))
        box.addWidget(self.clinic)
        box.addWidget(hint(self.tr("Sign in with your own user name. Works without a network connection.")))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = QLineEdit()
        self.username.setAccessibleName(self.tr("User name"))
        self.username.setObjectName("username")
        self.password = password_edit(self.tr("Password"))
        self.password.setObjectName("password")
        form.addRow(self.tr("&User name"), self.username)
        form.addRow(self.tr("&Password"), self.password)
        box.addLayout(form)
        self.message = MessageLabel()
        box.addWidget(self.message)
        self.sign_in = QPushButton(self.tr("Sign in"))
        self.sign_in.setProperty("primary", True)
        self.sign_in.setDefault(True)
        self.sign_in.setAutoDefault(True)
        box.addWidget(self.sign_in)
        self.recovery = QPushButton(self.tr("Use recovery key…"))
        self.recovery.setObjectName("linkButton")
        self.recovery.setCursor(Qt.CursorShape.PointingHandCursor)
        self.recovery.setToolTip(self.tr("When no administrator password works"))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.recovery)
        box.addLayout(row)
        where = QLabel(self.tr("Store: {where}").format(where=store.describe()))
        where.setObjectName("storeLabel")
        where.setWordWrap(True)
        box.addWidget(where)
        self.setTabOrder(self.username, self.password)
        self.setTabOrder(self.password, self.sign_in)
        self.setTabOrder(self.sign_in, self.recovery)
        self.sign_in.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.recovery.clicked.connect(self.open_recovery)
        self.dialog: QDialog | None = None
        self.username.setFocus()
        self.resize(760, 560)
        self._load_clinic_name()

    def _load_clinic_name(self) -> None:
        store = self.store

        def read() -> str:
            # Settings are plain (no PHI), readable before any key is open.
            with store.read_session() as s:
                return str(settings_mod.get(s, "clinic.name") or "")

        def show(name: str) -> None:
            if name:
                self.clinic.setText(name)
                self.setWindowTitle(self.tr("{clinic} — sign in").format(clinic=name))

        Op(self, read, show, lambda _e: None, name="login.clinic_name").run()

    def _busy(self, busy: bool) -> None:
        for w in (self.username, self.password, self.sign_in, self.recovery):
            w.setEnabled(not busy)
        self.sign_in.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))

    def submit(self) -> None:
        """Check the password off the GUI thread."""
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            self.message.error(self.tr("Enter your user name and password."))
            (self.username if not username else self.password).setFocus()
            return
        store = self.store

        def work() -> tuple[Actor, bool]:
            actor = auth.login(store, username, password)
            return actor, auth.must_change_password(store, actor)

        self._busy(True)
        self.message.clear_message()
        Op(self, work, lambda r: self._signed_in(r[0], r[1], password), self._failed, name="login").run()

    def _failed(self, error: HMISError) -> None:
        self._busy(False)
        self.message.error(auth_message(error))
        self.password.clear()
        self.password.setFocus()

    def _signed_in(self, actor: Actor, must_change: bool, password: str) -> None:
        self._busy(False)
        self.password.clear()
        self.message.clear_message()
        if not must_change:
            self.logged_in.emit(actor)
            return
        dialog = ChangePasswordDialog(self.store, actor, old_password=password, forced=True, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.logged_in.emit(actor))
        dialog.rejected.connect(
            lambda: self.message.info(self.tr("Choose a new password to continue; sign in again when ready."))
        )
        self.dialog = dialog
        dialog.open()

    def open_recovery(self) -> None:
        """Open the recovery-key dialog."""
        dialog = RecoveryDialog(self.store, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def done() -> None:
            self.username.setText(dialog.username.text().strip().lower())
            self.message.success(self.tr("The password was reset. Sign in with the new password."))
            self.password.setFocus()

        dialog.accepted.connect(done)
        self.dialog = dialog
        dialog.open()
