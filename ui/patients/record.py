"""The patient record page: a header (name, record number, age and sex, allergies and alerts), the actions
the role allows (edit, merge, archive or restore), and tabs: Details, Invoices, Documents, History."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.permissions import Perm, allowed
from hmis_desktop.services.merge import MergeResult
from hmis_desktop.services.patients import PatientPublic
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.patients import format as fmt
from ui.patients import work
from ui.patients.details import DetailsView
from ui.patients.documents_tab import DocumentsTab
from ui.patients.history_tab import HistoryTab
from ui.patients.invoices_tab import InvoicesTab
from ui.patients.merge_dialog import MergeDialog
from ui.widgets import MessageLabel, heading


class PatientRecordView(QWidget):
    """One patient; `edit_requested` carries the PatientPublic, `changed` says searches are stale."""

    edit_requested = Signal(object)
    back_requested = Signal()
    changed = Signal()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.patient: PatientPublic | None = None
        self.patient_id: uuid.UUID | None = None
        self.formats: work.ClinicFormats | None = None
        role = actor.role
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        names = QVBoxLayout()
        self.name = heading("")
        self.name.setObjectName("heading")
        self.info = QLabel()
        self.info.setObjectName("hint")
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        names.addWidget(self.name)
        names.addWidget(self.info)
        top.addLayout(names, 1)
        self.back_button = QPushButton(self.tr("← &Search"))
        self.back_button.setToolTip(self.tr("Back to the search (Esc)"))
        self.edit_button = QPushButton(self.tr("&Edit"))
        self.merge_button = QPushButton(self.tr("&Merge…"))
        self.archive_button = QPushButton(self.tr("Archi&ve patient"))
        for b in (self.back_button, self.edit_button, self.merge_button, self.archive_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        self.edit_button.setVisible(allowed(role, Perm.PATIENT_EDIT))
        self.merge_button.setVisible(allowed(role, Perm.PATIENT_MERGE))
        self.archive_button.setVisible(allowed(role, Perm.PATIENT_ARCHIVE))
        layout.addLayout(top)
        self.alerts = MessageLabel()
        self.alerts.setObjectName("patientAlerts")
        layout.addWidget(self.alerts)
        self.notice = MessageLabel()
        self.notice.setObjectName("recordNotice")
        layout.addWidget(self.notice)
        notice_row = QHBoxLayout()
        self.open_kept = QPushButton(self.tr("Open the record it was merged into"))
        self.open_kept.setObjectName("linkButton")
        self.open_kept.hide()
        notice_row.addWidget(self.open_kept)
        notice_row.addStretch(1)
        layout.addLayout(notice_row)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("recordTabs")
        self.details = DetailsView()
        self.details.edit_button.setVisible(allowed(role, Perm.PATIENT_EDIT))
        self.tabs.addTab(self.details, self.tr("&Details"))
        self.invoices: InvoicesTab | None = None
        if allowed(role, Perm.INVOICE_VIEW):
            self.invoices = InvoicesTab(store, actor)
            self.tabs.addTab(self.invoices, self.tr("&Invoices"))
        self.documents: DocumentsTab | None = None
        if allowed(role, Perm.DOCUMENT_VIEW):
            self.documents = DocumentsTab(store, actor)
            self.tabs.addTab(self.documents, self.tr("D&ocuments"))
        self.history: HistoryTab | None = None
        if allowed(role, Perm.PATIENT_HISTORY):
            self.history = HistoryTab(store, actor)
            self.tabs.addTab(self.history, self.tr("&History"))
        layout.addWidget(self.tabs, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.back_button.clicked.connect(self.back_requested)
        self.edit_button.clicked.connect(self._edit)
        self.details.edit_requested.connect(self._edit)
        self.merge_button.clicked.connect(self.open_merge)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.open_kept.clicked.connect(self._open_kept)
        self.tabs.currentChanged.connect(self._tab_changed)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back_requested)

    def set_formats(self, formats: work.ClinicFormats) -> None:
        """Clinic locale, region and currency."""
        self.formats = formats
        self.details.region = formats.region
        if self.invoices is not None:
            self.invoices.set_formats(formats)

    # --- loading -----------------------------------------------------------------------------------

    def load(self, patient_id: uuid.UUID) -> None:
        """Open a patient (an audited view) off the GUI thread."""
        if patient_id != self.patient_id:
            self.clear()
        self.patient_id = patient_id
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.open_patient(store, actor, patient_id),
            self.show_bundle,
            self._failed,
            key=f"patient-record-{id(self)}",
            name="patients.open",
        ).run()

    def reload(self) -> None:
        """Open the same patient again (after a change)."""
        if self.patient_id is not None:
            self.load(self.patient_id)

    def show_bundle(self, bundle: work.PatientBundle) -> None:
        """Show a loaded patient in the header and every tab."""
        p = bundle.patient
        if p.id != self.patient_id:
            return
        self.patient = p
        self.name.setText(fmt.name_or_placeholder(p.display_name))
        self.name.setAccessibleName(self.name.text())
        parts = [p.mrn, fmt.age_text(p.age, p.birth_date_estimated), fmt.sex_label(p.sex)]
        if p.status != "active":
            parts.append(fmt.status_label(p.status).upper())
        self.info.setText(" · ".join(x for x in parts if x))
        warnings = []
        if p.allergies:
            warnings.append(self.tr("Allergies: {text}").format(text=p.allergies))
        if p.alerts:
            warnings.append(self.tr("Alerts: {text}").format(text=p.alerts))
        self.alerts.error("\n".join(warnings)) if warnings else self.alerts.clear_message()
        self.open_kept.setVisible(p.status == "merged" and p.merged_into_id is not None)
        if p.status == "merged":
            self.notice.info(
                self.tr("This record was merged into another patient; it is kept for reference.")
            )
        elif p.status == "archived":
            self.notice.info(self.tr("This patient is archived: searches do not find them until restored."))
        else:
            self.notice.clear_message()
        active = p.status == "active"
        self.edit_button.setEnabled(p.status != "merged")
        self.details.edit_button.setEnabled(p.status != "merged")
        self.merge_button.setEnabled(active)
        self.archive_button.setEnabled(p.status != "merged")
        self.archive_button.setText(
            self.tr("Restore &patient") if p.status == "archived" else self.tr("Archi&ve patient")
        )
        self.details.show_patient(p)
        if self.invoices is not None:
            self.invoices.load(p.id, bundle.balance)
        if self.documents is not None:
            self.documents.load(p.id)
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, _index: int) -> None:
        # The history is itself an audited view: fetched only when its tab is opened.
        if self.history is not None and self.tabs.currentWidget() is self.history and self.patient_id:
            self.history.load(self.patient_id)

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    # --- actions -----------------------------------------------------------------------------------

    def _edit(self) -> None:
        if self.patient is not None and self.edit_button.isVisible():
            self.edit_requested.emit(self.patient)

    def _open_kept(self) -> None:
        if self.patient is not None and self.patient.merged_into_id is not None:
            self.load(self.patient.merged_into_id)

    def toggle_archived(self) -> None:
        """Archive the patient, or restore them when archived."""
        p = self.patient
        if p is None:
            return
        store, actor, archive = self.store, self.actor, p.status == "active"
        Op(
            self,
            lambda: work.set_archived(store, actor, p.id, archive),
            lambda _p: self._status_changed(archive),
            self._failed,
            name="patients.archive",
        ).run()

    def _status_changed(self, archived: bool) -> None:
        self.reload()
        self.changed.emit()
        self.message.success(self.tr("Archived.") if archived else self.tr("Restored."))

    def open_merge(self) -> MergeDialog | None:
        """The merge dialog for this patient (made per use)."""
        if self.patient is None or not self.merge_button.isVisible():
            return None
        region = self.formats.region if self.formats else ""
        dialog = MergeDialog(self.store, self.actor, self.patient, region=region, parent=self)
        dialog.merged.connect(self._merged)
        dialog.open()
        return dialog

    def _merged(self, result: MergeResult) -> None:
        self.changed.emit()
        self.load(result.kept_id)
        self.message.success(self.tr("The records were merged."))

    # --- the lock ----------------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop every patient detail from the header and the tabs."""
        self.patient = None
        self.patient_id = None
        self.name.clear()
        self.name.setAccessibleName("")
        self.info.clear()
        self.alerts.clear_message()
        self.notice.clear_message()
        self.message.clear_message()
        self.open_kept.hide()
        self.details.clear()
        for tab in (self.invoices, self.documents, self.history):
            if tab is not None:
                tab.clear()
