"""Admin → Backups: back up now to a chosen folder, and restore a backup (`hmis_desktop.backup`).

A restore replaces the store's file, so it must run with the store closed. The tab locks the main window
first (unsaved forms are kept as drafts, every page drops its data), then closes the store, restores, opens
the restored store once to migrate and check it, and leaves the lock screen up: signing in there opens the
restored store (the lock screen is this window's login; no restart of the process is needed). If the
restore fails, nothing was replaced and signing in continues with the current store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import backup
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.store.store import Store
from ui import ops
from ui.billing.jobs import JobProgress, ProgressStrip
from ui.ops import Op
from ui.widgets import MessageLabel, hint, password_edit


@dataclass(frozen=True)
class RestoreCredentials:
    """What opens the backup: a user's name and password, or the recovery key."""

    username: str = ""
    password: str = ""
    recovery_key: str = ""


def make_backup(store: Store, actor: Actor, folder: Path, progress: JobProgress) -> backup.BackupInfo:
    """Worker: an encrypted backup file in `folder` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise backup.BackupError(
            f"The folder cannot be used ({exc.strerror}). Choose another folder for the backup."
        ) from None
    return backup.create_backup(store, actor=actor, dest=folder)


def read_backup_info(path: Path) -> backup.BackupInfo:
    """Worker: the backup's plain header."""
    try:
        return backup.read_info(path)
    except OSError as exc:
        raise backup.BackupError(f"The file cannot be read ({exc.strerror}).") from None
    except (KeyError, ValueError):
        raise backup.BackupError("That file is not an HMIS backup, or it is damaged.") from None


def restore_store(store: Store, path: Path, creds: RestoreCredentials) -> Path | None:
    """Worker: close the store, replace it with the backup, open the result once to migrate and check it.

    Returns where the replaced store was kept. The caller's `store` stays closed (locked): the next sign-in
    opens the restored file through it.
    """
    store.close()
    kept = backup.restore_backup(
        path,
        store.profile.path,
        username=creds.username or None,
        password=creds.password or None,
        recovery_key=creds.recovery_key or None,
    )
    Store.open(store.profile.path, clock=store.clock).close()
    return kept


_KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _local(iso: str) -> str:
    """A backup header's UTC time in this PC's zone."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, n // 1024)} KB"


class BackupsTab(QWidget):
    """Back up now; restore from a file."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.info: backup.BackupInfo | None = None
        self.file_dialog: QFileDialog | None = None
        self.last_backup: backup.BackupInfo | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self._backup_box())
        layout.addWidget(self._restore_box())
        layout.addStretch(1)

    # --- back up ---------------------------------------------------------------------------------

    def _backup_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Back up now"))
        layout = QVBoxLayout(box)
        layout.addWidget(
            hint(
                self.tr(
                    "The backup is one encrypted file: any user's password or the recovery key opens it. "
                    "Keep copies away from this PC (a USB disk in a safe place)."
                )
            )
        )
        row = QHBoxLayout()
        self.folder = QLineEdit(str(self.store.profile.backups_dir))
        self.folder.setObjectName("backupFolder")
        self.folder.setAccessibleName(self.tr("Backup folder"))
        self.browse = QPushButton(self.tr("&Browse…"))
        self.backup_button = QPushButton(self.tr("Back &up now"))
        self.backup_button.setObjectName("backupButton")
        self.backup_button.setProperty("primary", True)
        label = QLabel(self.tr("&Folder"))
        label.setBuddy(self.folder)
        row.addWidget(label)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        row.addWidget(self.backup_button)
        layout.addLayout(row)
        self.backup_strip = ProgressStrip()
        layout.addWidget(self.backup_strip)
        self.backup_message = MessageLabel()
        layout.addWidget(self.backup_message)
        self.browse.clicked.connect(self.choose_folder)
        self.backup_button.clicked.connect(self.back_up)
        return box

    def choose_folder(self) -> None:
        """A non-native folder chooser."""
        dialog = QFileDialog(self, self.tr("Choose the backup folder"), self.folder.text())
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.folder.setText)
        self.file_dialog = dialog
        dialog.open()

    def back_up(self) -> None:
        """Write a backup as a long job (it goes on while the screen is locked)."""
        text = self.folder.text().strip()
        if not text or self.backup_strip.running:
            if not text:
                self.backup_message.error(self.tr("Choose the folder to write the backup to."))
            return
        store, actor, folder = self.store, self.actor, Path(text).expanduser()
        self.backup_button.setEnabled(False)
        self.backup_message.clear_message()

        def done(info: backup.BackupInfo) -> None:
            self.backup_button.setEnabled(True)
            self.last_backup = info
            self.backup_message.success(
                self.tr("Backup written: {path} ({size}).").format(path=info.path, size=_size(info.size))
            )

        def failed(error: HMISError) -> None:
            self.backup_button.setEnabled(True)
            self.backup_message.error(str(error))

        self.backup_strip.run(
            self.tr("Backing up…"),
            lambda progress: make_backup(store, actor, folder, progress),
            done,
            failed,
            cancellable=False,
            name="admin.backup",
        )

    # --- restore ---------------------------------------------------------------------------------

    def _restore_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Restore a backup"))
        layout = QVBoxLayout(box)
        layout.addWidget(
            hint(
                self.tr(
                    "Restoring replaces everything in this store with the backup's content: whatever was "
                    "entered after the backup was made is gone (the current store is kept aside in the "
                    "profile's backups folder). The screen locks while it runs; then sign in again."
                )
            )
        )
        row = QHBoxLayout()
        self.choose_button = QPushButton(self.tr("&Choose a backup file…"))
        self.file_label = QLabel(self.tr("No file chosen."))
        self.file_label.setObjectName("hint")
        self.file_label.setWordWrap(True)
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        layout.addLayout(row)
        self.info_message = MessageLabel()
        self.info_message.setObjectName("backupInfo")
        layout.addWidget(self.info_message)
        form = QFormLayout()
        self.use_password = QRadioButton(self.tr("My user name and password in that backup"))
        self.use_recovery = QRadioButton(self.tr("The recovery key"))
        group = QButtonGroup(self)
        group.addButton(self.use_password)
        group.addButton(self.use_recovery)
        self.use_password.setChecked(True)
        form.addRow(self.tr("Open it with"), self.use_password)
        form.addRow("", self.use_recovery)
        self.username = QLineEdit(self.actor.username)
        self.username.setAccessibleName(self.tr("User name"))
        self.password = password_edit(self.tr("Password"))
        self.password.setObjectName("restorePassword")
        self.recovery = QLineEdit()
        self.recovery.setObjectName("recoveryInput")
        self.recovery.setAccessibleName(self.tr("Recovery key"))
        self.recovery.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        form.addRow(self.tr("User &name"), self.username)
        form.addRow(self.tr("&Password"), self.password)
        form.addRow(self.tr("Recovery &key"), self.recovery)
        layout.addLayout(form)
        self.understood = QCheckBox(
            self.tr("I understand that this store's current content is replaced by the backup's.")
        )
        layout.addWidget(self.understood)
        row = QHBoxLayout()
        row.addStretch(1)
        self.restore_button = QPushButton(self.tr("&Restore…"))
        self.restore_button.setObjectName("restoreButton")
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        self.restore_message = MessageLabel()
        layout.addWidget(self.restore_message)
        self.choose_button.clicked.connect(self.choose_file)
        self.restore_button.clicked.connect(self.restore)
        for w in (self.use_password, self.use_recovery, self.understood):
            w.toggled.connect(lambda _on: self._update_restore())
        for e in (self.username, self.password, self.recovery):
            e.textChanged.connect(lambda _t: self._update_restore())
        self._update_restore()
        return box

    def choose_file(self) -> None:
        """A non-native file chooser for *.hmisbak."""
        dialog = QFileDialog(self, self.tr("Choose the backup to restore"), self.folder.text())
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([self.tr("HMIS backups (*.hmisbak)"), self.tr("All files (*)")])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda p: self.set_file(Path(p)))
        self.file_dialog = dialog
        dialog.open()

    def set_file(self, path: Path) -> None:
        """Read the chosen backup's header off the GUI thread and say what it is."""
        self.info = None
        self.file_label.setText(str(path))
        self.info_message.clear_message()
        self._update_restore()
        Op(
            self, lambda: read_backup_info(path), self._show_info, self._info_failed, key="admin.backup.info"
        ).run()

    def _show_info(self, info: backup.BackupInfo) -> None:
        same = info.store_id == self.store.profile.store_id
        text = self.tr("Backup made {when} · {size} · {kind} store.").format(
            when=_local(info.created_at), size=_size(info.size), kind=_KINDS.get(info.kind, info.kind)
        )
        if not same:
            self.info_message.error(
                text + " " + self.tr("It is a backup of another store and cannot be restored here.")
            )
        elif info.kind != "sqlite" or not self.store.profile.is_sqlite:
            self.info_message.error(
                text + " " + self.tr("Only an SQLite store is restored from here; see README, 'Backups'.")
            )
        else:
            self.info = info
            self.info_message.info(text + " " + self.tr("It is a backup of this clinic's store."))
        self._update_restore()

    def _info_failed(self, error: HMISError) -> None:
        self.info_message.error(str(error))
        self._update_restore()

    def credentials(self) -> RestoreCredentials:
        """What the form says opens the backup."""
        if self.use_recovery.isChecked():
            return RestoreCredentials(recovery_key=self.recovery.text().strip())
        return RestoreCredentials(username=self.username.text().strip(), password=self.password.text())

    def _update_restore(self) -> None:
        recovery = self.use_recovery.isChecked()
        self.username.setEnabled(not recovery)
        self.password.setEnabled(not recovery)
        self.recovery.setEnabled(recovery)
        c = self.credentials()
        has_key = bool(c.recovery_key) if recovery else bool(c.username and c.password)
        self.restore_button.setEnabled(self.info is not None and has_key and self.understood.isChecked())

    def restore(self) -> None:
        """Lock the window, then restore with the store closed; the lock screen is where to sign in next."""
        if self.info is None:
            return
        if not ops.idle():
            self.restore_message.error(
                self.tr("Work is still running (a backup, import or rotation); wait for it.")
            )
            return
        store, path, creds = self.store, self.info.path, self.credentials()
        self.password.clear()
        self.recovery.clear()
        self.understood.setChecked(False)
        lock: Any = getattr(self.window(), "lock", None)
        screen: Any = None
        if lock is not None and hasattr(lock, "screen"):
            lock.lock("restore")
            screen = lock.screen
            screen.set_switching(True)
            screen.set_busy(True)
            screen.message.info(self.tr("Restoring the backup… The store is closed until it is done."))

        def done(kept: Path | None) -> None:
            where = self.tr(" The replaced store was kept as {path}.").format(path=kept) if kept else ""
            text = self.tr("The backup was restored.") + where + " " + self.tr("Sign in to continue.")
            if screen is not None:
                screen.set_busy(False)
                screen.message.success(text)
            self.restore_message.success(text)

        def failed(error: HMISError) -> None:
            text = self.tr(
                "The backup was not restored: {error} Nothing was replaced; sign in to continue."
            ).format(error=error)
            if screen is not None:
                screen.set_busy(False)
                screen.message.error(text)
            self.restore_message.error(text)

        Op(
            screen or self,
            lambda: restore_store(store, path, creds),
            done,
            failed,
            name="admin.restore",
            ignore_lock=True,
        ).run()

    def clear_sensitive(self) -> None:
        """Forget typed secrets (a password or recovery key is never kept in a draft)."""
        self.password.clear()
        self.recovery.clear()
        self.understood.setChecked(False)
