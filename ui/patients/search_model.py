"""The patient results table: a QAbstractTableModel over search summaries, and the status badge delegate."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from hmis_desktop.services.patient_search import PatientSummary
from ui.patients import format as fmt

PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex
_TEXT_ROLES = frozenset({int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.AccessibleTextRole)})
_ROLES = _TEXT_ROLES | {int(PATIENT_ID_ROLE), int(STATUS_ROLE), int(Qt.ItemDataRole.ToolTipRole)}


class Columns(enum.IntEnum):
    """The results table's columns."""

    MRN = 0
    NAME = 1
    SEX = 2
    BIRTH = 3
    PHONE = 4
    STATUS = 5
    MATCH = 6


_HEADERS = {
    Columns.MRN: "Record no.",
    Columns.NAME: "Name",
    Columns.SEX: "Sex",
    Columns.BIRTH: "Date of birth · age",
    Columns.PHONE: "Phone",
    Columns.STATUS: "Status",
    Columns.MATCH: "Matched on",
}


class PatientTableModel(QAbstractTableModel):
    """Search results; rows are appended page by page (`append_rows`) or replaced (`set_rows`)."""

    def __init__(self, parent: QWidget | None = None, *, region: str = "") -> None:
        super().__init__(parent)
        self._rows: list[PatientSummary] = []
        self._cells: list[tuple[str, ...]] = []
        self.region = region

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        """Rows at the top level; none under an item."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        """The Columns enum."""
        return 0 if parent.isValid() else len(Columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return fmt.tr(_HEADERS[Columns(section)])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text; the patient id under PATIENT_ID_ROLE and the status code under STATUS_ROLE."""
        # Views ask for many roles per cell on every paint: answer the common ones first, cheaply.
        if role not in _ROLES or not index.isValid():
            return None
        r = index.row()
        if r >= len(self._rows):
            return None
        if role in _TEXT_ROLES:
            return self._cells[r][index.column()]
        row = self._rows[r]
        if role == PATIENT_ID_ROLE:
            return row.id
        if role == STATUS_ROLE:
            return row.status
        if index.column() == Columns.MATCH and row.score:
            return fmt.tr("Match score {score:.0%}").format(score=row.score)
        return None

    def _cells_of(self, row: PatientSummary) -> tuple[str, ...]:
        return (
            row.mrn,
            fmt.name_or_placeholder(row.display_name),
            fmt.sex_label(row.sex),
            fmt.birth_text(row.birth_date, row.age, row.birth_date_estimated),
            fmt.phone_text(row.phone, self.region),
            fmt.status_label(row.status),
            fmt.match_label(row.match),
        )

    def set_rows(self, rows: tuple[PatientSummary, ...] | list[PatientSummary]) -> None:
        """Replace the contents."""
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [self._cells_of(r) for r in self._rows]
        self.endResetModel()

    def append_rows(self, rows: tuple[PatientSummary, ...] | list[PatientSummary]) -> None:
        """Add the next page (rows already shown are skipped)."""
        seen = {r.id for r in self._rows}
        new = [r for r in rows if r.id not in seen]
        if not new:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self._cells.extend(self._cells_of(r) for r in new)
        self.endInsertRows()

    def clear(self) -> None:
        """Drop every row (the lock)."""
        self.set_rows([])

    def row_at(self, row: int) -> PatientSummary | None:
        """The summary on a row."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find(self, patient_id: uuid.UUID) -> int:
        """The row of a patient (-1 if absent)."""
        return next((i for i, r in enumerate(self._rows) if r.id == patient_id), -1)


# Badge colours (text, background) per theme; archived and merged stand out, active stays quiet.
_BADGES = {
    "light": {
        "active": ("#1d6b35", "#e3f4e8"),
        "archived": ("#6b4d00", "#fff1c9"),
        "merged": ("#3d4a5c", "#e4e8ee"),
    },
    "dark": {
        "active": ("#9fe0b3", "#1f3a2a"),
        "archived": ("#ffd98a", "#4a3a12"),
        "merged": ("#c9d2de", "#343b47"),
    },
}


def badge_colours(status: str) -> tuple[QColor, QColor]:
    """Text and background colours of a status badge in the current theme."""
    app = QApplication.instance()
    theme = str(app.property("hmis_theme") or "light") if app is not None else "light"
    text, back = _BADGES.get(theme, _BADGES["light"]).get(status, _BADGES["light"]["merged"])
    return QColor(text), QColor(back)


class BadgeDelegate(QStyledItemDelegate):
    """Paints the status cell as a rounded pill."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """The selection background, then the pill."""
        text = str(index.data() or "")
        status = str(index.data(STATUS_ROLE) or "")
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(style.ControlElement.CE_ItemViewItem, opt, painter, widget)
        if not text:
            return
        fg, bg = badge_colours(status)
        metrics = option.fontMetrics
        rect: QRect = option.rect
        width = metrics.horizontalAdvance(text) + 16
        height = metrics.height() + 4
        pill = QRect(rect.x() + 6, rect.y() + (rect.height() - height) // 2, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(bg)
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(fg)
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """Room for the pill."""
        size = super().sizeHint(option, index)
        return QSize(size.width() + 20, size.height())
