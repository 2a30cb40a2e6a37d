"""The record page's History tab (managers and administrators): who did what to the patient, and when.

Rows come from the core's `history.patient_history` (audit events: ids and codes, no PHI); the tab puts
the action codes into words and names the staff member.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.services.history import HistoryEvent
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.pages.admin_users import role_label
from ui.patients import format as fmt
from ui.patients import work
from ui.table_model import RowsModel
from ui.widgets import MessageLabel

_Index = QModelIndex | QPersistentModelIndex
ACTIONS = {
    "patient.create": "Registered the patient",
    "patient.view": "Opened the record",
    "patient.update": "Changed details",
    "patient.archive": "Archived the patient",
    "patient.restore": "Restored the patient",
    "patient.merge": "Merged records",
    "patient.unmerge": "Undid a merge",
    "patient.history_view": "Looked at this history",
    "patient.export": "Exported the patient",
    "patient.import": "Imported the patient",
    "invoice.balance_view": "Looked at the balance",
    "invoice.create": "Started an invoice",
    "invoice.update": "Changed a draft invoice",
    "invoice.issue": "Issued an invoice",
    "invoice.void": "Voided an invoice",
    "invoice.credit": "Issued a credit note",
    "invoice.view": "Opened an invoice",
    "invoice.print": "Printed an invoice",
    "invoice.export": "Exported an invoice",
    "payment.take": "Took a payment",
    "payment.refund": "Refunded a payment",
    "document.create": "Attached a document",
    "document.view": "Viewed a document",
    "document.update": "Changed a document",
    "document.archive": "Archived a document",
    "document.restore": "Restored a document",
    "document.export": "Exported a document",
}
# The core's field codes in "patient.update" events (columns, not form keys).
CHANGED_FIELDS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "other_names": "Other names",
    "sex": "Sex",
    "birth_date": "Date of birth",
    "birth_date_estimated": "Date of birth is approximate",
    "phones": "Phones",
    "email": "Email",
    "address": "Address",
    "national_id": "National id",
    "insurance": "Insurance",
    "emergency_contact": "Emergency contact",
    "allergies": "Allergies",
    "alerts": "Alerts",
    "notes": "Notes",
    "title": "Title",
    "category": "Category",
}
DETAIL_LABELS = {
    "number": "number",
    "category": "category",
    "role": "role",
    "mime": "type",
    "method": "method",
}


class Columns(enum.IntEnum):
    """The history table's columns."""

    WHEN = 0
    WHAT = 1
    WHO = 2
    ROLE = 3
    DETAILS = 4


def action_text(action: str) -> str:
    """An audit action code in words."""
    return fmt.tr(ACTIONS.get(action, action))


def details_text(event: HistoryEvent) -> str:
    """'Given name, Phones' for an update; 'category: lab_result' … otherwise."""
    parts = []
    if event.fields:
        parts.append(", ".join(fmt.tr(CHANGED_FIELDS.get(f, f.replace("_", " "))) for f in event.fields))
    for key, value in event.detail:
        if key == "category":
            value = fmt.category_label(value)
        elif key == "role":
            value = fmt.tr({"kept": "kept record", "merged": "merged record"}.get(value, value))
        elif key == "mime":
            value = fmt.type_label(value)
        parts.append(f"{fmt.tr(DETAIL_LABELS.get(key, key))}: {value}")
    if event.outcome != "ok":
        parts.append(fmt.tr("outcome: {outcome}").format(outcome=event.outcome))
    return "; ".join(parts)


class HistoryModel(RowsModel[HistoryEvent]):
    """Audit events about one patient, newest first."""

    Columns = Columns

    def header(self, column: int) -> str:
        """A column's title."""
        return fmt.tr(("When", "What", "Who", "Role", "Details")[column])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text (the details also as a tooltip: they may be longer than the column)."""
        ev = self.row_of(index)
        if ev is None:
            return None
        col = Columns(index.column())
        if role == Qt.ItemDataRole.ToolTipRole and col is Columns.DETAILS:
            return details_text(ev) or None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col is Columns.WHEN:
            return fmt.when_text(ev.at)
        if col is Columns.WHAT:
            return action_text(ev.action)
        if col is Columns.WHO:
            return ev.user_name or fmt.tr("(system)")
        if col is Columns.ROLE:
            return fmt.tr(role_label(ev.user_role)) if ev.user_role else ""
        return details_text(ev)

    def actions(self) -> list[str]:
        """The action codes shown, in order (tests)."""
        return [r.action for r in self._rows]


class HistoryTab(QWidget):
    """The patient's audit history, loaded when the tab is shown."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.patient_id: uuid.UUID | None = None
        layout = QVBoxLayout(self)
        self.model = HistoryModel(self)
        self.table = QTableView()
        self.table.setObjectName("patientHistory")
        self.table.setAccessibleName(self.tr("The patient's history"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Columns.DETAILS, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)

    def load(self, patient_id: uuid.UUID) -> None:
        """Fetch the history (audited as a history view)."""
        self.patient_id = patient_id
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.patient_history(store, actor, patient_id),
            lambda rows: self._show(patient_id, rows),
            lambda e: self.message.error(str(e)),
            key=f"patient-history-{id(self)}",
            name="patients.history",
        ).run()

    def _show(self, patient_id: uuid.UUID, rows: list[HistoryEvent]) -> None:
        if patient_id == self.patient_id:
            self.model.set_rows(rows)
            self.message.clear_message()

    def clear(self) -> None:
        """Drop every row (the lock)."""
        self.patient_id = None
        self.model.set_rows([])
        self.message.clear_message()
