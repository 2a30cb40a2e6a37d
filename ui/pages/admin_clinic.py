"""Admin → Clinic and Admin → Security: the clinic profile with its logo, and the lock timeout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import settings as settings_mod
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.inactivity import MAX_TIMEOUT_MINUTES, MIN_TIMEOUT_MINUTES
from hmis_desktop.store.blobs import delete_blob, get_blob, put_blob
from hmis_desktop.store.store import Store
from ui.clinic_form import ClinicForm
from ui.messages import field_errors
from ui.ops import Op
from ui.widgets import MessageLabel, hint

LOGO_KEY = "clinic.logo_blob_id"


@dataclass(frozen=True)
class ClinicProfile:
    """Settings values and the logo's bytes, read together."""

    values: dict[str, Any]
    logo: bytes | None


def read_profile(store: Store) -> ClinicProfile:
    """Worker: the clinic settings and logo."""
    with store.read_session() as s:
        values = settings_mod.get_all(s)
        logo_id = values.get(LOGO_KEY)
        logo = get_blob(s, uuid.UUID(logo_id)) if logo_id else None
        return ClinicProfile(values, logo)


def save_profile(
    store: Store, actor: Actor, values: dict[str, Any], logo_file: Path | None, remove_logo: bool
) -> None:
    """Worker: update the settings and replace or remove the logo, in one transaction."""
    with store.session() as s:
        changes = dict(values)
        old = settings_mod.get(s, LOGO_KEY)
        if logo_file is not None:
            try:
                data = logo_file.read_bytes()
            except OSError:
                raise ValidationError({"clinic.logo": "The logo file cannot be read."}) from None
            changes[LOGO_KEY] = str(put_blob(s, data).id)
        elif remove_logo:
            changes[LOGO_KEY] = None
        settings_mod.update(s, actor=actor, values=changes)
        if old and changes.get(LOGO_KEY, old) != old:
            delete_blob(s, uuid.UUID(old))


class ClinicTab(QScrollArea):
    """Edit the clinic profile (name, address, ids, currency, locale, numbering) and its logo."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(hint(self.tr("Shown on invoices and printed documents.")))
        self.form = ClinicForm()
        layout.addWidget(self.form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save = QPushButton(self.tr("Save clinic profile"))
        self.save.setProperty("primary", True)
        row.addWidget(self.save)
        layout.addLayout(row)
        layout.addStretch(1)
        self.setWidget(body)
        self.loaded: dict[str, Any] = {}
        self._pending: dict[str, Any] | None = None
        self.save.clicked.connect(self.submit)

    def load(self) -> None:
        """Read the profile off the GUI thread."""
        store = self.store
        Op(
            self,
            lambda: read_profile(store),
            self._show,
            lambda e: self.message.error(str(e)),
            key="admin.clinic",
        ).run()

    def _show(self, profile: ClinicProfile) -> None:
        self.loaded = {k: v for k, v in profile.values.items() if k in self.form.values()}
        self.form.set_values(profile.values)
        self.form.show_logo(_pixmap(profile.logo))
        if self._pending:
            self.form.set_values(self._pending)
            self._pending = None

    def draft(self) -> dict[str, Any] | None:
        """Edited but unsaved values."""
        if not self.loaded:
            return None
        current = self.form.values()
        changed = {k: v for k, v in current.items() if self.loaded.get(k) != v}
        return changed or None

    def restore(self, values: dict[str, Any]) -> None:
        """Re-apply unsaved values (after the next load too)."""
        self._pending = dict(values)
        self.form.set_values(values)

    def clear(self) -> None:
        """Empty the form."""
        self.form.set_values({k: "" for k in self.form.values()})
        self.form.show_logo(None)
        self.form.logo_path.clear()
        self.loaded = {}
        self.message.clear_message()

    def submit(self) -> None:
        """Validate, then save off the GUI thread."""
        self.message.clear_message()
        if self.form.validate():
            return
        store, actor = self.store, self.actor
        values, logo, remove = self.form.values(), self.form.logo_file(), self.form.logo_removed

        def ok(_: object) -> None:
            self.save.setEnabled(True)
            self.form.logo_path.clear()
            self.message.success(self.tr("The clinic profile was saved."))
            self.load()

        def failed(error: HMISError) -> None:
            self.save.setEnabled(True)
            errors = field_errors(error)
            self.form.show_errors(errors)
            self.message.error(str(error))

        self.save.setEnabled(False)
        Op(
            self,
            lambda: save_profile(store, actor, values, logo, remove),
            ok,
            failed,
            name="admin.clinic.save",
        ).run()


def _pixmap(data: bytes | None) -> QPixmap | None:
    if not data:
        return None
    pixmap = QPixmap()
    return pixmap if pixmap.loadFromData(data) else None


class SecurityTab(QWidget):
    """The inactivity lock's timeout (setting `lock.timeout_minutes`)."""

    timeout_changed = Signal(int)

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                self.tr(
                    "Every PC of the clinic locks after this many minutes without a key press or mouse "
                    "movement, with a warning two minutes before. Unsaved forms are kept for their user."
                )
            )
        )
        form = QFormLayout()
        self.minutes = QSpinBox()
        self.minutes.setObjectName("lockTimeout")
        self.minutes.setRange(MIN_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES)
        self.minutes.setSuffix(self.tr(" minutes"))
        self.minutes.setAccessibleName(self.tr("Lock after minutes without input"))
        self.minutes.setMaximumWidth(self.minutes.fontMetrics().horizontalAdvance("M") * 12)
        form.addRow(self.tr("Lock after"), self.minutes)
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.save = QPushButton(self.tr("Save"))
        self.save.setObjectName("saveLockTimeout")
        self.save.setProperty("primary", True)
        row.addWidget(self.save)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.save.clicked.connect(self.submit)

    def load(self) -> None:
        """Read the timeout off the GUI thread."""
        store = self.store

        def read() -> int:
            with store.read_session() as s:
                return int(settings_mod.get(s, "lock.timeout_minutes"))

        Op(self, read, self.minutes.setValue, lambda e: self.message.error(str(e)), key="admin.lock").run()

    def submit(self) -> None:
        """Save the timeout; the lock applies it at once."""
        store, actor, value = self.store, self.actor, self.minutes.value()

        def work() -> None:
            with store.session() as s:
                settings_mod.update(s, actor=actor, values={"lock.timeout_minutes": value})

        def ok(_: object) -> None:
            self.message.success(
                self.tr("Saved: the screen locks after {n} minutes without input.").format(n=value)
            )
            self.timeout_changed.emit(value)

        Op(self, work, ok, lambda e: self.message.error(str(e)), name="admin.lock.save").run()
