"""Offscreen screenshots of every screen, for review: `python -m ui.screenshots OUTDIR` (`make screenshots`).

Drives the real windows on a temporary store (no display needed) and saves PNGs with `widget.grab()`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from hmis_desktop import auth
from hmis_desktop.clock import FakeClock
from hmis_desktop.errors import StoreCorrupt
from hmis_desktop.permissions import Role
from hmis_desktop.store.models import User
from hmis_desktop.store.store import Store
from ui import ops, screenshots_billing, screenshots_patients, theme
from ui.app import PAGE_TYPES, Application, StoreErrorWindow
from ui.first_run import FirstRunWizard
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage

ADMIN_PW = "Lake-Victoria-2026!"
STAFF_PW = "Blue-Heron-Lake-42"
SIZE = (1180, 760)


def _wait(pred: Callable[[], bool], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if pred() and ops.idle():
            # Let layout requests posted by the last deliveries run before anything is grabbed.
            for _ in range(3):
                QCoreApplication.sendPostedEvents()
                QApplication.processEvents()
            return
        time.sleep(0.01)
    raise TimeoutError("the screen did not settle")


def _settle() -> None:
    _wait(lambda: True)


class Shooter:
    """Saves numbered PNGs into a folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.count = 0
        out.mkdir(parents=True, exist_ok=True)

    def __call__(self, widget: QWidget, name: str) -> Path:
        widget.show()
        _settle()
        self.count += 1
        path = self.out / f"{self.count:02d}-{name}.png"
        widget.grab().save(str(path))
        print(path)
        return path


