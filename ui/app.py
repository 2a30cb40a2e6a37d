"""The composition root: parse arguments, build the QApplication, open the store, hand out the windows.

`python -m ui.app [--profile DIR] [--demo] [--theme light|dark]`. Importing this module has no side effects;
`main()` does the work. One `Application` object owns the store and the current window: no globals.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.clock import Clock
from hmis_desktop.errors import HMISError, KeyMaterialError, StoreError
from hmis_desktop.profile import Profile, default_profile_dir
from hmis_desktop.store.store import Store
from ui import ops, theme
from ui.login import LoginWindow, centered_card
from ui.widgets import heading, hint

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.pages.base import Page


def page_types() -> tuple[type[Page], ...]:
    """The main window's pages, imported on first use: the login window shows before they load."""
    from ui.pages.admin import AdminPage
    from ui.pages.invoices import InvoicesPage
    from ui.pages.patients import PatientsPage
    from ui.pages.reports import ReportsPage

    return (PatientsPage, InvoicesPage, ReportsPage, AdminPage)


def __getattr__(name: str) -> object:
    # `ui.app.PAGE_TYPES` stays available (screenshots, tests) without importing every page at start-up.
    if name == "PAGE_TYPES":
        return page_types()
    raise AttributeError(name)


DEMO_ADMIN = ("admin", "Sunrise-Clinic-26")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="hmis-desktop-gui", description="HMIS Desktop")
    parser.add_argument("--profile", type=Path, default=None, help="the clinic's profile folder")
    parser.add_argument("--demo", action="store_true", help="create a demo clinic if the profile is empty")
    parser.add_argument("--theme", choices=("light", "dark", "auto"), default="auto")
    args, _qt_args = parser.parse_known_args(list(argv) if argv is not None else None)
    args.profile = args.profile or default_profile_dir()
    return args


def ensure_demo_store(profile_dir: Path) -> None:
    """A demo clinic where the profile has no store (the lead's `hmis_desktop.demo` when present)."""
    if Profile.load(profile_dir).exists():
        return
    if importlib.util.find_spec("hmis_desktop.demo") is not None:
        from hmis_desktop import demo  # type: ignore[attr-defined,unused-ignore]

        demo.ensure_demo(profile_dir)
        return
    store, _recovery = Store.create(
        profile_dir,
        clinic_name="Sunrise Clinic (demo)",
        admin_username=DEMO_ADMIN[0],
        admin_password=DEMO_ADMIN[1],
        admin_display_name="Demo Administrator",
    )
    store.close()


