"""The invoice editor's lines: an editable table model that keeps exactly what was typed.

Cells hold text as typed (so a draft restores character for character); `inputs()` turns them into the
core's `LineInput`s and `amounts()` into `LineAmounts` for the live totals, which the core's
`invoice_totals.compute_totals` works out. Field errors from the core ("lines[2].quantity") are shown on
their cells (red text, the message as tool tip).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from hmis_desktop.services.catalogue import ServicePublic
from hmis_desktop.services.invoice_totals import LineAmounts, LineTotals, quantum
from hmis_desktop.services.invoices import LineInput, LinePublic
from ui.billing.money import ClinicMoney

_Index = QModelIndex | QPersistentModelIndex
#: The core's error message for a cell.
ERROR_ROLE = Qt.ItemDataRole.UserRole + 10
ERROR_COLOUR = QColor("#d64545")  # readable on white and on the dark theme's base
_NAN = Decimal("NaN")  # a typed value that is not a number: the core answers with the field's message


class Columns(enum.IntEnum):
    """The lines table's columns."""

    CODE = 0
    DESCRIPTION = 1
    QUANTITY = 2
    UNIT_PRICE = 3
    DISCOUNT = 4
    TAX_RATE = 5
    TOTAL = 6


# Core field name -> column (errors come back as "lines[3].unit_price").
FIELD_COLUMNS = {
    "code": Columns.CODE,
    "service": Columns.CODE,
    "description": Columns.DESCRIPTION,
    "quantity": Columns.QUANTITY,
    "unit_price": Columns.UNIT_PRICE,
    "discount": Columns.DISCOUNT,
    "tax_rate": Columns.TAX_RATE,
}
_NUMERIC = {Columns.QUANTITY, Columns.UNIT_PRICE, Columns.DISCOUNT, Columns.TAX_RATE, Columns.TOTAL}
_ATTR = {
    Columns.CODE: "code",
    Columns.DESCRIPTION: "description",
    Columns.QUANTITY: "quantity",
    Columns.UNIT_PRICE: "unit_price",
    Columns.DISCOUNT: "discount",
    Columns.TAX_RATE: "tax_rate",
}


@dataclass
class LineRow:
    """One line as typed (all text; `service_id` set when it came from the catalogue)."""

    service_id: str = ""
    code: str = ""
    description: str = ""
    quantity: str = "1"
    unit_price: str = ""
    discount: str = ""
    tax_rate: str = ""
    errors: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, str]:
        """The typed values (no errors) for a draft."""
        data = asdict(self)
        data.pop("errors")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineRow:
        """Back from `to_json()`."""
        names = {f.name for f in fields(cls)} - {"errors"}
        return cls(**{k: str(v) for k, v in data.items() if k in names})


def _text(value: Decimal, places: int | None = None) -> str:
    """A stored Decimal as a user would type it: the currency's places if enough, else what it needs."""
    if places is not None and value == value.quantize(quantum(places)):
        return f"{value.quantize(quantum(places)):f}"
    return f"{value.normalize():f}"


