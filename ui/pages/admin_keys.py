"""Admin → Keys: rotate the data key (a long job with progress; cancel is safe because it resumes), resume a
rotation left unfinished, and verify the whole store (`hmis_desktop.rotation`)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget
from sqlalchemy import func, select

from hmis_desktop import rotation
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.store.encrypted import REGISTRY
from hmis_desktop.store.models import Base, BlobChunk, DataKey
from hmis_desktop.store.store import Store
from ui.billing.jobs import JobProgress, ProgressStrip
from ui.billing.money import count_of
from ui.ops import Op
from ui.widgets import MessageLabel, heading, hint


@dataclass(frozen=True)
class KeyStatus:
    """What the tab shows about the keys."""

    primary_id: int
    active_old: int  # older keys still holding values (a rotation is pending)
    retired: int


@dataclass(frozen=True)
class RotationOutcome:
    """How a rotation run ended."""

    report: rotation.RotationReport
    cancelled: bool


def key_status(store: Store) -> KeyStatus:
    """Worker: the primary key and how many older keys are active or retired."""
    primary = store.require_keys().cipher.primary_id
    with store.read_session() as s:
        states = dict(s.execute(select(DataKey.state, func.count()).group_by(DataKey.state)).all())
    return KeyStatus(primary, int(states.get("active", 0)), int(states.get("retired", 0)))


def encrypted_rows(store: Store) -> int:
    """Worker: rows and blob chunks a rotation walks (its progress bar's length)."""
    with store.read_session() as s:
        total = sum(
            s.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0 for name in REGISTRY
        )
        return total + (s.scalar(select(func.count()).select_from(BlobChunk)) or 0)


def run_rotation(store: Store, actor: Actor, progress: JobProgress, *, start: bool) -> RotationOutcome:
    """Worker: start (or resume) re-encrypting under a new key, a batch per transaction."""
    if start:
        rotation.start_rotation(store, actor=actor)
    total = max(1, encrypted_rows(store))
    progress.report(0, total)
    report = rotation.resume_rotation(
        store,
        actor=actor,
        should_stop=progress.should_stop,
        progress=lambda n: progress.report(min(n, total), total),
    )
    if report.finished:
        progress.report(total, total)
    return RotationOutcome(report, cancelled=not report.finished)


def run_verify(store: Store, actor: Actor, progress: JobProgress) -> rotation.StoreCheck:
    """Worker: check the audit chain and decrypt every value."""
    return rotation.verify_store(store, actor=actor)


class KeysTab(QWidget):
    """Rotation with progress, resume, and Verify store."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.status: KeyStatus | None = None
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Data encryption key"), level=2))
        layout.addWidget(
            hint(
                self.tr(
                    "Rotating makes a new key for everything stored and re-encrypts every value with it, "
                    "in the background. Work goes on meanwhile. If it is stopped (Cancel, a power cut), "
                    "Resume carries on where it left off; nothing is lost."
                )
            )
        )
        self.state = QLabel()
        self.state.setObjectName("keyState")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        row = QHBoxLayout()
        self.rotate_button = QPushButton(self.tr("&Rotate the data key…"))
        self.rotate_button.setObjectName("rotateButton")
        self.resume_button = QPushButton(self.tr("Res&ume the rotation"))
        self.resume_button.setProperty("primary", True)
        row.addWidget(self.rotate_button)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.rotation_strip = ProgressStrip()
        layout.addWidget(self.rotation_strip)
        self.rotation_message = MessageLabel()
        layout.addWidget(self.rotation_message)
        layout.addSpacing(12)
        layout.addWidget(heading(self.tr("Verify the store"), level=2))
        layout.addWidget(
            hint(
                self.tr(
                    "Checks that the audit log is unbroken and that every encrypted value opens. "
                    "It reads the whole store and may take a while on a large clinic."
                )
            )
        )
        row = QHBoxLayout()
        self.verify_button = QPushButton(self.tr("&Verify store"))
        self.verify_button.setObjectName("verifyButton")
        row.addWidget(self.verify_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.verify_strip = ProgressStrip()
        layout.addWidget(self.verify_strip)
        self.verify_message = MessageLabel()
        self.verify_message.setObjectName("verifyReport")
        layout.addWidget(self.verify_message)
        layout.addStretch(1)
        self.rotate_button.clicked.connect(lambda: self.rotate())
        self.resume_button.clicked.connect(lambda: self.start_rotation(start=False))
        self.verify_button.clicked.connect(self.verify)
        self.resume_button.hide()

    def refresh(self) -> None:
        """Read the key status off the GUI thread."""
        store = self.store
        Op(self, lambda: key_status(store), self._show_status, self._failed, key="admin.keys").run()

    def _show_status(self, status: KeyStatus) -> None:
        self.status = status
        busy = self.rotation_strip.running
        if status.active_old:
            self.state.setText(
                self.tr(
                    "A rotation is not finished: key {key} is in use, and values under an older key remain. "
                    "Resume it to finish."
                ).format(key=status.primary_id)
            )
        else:
            retired = (
                count_of(
                    status.retired,
                    self.tr(" {n} older key is retired."),
                    self.tr(" {n} older keys are retired."),
                )
                if status.retired
                else ""
            )
            self.state.setText(
                self.tr("Key {key} protects every value.").format(key=status.primary_id) + retired
            )
        self.resume_button.setVisible(bool(status.active_old) and not busy)
        self.rotate_button.setEnabled(not busy and not status.active_old)

    def _failed(self, error: HMISError) -> None:
        self.rotation_message.error(str(error))

    def rotate(self, confirmed: bool = False) -> None:
        """Ask, then start a rotation."""
        if not confirmed:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(self.tr("Rotate the data key"))
            box.setText(self.tr("Make a new data key and re-encrypt every value with it?"))
            box.setInformativeText(
                self.tr("It runs in the background; the clinic can keep working. Take a backup first.")
            )
            yes = box.addButton(self.tr("Rotate"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.buttonClicked.connect(lambda b: self.start_rotation(start=True) if b is yes else None)
            self.confirm_box = box
            box.open()
            return
        self.start_rotation(start=True)

    def start_rotation(self, *, start: bool) -> None:
        """Run (or resume) the rotation as a long job."""
        if self.rotation_strip.running:
            return
        store, actor = self.store, self.actor
        self.rotation_message.clear_message()
        self.rotate_button.setEnabled(False)
        self.resume_button.hide()

        def done(outcome: RotationOutcome) -> None:
            r = outcome.report
            if outcome.cancelled:
                self.rotation_message.info(
                    self.tr("Stopped after {n} values. Resume when convenient; nothing is lost.").format(
                        n=r.reencrypted
                    )
                )
            else:
                self.rotation_message.success(
                    self.tr("Done: {n} values re-encrypted under key {key}; older keys retired.").format(
                        n=r.reencrypted, key=r.primary_key_id
                    )
                )
            self.refresh()

        def failed(error: HMISError) -> None:
            self.rotation_message.error(str(error) + " " + self.tr("Resume the rotation to try again."))
            self.refresh()

        self.rotation_strip.run(
            self.tr("Re-encrypting…") if start else self.tr("Resuming…"),
            lambda progress: run_rotation(store, actor, progress, start=start),
            done,
            failed,
            name="admin.rotation",
        )

    def verify(self) -> None:
        """Verify the store as a long job; the report says what was checked and what failed."""
        if self.verify_strip.running:
            return
        store, actor = self.store, self.actor
        self.verify_button.setEnabled(False)
        self.verify_message.clear_message()

        def done(check: rotation.StoreCheck) -> None:
            self.verify_button.setEnabled(True)
            v = check.values
            if check.ok:
                self.verify_message.success(
                    self.tr(
                        "The store is sound: {n} encrypted values open and the audit log is unbroken."
                    ).format(n=v.checked)
                )
                return
            lines = [
                self.tr(
                    "Problems found: {bad} of {n} values do not open; {audit} audit log problems."
                ).format(bad=len(v.bad), n=v.checked, audit=len(check.audit_problems))
            ]
            lines += [f"• {table}.{column} row {row}" for table, column, row in v.bad[:10]]
            lines.append(self.tr("Restore the affected records from a backup, or ask for support."))
            self.verify_message.error("\n".join(lines))

        def failed(error: HMISError) -> None:
            self.verify_button.setEnabled(True)
            self.verify_message.error(str(error))

        self.verify_strip.run(
            self.tr("Verifying…"),
            lambda progress: run_verify(store, actor, progress),
            done,
            failed,
            cancellable=False,
            name="admin.verify",
        )

    def clear_sensitive(self) -> None:
        """No patient data here; the jobs keep running."""
