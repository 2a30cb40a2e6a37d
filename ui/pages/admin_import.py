"""Admin → Import: patients from a CSV file (`hmis_desktop.services.patient_io`).

Choose the file; the columns are matched to fields by their headers (editable); the dry run lists every
row's problems and likely duplicates; Import writes all rows or none, as a long job. The plan holds patient
data, so the lock drops it; the file and the column choices come back after unlock and the check re-runs.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.services import patient_io
from hmis_desktop.services.patient_io import FIELDS, ImportDuplicate, ImportPlan, ImportResult, RowError
from hmis_desktop.store.store import Store
from ui.billing.jobs import JobProgress, ProgressStrip
from ui.billing.table_model import RecordModel
from ui.billing.widgets import table_view
from ui.ops import LOCKED_PROPERTY
from ui.widgets import MessageLabel, hint

FIELD_LABELS = {
    "mrn": "Record number (MRN)",
    "given_name": "Given name",
    "family_name": "Family name",
    "other_names": "Other names",
    "sex": "Sex",
    "birth_date": "Date of birth",
    "birth_date_estimated": "Birth date estimated",
    "estimated_age": "Estimated age",
    "phone": "Phone",
    "other_phone": "Other phone",
    "email": "Email",
    "address": "Address",
    "national_id": "National id",
    "insurance_payer": "Insurance payer",
    "insurance_member_number": "Insurance member number",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency contact phone",
    "emergency_contact_relation": "Emergency contact relation",
    "allergies": "Allergies",
    "alerts": "Alerts",
    "notes": "Notes",
}


class FileNotRead(HMISError):
    """The CSV file cannot be read."""


def plan_file(
    store: Store, actor: Actor, path: Path, mapping: dict[str, str] | None, _p: JobProgress
) -> ImportPlan:
    """Worker: the dry run (writes nothing but its audit-free checks)."""
    try:
        with store.session() as s:
            return patient_io.plan_import(s, actor=actor, source=path, mapping=mapping)
    except OSError as exc:
        raise FileNotRead(f"The file cannot be read ({exc.strerror}). Choose it again.") from None


def import_plan(store: Store, actor: Actor, plan: ImportPlan, skip: bool, _p: JobProgress) -> ImportResult:
    """Worker: write every row of the plan in one transaction (or none)."""
    with store.session() as s:
        return patient_io.run_import(s, actor=actor, plan=plan, skip_duplicates=skip)


def _locked(widget: QObject | None) -> bool:
    while widget is not None:
        if widget.property(LOCKED_PROPERTY):
            return True
        widget = widget.parent()
    return False


class RowErrorsModel(RecordModel[RowError]):
    """One problem per row: row number, the file's column, what to fix."""

    class Columns(enum.IntEnum):
        ROW = 0
        COLUMN = 1
        PROBLEM = 2

    numeric = frozenset({Columns.ROW})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {C.ROW: self.tr("Row"), C.COLUMN: self.tr("Column"), C.PROBLEM: self.tr("What to fix")}

    def cell(self, row: RowError, column: int) -> str:
        """A problem's text."""
        C = self.Columns
        if column == C.ROW:
            return str(row.row)
        if column == C.COLUMN:
            return row.column or self.tr(FIELD_LABELS.get(row.field.split(".")[0], row.field))
        return row.message


class DuplicatesModel(RecordModel[ImportDuplicate]):
    """Rows that may be patients already in the store or earlier rows of the file."""

    class Columns(enum.IntEnum):
        ROW = 0
        MAY_BE = 1
        WHY = 2
        SCORE = 3

    numeric = frozenset({Columns.ROW, Columns.SCORE})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.ROW: self.tr("Row"),
            C.MAY_BE: self.tr("May be"),
            C.WHY: self.tr("Why"),
            C.SCORE: self.tr("Score"),
        }

    def cell(self, row: ImportDuplicate, column: int) -> str:
        """A likely duplicate's text."""
        C = self.Columns
        if column == C.ROW:
            return str(row.row)
        if column == C.MAY_BE:
            if row.other_row:
                return self.tr("row {n} of this file").format(n=row.other_row)
            return self.tr("patient {mrn}").format(mrn=row.mrn)
        if column == C.WHY:
            return ", ".join(row.reasons)
        return str(row.score)


