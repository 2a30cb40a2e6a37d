"""Pick a patient for an invoice or a list filter: the one search box of `patient_search.search_patients`."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.services.patient_search import PatientSummary, SearchPage
from hmis_desktop.store.store import Store
from ui.billing.money import fmt_date
from ui.billing.table_model import RecordModel
from ui.billing.widgets import table_view
from ui.billing.work import find_patients
from ui.ops import Op
from ui.widgets import MessageLabel, hint

SEARCH_DELAY_MS = 250


@dataclass(frozen=True)
class PatientChoice:
    """The patient an invoice is for (plain values; the name stays in memory only)."""

    id: uuid.UUID
    name: str
    mrn: str


class PatientResults(RecordModel[PatientSummary]):
    """Search results."""

    class Columns(enum.IntEnum):
        NAME = 0
        MRN = 1
        BIRTH_DATE = 2
        PHONE = 3

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.NAME: self.tr("Name"),
            C.MRN: self.tr("Record no."),
            C.BIRTH_DATE: self.tr("Born"),
            C.PHONE: self.tr("Phone"),
        }

    def cell(self, row: PatientSummary, column: int) -> str:
        """A result's text."""
        C = self.Columns
        if column == C.NAME:
            return row.display_name
        if column == C.MRN:
            return row.mrn
        if column == C.BIRTH_DATE:
            born = fmt_date(row.birth_date)
            return f"~{born}" if row.birth_date_estimated and row.birth_date else born
        return row.phone


class PatientPicker(QDialog):
    """Type a name, birth date, phone or record number; Enter on a result chooses it."""

    chosen = Signal(object)

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None, *, title: str = "") -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setObjectName("patientPicker")
        self.setWindowTitle(title or self.tr("Choose the patient"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.addWidget(hint(self.tr("Search by name, birth date, phone or record number.")))
        self.search = QLineEdit()
        self.search.setObjectName("pickerSearch")
        self.search.setAccessibleName(self.tr("Search patients"))
        self.search.setPlaceholderText(self.tr("e.g. amina otieno, 1980-05-17, 0712…"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.model = PatientResults(self)
        self.table = table_view(self.model, self.tr("Matching patients"), stretch=PatientResults.Columns.NAME)
        layout.addWidget(self.table, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Choose"))
        self.ok.setEnabled(False)
        layout.addWidget(self.buttons)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self._enter_in_search)
        self.search.installEventFilter(self)
        self.table.activated.connect(lambda _i: self.choose())
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.ok.setEnabled(self.selected() is not None)
        )
        self.buttons.accepted.connect(self.choose)
        self.buttons.rejected.connect(self.reject)
        self.resize(640, 460)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down from the search box goes to the results."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.model.rowCount()
        ):
            self.table.setFocus()
            self.table.selectRow(0)
            return True
        return False

    def _enter_in_search(self) -> None:
        if self.model.rowCount() == 1:
            self.table.selectRow(0)
            self.choose()
        else:
            self.search_now()

    def search_now(self) -> None:
        """Search for what is typed, off the GUI thread (a newer search supersedes an older one)."""
        self.timer.stop()
        text = self.search.text().strip()
        if not text:
            self.model.clear()
            self.message.clear_message()
            return
        store, actor = self.store, self.actor
        Op(
            self, lambda: find_patients(store, actor, text), self._show, self._failed, key="billing.picker"
        ).run()

    def _show(self, page: SearchPage) -> None:
        self.model.set_rows(page.rows)
        if page.rows:
            self.table.selectRow(0)
        if page.hint:
            self.message.info(page.hint)
        elif not page.rows:
            self.message.info(self.tr("No patient matches. Check the spelling or search by birth date."))
        else:
            self.message.clear_message()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def selected(self) -> PatientSummary | None:
        """The highlighted result."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def choose(self) -> None:
        """Emit the highlighted patient and close."""
        row = self.selected()
        if row is None:
            return
        self.chosen.emit(PatientChoice(row.id, row.display_name, row.mrn))
        self.accept()
