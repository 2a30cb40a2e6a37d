"""Small billing widgets: a table view set up the same way everywhere, figure cards, the status badge."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.billing.table_model import VALUE_ROLE

# Saturated fills with white text read on the light and the dark theme alike.
BADGE_COLOURS = {
    "draft": "#5f6b7a",
    "unpaid": "#a65b00",
    "partially_paid": "#1f5fbf",
    "paid": "#1d7a3e",
    "voided": "#a32020",
}


def table_view(model: QAbstractItemModel, name: str, *, stretch: int | None = None) -> QTableView:
    """A read-only, row-selecting, single-selection table with an accessible name."""
    view = QTableView()
    view.setModel(model)
    # The model goes with its view: a model deleted before the view that shows it crashes PySide at teardown.
    model.setParent(view)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


class FigureCard(QFrame):
    """A titled figure ('Received today  KES 12,400.00') on a card."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(title)
        self.title.setObjectName("hint")
        self.value = QLabel("—")
        self.value.setObjectName("figure")
        # A local sheet: the theme's `QWidget { font-size }` rule would override setFont().
        self.value.setStyleSheet("QLabel { font-size: 15pt; font-weight: 600; }")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel("")
        self.detail.setObjectName("hint")
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        self.setAccessibleName(title)

    def set(self, value: str, detail: str = "") -> None:
        """Show a figure and an optional line under it."""
        self.value.setText(value)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleDescription(f"{value} {detail}".strip())

    def clear(self) -> None:
        """Back to a dash."""
        self.set("—")


class StatusBadgeDelegate(QStyledItemDelegate):
    """Paints a status cell as a coloured pill (the status code comes from VALUE_ROLE)."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """Selection background, then the pill with its label."""
        status = index.data(VALUE_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if status not in BADGE_COLOURS or not text:
            super().paint(painter, option, index)
            return
        style = option.widget.style() if option.widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = option.fontMetrics
        width = metrics.horizontalAdvance(text) + 16
        height = metrics.height() + 4
        rect = QRectF(option.rect.x() + 6, option.rect.center().y() - height / 2 + 1, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(BADGE_COLOURS[status]))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex):  # type: ignore[no-untyped-def]
        """Room for the pill."""
        size = super().sizeHint(option, index)
        size.setWidth(size.width() + 20)
        return size


def grow_to_fit(window: QWidget) -> None:
    """Make a dialog tall enough for its wrapped texts at its current width (Qt sizes top-level windows
    from size hints that ignore word wrap, so wrapped hints and late error messages get clipped)."""
    layout = window.layout()
    if layout is None:
        return
    layout.activate()
    width = window.width()
    height = layout.heightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
    if height > window.height():
        window.resize(width, height)


def badge_label(status: str, text: str) -> QLabel:
    """A status pill as a label (the invoice header)."""
    label = QLabel()
    set_badge(label, status, text)
    return label


def set_badge(label: QLabel, status: str, text: str) -> None:
    """Restyle a badge label for a status."""
    colour = BADGE_COLOURS.get(status, "#5f6b7a")
    label.setText(text)
    label.setAccessibleName(text)
    label.setStyleSheet(
        f"QLabel {{ background: {colour}; color: #ffffff; border-radius: 9px; padding: 2px 10px;"
        " font-weight: 600; }"
    )
