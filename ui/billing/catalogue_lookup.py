"""Catalogue look-up for the invoice editor: a search box with a completer over `catalogue.list_services`,
and the lines table's cell editors (the Code cell completes from the catalogue too).

The catalogue is small and holds no PHI: the editor loads the active items once per invoice and the
completer filters them locally, by code or by any word of the name.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QCompleter,
    QLineEdit,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from hmis_desktop.services.catalogue import ServicePublic
from ui.billing.lines_model import Columns, LinesModel
from ui.billing.money import ClinicMoney


class CatalogueIndex(QObject):
    """The active catalogue items and the completion strings that name them ('CONS — Consultation · KES 1,500.00')."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, money: ClinicMoney | None = None) -> None:
        super().__init__(parent)
        self.money = money or ClinicMoney()
        self.services: list[ServicePublic] = []
        self._by_text: dict[str, ServicePublic] = {}
        self._by_code: dict[str, ServicePublic] = {}
        self.strings = QStringListModel(self)

    def set_services(self, services: list[ServicePublic]) -> None:
        """Replace the items."""
        self.services = list(services)
        self._by_code = {s.code.upper(): s for s in services}
        self._by_text = {self.label(s): s for s in services}
        self.strings.setStringList(list(self._by_text))
        self.changed.emit()

    def label(self, service: ServicePublic) -> str:
        """How an item reads in the completion list."""
        return f"{service.code} — {service.name} · {self.money.fmt(service.price)}"

    def find(self, text: str) -> ServicePublic | None:
        """The item a completion string or a code names."""
        text = text.strip()
        return self._by_text.get(text) or self._by_code.get(text.upper())

    def matches(self, text: str) -> list[ServicePublic]:
        """Items whose code starts with, or whose name contains, `text` (case-insensitive)."""
        needle = text.strip().casefold()
        if not needle:
            return []
        return [
            s for s in self.services if s.code.casefold().startswith(needle) or needle in s.name.casefold()
        ]


class _Popup(QListView):
    """A completer's popup that is deleted with its completer, never before it.

    Qt makes the popup a top-level widget; the application (and the tests) delete every top-level widget
    at exit, and a completer whose popup was deleted first crashes when it is deleted in turn.
    """

    def __init__(self, completer: QCompleter) -> None:
        super().__init__()
        self._completer = completer

    def deleteLater(self) -> None:
        """Delete the completer instead: it deletes this popup."""
        if shiboken6.isValid(self._completer):
            self._completer.deleteLater()
        else:
            super().deleteLater()


def _completer(index: CatalogueIndex, parent: QObject) -> QCompleter:
    completer = QCompleter(index.strings, parent)
    completer.setPopup(_Popup(completer))
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    completer.setMaxVisibleItems(12)
    return completer


class LookupEdit(QLineEdit):
    """'Add from the catalogue': type a code or a name, pick from the popup; emits `service_chosen`."""

    service_chosen = Signal(object)

    def __init__(self, index: CatalogueIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName("catalogueLookup")
        self.setAccessibleName(self.tr("Add a service from the catalogue"))
        self.setPlaceholderText(self.tr("Add from the catalogue: type a code or a name…"))
        self.setClearButtonEnabled(True)
        self.completer_ = _completer(index, self)
        self.setCompleter(self.completer_)
        self.completer_.activated[str].connect(self._chosen)
        self.returnPressed.connect(self._enter)

    def _chosen(self, text: str) -> None:
        service = self.index.find(text)
        if service is not None:
            self.service_chosen.emit(service)
            # After the completer has written its text into the box, empty it for the next item.
            QTimer.singleShot(0, self.clear)

    def _enter(self) -> None:
        text = self.text()
        service = self.index.find(text)
        if service is None:
            found = self.index.matches(text)
            service = found[0] if len(found) == 1 else None
        if service is not None:
            self.service_chosen.emit(service)
            self.clear()
        elif text.strip():
            self.completer_.setCompletionPrefix(text)
            self.completer_.complete()

    def choose(self, text: str) -> bool:
        """Add the item `text` names (a code or a completion string); False when none does."""
        service = self.index.find(text) or next(iter(self.index.matches(text)), None)
        if service is None:
            return False
        self.service_chosen.emit(service)
        self.clear()
        return True


class LinesDelegate(QStyledItemDelegate):
    """Cell editors: the Code cell completes from the catalogue and fills the line from the item chosen."""

    def __init__(self, index: CatalogueIndex, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalogue = index

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        """A line edit (with the catalogue completer in the Code column)."""
        editor = QLineEdit(parent)
        editor.setFrame(False)
        if index.column() == Columns.CODE:
            editor.setCompleter(_completer(self.catalogue, editor))
        if index.column() in (Columns.QUANTITY, Columns.UNIT_PRICE, Columns.DISCOUNT, Columns.TAX_RATE):
            editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = index.model().headerData(index.column(), Qt.Orientation.Horizontal)
        editor.setAccessibleName(str(header))
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        """Start from the typed text."""
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        """A code or completion naming a catalogue item fills the line; anything else is kept as typed."""
        if not isinstance(editor, QLineEdit):
            return
        text = editor.text()
        if index.column() == Columns.CODE and isinstance(model, LinesModel):
            service = self.catalogue.find(text)
            if service is not None:
                model.apply_service(index.row(), service)
                return
        model.setData(index, text, Qt.ItemDataRole.EditRole)