def _logo(path: Path) -> Path:
    image = QImage(240, 80, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1f5fbf"))
    p.setPen(QColor("#1f5fbf"))
    p.drawEllipse(8, 8, 64, 64)
    p.setPen(QColor("#ffffff"))
    p.drawText(8, 8, 64, 64, 0x84, "S")
    p.setPen(QColor("#14213d"))
    font = p.font()
    font.setPointSize(20)
    p.setFont(font)
    p.drawText(84, 52, "Sunrise")
    p.end()
    image.save(str(path))
    return path


def wizard_shots(shoot: Shooter, tmp: Path, clock: FakeClock) -> Application:
    """The first-run wizard, page by page, ending on the admin's main window."""
    app = Application(tmp / "profile", clock=clock)
    app.start()
    wizard = app.window
    assert isinstance(wizard, FirstRunWizard)
    wizard.resize(820, 760)
    form = wizard.clinic_page.form
    form.edits["clinic.name"].setText("Sunrise Family Clinic")
    form.address.setPlainText("12 Market Road\nKisumu 40100")
    form.edits["clinic.tax_id"].setText("P051234567X")
    form.edits["clinic.phone"].setText("+254 712 000 111")
    form.edits["clinic.email"].setText("desk@sunrise.example")
    form.combos["clinic.currency"].setEditText("KES")
    form.combos["clinic.locale"].setEditText("en_KE")
    form.combos["clinic.region"].setEditText("KE")
    form.edits["invoice.prefix"].setText("SR")
    form.set_logo_file(_logo(tmp / "logo.png"))
    shoot(wizard, "wizard-1-clinic")
    wizard.next()
    page = wizard.admin_page
    page.display_name.setText("Ada Achieng")
    page.password.setText("password1")
    shoot(wizard, "wizard-2-admin-weak-password")
    page.password.setText(ADMIN_PW)
    page.confirm.setText(ADMIN_PW)
    shoot(wizard, "wizard-2-admin-ok")
    wizard.next()
    wizard.location_page.server.setChecked(True)
    wizard.location_page.url.setText("postgresql://hmis@clinic-server:1/hmis")
    wizard.location_page.run_test()
    _wait(lambda: wizard.location_page.result.property("kind") == "error")
    shoot(wizard, "wizard-3-location-server-error")
    wizard.location_page.local.setChecked(True)
    shoot(wizard, "wizard-3-location-local")
    wizard.next()
    _wait(lambda: wizard.currentPage() is wizard.recovery_page)
    shoot(wizard, "wizard-4-recovery-key")
    wizard.recovery_page.confirm.setChecked(True)
    shoot(wizard, "wizard-4-recovery-key-confirmed")
    wizard.accept()
    _settle()
    return app


def _add_staff(store: Store, admin_pw: str) -> None:
    admin = auth.login(store, "admin", admin_pw)
    staff = [
        ("fatma.k", "Fatma Kariuki", Role.FRONT_DESK),
        ("dr.omondi", "Dr. Peter Omondi", Role.DOCTOR),
        ("grace.m", "Grace Mutua", Role.MANAGER),
    ]
    with store.session() as s:
        for username, name, role in staff:
            auth.create_user(
                s, actor=admin, username=username, display_name=name, role=role, password=STAFF_PW
            )
    with store.session() as s:
        for user in s.query(User).filter(User.username.in_([u for u, _, _ in staff])):
            user.must_change_password = False


def role_shots(shoot: Shooter, store: Store, clock: FakeClock, prefix: str = "") -> None:
    """The main window as each role sees it, the admin tabs, the warning banner and the lock screen."""
    for username, pw in (("fatma.k", STAFF_PW), ("dr.omondi", STAFF_PW), ("grace.m", STAFF_PW)):
        actor = auth.login(store, username, pw)
        window = MainWindow(store, actor, PAGE_TYPES, clock=clock)
        window.resize(*SIZE)
        shoot(window, f"{prefix}main-{actor.role}")
        window.close()
    actor = auth.login(store, "admin", ADMIN_PW)
    window = MainWindow(store, actor, PAGE_TYPES, clock=clock)
    window.resize(*SIZE)
    admin = next(p for p in window.pages if isinstance(p, AdminPage))
    window.show_page(admin)
    admin.users.new_username.setText("amina.o")
    admin.users.new_display.setText("Amina Odhiambo")
    admin.users.new_password.setText("Temp")
    shoot(window, f"{prefix}admin-users")
    admin.tabs.setCurrentWidget(admin.security)
    shoot(window, f"{prefix}admin-screen-lock")
    admin.tabs.setCurrentWidget(admin.clinic)
    shoot(window, f"{prefix}admin-clinic")
    admin.tabs.setCurrentWidget(admin.users)
    clock.advance(minutes=28, seconds=1)
    window.lock.tick()
    shoot(window, f"{prefix}lock-warning")
    clock.advance(minutes=2)
    window.lock.tick()
    shoot(window, f"{prefix}lock-screen")
    window.lock.screen.password.setText("wrong")
    window.lock.screen._submit()
    _settle()
    shoot(window, f"{prefix}lock-screen-wrong-password")
    window.lock.screen.set_switching(True)
    shoot(window, f"{prefix}lock-switch-user")
    window.close()
    _settle()


def login_shots(shoot: Shooter, profile: Path, clock: FakeClock, prefix: str = "") -> None:
    """The login window, empty and after a wrong password."""
    app = Application(profile, clock=clock)
    app.start()
    login = app.window
    assert isinstance(login, LoginWindow)
    login.resize(*SIZE)
    shoot(login, f"{prefix}login")
    login.username.setText("admin")
    login.password.setText("not-it")
    login.submit()
    _wait(lambda: login.sign_in.isEnabled())
    shoot(login, f"{prefix}login-wrong-password")
    login.close()
    app.close()


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots into OUTDIR."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    qapp = QApplication.instance() or QApplication(["screenshots"])
    assert isinstance(qapp, QApplication)
    theme.apply_theme(qapp, "light")
    shoot = Shooter(out)
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        app = wizard_shots(shoot, tmp, clock)
        assert app.store is not None
        store = app.store
        _add_staff(store, ADMIN_PW)
        window = app.window
        if window is not None:
            window.resize(*SIZE)
            shoot(window, "main-admin-after-setup")
            window.close()
        role_shots(shoot, store, clock)
        login_shots(shoot, tmp / "profile", clock)
        theme.apply_theme(qapp, "dark")
        role_shots(shoot, store, clock, prefix="dark-")
        login_shots(shoot, tmp / "profile", clock, prefix="dark-")
        theme.apply_theme(qapp, "light")
        error = StoreErrorWindow(
            app,
            StoreCorrupt(
                f"The store file {tmp / 'profile' / 'store.db'} is truncated (4096 of 1228800 bytes). Nothing was "
                "changed. Restore the latest backup with `hmis-desktop restore BACKUP`."
            ),
        )
        error.resize(*SIZE)
        shoot(error, "store-error")
        error.close()
        app.close()
    screenshots_patients.take(out, shoot)
    screenshots_billing.take(out, shoot)
    ops.shutdown()
    # Tear windows down while the QApplication still exists (an exit-time teardown order can crash).
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
