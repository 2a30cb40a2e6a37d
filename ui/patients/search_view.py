"""The search panel: one box, results as you type, keyboard navigation, paging, empty and no-match states.

Each keystroke restarts a ~150 ms debounce; the query then runs on the DB executor through one `Op` key,
so a newer query supersedes an older one (skipped if not started, its result dropped if it has), and a
result is shown only if it answers the query the box holds now. Down moves into the results, Enter opens
the patient, Esc goes back to the box; typing in the table goes on in the box.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.services.patient_search import PatientSummary, SearchPage
from hmis_desktop.store.store import Store
from ui import ops
from ui.ops import Op
from ui.patients import work
from ui.patients.search_model import PATIENT_ID_ROLE, BadgeDelegate, Columns, PatientTableModel
from ui.widgets import MessageLabel

DEBOUNCE_MS = 150
PAGE_SIZE = 50
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SearchPanel(QWidget):
    """Search box and results; `patient_opened` carries the chosen patient's id."""

    patient_opened = Signal(object)
    results_shown = Signal(str)  # the query whose results are now on screen

    def __init__(
        self,
        store: Store,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        op_key: str = "patient-search",
        exclude: uuid.UUID | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.actor, self.op_key, self.exclude = store, actor, op_key, exclude
        self._query = ""  # the query whose results the model holds (or is waiting for)
        self._page: SearchPage | None = None
        self._loading_more = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.box = QLineEdit()
        self.box.setObjectName("patientSearchBox")
        self.box.setClearButtonEnabled(True)
        self.box.setAccessibleName(self.tr("Search patients"))
        self.box.setPlaceholderText(
            self.tr("Name, date of birth, phone, record number or national id — results as you type")
        )
        layout.addWidget(self.box)
        self.model = PatientTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("patientResults")
        self.table.setAccessibleName(self.tr("Matching patients"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.setItemDelegateForColumn(Columns.STATUS, BadgeDelegate(self.table))
        self._size_columns()
        self.state = QLabel()
        self.state.setObjectName("searchState")
        self.state.setWordWrap(True)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 42)
        # Lines read from the left, in a block centred on the page.
        self.state_page = QWidget()
        centred = QHBoxLayout(self.state_page)
        centred.addStretch(1)
        centred.addWidget(self.state, 0, Qt.AlignmentFlag.AlignVCenter)
        centred.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.state_page)
        self.stack.addWidget(self.table)
        layout.addWidget(self.stack, 1)
        footer = QHBoxLayout()
        self.count = QLabel()
        self.count.setObjectName("hint")
        self.more = QPushButton(self.tr("Show &more results"))
        self.more.setObjectName("moreResults")
        self.more.hide()
        self.archived = QCheckBox(self.tr("Include a&rchived patients"))
        self.archived.setObjectName("includeArchived")
        footer.addWidget(self.count, 1)
        footer.addWidget(self.archived)
        footer.addWidget(self.more)
        layout.addLayout(footer)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_search)
        self.box.textChanged.connect(self._typed)
        self.box.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(self._open_index)
        self.more.clicked.connect(self.load_more)
        self.archived.toggled.connect(lambda _on: self.refresh())
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self._show_state()

    def _size_columns(self) -> None:
        """Widths from sample texts, once: ResizeToContents would measure every cell at each new result
        (thousands of model calls on the GUI thread per keystroke's results)."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        bold = header.fontMetrics()
        samples = {
            Columns.MRN: "MRN0000000",
            Columns.SEX: self.tr("Unknown"),
            Columns.BIRTH: "2000-12-31 · ≈ 100 y",
            Columns.PHONE: "+254 712 345 678",
            Columns.STATUS: self.tr("Archived") + "MMM",
            Columns.MATCH: self.tr("Name + Date of birth"),
        }
        for column, sample in samples.items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(sample), bold.horizontalAdvance(title) + 8) + 24
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(Columns.NAME, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 14)

    # --- searching --------------------------------------------------------------------------------

    def set_region(self, region: str) -> None:
        """The clinic's phone region (local numbers are shown in the national format)."""
        self.model.region = region

    def _typed(self, _text: str) -> None:
        self.timer.start()

    def pending(self) -> bool:
        """Whether a typed query has not been searched yet, or its results have not arrived."""
        return self.timer.isActive() or self._query != self.box.text().strip() or self._page is None

    def run_search(self) -> None:
        """Search for what the box holds now (the debounce's end, or Enter/Down)."""
        self.timer.stop()
        query = self.box.text().strip()
        if query == self._query and self._page is not None:
            return
        self._query, self._page, self._loading_more = query, None, False
        if not query:
            ops.supersede(self.op_key)
            self.model.clear()
            self._show_state()
            return
        store, actor, archived = self.store, self.actor, self.archived.isChecked()
        Op(
            self,
            lambda: work.search(store, actor, query, 0, PAGE_SIZE, archived),
            self._show_page,
            self._failed,
            key=self.op_key,
            name="patients.search",
        ).run()

    def refresh(self) -> None:
        """Search again for the current query (after an edit, a merge or an archive)."""
        self._page = None
        if self.box.text().strip():
            self._query = ""
            self.run_search()

    def _show_page(self, page: SearchPage) -> None:
        if page.query != self._query or page.query != self.box.text().strip():
            return  # an older query's answer: never over a newer one
        rows = self._filtered(page.rows)
        if page.offset == 0:
            self.model.set_rows(rows)
            if self.model.rowCount() and (self.table.hasFocus() or not self.table.currentIndex().isValid()):
                self.table.selectRow(0)
        else:
            self.model.append_rows(rows)
        self._page = page
        self._loading_more = False
        self.message.clear_message()
        self._show_state()
        self.results_shown.emit(page.query)

    def _filtered(self, rows: tuple[PatientSummary, ...]) -> list[PatientSummary]:
        return [r for r in rows if r.id != self.exclude]

    def has_more(self) -> bool:
        """Whether the search found more rows than are shown."""
        page = self._page
        return page is not None and page.offset + len(page.rows) < page.total

    def load_more(self) -> None:
        """Fetch the next page of the same query."""
        page = self._page
        if page is None or not self.has_more() or self._loading_more:
            return
        self._loading_more = True
        store, actor, query, offset = self.store, self.actor, page.query, page.offset + page.limit
        archived = self.archived.isChecked()
        Op(
            self,
            lambda: work.search(store, actor, query, offset, PAGE_SIZE, archived),
            self._show_page,
            self._failed,
            key=self.op_key,
            name="patients.search_more",
        ).run()

    def _scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        if value and value >= bar.maximum():
            self.load_more()

    def _failed(self, error: HMISError) -> None:
        self._loading_more = False
        self.message.error(str(error))

    def _show_state(self) -> None:
        page = self._page
        shown = self.model.rowCount()
        self.more.setVisible(self.has_more())
        if not self._query:
            self.state.setText(
                self.tr(
                    "Find a patient by typing in the box above:\n\n"
                    "• a name or the start of one — “jo smi” finds John Smith\n"
                    "• a name as it sounds — “Jon Smyth” finds John Smith\n"
                    "• a date of birth — 1980-05-17 or 17/05/1980\n"
                    "• the last digits of a phone number — 345678\n"
                    "• a record number or a national id\n\n"
                    "Press Down to move into the results and Enter to open a patient. "
                    "Ctrl+N registers a new patient."
                )
            )
            self.stack.setCurrentWidget(self.state_page)
            self.count.clear()
            return
        if page is None:
            self.count.setText(self.tr("Searching…"))
            return
        if not shown:
            hint = self.tr(page.hint) if page.hint else ""
            self.state.setText(
                hint
                or self.tr(
                    "No patient matches “{query}”.\n\nCheck the spelling, type fewer letters, or try a date "
                    "of birth, the last digits of a phone number, a record number or a national id. "
                    "Press Ctrl+N to register a new patient."
                ).format(query=page.query)
            )
            self.stack.setCurrentWidget(self.state_page)
            self.count.clear()
            return
        self.stack.setCurrentWidget(self.table)
        if page.truncated:
            self.count.setText(self.tr(page.hint) if page.hint else "")
        elif self.has_more():
            self.count.setText(self.tr("{shown} of {total} shown").format(shown=shown, total=page.total))
        else:
            self.count.setText(
                self.tr("%n patient(s) found", "", shown).replace("(s)", "s" if shown != 1 else "")
            )

    # --- keyboard ---------------------------------------------------------------------------------

    def focus_box(self) -> None:
        """Put the cursor in the box with its text selected (Ctrl+F, Esc from the results)."""
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def selected_id(self) -> uuid.UUID | None:
        """The patient on the current row."""
        index = self.table.currentIndex()
        return index.data(PATIENT_ID_ROLE) if index.isValid() else None

    def _open_index(self, index: QModelIndex) -> None:
        patient_id = index.data(PATIENT_ID_ROLE)
        if patient_id is not None:
            self.patient_opened.emit(patient_id)

    def open_current(self) -> None:
        """Open the selected patient (or the first one)."""
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        if index.isValid():
            self._open_index(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down/Enter/Esc in the box; Enter/Esc/Up and typing in the results."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if watched is self.box:
            if key == Qt.Key.Key_Down:
                if self.timer.isActive():
                    self.run_search()
                if self.model.rowCount():
                    self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                    if not self.table.currentIndex().isValid():
                        self.table.selectRow(0)
                return True
            if key in _ENTER:
                if self.pending():
                    self.run_search()
                elif self.model.rowCount():
                    self.open_current()
                return True
            if key == Qt.Key.Key_Escape and self.box.text():
                self.box.clear()
                return True
            return False
        if watched is self.table:
            if key in _ENTER:
                self.open_current()
                return True
            if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0):
                self.focus_box()
                return True
            text = event.text()
            if text and text.isprintable() and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
                self.box.setFocus(Qt.FocusReason.OtherFocusReason)
                self.box.insert(text)
                return True
        return False

    # --- the lock ----------------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop the query and every result."""
        self.timer.stop()
        ops.supersede(self.op_key)
        self.box.blockSignals(True)
        self.box.setText("")  # setText, not clear(): clear() is undoable and Ctrl+Z would bring the text back
        self.box.blockSignals(False)
        self._query, self._page, self._loading_more = "", None, False
        self.model.clear()
        self.message.clear_message()
        self._show_state()

    def set_query(self, text: str) -> None:
        """Put a query back (draft restore) and search for it."""
        self.box.setText(text)
        self.run_search()
