"""The phones editor of the patient form: several numbers, each with a label and its own inline message."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.services.patient_fields import MAX_PHONES, Phone
from ui.patients import format as fmt
from ui.patients.widgets import discard
from ui.widgets import MessageLabel

LABELS = ("mobile", "home", "work", "other")


class PhoneRow:
    """One number, its label and its message (widgets owned by the editor)."""

    def __init__(self, editor: PhonesEditor, position: int) -> None:
        self.number = QLineEdit()
        self.number.setObjectName(f"phone{position}")
        self.label = QComboBox()
        self.label.setEditable(True)
        self.label.setObjectName(f"phoneLabel{position}")
        for code in LABELS:
            self.label.addItem(fmt.phone_label(code), code)
        self.remove = QPushButton(editor.tr("Remove"))
        self.remove.setObjectName("linkButton")
        self.message = MessageLabel()
        self.renumber(editor, position)

    def renumber(self, editor: PhonesEditor, position: int) -> None:
        """Accessible names follow the row's place in the list."""
        self.number.setAccessibleName(editor.tr("Phone {n}").format(n=position + 1))
        self.label.setAccessibleName(editor.tr("Kind of phone {n}").format(n=position + 1))
        self.remove.setAccessibleName(editor.tr("Remove phone {n}").format(n=position + 1))
        self.number.setPlaceholderText(editor.example)

    def code(self) -> str:
        """The label's code ("mobile" …) or what was typed."""
        text = self.label.currentText().strip()
        index = self.label.findText(text)
        return str(self.label.itemData(index)) if index >= 0 else text

    def set_code(self, code: str) -> None:
        """Select a label by code, or type it."""
        index = self.label.findData(code)
        if index >= 0:
            self.label.setCurrentIndex(index)
        else:
            self.label.setEditText(code)

    def widgets(self) -> tuple[QWidget, ...]:
        """Every widget of the row."""
        return (self.number, self.label, self.remove, self.message)


class PhonesEditor(QWidget):
    """Up to MAX_PHONES numbers; `changed` fires on any edit."""

    changed = Signal()
    rows_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.example = ""
        self.rows: list[PhoneRow] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 1)
        outer.addLayout(self.grid)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add another phone"))
        self.add_button.setObjectName("linkButton")
        self.add_button.setAccessibleName(self.tr("Add another phone"))
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.message = MessageLabel()
        outer.addWidget(self.message)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        self.set_phones([])

    def set_example(self, example: str) -> None:
        """The placeholder: a sample number of the clinic's region."""
        self.example = self.tr("e.g. {example}").format(example=example) if example else ""
        for i, row in enumerate(self.rows):
            row.renumber(self, i)

    def add_row(self, focus: bool = False) -> PhoneRow | None:
        """Another empty number (up to MAX_PHONES)."""
        if len(self.rows) >= MAX_PHONES:
            return None
        row = PhoneRow(self, len(self.rows))
        self.rows.append(row)
        self._layout_rows()
        # A widget added to a shown layout appears only after a queued event: show it now, so focus
        # (Add another phone puts the cursor in the new number) and the Tab order work at once.
        row.number.show()
        row.label.show()
        row.number.textChanged.connect(self.changed)
        row.label.currentTextChanged.connect(self.changed)
        row.remove.clicked.connect(lambda _=False, r=row: self.remove_row(r))
        self._update_buttons()
        self.rows_changed.emit()
        if focus:
            row.number.setFocus()
        return row

    def remove_row(self, row: PhoneRow) -> None:
        """Take a number out (the last one is emptied instead)."""
        if len(self.rows) == 1:
            row.number.setText("")
            row.set_code("mobile")
            row.message.clear_message()
            return
        self.rows.remove(row)
        for w in row.widgets():
            self.grid.removeWidget(w)
            discard(w)
        self._layout_rows()
        self._update_buttons()
        self.rows_changed.emit()
        self.changed.emit()

    def _layout_rows(self) -> None:
        for i, row in enumerate(self.rows):
            self.grid.addWidget(row.number, 2 * i, 0)
            self.grid.addWidget(row.label, 2 * i, 1)
            self.grid.addWidget(row.remove, 2 * i, 2)
            self.grid.addWidget(row.message, 2 * i + 1, 0, 1, 3)
            row.renumber(self, i)

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(len(self.rows) < MAX_PHONES)
        for row in self.rows:
            row.remove.setVisible(len(self.rows) > 1)  # explicit: shown at once, like the row

    def phones(self) -> list[Phone]:
        """The numbers as typed (empty rows left out by the core)."""
        return [Phone(r.number.text(), r.code()) for r in self.rows]

    def state(self) -> list[dict[str, str]]:
        """JSON-able contents, for drafts."""
        return [{"number": r.number.text(), "label": r.code()} for r in self.rows]

    def set_phones(self, phones: list[dict[str, str]] | list[Phone] | tuple[Phone, ...]) -> None:
        """Replace every row (one empty row when there are none)."""
        for row in list(self.rows):
            for w in row.widgets():
                self.grid.removeWidget(w)
                discard(w)
        self.rows = []
        items = [p if isinstance(p, dict) else {"number": p.number, "label": p.label} for p in phones]
        for item in items[:MAX_PHONES] or [{"number": "", "label": "mobile"}]:
            added = self.add_row()
            assert added is not None
            added.number.setText(item.get("number", ""))
            added.set_code(item.get("label", "") or "mobile")
        self._update_buttons()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Messages for `phones`, `phones.N` and `phones.N.label` keys."""
        self.message.error(errors["phones"]) if "phones" in errors else self.message.clear_message()
        for i, row in enumerate(self.rows):
            text = errors.get(f"phones.{i}") or errors.get(f"phones.{i}.label") or ""
            row.message.error(text) if text else row.message.clear_message()

    def first_input(self) -> QWidget:
        """Where the cursor goes for a phone error."""
        return self.rows[0].number
