"""Merge two records of the same person: pick the other record by searching, compare them side by side,
choose which to keep, give the reason, confirm. The core (`merge.merge_patients`) moves invoices and
documents and keeps a record an administrator can undo."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.services.merge import MergeResult
from hmis_desktop.services.patients import PatientPublic
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.patients import format as fmt
from ui.patients import work
from ui.patients.search_view import SearchPanel
from ui.patients.widgets import discard
from ui.widgets import MessageLabel, heading, hint

ROWS = (
    ("mrn", "Record no."),
    ("name", "Name"),
    ("sex", "Sex"),
    ("birth", "Date of birth"),
    ("phones", "Phones"),
    ("national_id", "National id"),
    ("status", "Status"),
    ("invoices", "Invoices"),
    ("documents", "Documents"),
)


def _cells(p: PatientPublic, region: str) -> dict[str, str]:
    return {
        "mrn": p.mrn,
        "name": fmt.name_or_placeholder(p.display_name),
        "sex": fmt.sex_label(p.sex),
        "birth": fmt.birth_text(p.birth_date, p.age, p.birth_date_estimated),
        "phones": "\n".join(fmt.phone_text(ph.number, region) for ph in p.phones),
        "national_id": p.national_id,
        "status": fmt.status_label(p.status),
        "invoices": str(p.invoice_count),
        "documents": str(p.document_count),
    }


class MergeDialog(QDialog):
    """Pick, compare, confirm; `merged` carries the MergeResult."""

    merged = Signal(object)

    def __init__(
        self,
        store: Store,
        actor: Actor,
        current: PatientPublic,
        *,
        region: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(self.tr("Merge patient records"))
        self.store, self.actor, self.current, self.region = store, actor, current, region
        self.other: PatientPublic | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("Merge two records of the same person")))
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        # Step 1: find the other record.
        pick = QWidget()
        pick_layout = QVBoxLayout(pick)
        pick_layout.setContentsMargins(0, 0, 0, 0)
        pick_layout.addWidget(
            hint(
                self.tr(
                    "Find the other record of {mrn} · {name}, then press Enter or double-click it."
                ).format(mrn=current.mrn, name=fmt.name_or_placeholder(current.display_name))
            )
        )
        self.search = SearchPanel(store, actor, op_key="merge-search", exclude=current.id)
        self.search.set_region(region)
        pick_layout.addWidget(self.search, 1)
        self.stack.addWidget(pick)
        # Step 2: compare and confirm.
        self.compare = QWidget()
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(6)
        compare_layout = QVBoxLayout(self.compare)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addLayout(self.grid)
        self.keep_this = QRadioButton()
        self.keep_other = QRadioButton()
        self.keep_group = QButtonGroup(self)
        self.keep_group.addButton(self.keep_this)
        self.keep_group.addButton(self.keep_other)
        self.keep_this.setChecked(True)
        compare_layout.addSpacing(12)
        compare_layout.addWidget(heading(self.tr("Which record stays?"), level=2))
        compare_layout.addWidget(self.keep_this)
        compare_layout.addWidget(self.keep_other)
        self.explain = hint("")
        compare_layout.addWidget(self.explain)
        reason_row = QHBoxLayout()
        reason_label = QLabel(self.tr("&Reason"))
        self.reason = QLineEdit()
        self.reason.setObjectName("mergeReason")
        self.reason.setAccessibleName(self.tr("Reason for the merge"))
        self.reason.setPlaceholderText(self.tr("e.g. same national id, registered twice"))
        reason_label.setBuddy(self.reason)
        reason_row.addWidget(reason_label)
        reason_row.addWidget(self.reason, 1)
        compare_layout.addLayout(reason_row)
        self.reason_error = MessageLabel()
        compare_layout.addWidget(self.reason_error)
        compare_layout.addStretch(1)
        self.stack.addWidget(self.compare)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("&Pick another record"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.merge_button = QPushButton(self.tr("&Merge"))
        self.merge_button.setObjectName("confirmMerge")
        self.merge_button.setProperty("primary", True)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.merge_button)
        layout.addLayout(buttons)
        self.search.patient_opened.connect(self.pick)
        self.back_button.clicked.connect(self._back)
        self.cancel_button.clicked.connect(self.reject)
        self.merge_button.clicked.connect(self.confirm)
        self.keep_group.buttonToggled.connect(lambda *_: self._explain())
        self._back()
        self.resize(940, 620)

    def _back(self) -> None:
        self.stack.setCurrentIndex(0)
        self.back_button.hide()
        self.merge_button.setEnabled(False)
        self.search.focus_box()

    def pick(self, patient_id: object) -> None:
        """Load the chosen record and compare."""
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.open_patient(store, actor, patient_id),  # type: ignore[arg-type]
            lambda bundle: self.show_pair(bundle.patient),
            lambda e: self.message.error(str(e)),
            name="merge.pick",
        ).run()

    def show_pair(self, other: PatientPublic) -> None:
        """The two records side by side, differences in bold."""
        self.other = other
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                discard(widget)
        this, that = _cells(self.current, self.region), _cells(other, self.region)
        for col, text in ((1, self.tr("This record")), (2, self.tr("The other record"))):
            title = QLabel(text)
            title.setObjectName("subheading")
            self.grid.addWidget(title, 0, col)
        bold = QFont()
        bold.setBold(True)
        for row, (key, label) in enumerate(ROWS, start=1):
            name = QLabel(fmt.tr(label))
            name.setObjectName("hint")
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            for col, cells in ((1, this), (2, that)):
                value = QLabel(cells[key] or "—")
                value.setTextFormat(Qt.TextFormat.PlainText)
                value.setWordWrap(True)
                if this[key] != that[key] and key not in ("mrn",):
                    value.setFont(bold)
                self.grid.addWidget(value, row, col, Qt.AlignmentFlag.AlignTop)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.keep_this.setText(self.tr("Keep this record ({mrn})").format(mrn=self.current.mrn))
        self.keep_other.setText(self.tr("Keep the other record ({mrn})").format(mrn=other.mrn))
        self._explain()
        self.stack.setCurrentWidget(self.compare)
        self.back_button.show()
        self.merge_button.setEnabled(True)
        self.reason.setFocus()

    def keep_and_merge(self) -> tuple[PatientPublic, PatientPublic] | None:
        """(kept, merged) as chosen."""
        if self.other is None:
            return None
        if self.keep_this.isChecked():
            return self.current, self.other
        return self.other, self.current

    def _explain(self) -> None:
        pair = self.keep_and_merge()
        if pair is None:
            return
        keep, gone = pair
        self.explain.setText(
            self.tr(
                "{gone}'s invoices and documents move to {keep}. {gone} is marked merged and no longer "
                "appears in searches. Nothing is deleted, and an administrator can undo the merge."
            ).format(keep=keep.mrn, gone=gone.mrn)
        )
        self.merge_button.setText(self.tr("&Merge {gone} into {keep}").format(keep=keep.mrn, gone=gone.mrn))

    def confirm(self) -> None:
        """Merge now."""
        pair = self.keep_and_merge()
        if pair is None:
            return
        keep, gone = pair
        store, actor, reason = self.store, self.actor, self.reason.text()
        self.merge_button.setEnabled(False)
        Op(
            self,
            lambda: work.merge_pair(store, actor, keep.id, gone.id, reason),
            self._done,
            self._failed,
            name="merge.confirm",
        ).run()

    def _done(self, result: MergeResult) -> None:
        self.merged.emit(result)
        self.accept()

    def _failed(self, error: HMISError) -> None:
        self.merge_button.setEnabled(True)
        if isinstance(error, ValidationError) and "reason" in error.errors:
            self.reason_error.error(fmt.tr(error.errors["reason"]))
            self.reason.setFocus()
        else:
            self.message.error(str(error))
