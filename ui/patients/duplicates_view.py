"""The duplicate warning shown before a registration is saved: candidates, scores, reasons; never a block."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hmis_desktop.services.duplicates import DuplicateCandidate
from ui.patients import format as fmt
from ui.patients.widgets import discard
from ui.widgets import heading, hint

REASONS = {
    "same national id": "same national id",
    "same name and date of birth": "same name and date of birth",
    "similar name and same date of birth": "similar name and same date of birth",
    "same name": "same name",
    "similar name": "similar name",
    "same date of birth": "same date of birth",
    "same phone number": "same phone number",
    "same email": "same email",
}


class DuplicateWarning(QFrame):
    """'This patient may already be registered': each candidate with an Open link; Save anyway / Back."""

    open_requested = Signal(object)
    save_anyway = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("duplicateWarning")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = heading(self.tr("This patient may already be registered"), level=2)
        layout.addWidget(self.title)
        layout.addWidget(
            hint(
                self.tr(
                    "Check these records first. If one is the same person, open it instead of registering "
                    "again; otherwise save the new patient anyway."
                )
            )
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(6)
        layout.addLayout(self.grid)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("Bac&k to the form"))
        self.save_button = QPushButton(self.tr("Save any&way"))
        self.save_button.setObjectName("saveAnyway")
        self.save_button.setProperty("primary", True)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.back)
        self.save_button.clicked.connect(self.save_anyway)
        self.open_buttons: list[QPushButton] = []
        self.candidates: tuple[DuplicateCandidate, ...] = ()
        self.hide()

    def show_candidates(self, candidates: tuple[DuplicateCandidate, ...]) -> None:
        """List the candidates and show the warning."""
        self.clear()
        self.candidates = candidates
        headers = (self.tr("Record no."), self.tr("Name"), self.tr("Born"), self.tr("Score"), self.tr("Why"))
        for col, text in enumerate(headers):
            label = QLabel(text)
            label.setObjectName("hint")
            self.grid.addWidget(label, 0, col)
        for row, c in enumerate(candidates, start=1):
            reasons = ", ".join(self.tr(REASONS.get(r, r)) for r in c.reasons)
            status = "" if c.status == "active" else f" ({fmt.status_label(c.status)})"
            cells = (
                c.mrn,
                fmt.name_or_placeholder(c.display_name) + status,
                fmt.date_text(c.birth_date),
                str(c.score),
                reasons,
            )
            for col, text in enumerate(cells):
                label = QLabel(text)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setWordWrap(col == 4)
                self.grid.addWidget(label, row, col)
            button = QPushButton(self.tr("Open this patient"))
            button.setObjectName("linkButton")
            button.setAccessibleName(self.tr("Open patient {mrn}").format(mrn=c.mrn))
            button.clicked.connect(lambda _=False, pid=c.patient_id: self._open(pid))
            self.grid.addWidget(button, row, len(cells))
            self.open_buttons.append(button)
        self.grid.setColumnStretch(4, 1)
        self.show()
        self.save_button.setFocus()

    def _open(self, patient_id: uuid.UUID) -> None:
        self.open_requested.emit(patient_id)

    def clear(self) -> None:
        """Remove every candidate and hide."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                discard(widget)
        self.open_buttons = []
        self.candidates = ()
        self.hide()
