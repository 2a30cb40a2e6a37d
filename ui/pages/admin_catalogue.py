"""Admin → Service catalogue: the list, add and edit an item (validation beside each field), retire or
bring back (`hmis_desktop.services.catalogue`)."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.services import catalogue
from hmis_desktop.services.catalogue import ServiceCreate, ServicePublic, ServiceUpdate
from hmis_desktop.store.store import Store
from ui.billing.money import ClinicMoney, load_money
from ui.billing.table_model import RecordModel
from ui.billing.widgets import table_view
from ui.ops import Op
from ui.widgets import MessageLabel, hint

_NAN = Decimal("NaN")


class ServicesModel(RecordModel[ServicePublic]):
    """Catalogue items by code."""

    class Columns(enum.IntEnum):
        CODE = 0
        NAME = 1
        PRICE = 2
        TAX = 3
        STATUS = 4

    numeric = frozenset({Columns.PRICE, Columns.TAX})

    def headers(self) -> dict[int, str]:
        """Column titles."""
        C = self.Columns
        return {
            C.CODE: self.tr("Code"),
            C.NAME: self.tr("Name"),
            C.PRICE: self.tr("Price"),
            C.TAX: self.tr("Tax"),
            C.STATUS: self.tr("Status"),
        }

    def cell(self, row: ServicePublic, column: int) -> str:
        """An item's text."""
        C = self.Columns
        if column == C.CODE:
            return row.code
        if column == C.NAME:
            return row.name
        if column == C.PRICE:
            return self.money.fmt(row.price)
        if column == C.TAX:
            return self.money.percent(row.tax_rate)
        return self.tr("Offered") if row.active else self.tr("Retired")


def list_items(store: Store, actor: Actor, query: str, inactive: bool) -> list[ServicePublic]:
    """Worker: the catalogue (retired items too when asked)."""
    with store.read_session() as s:
        return catalogue.list_services(s, actor=actor, active_only=not inactive, query=query, limit=500)


