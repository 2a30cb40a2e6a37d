"""The registration and edit form: the fields, the banner, the duplicate warning, saving, edit conflicts.

New patients: Save validates (messages beside the fields), then asks the core for likely duplicates and
shows them (never a block: "Save anyway"). Edits carry the version they started from; when someone else
saved in between, the latest version is fetched, the fields they changed are named, and what was typed
stays in the form to be saved again on the new version.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QScrollArea, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, HMISError, ValidationError
from hmis_desktop.services.patients import PatientPublic, RegistrationResult
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.patients import work
from ui.patients.duplicates_view import DuplicateWarning
from ui.patients.form import PatientFields
from ui.patients.form_state import FIELD_LABELS, changed_fields, values_state
from ui.widgets import MessageLabel, heading


class RegistrationView(QWidget):
    """Register a new patient or edit one; `saved` carries the PatientPublic, `closed` asks to go back."""

    saved = Signal(object)
    closed = Signal()
    open_requested = Signal(object)

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.editing_id: uuid.UUID | None = None
        self.version: int | None = None
        self.base: dict[str, Any] | None = None  # the saved values the edit started from
        self.display_name = ""
        self.busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = heading(self.tr("Register a new patient"))
        layout.addWidget(self.title)
        self.banner = MessageLabel()
        self.banner.setObjectName("formBanner")
        layout.addWidget(self.banner)
        self.duplicates = DuplicateWarning()
        layout.addWidget(self.duplicates)
        self.fields = PatientFields()
        scroll = QScrollArea()
        scroll.setObjectName("formScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.fields)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton(self.tr("Clear form"))
        self.cancel_button = QPushButton(self.tr("&Cancel"))
        self.save_button = QPushButton(self.tr("&Save patient"))
        self.save_button.setObjectName("savePatient")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.closed)
        self.clear_button.clicked.connect(self.start_new)
        self.duplicates.save_anyway.connect(lambda: self.save(force=True))
        self.duplicates.back.connect(self._back_to_form)
        self.duplicates.open_requested.connect(self.open_requested)

    # --- modes ---------------------------------------------------------------------------------------

    def set_formats(self, formats: work.ClinicFormats) -> None:
        """Clinic locale and phone region for the fields."""
        self.fields.set_formats(formats.locale, formats.phone_example, work.today(self.store))

    def start_new(self) -> None:
        """An empty registration form."""
        self.editing_id, self.version, self.base, self.display_name = None, None, None, ""
        self.fields.clear()
        self._reset_messages()
        self._update_title()
        self.focus_first()

    def start_edit(self, patient: PatientPublic) -> None:
        """The edit form, filled with the patient's saved values."""
        self.editing_id, self.version = patient.id, patient.version
        self.display_name = patient.display_name
        self.base = values_state(patient.to_update())
        self.fields.clear()
        self.fields.set_values(patient.to_update())
        self._reset_messages()
        self._update_title()
        self.focus_first()

    def _update_title(self) -> None:
        editing = self.editing_id is not None
        self.title.setText(
            self.tr("Edit {name}").format(name=self.display_name or self.tr("patient"))
            if editing
            else self.tr("Register a new patient")
        )
        self.save_button.setText(self.tr("&Save changes") if editing else self.tr("&Save patient"))
        self.clear_button.setVisible(not editing)

    def focus_first(self) -> None:
        """The cursor in the first field."""
        self.fields.lines["given_name"].setFocus(Qt.FocusReason.OtherFocusReason)

    def _reset_messages(self) -> None:
        self.banner.clear_message()
        self.fields.show_errors({})
        self.duplicates.clear()

    def _back_to_form(self) -> None:
        self.duplicates.clear()
        self.focus_first()

    # --- saving --------------------------------------------------------------------------------------

    def save(self, force: bool = False) -> None:
        """Validate and save (new: after the duplicate check unless `force`)."""
        if self.busy:
            return
        data, local = self.fields.collect()
        if local:
            self._show_validation(local)
            return
        self._set_busy(True)
        store, actor = self.store, self.actor
        if self.editing_id is None:
            Op(
                self,
                lambda: work.register(store, actor, data, force),
                self._registered,
                self._failed,
                name="patients.register",
            ).run()
            return
        patient_id, version = self.editing_id, self.version or 0
        Op(
            self,
            lambda: work.update(store, actor, patient_id, data, version),
            self._updated,
            self._failed,
            name="patients.update",
        ).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.save_button.setEnabled(not busy)
        self.duplicates.save_button.setEnabled(not busy)

    def _registered(self, result: Any) -> None:
        self._set_busy(False)
        if isinstance(result, work.DuplicatesFound):
            self.banner.clear_message()
            self.fields.show_errors({})
            self.duplicates.show_candidates(result.candidates)
            return
        assert isinstance(result, RegistrationResult)
        patient = result.patient
        self.fields.clear()
        self._reset_messages()
        self.saved.emit(patient)

    def _updated(self, patient: PatientPublic) -> None:
        self._set_busy(False)
        self.editing_id, self.version, self.base = None, None, None
        self.fields.clear()
        self._reset_messages()
        self.saved.emit(patient)

    def _failed(self, error: HMISError) -> None:
        self._set_busy(False)
        self.duplicates.clear()
        if isinstance(error, ValidationError):
            self._show_validation(error.errors)
        elif isinstance(error, Conflict) and self.editing_id is not None:
            self._conflict(error)
        else:
            self.banner.error(str(error))

    def _show_validation(self, errors: dict[str, str]) -> None:
        rest = self.fields.show_errors(errors)
        count = len(errors)
        summary = self.tr("%n field(s) need attention; the messages are beside them.", "", count).replace(
            "(s)", "s" if count != 1 else ""
        )
        self.banner.error("\n".join([summary, *rest]))
        widget = self.fields.first_error_widget(errors)
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _conflict(self, error: Conflict) -> None:
        """Someone saved in between: fetch their version, name what they changed, keep what was typed."""
        self.banner.error(str(error))
        patient_id = self.editing_id
        assert patient_id is not None
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.open_patient(store, actor, patient_id),
            self._rebase,
            lambda e: self.banner.error(f"{error}\n{e}"),
            name="patients.rebase",
        ).run()

    def _rebase(self, bundle: work.PatientBundle) -> None:
        latest = bundle.patient
        if latest.id != self.editing_id:
            return
        if latest.status == "merged":
            self.banner.error(
                self.tr(
                    "This record was merged into another patient while you were editing. Your typing is "
                    "still here: copy what you need, then open the other patient and edit it there."
                )
            )
            return
        new_base = values_state(latest.to_update())
        changed = changed_fields(self.base or {}, new_base)
        self.base, self.version = new_base, latest.version
        names = ", ".join(self.tr(FIELD_LABELS[k]) for k in changed) or self.tr("no visible field")
        self.banner.error(
            self.tr(
                "Someone else saved this patient while you were editing (they changed: {fields}). Nothing of "
                "yours was saved, and what you typed is still here. Check those fields, then save again to "
                "replace their version with yours."
            ).format(fields=names)
        )

    # --- drafts and the lock ------------------------------------------------------------------------

    def draft(self) -> dict[str, Any] | None:
        """The form's full state, or None when nothing was typed in a new form."""
        if self.editing_id is None and self.fields.is_empty():
            return None
        return {
            "editing_id": str(self.editing_id) if self.editing_id else None,
            "version": self.version,
            "base": self.base,
            "display_name": self.display_name,
            "fields": self.fields.state(),
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Put back what `draft()` returned."""
        editing = data.get("editing_id")
        self.editing_id = uuid.UUID(editing) if editing else None
        self.version = data.get("version")
        self.base = data.get("base")
        self.display_name = str(data.get("display_name") or "")
        self._reset_messages()
        self.fields.set_state(dict(data.get("fields") or {}))
        self._update_title()

    def clear(self) -> None:
        """Drop everything typed and shown (the lock)."""
        self._set_busy(False)  # a save in flight has its result dropped while locked
        self.editing_id, self.version, self.base, self.display_name = None, None, None, ""
        self.fields.clear()
        self._reset_messages()
        self._update_title()