class LinesModel(QAbstractTableModel):
    """Editable invoice lines; emits `edited` after every change so the editor refreshes the totals."""

    edited = Signal()

    def __init__(self, parent: QObject | None = None, money: ClinicMoney | None = None) -> None:
        super().__init__(parent)
        self.money = money or ClinicMoney()
        self._rows: list[LineRow] = []
        self._totals: dict[int, LineTotals] = {}
        self.read_only = False

    # --- Qt model --------------------------------------------------------------------------------

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
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align(section)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            Columns.CODE: self.tr("Code"),
            Columns.DESCRIPTION: self.tr("Description"),
            Columns.QUANTITY: self.tr("Qty"),
            Columns.UNIT_PRICE: self.tr("Unit price"),
            Columns.DISCOUNT: self.tr("Discount"),
            Columns.TAX_RATE: self.tr("Tax %"),
            Columns.TOTAL: self.tr("Line total"),
        }[Columns(section)]

    @staticmethod
    def _align(column: int) -> Qt.AlignmentFlag:
        side = Qt.AlignmentFlag.AlignRight if column in _NUMERIC else Qt.AlignmentFlag.AlignLeft
        return side | Qt.AlignmentFlag.AlignVCenter

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Editable cells, except the computed total and everything when read-only."""
        base = super().flags(index)
        if index.isValid() and not self.read_only and index.column() != Columns.TOTAL:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Typed text; the computed line total; errors in red with the core's message."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row, col = self._rows[index.row()], Columns(index.column())
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.EditRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            if col is Columns.TOTAL:
                totals = self._totals.get(index.row())
                return self.money.fmt(totals.total) if totals is not None else "—"
            text = getattr(row, _ATTR[col])
            if role == Qt.ItemDataRole.DisplayRole and not text:
                if col is Columns.DISCOUNT:
                    return "—"
                if col is Columns.TAX_RATE and not row.service_id:
                    return "0"  # a free line without a rate is untaxed (the core's default)
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._align(col)
        if role == Qt.ItemDataRole.ForegroundRole and col in row.errors:
            return ERROR_COLOUR
        if role in (Qt.ItemDataRole.ToolTipRole, ERROR_ROLE) and col in row.errors:
            return row.errors[col]
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Keep the typed text; a changed code unlinks the catalogue item it came from."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or index.column() == Columns.TOTAL:
            return False
        row, col = self._rows[index.row()], Columns(index.column())
        text = str(value or "").strip()
        if col is Columns.DESCRIPTION:
            text = " ".join(text.split())
        if getattr(row, _ATTR[col]) == text:
            return False
        setattr(row, _ATTR[col], text)
        if col is Columns.CODE:
            row.service_id = ""
        row.errors.pop(col, None)
        self.dataChanged.emit(index, index)
        self.edited.emit()
        return True

    # --- editing ---------------------------------------------------------------------------------

    def add_line(self, line: LineRow | None = None) -> int:
        """Append a line (a blank free-text one by default); returns its row."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(line or LineRow())
        self.endInsertRows()
        self.edited.emit()
        return row

    def add_service(self, service: ServicePublic) -> int:
        """Append a catalogue item as a line (quantity 1)."""
        return self.add_line(self._service_line(service))

    def _service_line(self, service: ServicePublic, quantity: str = "1") -> LineRow:
        return LineRow(
            service_id=str(service.id),
            code=service.code,
            description=service.name,
            quantity=quantity,
            unit_price=_text(service.price, self.money.places),
            tax_rate=_text(service.tax_rate),
        )

    def apply_service(self, row: int, service: ServicePublic) -> None:
        """Fill a line from a catalogue item (its code, description, price and tax); keeps the quantity."""
        if not 0 <= row < len(self._rows):
            return
        old = self._rows[row]
        new = self._service_line(service, old.quantity or "1")
        new.discount = old.discount
        self._rows[row] = new
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Columns) - 1))
        self.edited.emit()

    def removeRows(self, row: int, count: int, parent: _Index = QModelIndex()) -> bool:
        """Remove lines."""
        if parent.isValid() or row < 0 or count < 1 or row + count > len(self._rows):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del self._rows[row : row + count]
        self.endRemoveRows()
        self._totals = {}
        self.edited.emit()
        return True

    # --- to and from the core --------------------------------------------------------------------

    def lines(self) -> list[LineRow]:
        """The rows (live objects: read only)."""
        return list(self._rows)

    def _num(self, text: str, empty: Decimal | None) -> Decimal | None:
        if not text:
            return empty
        value = self.money.parse(text)
        return _NAN if value is None else value

    def inputs(self) -> list[LineInput]:
        """The lines as the core takes them; text that is not a number reaches the core as NaN."""
        out = []
        for r in self._rows:
            qty = self._num(r.quantity, _NAN)
            discount = self._num(r.discount, Decimal(0))
            out.append(
                LineInput(
                    description=r.description,
                    quantity=qty if qty is not None else _NAN,
                    unit_price=self._num(r.unit_price, None),
                    discount=discount if discount is not None else Decimal(0),
                    tax_rate=self._num(r.tax_rate, None),
                    service_id=uuid.UUID(r.service_id) if r.service_id else None,
                    code=r.code,
                )
            )
        return out

    def amounts(self) -> list[tuple[int, LineAmounts]]:
        """(row, amounts) of the lines whose numbers can be read, for the live totals."""
        out = []
        for i, r in enumerate(self._rows):
            qty, price = self.money.parse(r.quantity), self.money.parse(r.unit_price)
            disc = self.money.parse(r.discount) if r.discount else Decimal(0)
            rate = self.money.parse(r.tax_rate) if r.tax_rate else Decimal(0)
            if qty is not None and price is not None and disc is not None and rate is not None:
                out.append((i, LineAmounts(qty, price, disc, rate)))
        return out

    def set_totals(self, totals: dict[int, LineTotals]) -> None:
        """Show the core's computed line totals (by row)."""
        self._totals = dict(totals)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, Columns.TOTAL),
                self.index(len(self._rows) - 1, Columns.TOTAL),
                [Qt.ItemDataRole.DisplayRole],
            )

    def set_errors(self, errors: dict[str, str]) -> list[str]:
        """Mark the cells the core refused ("lines[2].quantity"); returns the messages it placed."""
        for r in self._rows:
            r.errors.clear()
        placed = []
        for key, message in errors.items():
            if not key.startswith("lines["):
                continue
            number, _, name = key[len("lines[") :].partition("].")
            if not number.isdigit() or not 0 < int(number) <= len(self._rows):
                continue
            col = FIELD_COLUMNS.get(name)
            if col is not None:
                self._rows[int(number) - 1].errors[col] = message
                placed.append(message)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(Columns) - 1))
        return placed

    def error_messages(self) -> list[str]:
        """The core's messages still marked on cells, in line order."""
        return [m for r in self._rows for _, m in sorted(r.errors.items())]

    def to_json(self) -> list[dict[str, str]]:
        """Every line as typed."""
        return [r.to_json() for r in self._rows]

    def load_json(self, rows: list[dict[str, Any]]) -> None:
        """Replace the lines with typed ones."""
        self._replace([LineRow.from_json(r) for r in rows])

    def load_public(self, lines: tuple[LinePublic, ...] | list[LinePublic]) -> None:
        """Replace the lines with saved ones, with their computed totals."""
        places = self.money.places
        self._replace(
            [
                LineRow(
                    service_id=str(ln.service_id) if ln.service_id else "",
                    code=ln.code,
                    description=ln.description,
                    quantity=_text(ln.quantity),
                    unit_price=_text(ln.unit_price, places),
                    discount="" if ln.discount == 0 else _text(ln.discount, places),
                    tax_rate=_text(ln.tax_rate),
                )
                for ln in lines
            ]
        )
        self.set_totals(
            {
                i: LineTotals(
                    gross=ln.quantity * ln.unit_price,
                    net=ln.net,
                    discount_share=ln.discount_share,
                    taxable=ln.net - ln.discount_share,
                    tax=ln.tax,
                    total=ln.total,
                )
                for i, ln in enumerate(lines)
            }
        )

    def _replace(self, rows: list[LineRow]) -> None:
        self.beginResetModel()
        self._rows = rows
        self._totals = {}
        self.endResetModel()

    def clear(self) -> None:
        """Drop every line (the lock)."""
        self._replace([])