class CatalogueTab(QWidget):
    """The list on the left, the item form on the right."""

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.money = ClinicMoney()
        self.editing: ServicePublic | None = None
        self._pending_id: str | None = None  # the item a restored draft was editing
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setAccessibleName(self.tr("Find a service"))
        self.search.setPlaceholderText(self.tr("Find by code or name…"))
        self.search.setClearButtonEnabled(True)
        self.show_retired = QCheckBox(self.tr("Show &retired items"))
        bar.addWidget(self.search, 1)
        bar.addWidget(self.show_retired)
        left.addLayout(bar)
        self.model = ServicesModel(self)
        self.table = table_view(self.model, self.tr("Service catalogue"), stretch=ServicesModel.Columns.NAME)
        self.table.setObjectName("catalogueTable")
        left.addWidget(self.table, 1)
        self.message = MessageLabel()
        left.addWidget(self.message)
        layout.addLayout(left, 3)
        layout.addWidget(self._form(), 2)
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.show_retired.toggled.connect(lambda _on: self.refresh())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.table.activated.connect(lambda _i: self.code.setFocus())

    def _form(self) -> QGroupBox:
        box = QGroupBox(self.tr("Item"))
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.code = QLineEdit()
        self.code.setObjectName("serviceCode")
        self.code.setAccessibleName(self.tr("Code"))
        self.code.setPlaceholderText(self.tr("e.g. CONS-01"))
        self.name = QLineEdit()
        self.name.setObjectName("serviceName")
        self.name.setAccessibleName(self.tr("Name"))
        self.price = QLineEdit()
        self.price.setObjectName("servicePrice")
        self.price.setAccessibleName(self.tr("Price"))
        self.tax = QLineEdit("0")
        self.tax.setObjectName("serviceTax")
        self.tax.setAccessibleName(self.tr("Tax rate in percent"))
        self.errors: dict[str, MessageLabel] = {}
        for key, label, edit in (
            ("code", self.tr("&Code"), self.code),
            ("name", self.tr("&Name"), self.name),
            ("price", self.tr("&Price (clinic currency)"), self.price),
            ("tax_rate", self.tr("&Tax rate (%)"), self.tax),
        ):
            form.addRow(label, edit)
            self.errors[key] = MessageLabel()
            form.addRow(self.errors[key])
            edit.textEdited.connect(lambda _t, k=key: self.errors[k].clear_message())
        form.addRow(hint(self.tr("Changes apply to new invoices; issued invoices keep their own copy.")))
        self.form_message = MessageLabel()
        form.addRow(self.form_message)
        row = QHBoxLayout()
        self.new_button = QPushButton(self.tr("N&ew item"))
        self.toggle_button = QPushButton(self.tr("Re&tire"))
        self.save_button = QPushButton(self.tr("&Add item"))
        self.save_button.setObjectName("saveServiceButton")
        self.save_button.setProperty("primary", True)
        row.addWidget(self.new_button)
        row.addWidget(self.toggle_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        form.addRow(row)
        self.new_button.clicked.connect(self.new_item)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.save_button.clicked.connect(self.save)
        for edit in (self.code, self.name, self.price, self.tax):
            edit.returnPressed.connect(self.save)
        self.toggle_button.setEnabled(False)
        return box

    # --- list ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list off the GUI thread (and the currency, once)."""
        store, actor, query, inactive = (
            self.store,
            self.actor,
            self.search.text(),
            self.show_retired.isChecked(),
        )
        if self.money == ClinicMoney():
            Op(self, lambda: load_money(store), self._money, lambda _e: None, name="catalogue.money").run()
        Op(
            self,
            lambda: list_items(store, actor, query, inactive),
            self._show,
            self._failed,
            key="admin.catalogue",
        ).run()

    def _money(self, money: ClinicMoney) -> None:
        self.money = money
        self.model.money = money
        self.model.layoutChanged.emit()

    def _show(self, rows: list[ServicePublic]) -> None:
        selected = self.editing.id if self.editing else None
        self.model.set_rows(rows)
        if self._pending_id is not None:
            # A restored draft edits this item: keep the typed text, do not select (that would overwrite it).
            self.editing = next((r for r in rows if str(r.id) == self._pending_id), None)
            self._pending_id = None
            if self.editing is not None:
                self.save_button.setText(self.tr("&Save changes"))
                self.toggle_button.setEnabled(True)
            return
        for i, r in enumerate(rows):
            if r.id == selected:
                # The form already shows this item (maybe with a message): select it without refilling.
                self.table.selectionModel().blockSignals(True)
                self.table.selectRow(i)
                self.table.selectionModel().blockSignals(False)
                self.table.viewport().update()

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.model.row_at(rows[0].row()) if rows else None
        if item is None:
            return
        self._clear_errors()
        self._fill(item)

    def _fill(self, item: ServicePublic) -> None:
        self.editing = item
        self.code.setText(item.code)
        self.name.setText(item.name)
        self.price.setText(self.money.number(item.price))
        self.tax.setText(f"{item.tax_rate.normalize():f}")
        self.save_button.setText(self.tr("&Save changes"))
        self.toggle_button.setEnabled(True)
        self.toggle_button.setText(self.tr("Re&tire") if item.active else self.tr("Bring &back"))

    # --- form ------------------------------------------------------------------------------------

    def new_item(self) -> None:
        """An empty form for a new item."""
        self.editing = None
        self.table.clearSelection()
        for edit in (self.code, self.name, self.price):
            edit.clear()
        self.tax.setText("0")
        self.save_button.setText(self.tr("&Add item"))
        self.toggle_button.setEnabled(False)
        self._clear_errors()
        self.code.setFocus()

    def _clear_errors(self) -> None:
        for label in (*self.errors.values(), self.form_message):
            label.clear_message()

    def _number(self, edit: QLineEdit) -> Decimal:
        value = self.money.parse(edit.text())
        return _NAN if value is None else value  # the core says what to type

    def save(self) -> None:
        """Add the item or save the changes; the core's messages go beside their fields."""
        self._clear_errors()
        store, actor, editing = self.store, self.actor, self.editing
        code, name, price, tax = (
            self.code.text(),
            self.name.text(),
            self._number(self.price),
            self._number(self.tax),
        )

        def work() -> ServicePublic:
            with store.session() as s:
                if editing is None:
                    return catalogue.create_service(
                        s, actor=actor, data=ServiceCreate(code, name, price, tax)
                    )
                return catalogue.update_service(
                    s, actor=actor, service_id=editing.id, changes=ServiceUpdate(code, name, price, tax)
                )

        def done(item: ServicePublic) -> None:
            self._fill(item)
            self.form_message.success(
                (self.tr("{code} was added.") if editing is None else self.tr("{code} was saved.")).format(
                    code=item.code
                )
            )
            self.refresh()

        Op(self, work, done, self._form_failed, name="admin.catalogue.save").run()

    def _form_failed(self, error: HMISError) -> None:
        if isinstance(error, ValidationError):
            for key, message in error.errors.items():
                (self.errors.get(key) or self.form_message).error(message)
        else:
            self.form_message.error(str(error))

    def toggle_active(self) -> None:
        """Retire the item from new invoices, or bring it back."""
        item = self.editing
        if item is None:
            return
        store, actor = self.store, self.actor

        def work() -> ServicePublic:
            with store.session() as s:
                return catalogue.set_service_active(
                    s, actor=actor, service_id=item.id, active=not item.active
                )

        def done(new: ServicePublic) -> None:
            self.editing = new
            self.form_message.success(
                (
                    self.tr("{code} is offered again.") if new.active else self.tr("{code} was retired.")
                ).format(code=new.code)
            )
            self.toggle_button.setText(self.tr("Re&tire") if new.active else self.tr("Bring &back"))
            if not new.active and not self.show_retired.isChecked():
                self.show_retired.setChecked(True)
            else:
                self.refresh()

        Op(self, work, done, self._form_failed, name="admin.catalogue.active").run()

    # --- drafts ----------------------------------------------------------------------------------

    def draft(self) -> dict[str, Any] | None:
        """The form as typed (not PHI), when it holds anything."""
        data = {
            "id": str(self.editing.id) if self.editing else None,
            "code": self.code.text(),
            "name": self.name.text(),
            "price": self.price.text(),
            "tax": self.tax.text(),
        }
        return data if any((data["code"], data["name"], data["price"])) else None

    def restore(self, data: dict[str, Any]) -> None:
        """Put the typed form back; the item it edited is found again at the next refresh."""
        self._pending_id = data.get("id") or None
        self.code.setText(str(data.get("code", "")))
        self.name.setText(str(data.get("name", "")))
        self.price.setText(str(data.get("price", "")))
        self.tax.setText(str(data.get("tax", "0")))

    def clear_sensitive(self) -> None:
        """Nothing here is patient data; messages are cleared."""
        self.message.clear_message()
        self.form_message.clear_message()