class StoreErrorWindow(QWidget):
    """The store cannot be opened: say why and what to do, never a traceback."""

    def __init__(self, app: Application, error: HMISError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storeErrorWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setWindowTitle(self.tr("HMIS Desktop — the store cannot be opened"))
        _, box = centered_card(self, width_em=60)
        box.addWidget(heading(self.tr("The clinic's store cannot be opened")))
        self.reason = QLabel(str(error))
        self.reason.setObjectName("errorReason")
        self.reason.setWordWrap(True)
        self.reason.setProperty("kind", "error")
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.addWidget(self.reason)
        box.addWidget(hint(self.tr("Nothing was changed or overwritten. What you can do:")))
        steps = [
            self.tr("• Restore the latest backup (your administrator can, with “hmis-desktop restore”)."),
            self.tr("• Choose another profile folder, if the clinic's store lives elsewhere."),
        ]
        if isinstance(error, KeyMaterialError):
            steps.append(
                self.tr("• If no password opens the store, the recovery key printed at set-up does.")
            )
        for step in steps:
            box.addWidget(hint(step))
        box.addWidget(hint(self.tr("Profile folder: {path}").format(path=app.profile_dir)))
        row = QHBoxLayout()
        self.choose = QPushButton(self.tr("Choose another profile…"))
        self.quit = QPushButton(self.tr("Quit"))
        row.addWidget(self.choose)
        row.addStretch(1)
        row.addWidget(self.quit)
        box.addLayout(row)
        self.choose.clicked.connect(lambda: app.choose_profile(self))
        self.quit.clicked.connect(self.close)
        self.resize(760, 560)


class Application(QObject):
    """Owns the store and whichever window is up: wizard, error, login or main window."""

    def __init__(
        self,
        profile_dir: Path,
        *,
        clock: Clock | None = None,
        page_types: Sequence[type[Page]] | None = None,
    ) -> None:
        super().__init__()
        self.profile_dir = profile_dir
        self.clock = clock
        self._page_types = tuple(page_types) if page_types is not None else None
        self.store: Store | None = None
        self.window: QWidget | None = None

    @property
    def page_types(self) -> tuple[type[Page], ...]:
        """The pages the main window offers (loaded at the first sign-in unless given)."""
        if self._page_types is None:
            self._page_types = page_types()
        return self._page_types

    def _show(self, window: QWidget) -> None:
        old, self.window = self.window, window
        window.show()
        if old is not None and old is not window:
            old.hide()
            old.deleteLater()

    def start(self) -> None:
        """Open the profile's store and show the login window, or the wizard when there is none."""
        try:
            profile = Profile.load(self.profile_dir)
        except StoreError as exc:
            self.show_error(exc)
            return
        if not profile.exists():
            self.show_wizard()
            return
        try:
            store = Store.open(self.profile_dir, clock=self.clock)
        except HMISError as exc:
            self.show_error(exc)
            return
        self.store = store
        try:
            store.unlock_with_device()
        except KeyMaterialError as exc:
            log.warning("device key did not open the store: %s", type(exc).__name__)
        except HMISError as exc:
            self.show_error(exc)
            return
        self.show_login()

    def show_error(self, error: HMISError) -> StoreErrorWindow:
        """The store cannot be opened."""
        window = StoreErrorWindow(self, error)
        self._show(window)
        return window

    def choose_profile(self, parent: QWidget) -> None:
        """Pick another profile folder and start again."""
        path = QFileDialog.getExistingDirectory(
            parent, self.tr("Choose the profile folder"), str(self.profile_dir)
        )
        if path:
            self.profile_dir = Path(path)
            self.start()

    def show_wizard(self) -> QWidget:
        """First run: set up the clinic."""
        from ui.first_run import FirstRunWizard  # imported when needed: start-up time counts

        wizard = FirstRunWizard(self.profile_dir, clock=self.clock)
        wizard.completed.connect(self._created)
        self._show(wizard)
        return wizard

    def _created(self, store: Store, actor: Actor) -> None:
        self.store = store
        self.show_main(actor)

    def show_login(self) -> LoginWindow:
        """Ask who is there."""
        assert self.store is not None
        login = LoginWindow(self.store)
        login.logged_in.connect(self.show_main)
        self._show(login)
        return login

    def show_main(self, actor: Actor) -> MainWindow:
        """The signed-in user's main window."""
        from ui.main_window import MainWindow

        assert self.store is not None
        window = MainWindow(self.store, actor, self.page_types, clock=self.clock)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._show(window)
        self._restore_drafts(window, actor)
        return window

    def _restore_drafts(self, window: MainWindow, actor: Actor) -> None:
        # Drafts left by an earlier lock (or quit) come back when their user signs in again.
        from hmis_desktop.drafts import delete_draft, load_drafts

        store = self.store
        assert store is not None

        def take() -> dict[str, dict[str, object]]:
            with store.session() as s:
                drafts = load_drafts(s, actor=actor)
                if drafts:
                    delete_draft(s, actor=actor)
                return drafts

        ops.Op(window, take, window.restore_drafts, lambda _e: None, name="app.drafts").run()

    def close(self) -> None:
        """Release the store (at exit)."""
        ops.shutdown()
        if self.store is not None:
            self.store.close()
            self.store = None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop application; returns the exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv if argv is not None else sys.argv[1:])
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "hmis-desktop"])
    assert isinstance(app, QApplication)
    app.setApplicationName("HMIS Desktop")
    app.setOrganizationName("HMIS")
    theme.apply_theme(app, None if args.theme == "auto" else args.theme)
    controller = Application(args.profile)
    if args.demo:
        try:
            ensure_demo_store(args.profile)
        except HMISError as exc:
            controller.show_error(exc)
            return _run(app, controller)
    controller.start()
    return _run(app, controller)


def _run(app: QApplication, controller: Application) -> int:
    try:
        return app.exec()
    finally:
        controller.close()
        # Delete the windows while the QApplication lives; left to interpreter exit, Python frees Qt
        # objects in arbitrary order after it.
        for widget in QApplication.topLevelWidgets():
            widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


if __name__ == "__main__":
    raise SystemExit(main())
