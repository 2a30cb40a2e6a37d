"""The record page's Documents tab: list, attach (file dialog or drag and drop, one Op per file), preview,
rename, re-categorise, export, archive and restore."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.permissions import Perm, allowed
from hmis_desktop.services.documents import CATEGORIES, DocumentPublic, DocumentSummary
from hmis_desktop.store.store import Store
from ui.ops import Op
from ui.patients import format as fmt
from ui.patients import work
from ui.patients.attach_queue import AttachQueue, AttachRow, AttachSignals
from ui.patients.documents_model import Columns, DocumentsModel
from ui.patients.preview import DocumentPreview
from ui.patients.widgets import ask_choice, ask_text
from ui.widgets import MessageLabel, hint

FILE_FILTER = "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.txt);;All files (*)"


class DocumentsTab(QWidget):
    """A patient's documents."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.patient_id: uuid.UUID | None = None
        self.setAcceptDrops(True)
        can_attach = allowed(actor.role, Perm.DOCUMENT_ATTACH)
        can_edit = allowed(actor.role, Perm.DOCUMENT_EDIT)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.attach_button = QPushButton(self.tr("&Attach files…"))
        self.attach_button.setObjectName("attachFiles")
        self.category = QComboBox()
        self.category.setAccessibleName(self.tr("Category for new files"))
        for code, label in CATEGORIES.items():
            self.category.addItem(fmt.tr(label), code)
        self.category.setCurrentIndex(self.category.findData("other"))
        self.rename_button = QPushButton(self.tr("Re&name…"))
        self.recategorise_button = QPushButton(self.tr("Ca&tegory…"))
        self.export_button = QPushButton(self.tr("E&xport…"))
        self.archive_button = QPushButton(self.tr("Ar&chive document"))
        self.show_archived = QCheckBox(self.tr("Sho&w archived"))
        as_label = QLabel(self.tr("as"))
        as_label.setBuddy(self.category)
        for w in (self.attach_button, as_label, self.category):
            bar.addWidget(w)
            w.setVisible(can_attach)
        bar.addStretch(1)
        for w in (self.rename_button, self.recategorise_button, self.archive_button):
            bar.addWidget(w)
            w.setVisible(can_edit)
        bar.addWidget(self.export_button)
        self.export_button.setVisible(allowed(actor.role, Perm.DOCUMENT_EXPORT))
        bar.addWidget(self.show_archived)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.model = DocumentsModel(self)
        self.table = QTableView()
        self.table.setObjectName("patientDocuments")
        self.table.setAccessibleName(self.tr("The patient's documents"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Columns.TITLE, QHeaderView.ResizeMode.Stretch)
        left_layout.addWidget(self.table, 1)
        self.drop_hint = hint(self.tr("Drop files here to attach them (PDF, PNG, JPEG, TIFF or text)."))
        self.drop_hint.setVisible(can_attach)
        left_layout.addWidget(self.drop_hint)
        self.queue = AttachQueue()
        left_layout.addWidget(self.queue)
        self.signals = AttachSignals(self)
        self.signals.started.connect(self.queue.working)
        self.message = MessageLabel()
        left_layout.addWidget(self.message)
        self.preview = DocumentPreview()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.attach_button.clicked.connect(self.choose_files)
        self.rename_button.clicked.connect(self.ask_rename)
        self.recategorise_button.clicked.connect(self.ask_category)
        self.export_button.clicked.connect(self.choose_folder)
        self.archive_button.clicked.connect(self.toggle_archived)
        self.show_archived.toggled.connect(lambda _on: self.refresh())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        attach = QShortcut(QKeySequence("Ctrl+O"), self)
        attach.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        attach.activated.connect(self.choose_files)
        self._selection_changed()

    # --- list --------------------------------------------------------------------------------------

    def load(self, patient_id: uuid.UUID) -> None:
        """Show a patient's documents."""
        if patient_id != self.patient_id:
            self.preview.clear()
            self.queue.clear()
            self.model.clear()
        self.patient_id = patient_id
        self.refresh()

    def refresh(self, select: uuid.UUID | None = None) -> None:
        """Reload the list off the GUI thread."""
        patient_id = self.patient_id
        if patient_id is None:
            return
        store, actor, archived = self.store, self.actor, self.show_archived.isChecked()
        keep = select or self.selected_id()
        Op(
            self,
            lambda: work.list_documents(store, actor, patient_id, archived),
            lambda rows: self._show_rows(patient_id, rows, keep),
            self._failed,
            key=f"patient-documents-{id(self)}",
            name="documents.list",
        ).run()

    def _show_rows(self, patient_id: uuid.UUID, rows: list[DocumentSummary], keep: uuid.UUID | None) -> None:
        if patient_id != self.patient_id:
            return
        self.model.set_rows(rows)
        row = self.model.find(keep) if keep is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        elif keep is not None:
            self.preview.clear()
        if not rows:
            self.message.info(self.tr("No documents yet. Attach scans, lab results or letters here."))
        else:
            self.message.clear_message()
        self._selection_changed()

    def selected(self) -> DocumentSummary | None:
        """The document on the current row."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_id(self) -> uuid.UUID | None:
        """The current document's id."""
        doc = self.selected()
        return doc.id if doc else None

    def _selection_changed(self, *_args: QItemSelection) -> None:
        doc = self.selected()
        for button in (self.rename_button, self.recategorise_button, self.export_button, self.archive_button):
            button.setEnabled(doc is not None)
        self.archive_button.setText(
            self.tr("Restore do&cument")
            if doc is not None and doc.status == "archived"
            else self.tr("Ar&chive document")
        )
        if doc is not None and (self.preview.kind == "" or self._previewed != doc.id):
            self.show_preview(doc)

    _previewed: uuid.UUID | None = None

    def _failed(self, error: HMISError) -> None:
        self.message.error(_reason(error))

    # --- preview -----------------------------------------------------------------------------------

    def show_preview(self, doc: DocumentSummary) -> None:
        """Decrypt and show a document (an audited view), on the worker."""
        self._previewed = doc.id
        self.preview.show_loading(doc.title)
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.preview(store, actor, doc.id, doc.mime),
            lambda result: self._show_preview(result, doc),
            lambda e: self.preview.show_error(_reason(e)),
            key=f"document-preview-{id(self)}",
            name="documents.preview",
        ).run()

    def _show_preview(self, result: work.Preview, doc: DocumentSummary) -> None:
        if result.document_id == self._previewed:
            self.preview.show_preview(result, doc.title)

    # --- attach ------------------------------------------------------------------------------------

    def choose_files(self) -> None:
        """Pick several files to attach."""
        if self.patient_id is None or not self.attach_button.isVisible():
            return
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            self.tr("Attach documents"),
            "",
            self.tr(FILE_FILTER),
            options=QFileDialog.Option.DontUseNativeDialog,
        )
        self.attach_files([Path(p) for p in paths])

    def attach_files(self, paths: list[Path]) -> None:
        """Attach each file in its own background operation; progress and refusals per file."""
        patient_id = self.patient_id
        if patient_id is None or not paths:
            return
        category = str(self.category.currentData())
        store, actor, signals = self.store, self.actor, self.signals
        for path in paths:
            row = self.queue.add(path.name)

            def attach(path: Path = path, row: AttachRow = row) -> DocumentPublic:
                signals.started.emit(row)
                return work.attach(store, actor, patient_id, path, category)

            Op(
                self,
                attach,
                partial(self._attached, row),
                partial(self._refused, row),
                name="documents.attach",
            ).run()

    def _refused(self, row: AttachRow, error: HMISError) -> None:
        self.queue.refused(row, _reason(error))

    def _attached(self, row: AttachRow, doc: DocumentPublic) -> None:
        self.queue.done(row)
        if doc.patient_id == self.patient_id:
            # Not selected: selecting previews it, and a preview is an audited view nobody asked for.
            self.refresh()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept local files."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if self.attach_button.isVisible() and any(u.isLocalFile() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Attach every dropped file."""
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        files = [p for p in paths if p.is_file()]
        if files:
            event.acceptProposedAction()
            self.attach_files(files)
        if len(files) < len(paths):
            self.message.error(self.tr("Folders cannot be attached; drop the files inside them instead."))

    # --- changes -----------------------------------------------------------------------------------

    def ask_rename(self) -> None:
        """Ask for a new title."""
        doc = self.selected()
        if doc is not None:
            ask_text(
                self,
                self.tr("Rename document"),
                self.tr("&Title"),
                doc.title,
                lambda t: self.rename(doc.id, t),
            )

    def rename(self, document_id: uuid.UUID, title: str) -> None:
        """Give a document a new title."""
        store, actor = self.store, self.actor
        self._change(lambda: work.rename_document(store, actor, document_id, title), "documents.rename")

    def ask_category(self) -> None:
        """Ask for another category."""
        doc = self.selected()
        if doc is not None:
            items = [(code, fmt.tr(label)) for code, label in CATEGORIES.items()]
            ask_choice(
                self,
                self.tr("Change category"),
                self.tr("&Category"),
                items,
                doc.category,
                lambda code: self.recategorise(doc.id, code),
            )

    def recategorise(self, document_id: uuid.UUID, category: str) -> None:
        """Move a document to another category."""
        store, actor = self.store, self.actor
        self._change(lambda: work.recategorise(store, actor, document_id, category), "documents.category")

    def toggle_archived(self) -> None:
        """Archive the selected document, or restore it when archived."""
        doc = self.selected()
        if doc is None:
            return
        store, actor, archive = self.store, self.actor, doc.status != "archived"
        self._change(lambda: work.set_document_archived(store, actor, doc.id, archive), "documents.archive")

    def _change(self, fn: object, name: str) -> None:
        Op(self, fn, lambda doc: self._changed(doc), self._failed, name=name).run()  # type: ignore[arg-type]

    def _changed(self, doc: DocumentPublic) -> None:
        self.message.success(self.tr("Saved."))
        self.refresh(select=doc.id)

    def choose_folder(self) -> None:
        """Pick a folder and export the selected document into it."""
        doc = self.selected()
        if doc is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self,
            self.tr("Export to folder"),
            "",
            QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog,
        )
        if folder:
            self.export_to(doc.id, Path(folder))

    def export_to(self, document_id: uuid.UUID, folder: Path) -> None:
        """Write a decrypted copy of a document into `folder`."""
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.export(store, actor, document_id, folder),
            lambda path: self.message.success(self.tr("Exported as {path}").format(path=str(path))),
            self._failed,
            name="documents.export",
        ).run()

    # --- the lock ----------------------------------------------------------------------------------

    def clear(self) -> None:
        """Drop the list, the previews and the attach list (the lock)."""
        self.patient_id = None
        self._previewed = None
        self.model.clear()
        self.preview.clear()
        self.queue.clear()
        self.message.clear_message()


def _reason(error: HMISError) -> str:
    """A refusal in words: the core's field messages, else its sentence."""
    if isinstance(error, ValidationError) and error.errors:
        return " ".join(fmt.tr(m) for m in error.errors.values())
    return str(error)
