"""Patients: search, register and edit, the patient record (details, invoices, documents, history), merge.

The page stacks three views (search, form, record) built from `ui/patients/`. Ctrl+F focuses the search
box, Ctrl+N opens the registration form. At the lock, `collect_draft()` keeps which view was up, the query,
the open record and the form's full state; `clear_sensitive()` empties every widget and model.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm, allowed
from hmis_desktop.services.patients import PatientPublic
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.pages.base import Page
from ui.patients import work
from ui.patients.record import PatientRecordView
from ui.patients.register_view import RegistrationView
from ui.patients.search_view import SearchPanel
from ui.widgets import heading

SEARCH, FORM, RECORD = "search", "form", "record"


class PatientsPage(Page):
    """Find, register and open patients."""

    title = "Patients"
    required_perm = Perm.PATIENT_VIEW
    form_key = "patients"
    actions = frozenset({"search", "new_patient"})

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        self.formats: work.ClinicFormats | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 12)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        # The search view.
        self.search_view = QWidget()
        search_layout = QVBoxLayout(self.search_view)
        search_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(heading(self.display_title()), 1)
        self.new_button = QPushButton(self.tr("&New patient"))
        self.new_button.setObjectName("newPatient")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip(self.tr("Register a new patient (Ctrl+N)"))
        self.new_button.setVisible(allowed(actor.role, Perm.PATIENT_CREATE))
        top.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignVCenter)
        search_layout.addLayout(top)
        self.search = SearchPanel(store, actor)
        search_layout.addWidget(self.search, 1)
        self.registration = RegistrationView(store, actor)
        self.record = PatientRecordView(store, actor)
        for view in (self.search_view, self.registration, self.record):
            self.stack.addWidget(view)
        self.new_button.clicked.connect(lambda: self.trigger("new_patient"))
        self.search.patient_opened.connect(self.open_patient)
        self.registration.saved.connect(self._saved)
        self.registration.closed.connect(self._form_closed)
        self.registration.open_requested.connect(self.open_patient)
        self.record.edit_requested.connect(self.edit_patient)
        self.record.back_requested.connect(self.show_search)
        self.record.changed.connect(self.search.refresh)
        self._load_formats()

    def _load_formats(self) -> None:
        store = self.store
        Op(
            self,
            lambda: work.clinic_formats(store),
            self._formats_loaded,
            lambda _e: None,
            name="patients.formats",
        ).run()

    def _formats_loaded(self, formats: work.ClinicFormats) -> None:
        self.formats = formats
        self.search.set_region(formats.region)
        self.registration.set_formats(formats)
        self.record.set_formats(formats)

    # --- views -------------------------------------------------------------------------------------

    def view(self) -> str:
        """Which view is up: "search", "form" or "record"."""
        current = self.stack.currentWidget()
        return FORM if current is self.registration else RECORD if current is self.record else SEARCH

    def show_search(self) -> None:
        """Back to the search, cursor in the box."""
        self.stack.setCurrentWidget(self.search_view)
        self.search.refresh()
        self.search.focus_box()

    def open_patient(self, patient_id: uuid.UUID) -> None:
        """Show a patient's record."""
        self.record.load(patient_id)
        self.stack.setCurrentWidget(self.record)
        self.record.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def edit_patient(self, patient: PatientPublic) -> None:
        """The edit form for a patient."""
        self.registration.start_edit(patient)
        self.stack.setCurrentWidget(self.registration)

    def new_patient(self) -> None:
        """The registration form (what was typed and not saved is still there)."""
        form = self.registration
        if form.editing_id is not None:
            form.banner.info(self.tr("Save or cancel these changes before registering a new patient."))
        elif form.fields.is_empty():
            form.start_new()
        self.stack.setCurrentWidget(form)
        form.focus_first()

    def _saved(self, patient: PatientPublic) -> None:
        self.search.refresh()
        self.open_patient(patient.id)
        self.record.message.success(self.tr("Saved."))

    def _form_closed(self) -> None:
        editing = self.registration.editing_id
        self.registration.clear()
        if editing is not None and self.record.patient_id == editing:
            self.stack.setCurrentWidget(self.record)
        else:
            self.show_search()

    # --- Page interface ----------------------------------------------------------------------------

    def on_shown(self) -> None:
        """Refresh what may have changed elsewhere."""
        if self.formats is None:
            self._load_formats()
        if self.view() == SEARCH:
            self.search.refresh()
            self.search.focus_box()
        elif self.view() == RECORD:
            self.record.reload()

    def trigger(self, action: str) -> None:
        """Ctrl+F: the search box; Ctrl+N: the registration form."""
        if action == "search":
            self.stack.setCurrentWidget(self.search_view)
            self.search.focus_box()
        elif action == "new_patient":
            self.new_patient()
        else:
            raise NotImplementedError(action)

    def collect_draft(self) -> dict[str, Any] | None:
        """The view, the query, the open record and the form's full state (None when there is nothing)."""
        form = self.registration.draft()
        query = self.search.box.text()
        record = self.record.patient_id
        view = self.view()
        if form is None and not query and record is None and view == SEARCH:
            return None
        return {
            "view": view,
            "query": query,
            "record_id": str(record) if record else None,
            "form": form,
        }

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Put back what `collect_draft()` returned."""
        form = data.get("form")
        if form:
            self.registration.restore(form)
        query = str(data.get("query") or "")
        if query:
            self.search.set_query(query)
        record = data.get("record_id")
        if record:
            self.record.load(uuid.UUID(record))
        view = data.get("view")
        if view == FORM and form:
            self.stack.setCurrentWidget(self.registration)
        elif view == RECORD and record:
            self.stack.setCurrentWidget(self.record)
        else:
            self.stack.setCurrentWidget(self.search_view)

    def clear_sensitive(self) -> None:
        """Drop every patient detail and everything typed."""
        self.search.clear()
        self.registration.clear()
        self.record.clear()
        self.stack.setCurrentWidget(self.search_view)
