"""A read-only table model over frozen result rows, shared by the billing and admin lists.

Each subclass names its `Columns` enum, its header titles and how a row reads in a cell (STYLE.md convention
4: Columns enum, roles as module constants, no children, begin/end around every change).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ui.billing.money import ClinicMoney

T = TypeVar("T")
_Index = QModelIndex | QPersistentModelIndex

#: The row's frozen result object.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
#: A machine value for sorting or badges (a status code, a Decimal).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class RecordModel(QAbstractTableModel, Generic[T]):
    """Rows of one dataclass type; subclasses define `Columns`, `headers()` and `cell()`."""

    Columns: ClassVar[type[enum.IntEnum]]
    #: Columns whose figures align right.
    numeric: ClassVar[frozenset[int]] = frozenset()

    def __init__(self, parent: QObject | None = None, money: ClinicMoney | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self.money = money or ClinicMoney()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        """Rows at the top level; none under an item."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        """The Columns enum."""
        return 0 if parent.isValid() else len(self.Columns)

    def headers(self) -> dict[int, str]:
        """Column titles by column."""
        raise NotImplementedError

    def cell(self, row: T, column: int) -> str:
        """A row's text in a column."""
        raise NotImplementedError

    def value(self, row: T, column: int) -> Any:
        """A machine value behind a cell (VALUE_ROLE); the text by default."""
        return self.cell(row, column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers().get(section, "")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section in self.numeric else _LEFT
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, alignment, the row object and a machine value."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if index.column() in self.numeric else _LEFT
        if role == ROW_ROLE:
            return row
        if role == VALUE_ROLE:
            return self.value(row, index.column())
        return None

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace the contents."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row (the lock)."""
        self.set_rows([])

    def rows(self) -> list[T]:
        """The rows, in order."""
        return list(self._rows)

    def row_at(self, row: int) -> T | None:
        """The object on a row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None
