"""The Admin page (administrators only): users, screen lock, clinic profile, catalogue, keys, backups, import."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.permissions import Perm
from hmis_desktop.store.store import Store
from ui.pages.admin_backups import BackupsTab
from ui.pages.admin_catalogue import CatalogueTab
from ui.pages.admin_clinic import ClinicTab, SecurityTab
from ui.pages.admin_import import ImportTab
from ui.pages.admin_keys import KeysTab
from ui.pages.admin_users import UsersTab
from ui.pages.base import Page
from ui.widgets import heading


class AdminPage(Page):
    """Users, the lock timeout and the clinic profile."""

    title = "Admin"
    required_perm = Perm.USER_MANAGE
    form_key = "admin"

    lock_timeout_changed = Signal(int)

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(heading(self.tr("Administration")))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("adminTabs")
        self.users = UsersTab(store, actor)
        self.security = SecurityTab(store, actor)
        self.clinic = ClinicTab(store, actor)
        self.tabs.addTab(self.users, self.tr("&Users"))
        self.tabs.addTab(self.security, self.tr("&Screen lock"))
        self.tabs.addTab(self.clinic, self.tr("&Clinic"))
        self.catalogue = CatalogueTab(store, actor)
        self.keys = KeysTab(store, actor)
        self.backups = BackupsTab(store, actor)
        self.importer = ImportTab(store, actor)
        self.tabs.addTab(self.catalogue, self.tr("Service c&atalogue"))
        self.tabs.addTab(self.keys, self.tr("&Keys"))
        self.tabs.addTab(self.backups, self.tr("&Backups"))
        self.tabs.addTab(self.importer, self.tr("&Import"))
        layout.addWidget(self.tabs, 1)
        self.security.timeout_changed.connect(self.lock_timeout_changed)
        self.tabs.currentChanged.connect(self._tab_shown)

    def on_shown(self) -> None:
        """Reload what the current tab shows."""
        self._tab_shown(self.tabs.currentIndex())

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.users:
            self.users.refresh()
        elif widget is self.security:
            self.security.load()
        elif widget is self.clinic:
            self.clinic.load()
        elif widget is self.catalogue:
            self.catalogue.refresh()
        elif widget is self.keys:
            self.keys.refresh()

    def collect_draft(self) -> dict[str, Any] | None:
        """The add-user form and unsaved clinic edits (never passwords)."""
        draft: dict[str, Any] = {}
        if (form := self.users.form_draft()) is not None:
            draft["add_user"] = form
        if (clinic := self.clinic.draft()) is not None:
            draft["clinic"] = clinic
        if (item := self.catalogue.draft()) is not None:
            draft["catalogue"] = item
        if (csv_import := self.importer.draft()) is not None:
            draft["import"] = csv_import
        if not draft:
            return None
        draft["tab"] = self.tabs.currentIndex()
        return draft

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Put the forms back as they were."""
        if "add_user" in data:
            self.users.restore_form(data["add_user"])
        if "clinic" in data:
            self.clinic.restore(data["clinic"])
        if "catalogue" in data:
            self.catalogue.restore(data["catalogue"])
        if "import" in data:
            self.importer.restore(data["import"])
        tab = data.get("tab")
        if isinstance(tab, int) and 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def clear_sensitive(self) -> None:
        """Empty every form and list."""
        self.users.clear_sensitive()
        self.clinic.clear()
        self.security.message.clear_message()
        for tab in (self.catalogue, self.keys, self.backups, self.importer):
            tab.clear_sensitive()
