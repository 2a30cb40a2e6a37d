"""A read-only table model over a list of frozen result rows, shared by the app's simple tables.

Subclasses name their `Columns` enum, a column's title in `header()` and a cell in `data()`; this class
owns the rows and the Qt plumbing (STYLE.md convention 4: no children under an item, begin/end around every
change).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of one result type; subclasses define `Columns`, `header()` and `data()`."""

    Columns: ClassVar[type[enum.IntEnum]]

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        """Rows at the top level; none under an item."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        """The Columns enum."""
        return 0 if parent.isValid() else len(self.Columns)

    def header(self, column: int) -> str:
        """A column's title (translated)."""
        raise NotImplementedError

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.header(section)

    def row_of(self, index: Index) -> T | None:
        """The row behind a cell, or None for an invalid or stale index."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        return self._rows[index.row()]

    def row_at(self, row: int) -> T | None:
        """The row at a position."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def rows(self) -> tuple[T, ...]:
        """The rows shown, in order."""
        return tuple(self._rows)

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace the contents."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (the lock calls this: no patient data stays in the model)."""
        self.set_rows([])
