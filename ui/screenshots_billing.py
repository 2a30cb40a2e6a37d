"""Screenshots of the billing, reports and admin screens (`ui.screenshots` calls `take`): the invoice list,
the editor with lines and live totals, the payment dialog with change due, an issued invoice with its PDF
preview, void and credit-note dialogs, the day sheet and aging reports, and the Admin tabs (catalogue, keys,
backups, import), in the light and dark themes. Runs on its own demo clinic in a temp folder.

`python -m ui.screenshots_billing OUTDIR` writes only these.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from hmis_desktop import auth, demo
from hmis_desktop.audit import Actor
from hmis_desktop.services.invoices import local_date
from hmis_desktop.store.models import Invoice
from hmis_desktop.store.store import Store
from ui import ops, theme
from ui.app import PAGE_TYPES
from ui.billing.lines_model import Columns
from ui.billing.patient_picker import PatientChoice
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage
from ui.pages.invoices import InvoicesPage
from ui.pages.reports import ReportsPage

SIZE = (1280, 800)
BAD_CSV = """First name,Surname,Sex,DOB,Mobile,National ID
Amina,Otieno,F,1990-02-11,0712 345 678,12345678
Brian,Kamau,M,31/31/1985,0722 000 111,
Carol,Wanjiru,F,1979-07-01,0733 222,23456789
Daniel,Mwangi,M,1968-11-23,0744 555 666,12345678
"""


def _wait(pred: Callable[[], bool] = lambda: True, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if pred() and ops.idle():
            for _ in range(3):
                QCoreApplication.sendPostedEvents()
                QApplication.processEvents()
            return
        time.sleep(0.01)
    raise TimeoutError("the screen did not settle")


class _Shots:
    def __init__(self, out: Path, prefix: str) -> None:
        self.out, self.prefix = out, prefix

    def __call__(self, widget: QWidget, name: str) -> Path:
        widget.show()
        _wait()
        path = self.out / f"billing-{self.prefix}{name}.png"
        widget.grab().save(str(path))
        print(path)
        return path

    def with_popup(self, window: QWidget, popup: QWidget, name: str) -> Path:
        """A window with a popup drawn where it shows (offscreen, a grab holds one top-level widget)."""
        _wait()
        image = window.grab().toImage()
        painter = QPainter(image)
        at = popup.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
        painter.drawPixmap(at, popup.grab())
        painter.end()
        path = self.out / f"billing-{self.prefix}{name}.png"
        image.save(str(path))
        print(path)
        return path


def _window(store: Store, actor: Actor) -> MainWindow:
    window = MainWindow(store, actor, PAGE_TYPES)
    window.resize(*SIZE)
    window.show()
    _wait()
    return window


def _page(window: MainWindow, kind: type) -> Any:
    page = next(p for p in window.pages if isinstance(p, kind))
    window.show_page(page)
    _wait()
    return page


def _set_cell(page: InvoicesPage, row: int, col: Columns, text: str) -> None:
    lines = page.editor.lines
    lines.setData(lines.index(row, col), text)


def invoice_shots(shoot: _Shots, store: Store, desk: Actor, manager: Actor, patient: PatientChoice) -> None:
    """List, editor, payment dialog, issued invoice with its PDF, void and credit-note dialogs."""
    window = _window(store, manager)
    page: InvoicesPage = _page(window, InvoicesPage)
    _wait(lambda: page.list.model.rowCount() > 0)
    shoot(window, "invoice-list")
    window.close()

    window = _window(store, desk)
    page = _page(window, InvoicesPage)
    page.editor.start_new(patient)
    page.stack.setCurrentWidget(page.editor)
    _wait(lambda: page.editor.catalogue.strings.rowCount() > 0)
    editor = page.editor
    editor.lookup.choose("CONS")
    editor.lookup.choose("LAB-CBC")
    editor.lookup.choose("XRAY")
    row = editor.lines.add_line()
    _set_cell(page, row, Columns.DESCRIPTION, "Wound dressing, left forearm")
    _set_cell(page, row, Columns.UNIT_PRICE, "350")
    _set_cell(page, 1, Columns.DISCOUNT, "200")
    editor.discount.setText("100")
    editor.notes.setPlainText("Employer covers half; balance by M-Pesa.")
    editor.recompute()
    editor.table.setCurrentIndex(editor.lines.index(row, Columns.UNIT_PRICE))
    shoot(window, "editor-live-totals")
    _set_cell(page, row, Columns.QUANTITY, "two")
    editor.save()
    _wait()
    shoot(window, "editor-field-errors")
    _set_cell(page, row, Columns.QUANTITY, "1")
    editor.lookup.setFocus()
    editor.lookup.setText("lab")
    editor.lookup.completer_.setCompletionPrefix("lab")
    editor.lookup.completer_.complete()
    _wait()
    shoot.with_popup(window, editor.lookup.completer_.popup(), "editor-catalogue-lookup")
    editor.lookup.completer_.popup().hide()
    editor.lookup.clear()
    editor.issue()
    _wait()
    if editor.confirm_box is not None:
        shoot(editor.confirm_box, "issue-confirmation")
        editor.confirm_box.close()
    editor.issue(confirmed=True)
    _wait(lambda: page.view.invoice is not None)
    view = page.view
    _wait(lambda: view.preview.page_count() > 0)
    shoot(window, "issued-with-pdf-preview")
    dialog = view.take_payment()
    assert dialog is not None
    dialog.amount.setText("3000")
    dialog.tendered.setText("5000")
    dialog.update_change()
    shoot(dialog, "payment-cash-change-due")
    dialog.amount.setText("99999")
    dialog.submit()
    _wait()
    shoot(dialog, "payment-overpayment-refused")
    dialog.amount.setText("3000")
    dialog.submit()
    _wait(lambda: bool(view.invoice and view.invoice.paid))
    _wait(lambda: view.preview.page_count() > 0)
    shoot(window, "issued-partially-paid")
    receipt = view.open_receipt()
    if receipt is not None:
        receipt.layout_combo.setCurrentIndex(1)
        _wait(lambda: receipt.preview.page_count() > 0)
        shoot(receipt, "receipt-thermal")
        receipt.close()
    window.close()

    window = _window(store, manager)
    page = _page(window, InvoicesPage)
    assert view.invoice is not None
    page.open_invoice(view.invoice.id)
    _wait(lambda: page.view.invoice is not None)
    credit = page.view.open_credit_note()
    if credit is not None:
        credit.some.setChecked(True)
        credit.tick(3)
        credit.reason.setPlainText("Dressing not done: patient left before it.")
        shoot(credit, "credit-note-dialog")
        credit.close()
    void = page.view.open_void()
    if void is not None:
        void.submit()
        _wait()
        shoot(void, "void-dialog-needs-reason")
        void.close()
    export = page.ask_export()
    export.dest.setText("/media/usb/invoices")
    shoot(export, "export-dialog")
    export.close()
    window.close()


def report_shots(shoot: _Shots, store: Store, manager: Actor) -> None:
    """Day sheet (screen and PDF) and aging."""
    with store.read_session() as s:
        last = s.scalar(
            select(Invoice.issued_at).where(Invoice.issued_at.is_not(None)).order_by(Invoice.issued_at.desc())
        )
    window = _window(store, manager)
    page: ReportsPage = _page(window, ReportsPage)
    if last is not None:
        page.day_sheet.set_day(local_date(last))
        page.day_sheet.load()
    _wait(lambda: page.day_sheet.report is not None)
    shoot(window, "report-day-sheet")
    page.day_sheet.views.setCurrentWidget(page.day_sheet.preview)
    _wait(lambda: page.day_sheet.preview.page_count() > 0)
    shoot(window, "report-day-sheet-pdf")
    page.tabs.setCurrentWidget(page.aging)
    _wait(lambda: page.aging.report is not None)
    shoot(window, "report-aging")
    window.close()


def admin_shots(shoot: _Shots, store: Store, admin: Actor, tmp: Path) -> None:
    """Catalogue (with a refused field), keys after Verify, backups after a backup, import dry run."""
    window = _window(store, admin)
    page: AdminPage = _page(window, AdminPage)
    page.tabs.setCurrentWidget(page.catalogue)
    _wait(lambda: page.catalogue.model.rowCount() > 0)
    tab = page.catalogue
    tab.table.selectRow(2)
    tab.price.setText("12.345")
    tab.save()
    _wait()
    shoot(window, "admin-catalogue")
    page.tabs.setCurrentWidget(page.keys)
    _wait(lambda: page.keys.status is not None)
    page.keys.verify()
    _wait(lambda: not page.keys.verify_strip.running)
    shoot(window, "admin-keys")
    page.tabs.setCurrentWidget(page.backups)
    page.backups.folder.setText(str(tmp / "usb"))
    page.backups.back_up()
    _wait(lambda: page.backups.last_backup is not None)
    assert page.backups.last_backup is not None
    page.backups.set_file(page.backups.last_backup.path)
    _wait()
    shoot(window, "admin-backups")
    page.tabs.setCurrentWidget(page.importer)
    csv = tmp / "patients-from-old-system.csv"
    csv.write_text(BAD_CSV, "utf-8")
    page.importer.set_file(csv)
    _wait(lambda: page.importer.plan is not None)
    shoot(window, "admin-import-dry-run")
    window.close()


def take(out_dir: Path, ctx: Any = None) -> None:
    """Write the billing, reports and admin screenshots into `out_dir` (light, then dark)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    qapp = QApplication.instance() or QApplication(["screenshots"])
    assert isinstance(qapp, QApplication)
    before = theme.current_theme(qapp)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        demo.ensure_demo(tmp / "demo", patients=60)
        store = Store.open(tmp / "demo")
        try:
            admin = auth.login(store, *demo.ADMIN)
            users = {u[0]: u for u in demo.USERS}
            manager = auth.login(store, "manager", users["manager"][3])
            desk = auth.login(store, "frontdesk", users["frontdesk"][3])
            from ui.pages.invoices import patient_choice

            with store.read_session() as s:
                pid = s.scalar(select(Invoice.patient_id).order_by(Invoice.id))
            assert pid is not None
            patient = patient_choice(store, desk, pid)
            for theme_name, prefix in (("light", ""), ("dark", "dark-")):
                theme.apply_theme(qapp, theme_name)
                shoot = _Shots(out_dir, prefix)
                invoice_shots(shoot, store, desk, manager, patient)
                report_shots(shoot, store, manager)
                admin_shots(shoot, store, admin, tmp / theme_name)
        finally:
            ops.shutdown()
            store.close()
    theme.apply_theme(qapp, before)
    for widget in QApplication.topLevelWidgets():
        if widget.windowFlags() & Qt.WindowType.Popup:
            widget.hide()


if __name__ == "__main__":
    import os
    import sys

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(["screenshots"])
    take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
