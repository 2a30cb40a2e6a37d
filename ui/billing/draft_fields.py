"""The draft editor's side panel: invoice discount, due date and notes (each with the core's message under
it) and the totals box. Holds text as typed; the editor turns it into the core's input."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.billing.totals_panel import TotalsPanel
from ui.widgets import MessageLabel

#: Core error keys shown in this panel, by field.
FIELD_KEYS = ("invoice_discount", "due_date", "notes")


def error_label() -> MessageLabel:
    """A field's message, shown under it."""
    label = MessageLabel()
    label.setObjectName("fieldError")
    return label


class DraftFields(QWidget):
    """Emits `discount_edited` (the totals change) and `touched` (anything else typed)."""

    discount_edited = Signal()
    touched = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        side = QVBoxLayout(self)
        side.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.discount = QLineEdit()
        self.discount.setObjectName("invoiceDiscount")
        self.discount.setAccessibleName(self.tr("Invoice discount (an amount)"))
        self.discount.setPlaceholderText("0")
        self.discount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.discount_error = error_label()
        form.addRow(self.tr("Invoice &discount (amount)"), self.discount)
        form.addRow(self.discount_error)
        due_row = QHBoxLayout()
        self.due_set = QCheckBox(self.tr("D&ue on"))
        self.due_set.setToolTip(self.tr("Leave unticked to use the clinic's usual terms from the issue date"))
        self.due_date = QDateEdit()
        self.due_date.setObjectName("dueDate")
        self.due_date.setAccessibleName(self.tr("Due date"))
        self.due_date.setCalendarPopup(True)
        self.due_date.setDisplayFormat("yyyy-MM-dd")
        self.due_date.setEnabled(False)
        due_row.addWidget(self.due_set)
        due_row.addWidget(self.due_date, 1)
        self.due_error = error_label()
        form.addRow(self.tr("Due date"), due_row)
        form.addRow(self.due_error)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("invoiceNotes")
        self.notes.setAccessibleName(self.tr("Notes printed on the invoice"))
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.notes.fontMetrics().lineSpacing() * 5)
        self.notes_error = error_label()
        form.addRow(self.tr("&Notes (printed)"), self.notes)
        form.addRow(self.notes_error)
        side.addLayout(form)
        self.totals = TotalsPanel()
        side.addWidget(self.totals)
        side.addStretch(1)
        self.errors = {
            "invoice_discount": self.discount_error,
            "due_date": self.due_error,
            "notes": self.notes_error,
        }
        self.discount.textEdited.connect(self._discount_edited)
        self.notes.textChanged.connect(self._notes_changed)
        self.due_set.toggled.connect(self._due_toggled)
        self.due_date.dateChanged.connect(lambda _d: self.touched.emit())
        self.setTabOrder(self.discount, self.due_set)
        self.setTabOrder(self.due_set, self.due_date)
        self.setTabOrder(self.due_date, self.notes)

    def _discount_edited(self, _text: str) -> None:
        self.discount_error.clear_message()
        self.discount_edited.emit()

    def _notes_changed(self) -> None:
        self.notes_error.clear_message()
        self.touched.emit()

    def _due_toggled(self, on: bool) -> None:
        self.due_date.setEnabled(on)
        self.due_error.clear_message()
        self.touched.emit()

    def due(self) -> date | None:
        """The due date, if one is set."""
        if not self.due_set.isChecked():
            return None
        value = self.due_date.date().toPython()
        assert isinstance(value, date)
        return value

    def set_values(self, discount: str, notes: str, due: date | None, today: date) -> None:
        """Fill the fields without reporting them as typed."""
        self.discount.setText(discount)
        self.notes.blockSignals(True)
        self.notes.setPlainText(notes)
        self.notes.blockSignals(False)
        self.due_date.blockSignals(True)
        self.due_set.blockSignals(True)
        self.due_set.setChecked(due is not None)
        self.due_date.setEnabled(due is not None)
        d = due or today
        self.due_date.setDate(QDate(d.year, d.month, d.day))
        self.due_set.blockSignals(False)
        self.due_date.blockSignals(False)

    def show_errors(self, errors: dict[str, str]) -> None:
        """The core's messages under their fields (others cleared)."""
        for key, label in self.errors.items():
            if key in errors:
                label.error(errors[key])
            else:
                label.clear_message()

    def clear_errors(self) -> None:
        """Hide every field message."""
        self.show_errors({})
