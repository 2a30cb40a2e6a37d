"""Batch export of a period's invoices for managers (`invoice_print.export_invoices`): one PDF or a folder.

The dialog only collects the request; the page runs it as a long job. One PDF is a single atomic file, so it
cannot stop half-way (no Cancel). A folder is written a week of issue dates at a time, each file atomically,
so Cancel stops between weeks and leaves only complete files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.services import invoice_print
from hmis_desktop.store.store import Store
from ui.billing.jobs import JobProgress
from ui.billing.widgets import grow_to_fit
from ui.widgets import MessageLabel, hint

CHUNK_DAYS = 7


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where."""

    date_from: date
    date_to: date
    dest: Path
    mode: str  # one_pdf | folder


@dataclass(frozen=True)
class ExportSummary:
    """What the export wrote."""

    mode: str
    count: int
    paths: tuple[Path, ...]
    cancelled: bool


def chunks(start: date, end: date, days: int = CHUNK_DAYS) -> list[tuple[date, date]]:
    """The period cut into consecutive ranges of at most `days` days."""
    out = []
    at = start
    while at <= end:
        last = min(end, at + timedelta(days=days - 1))
        out.append((at, last))
        at = last + timedelta(days=1)
    return out


def run_export(store: Store, actor: Actor, req: ExportRequest, progress: JobProgress) -> ExportSummary:
    """Worker: export the period, reporting progress; a folder export stops between weeks when cancelled."""
    if req.mode == "one_pdf":
        progress.report(0, 1)
        with store.session() as s:
            result = invoice_print.export_invoices(
                s, actor=actor, date_from=req.date_from, date_to=req.date_to, dest=req.dest, mode="one_pdf"
            )
        progress.report(1, 1)
        return ExportSummary("one_pdf", result.count, result.paths, False)
    parts = (
        chunks(req.date_from, req.date_to) if req.date_to >= req.date_from else [(req.date_from, req.date_to)]
    )
    count, paths = 0, []
    for done, (start, end) in enumerate(parts):
        if progress.should_stop():
            return ExportSummary("folder", count, tuple(paths), True)
        with store.session() as s:
            result = invoice_print.export_invoices(
                s, actor=actor, date_from=start, date_to=end, dest=req.dest, mode="folder"
            )
        count += result.count
        paths.extend(result.paths)
        progress.report(done + 1, len(parts))
    return ExportSummary("folder", count, tuple(paths), False)


class ExportDialog(QDialog):
    """Period, one PDF or a folder, destination; emits `requested(ExportRequest)`."""

    requested = Signal(object)

    def __init__(self, start: date, end: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("Export invoices"))
        self.file_dialog: QFileDialog | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                self.tr(
                    "Every invoice and credit note issued in the period, voided ones marked VOID. "
                    "Files are named by invoice number."
                )
            )
        )
        form = QFormLayout()
        self.date_from, self.date_to = QDateEdit(), QDateEdit()
        for edit, d, name in ((self.date_from, start, self.tr("From")), (self.date_to, end, self.tr("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(d.year, d.month, d.day))
            edit.setAccessibleName(name)
        form.addRow(self.tr("&From"), self.date_from)
        form.addRow(self.tr("&To"), self.date_to)
        self.one_pdf = QRadioButton(self.tr("&One PDF for the whole period"))
        self.folder = QRadioButton(self.tr("One PDF per invoice, in a f&older"))
        group = QButtonGroup(self)
        group.addButton(self.one_pdf)
        group.addButton(self.folder)
        self.one_pdf.setChecked(True)
        form.addRow(self.tr("Export as"), self.one_pdf)
        form.addRow("", self.folder)
        dest_row = QHBoxLayout()
        self.dest = QLineEdit()
        self.dest.setObjectName("exportDest")
        self.dest.setAccessibleName(self.tr("Destination folder"))
        self.dest.setPlaceholderText(self.tr("the folder to write to"))
        self.browse = QPushButton(self.tr("&Browse…"))
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(self.browse)
        dest_label = QLabel(self.tr("&Destination"))
        dest_label.setBuddy(self.dest)
        form.addRow(dest_label, dest_row)
        layout.addLayout(form)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Export"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.browse.clicked.connect(self.choose_folder)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 48)

    def showEvent(self, event: QShowEvent) -> None:
        """Room for the wrapped texts."""
        super().showEvent(event)
        grow_to_fit(self)

    def choose_folder(self) -> None:
        """A non-native folder chooser."""
        dialog = QFileDialog(self, self.tr("Choose the destination folder"))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.dest.setText)
        self.file_dialog = dialog
        dialog.open()

    def request(self) -> ExportRequest:
        """The request the form describes."""
        return ExportRequest(
            self.date_from.date().toPython(),  # type: ignore[arg-type]
            self.date_to.date().toPython(),  # type: ignore[arg-type]
            Path(self.dest.text().strip()).expanduser(),
            "one_pdf" if self.one_pdf.isChecked() else "folder",
        )

    def submit(self) -> None:
        """Hand the request to the page (the core checks the period and the destination)."""
        if not self.dest.text().strip():
            self.message.error(self.tr("Choose the folder to write to."))
            grow_to_fit(self)
            return
        self.requested.emit(self.request())
        self.accept()


def describe(summary: ExportSummary, tr: Callable[[str], str]) -> str:
    """The outcome in words."""
    if summary.count == 0 and not summary.cancelled:
        return tr("No invoice was issued in that period; nothing was written.")
    where = summary.paths[0].parent if summary.mode == "folder" and summary.paths else None
    text = tr("{n} invoices were exported to {path}.").format(
        n=summary.count, path=where or (summary.paths[0] if summary.paths else "")
    )
    if summary.cancelled:
        text = tr("Stopped: ") + text + " " + tr("Every file written is complete.")
    return text
