"""Admin → Service catalogue: add (errors beside the fields), edit, retire and bring back."""

from __future__ import annotations

from decimal import Decimal

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.services import catalogue
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.billing_support import page_of, window_for
from tests.ui.conftest import settle
from ui.pages.admin import AdminPage
from ui.pages.admin_catalogue import ServicesModel


def _items(store: Store, actor) -> list[catalogue.ServicePublic]:
    with store.read_session() as s:
        return catalogue.list_services(s, actor=actor, active_only=False)


def test_add_edit_retire_a_catalogue_item(qtbot, ui_store: Store, clock: FakeClock) -> None:
    admin = auth.login(ui_store, "admin", ADMIN_PASSWORD)
    window = window_for(qtbot, ui_store, clock, admin)
    page = page_of(window, AdminPage, qtbot)
    page.tabs.setCurrentWidget(page.catalogue)
    settle(qtbot)
    tab = page.catalogue
    assert tab.model.rowCount() == 0

    qtbot.keyClicks(tab.code, "bad code!")
    qtbot.keyClicks(tab.price, "12.345")
    tab.tax.setText("150")
    tab.save_button.click()
    settle(qtbot)
    assert "Enter a code of 1 to 32 letters" in tab.errors["code"].text()
    assert "Enter the service's name." == tab.errors["name"].text()
    assert "at most 2 decimal places" in tab.errors["price"].text()
    assert "percentage from 0 to 100" in tab.errors["tax_rate"].text()
    assert _items(ui_store, admin) == []

    tab.code.setText("xray-chest")
    tab.name.setText("Chest X-ray")
    tab.price.setText("2,500")
    tab.tax.setText("16")
    tab.save_button.click()
    settle(qtbot)
    assert tab.form_message.text() == "XRAY-CHEST was added."
    assert not tab.errors["code"].isVisible()
    [item] = _items(ui_store, admin)
    assert (item.code, item.name, item.price, item.tax_rate, item.active) == (
        "XRAY-CHEST", "Chest X-ray", Decimal("2500.0000"), Decimal("16.0000"), True
    )  # fmt: skip
    assert tab.model.index(0, ServicesModel.Columns.NAME).data() == "Chest X-ray"
    assert tab.model.index(0, ServicesModel.Columns.PRICE).data() == "KES2,500.00"

    # Edit the selected item.
    tab.table.selectRow(0)
    assert tab.save_button.text() == "&Save changes" and tab.price.text() == "2500.00"
    tab.price.setText("2700")
    tab.save_button.click()
    settle(qtbot)
    assert _items(ui_store, admin)[0].price == Decimal("2700")

    # A duplicate code is refused beside the code.
    tab.new_item()
    tab.code.setText("XRAY-CHEST")
    tab.name.setText("Another")
    tab.price.setText("1")
    tab.save_button.click()
    settle(qtbot)
    assert tab.errors["code"].text() == "Another service already uses this code. Choose another code."

    # Retire: it leaves the default list; bring it back.
    tab.table.selectRow(0)
    tab.toggle_button.click()
    settle(qtbot)
    assert not _items(ui_store, admin)[0].active
    assert (
        tab.show_retired.isChecked() and tab.model.index(0, ServicesModel.Columns.STATUS).data() == "Retired"
    )
    tab.toggle_button.click()
    settle(qtbot)
    assert _items(ui_store, admin)[0].active