class ImportTab(QWidget):
    """File, column mapping, dry-run report, Import."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.path: Path | None = None
        self.plan: ImportPlan | None = None
        self.headers: list[str] = []
        self.combos: dict[str, QComboBox] = {}
        self.file_dialog: QFileDialog | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.choose_button = QPushButton(self.tr("&Choose a CSV file…"))
        self.file_label = QLabel(self.tr("No file chosen."))
        self.file_label.setObjectName("hint")
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        layout.addLayout(row)
        layout.addWidget(
            hint(
                self.tr(
                    "The first row must name the columns. Each column is matched to a field by its name; "
                    "change the match below if it is wrong. Nothing is written until Import, and then "
                    "every row is imported or none."
                )
            )
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        self.mapping_box = QGroupBox(self.tr("Columns"))
        box_layout = QVBoxLayout(self.mapping_box)
        self.mapping_area = QScrollArea()
        self.mapping_area.setWidgetResizable(True)
        self.mapping_widget = QWidget()
        self.mapping_grid = QGridLayout(self.mapping_widget)
        self.mapping_area.setWidget(self.mapping_widget)
        box_layout.addWidget(self.mapping_area, 1)
        self.recheck_button = QPushButton(self.tr("Check &again with these columns"))
        box_layout.addWidget(self.recheck_button)
        split.addWidget(self.mapping_box)
        report = QWidget()
        report_layout = QVBoxLayout(report)
        report_layout.setContentsMargins(0, 0, 0, 0)
        self.summary = MessageLabel()
        self.summary.setObjectName("importSummary")
        report_layout.addWidget(self.summary)
        self.errors = RowErrorsModel(self)
        self.errors_table = table_view(
            self.errors, self.tr("Problems by row"), stretch=RowErrorsModel.Columns.PROBLEM
        )
        self.errors_table.setObjectName("importErrors")
        self.duplicates = DuplicatesModel(self)
        self.duplicates_table = table_view(
            self.duplicates, self.tr("Possible duplicates"), stretch=DuplicatesModel.Columns.WHY
        )
        report_layout.addWidget(QLabel(self.tr("Problems (fix them in the file, then check again)")))
        report_layout.addWidget(self.errors_table, 2)
        report_layout.addWidget(QLabel(self.tr("Possible duplicates (imported unless skipped)")))
        report_layout.addWidget(self.duplicates_table, 1)
        split.addWidget(report)
        split.setStretchFactor(1, 2)
        self.mapping_box.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 30)
        split.setSizes([420, 800])
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.skip_duplicates = QCheckBox(self.tr("&Skip the possible duplicates"))
        self.import_button = QPushButton(self.tr("&Import"))
        self.import_button.setObjectName("importButton")
        self.import_button.setProperty("primary", True)
        row.addWidget(self.skip_duplicates)
        row.addStretch(1)
        row.addWidget(self.import_button)
        layout.addLayout(row)
        self.strip = ProgressStrip()
        layout.addWidget(self.strip)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.choose_button.clicked.connect(self.choose_file)
        self.recheck_button.clicked.connect(lambda: self.check(self.mapping()))
        self.import_button.clicked.connect(self.run_import)
        self._update_buttons()

    # --- file and mapping ------------------------------------------------------------------------

    def choose_file(self) -> None:
        """A non-native chooser for CSV files."""
        dialog = QFileDialog(self, self.tr("Choose the CSV file to import"))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([self.tr("CSV files (*.csv *.txt)"), self.tr("All files (*)")])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda p: self.set_file(Path(p)))
        self.file_dialog = dialog
        dialog.open()

    def set_file(self, path: Path, mapping: dict[str, str] | None = None) -> None:
        """Check a file (columns guessed from its headers unless `mapping` is given)."""
        self.path = path
        self.file_label.setText(str(path))
        self.headers = []
        self.check(mapping)

    def _build_mapping(self, headers: list[str], mapping: dict[str, str]) -> None:
        while self.mapping_grid.count():
            item = self.mapping_grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.combos = {}
        by_column = {column: field for field, column in mapping.items()}
        self.mapping_grid.addWidget(QLabel(self.tr("Column in the file")), 0, 0)
        self.mapping_grid.addWidget(QLabel(self.tr("Field")), 0, 1)
        for i, header in enumerate(headers, start=1):
            label = QLabel(header or self.tr("(no name)"))
            combo = QComboBox()
            combo.setAccessibleName(self.tr("Field for column {c}").format(c=header))
            combo.addItem(self.tr("— not imported —"), "")
            for field in FIELDS:
                combo.addItem(self.tr(FIELD_LABELS.get(field, field)), field)
            combo.setCurrentIndex(max(0, combo.findData(by_column.get(header, ""))))
            label.setBuddy(combo)
            self.mapping_grid.addWidget(label, i, 0)
            self.mapping_grid.addWidget(combo, i, 1)
            self.combos[header] = combo
        self.mapping_grid.setRowStretch(len(headers) + 1, 1)

    def mapping(self) -> dict[str, str]:
        """{field: column} as chosen (the first column wins when a field is chosen twice)."""
        out: dict[str, str] = {}
        for header, combo in self.combos.items():
            field = str(combo.currentData() or "")
            if field and field not in out:
                out[field] = header
        return out

    def set_field(self, header: str, field: str) -> None:
        """Match a column to a field ("" for none)."""
        combo = self.combos[header]
        combo.setCurrentIndex(max(0, combo.findData(field)))

    # --- dry run and import ----------------------------------------------------------------------

    def check(self, mapping: dict[str, str] | None) -> None:
        """The dry run, as a long job."""
        if self.path is None or self.strip.running:
            return
        store, actor, path = self.store, self.actor, self.path
        self.plan = None
        self.message.clear_message()
        self._update_buttons()
        self.strip.run(
            self.tr("Checking the file…"),
            lambda progress: plan_file(store, actor, path, mapping, progress),
            self._planned,
            self._plan_failed,
            cancellable=False,
            name="admin.import.plan",
        )

    def _planned(self, plan: ImportPlan) -> None:
        if _locked(self):
            return  # the plan holds patient data: dropped; the unlock's restore() checks the file again
        self.plan = plan
        if list(plan.headers) != self.headers:
            self.headers = list(plan.headers)
            self._build_mapping(self.headers, plan.mapping)
        self.errors.set_rows(plan.errors)
        self.duplicates.set_rows(plan.duplicates)
        bad_rows = len({e.row for e in plan.errors})
        text = self.tr(
            "{total} rows read: {ok} ready to import, {bad} with problems, {dup} possible duplicates."
        ).format(total=plan.total_rows, ok=plan.valid_rows, bad=bad_rows, dup=len(plan.duplicates))
        if plan.ok:
            self.summary.success(text)
        else:
            self.summary.error(text + " " + self.tr("Nothing can be imported until every row is fixed."))
        self._update_buttons()

    def _plan_failed(self, error: HMISError) -> None:
        self.errors.clear()
        self.duplicates.clear()
        errors = error.errors if isinstance(error, ValidationError) else {}
        self.summary.error("\n".join(errors.values()) if errors else str(error))
        self._update_buttons()

    def _update_buttons(self) -> None:
        plan = self.plan
        ok = plan is not None and plan.ok and plan.valid_rows > 0
        self.import_button.setEnabled(ok and not self.strip.running)
        self.import_button.setText(
            self.tr("&Import {n} patients").format(n=plan.valid_rows) if ok and plan else self.tr("&Import")
        )
        self.recheck_button.setEnabled(bool(self.combos) and not self.strip.running)
        self.skip_duplicates.setEnabled(bool(plan and plan.duplicates))

    def run_import(self) -> None:
        """Write the checked rows (all or none) as a long job."""
        plan = self.plan
        if plan is None or not plan.ok or self.strip.running:
            return
        store, actor, skip = self.store, self.actor, self.skip_duplicates.isChecked()
        self.import_button.setEnabled(False)

        def done(result: ImportResult) -> None:
            self.plan = None
            self.errors.clear()
            self.duplicates.clear()
            self.summary.clear_message()
            skipped = (
                self.tr(" {n} possible duplicates were skipped.").format(n=result.skipped_duplicates)
                if result.skipped_duplicates
                else ""
            )
            self.message.success(self.tr("{n} patients were imported.").format(n=result.imported) + skipped)
            self._update_buttons()

        def failed(error: HMISError) -> None:
            self.message.error(str(error))
            self._update_buttons()

        self.strip.run(
            self.tr("Importing {n} patients…").format(n=plan.valid_rows),
            lambda progress: import_plan(store, actor, plan, skip, progress),
            done,
            failed,
            cancellable=False,
            name="admin.import.run",
        )

    # --- drafts and the lock ---------------------------------------------------------------------

    def draft(self) -> dict[str, Any] | None:
        """The file and the column choices (no patient data)."""
        if self.path is None:
            return None
        return {"path": str(self.path), "mapping": self.mapping() if self.combos else None}

    def restore(self, data: dict[str, Any]) -> None:
        """Choose the file again with the same columns; the check runs again."""
        path = data.get("path")
        if path:
            self.set_file(Path(path), data.get("mapping"))

    def clear_sensitive(self) -> None:
        """Drop the plan (it holds the file's patients) and its report."""
        self.plan = None
        self.errors.clear()
        self.duplicates.clear()
        self.summary.clear_message()
        self.message.clear_message()
        self._update_buttons()
