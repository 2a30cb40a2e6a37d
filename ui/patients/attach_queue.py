"""Files being attached: one row per file with its progress and, for a refusal, the reason in words."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.patients.widgets import discard

QUEUED, WORKING, DONE, REFUSED = "queued", "working", "done", "refused"


class AttachSignals(QObject):
    """Emitted from the worker as a file's attach starts (queued to the GUI thread by Qt)."""

    started = Signal(object)


class AttachRow:
    """One file's row (widgets owned by the queue)."""

    def __init__(self, name: str) -> None:
        self.name = QLabel(name)
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(140)
        self.bar.setAccessibleName(name)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.state = QUEUED

    def widgets(self) -> tuple[QLabel, QProgressBar, QLabel]:
        return self.name, self.bar, self.status


class AttachQueue(QWidget):
    """Rows of files being attached; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachQueue")
        self.rows: list[AttachRow] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 0)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setColumnStretch(2, 1)
        outer.addLayout(self.grid)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.dismiss = QPushButton(self.tr("Clear this list"))
        self.dismiss.setObjectName("linkButton")
        buttons.addWidget(self.dismiss)
        outer.addLayout(buttons)
        self.dismiss.clicked.connect(self.clear_finished)
        self.hide()

    def add(self, name: str) -> AttachRow:
        """A new row for a file."""
        row = AttachRow(name)
        row.status.setText(self.tr("Waiting…"))
        position = len(self.rows)
        self.rows.append(row)
        for col, widget in enumerate(row.widgets()):
            self.grid.addWidget(widget, position, col)
        self.show()
        return row

    def working(self, row: AttachRow) -> None:
        """The file is being read and encrypted."""
        if row not in self.rows:
            return  # the list was cleared (the lock) while the file was on its way
        row.state = WORKING
        row.bar.setRange(0, 0)  # busy: the core reads the file in one call
        row.status.setText(self.tr("Attaching…"))

    def done(self, row: AttachRow) -> None:
        """The file is attached."""
        if row not in self.rows:
            return
        row.state = DONE
        row.bar.setRange(0, 1)
        row.bar.setValue(1)
        row.status.setText(self.tr("Attached"))

    def refused(self, row: AttachRow, reason: str) -> None:
        """The file was refused: say why."""
        if row not in self.rows:
            return
        row.state = REFUSED
        row.bar.setRange(0, 1)
        row.bar.setValue(0)
        row.status.setText(self.tr("Not attached: {reason}").format(reason=reason))
        row.status.setProperty("kind", "error")
        row.status.style().unpolish(row.status)
        row.status.style().polish(row.status)

    def states(self) -> list[tuple[str, str, str]]:
        """(file name, state, status text) of every row (tests, screen readers)."""
        return [(r.name.text(), r.state, r.status.text()) for r in self.rows]

    def busy(self) -> bool:
        """Whether a file is still waiting or being attached."""
        return any(r.state in (QUEUED, WORKING) for r in self.rows)

    def clear_finished(self) -> None:
        """Remove every row (while none is in progress)."""
        if not self.busy():
            self.clear()

    def clear(self) -> None:
        """Remove every row (the lock: file names may name the patient)."""
        for row in self.rows:
            for widget in row.widgets():
                self.grid.removeWidget(widget)
                discard(widget)
        self.rows = []
        self.hide()
