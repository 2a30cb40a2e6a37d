"""The documents table model: title, category, date, type, size (archived rows marked)."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from hmis_desktop.services.documents import DocumentSummary
from ui.patients import format as fmt
from ui.table_model import RowsModel

DOCUMENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class Columns(enum.IntEnum):
    """The documents table's columns."""

    TITLE = 0
    CATEGORY = 1
    DATE = 2
    TYPE = 3
    SIZE = 4


class DocumentsModel(RowsModel[DocumentSummary]):
    """A patient's documents, newest first (the core's order)."""

    Columns = Columns

    def header(self, column: int) -> str:
        """A column's title."""
        return fmt.tr(("Title", "Category", "Date", "Type", "Size")[column])

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; the document id under DOCUMENT_ID_ROLE; archived rows in italics."""
        row = self.row_of(index)
        if row is None:
            return None
        col = Columns(index.column())
        if role == DOCUMENT_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.FontRole and row.status == "archived":
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col is Columns.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col is Columns.TITLE:
            return row.filename
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if col is Columns.TITLE:
            archived = fmt.tr(" (archived)") if row.status == "archived" else ""
            return (row.title or row.filename) + archived
        if col is Columns.CATEGORY:
            return fmt.category_label(row.category)
        if col is Columns.DATE:
            return fmt.date_text(row.doc_date or row.created_at.date())
        if col is Columns.TYPE:
            return fmt.type_label(row.mime)
        return fmt.size_text(row.size)

    def find(self, document_id: uuid.UUID) -> int:
        """The row of a document (-1 if absent)."""
        return next((i for i, r in enumerate(self._rows) if r.id == document_id), -1)
