"""The main window: navigation by role, the pages, menus and shortcuts, the status bar; the lock replaces it.

The window owns no page logic: pages are `Page` subclasses handed in by the composition root (`ui/app.py`),
shown only to roles with their `required_perm`. Window-level commands (Ctrl+F, Ctrl+N, Ctrl+I) go to the
page that declares them in `Page.actions`, and are disabled while no page does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import permissions
from hmis_desktop.audit import Actor
from hmis_desktop.clock import Clock
from hmis_desktop.drafts import save_draft
from hmis_desktop.errors import HMISError
from hmis_desktop.inactivity import InactivityPolicy
from hmis_desktop.store.store import Store
from ui import ops, theme
from ui.account import display_name as read_display_name
from ui.account import lock_timeout_minutes
from ui.lock import LockController
from ui.ops import LOCKED_PROPERTY, Op
from ui.pages.admin_users import role_label
from ui.pages.base import Page

log = logging.getLogger(__name__)

APP_TITLE = "HMIS Desktop"
WINDOW_DRAFT = "_window"  # the draft that remembers which page was on screen
# (action id, menu text, shortcut): commands a page may perform.
PAGE_COMMANDS = (
    ("search", "&Find a patient…", QKeySequence.StandardKey.Find),
    ("new_patient", "&New patient…", QKeySequence.StandardKey.New),
    ("new_invoice", "New &invoice…", QKeySequence("Ctrl+I")),
)


def save_drafts(store: Store, actor: Actor, drafts: dict[str, dict[str, Any]]) -> None:
    """Worker: keep unsaved forms for their user (at quit)."""
    with store.session() as s:
        for form_key, payload in drafts.items():
            save_draft(s, actor=actor, form_key=form_key, payload=payload)


class MainWindow(QMainWindow):
    """Navigation, pages, menus, status bar, and the lock."""

    closed = Signal()

    def __init__(
        self,
        store: Store,
        actor: Actor,
        page_types: Sequence[type[Page]],
        *,
        clock: Clock | None = None,
        policy: InactivityPolicy | None = None,
        display_name: str = "",
        drafts: dict[str, dict[str, Any]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._actor = actor
        self.display_name = display_name
        self.page_types = list(page_types)
        self.pages: list[Page] = []
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.policy = policy or InactivityPolicy(clock or store.clock)
        self.lock = LockController(self, self.policy, self)
        self.root = QStackedWidget()
        self.work = QWidget()
        work_layout = QVBoxLayout(self.work)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.setSpacing(0)
        work_layout.addWidget(self.lock.banner)
        body = QHBoxLayout()
        body.setSpacing(0)
        self.nav = QListWidget()
        self.nav.setObjectName("navList")
        self.nav.setAccessibleName(self.tr("Sections"))
        self.nav.setFixedWidth(self.nav.fontMetrics().horizontalAdvance("M") * 13)
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        work_layout.addLayout(body, 1)
        self.root.addWidget(self.work)
        self.root.addWidget(self.lock.screen)
        self.setCentralWidget(self.root)
        self._build_status_bar()
        self._build_menus()
        self.nav.currentRowChanged.connect(self._row_changed)
        self._build_pages()
        if drafts:
            self.restore_drafts(drafts)
        self._refresh_user_info()
        self.resize(1180, 760)

    # --- identity --------------------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """Who is signed in."""
        return self._actor

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        self.store_label = QLabel(self.tr("Store: {where}").format(where=self.store.describe()))
        self.store_label.setObjectName("storeLabel")
        self.sync_slot = QWidget()
        self.sync_slot.setObjectName("syncSlot")
        QHBoxLayout(self.sync_slot).setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.user_label)
        bar.addWidget(self.store_label, 1)
        bar.addPermanentWidget(self.sync_slot)
        self._show_user()

    def _show_user(self) -> None:
        name = self.display_name or self._actor.username
        self.user_label.setText(
            self.tr("{name} · {role}").format(name=name, role=self.tr(role_label(self._actor.role)))
        )

    def _refresh_user_info(self) -> None:
        store, actor = self.store, self._actor

        def read() -> tuple[str, int]:
            return read_display_name(store, actor.user_id), lock_timeout_minutes(store)

        def show(result: tuple[str, int]) -> None:
            if result[0]:
                self.display_name = result[0]
                self._show_user()
            try:
                self.policy.set_timeout(result[1])
            except HMISError:
                log.warning("lock timeout setting out of range; keeping %s", self.policy.timeout_minutes)

        Op(self, read, show, lambda _e: None, name="main.user_info", ignore_lock=True).run()

    # --- menus -----------------------------------------------------------------------------------

    def _action(
        self, text: str, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.lock_action = self._action(self.tr("&Lock"), "Ctrl+L")
        # Ctrl+L must lock even while a dialog has the focus.
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.switch_action = self._action(self.tr("&Switch user…"))
        self.quit_action = self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.switch_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.lock_action.triggered.connect(lambda: self.lock.lock("manual"))
        self.switch_action.triggered.connect(lambda: self.lock.lock("switch", switching=True))
        self.quit_action.triggered.connect(self.close)
        work_menu = bar.addMenu(self.tr("&Work"))
        self.command_actions: dict[str, QAction] = {}
        for key, text, shortcut in PAGE_COMMANDS:
            action = self._action(QCoreApplication.translate("MainWindow", text), shortcut)
            action.triggered.connect(lambda _=False, k=key: self.run_command(k))
            work_menu.addAction(action)
            self.command_actions[key] = action
        self.go_menu = bar.addMenu(self.tr("&Go"))
        view = bar.addMenu(self.tr("&View"))
        group = QActionGroup(self)
        for name, text in (("light", self.tr("&Light theme")), ("dark", self.tr("&Dark theme"))):
            action = QAction(text, self, checkable=True)
            action.setChecked(theme.current_theme(QApplication.instance()) == name)  # type: ignore[arg-type]
            action.triggered.connect(lambda _=False, n=name: theme.apply_theme(QApplication.instance(), n))  # type: ignore[arg-type]
            group.addAction(action)
            view.addAction(action)
        help_menu = bar.addMenu(self.tr("&Help"))
        about = QAction(self.tr("&About HMIS Desktop"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About HMIS Desktop"),
            self.tr(
                "HMIS Desktop: clinic records and invoices that keep working offline, encrypted at rest."
            ),
        )

    def _update_actions(self) -> None:
        locked = self.lock.locked
        for key, action in self.command_actions.items():
            action.setEnabled(not locked and self.page_for(key) is not None)
        for action in (self.lock_action, self.switch_action, *self.go_menu.actions()):
            action.setEnabled(not locked)

    def page_for(self, command: str) -> Page | None:
        """The page that performs a window command, if this role has one."""
        return next((p for p in self.pages if command in p.actions), None)

    def run_command(self, command: str) -> None:
        """Ctrl+F / Ctrl+N / Ctrl+I: show the page and let it act."""
        page = self.page_for(command)
        if page is None or self.lock.locked:
            return
        self.show_page(page)
        page.trigger(command)

    # --- pages -----------------------------------------------------------------------------------

    def _build_pages(self) -> None:
        for page in self.pages:
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages = []
        self.nav.blockSignals(True)
        self.nav.clear()
        for action in self.go_menu.actions():
            self.removeAction(action)
            action.deleteLater()
        self.go_menu.clear()
        for number, page_type in enumerate(
            t for t in self.page_types if permissions.allowed(self._actor.role, t.required_perm)
        ):
            page = page_type(self.store, self._actor)
            self.pages.append(page)
            self.stack.addWidget(page)
            item = QListWidgetItem(page.display_title())
            item.setData(Qt.ItemDataRole.AccessibleTextRole, page.display_title())
            self.nav.addItem(item)
            go = self._action(page.display_title(), f"Ctrl+{number + 1}")
            go.triggered.connect(lambda _=False, p=page: self.show_page(p))
            self.go_menu.addAction(go)
            timeout_signal = getattr(page, "lock_timeout_changed", None)
            if timeout_signal is not None:
                timeout_signal.connect(self.policy.set_timeout)
        self.nav.blockSignals(False)
        if self.pages:
            self.nav.setCurrentRow(0)
            self._row_changed(0)
        self._update_actions()

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            self.stack.setCurrentWidget(self.pages[row])
            if not self.lock.locked:
                self.pages[row].on_shown()

    def show_page(self, page: Page) -> None:
        """Make `page` the current one."""
        self.nav.setCurrentRow(self.pages.index(page))

    def page_titles(self) -> list[str]:
        """The navigation's entries, in order."""
        return [self.nav.item(i).text() for i in range(self.nav.count())]

    def current_page(self) -> Page | None:
        """The page on screen."""
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, Page) else None

    # --- drafts and the lock (see ui/lock.py) ----------------------------------------------------

    def collect_drafts(self) -> dict[str, dict[str, Any]]:
        """Every page's unsaved state, by form key (plus which page was on screen)."""
        drafts: dict[str, dict[str, Any]] = {}
        for page in self.pages:
            try:
                data = page.collect_draft()
            except Exception as exc:  # one broken page must not stop the lock
                log.error("collect_draft of %s failed: %s", type(page).__name__, type(exc).__name__)
                continue
            if data:
                drafts[page.form_key] = data
        if drafts and (current := self.current_page()) is not None:
            drafts[WINDOW_DRAFT] = {"page": current.form_key}
        return drafts

    def restore_drafts(self, drafts: dict[str, dict[str, Any]]) -> None:
        """Give each page its draft back, and show the page that was on screen."""
        for page in self.pages:
            if page.form_key in drafts:
                page.restore_draft(drafts[page.form_key])
        shown = drafts.get(WINDOW_DRAFT, {}).get("page")
        for page in self.pages:
            if page.form_key == shown and page is not self.current_page():
                self.show_page(page)

    def enter_lock(self) -> None:
        """Hide everything at once: pages drop their data, the lock screen replaces the content."""
        for page in self.pages:
            page.setProperty(LOCKED_PROPERTY, True)
            try:
                page.clear_sensitive()
            except Exception as exc:
                log.error("clear_sensitive of %s failed: %s", type(page).__name__, type(exc).__name__)
                page.hide()
        self.root.setCurrentWidget(self.lock.screen)
        self.setWindowTitle(self.tr("HMIS Desktop — locked"))
        self._update_actions()

    def leave_lock(self, actor: Actor, display_name: str, drafts: dict[str, dict[str, Any]]) -> None:
        """Back to work as `actor` (the same user, or another who switched in) with their drafts."""
        switched = actor.user_id != self._actor.user_id or actor.role != self._actor.role
        self._actor = actor
        self.display_name = display_name
        self._show_user()
        if switched:
            self._build_pages()
        for page in self.pages:
            page.setProperty(LOCKED_PROPERTY, False)
        self.restore_drafts(drafts)
        self.root.setCurrentWidget(self.work)
        self.setWindowTitle(APP_TITLE)
        self._update_actions()
        if (page := self.current_page()) is not None:
            page.on_shown()

    @property
    def locked(self) -> bool:
        """Whether the lock screen is up."""
        return self.lock.locked

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quit without asking: unsaved forms are kept as drafts for the user."""
        if not self.lock.locked:
            drafts = self.collect_drafts()
            if drafts:
                try:
                    ops.call_blocking(lambda: save_drafts(self.store, self._actor, drafts))
                except Exception as exc:
                    log.error("drafts not saved at quit: %s", type(exc).__name__)
        self.lock.stop()
        event.accept()
        self.closed.emit()
