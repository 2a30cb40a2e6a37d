"""Helpers for the Patients screen tests: a main window on the Patients page, typing into the search box,
filling the registration form, files to attach."""

from __future__ import annotations

import io
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.store import Store
from tests.ui.conftest import settle
from ui.app import PAGE_TYPES
from ui.main_window import MainWindow
from ui.pages.patients import PatientsPage
from ui.patients.search_model import Columns


def open_window(qtbot, store: Store, actor: Actor, clock: FakeClock) -> tuple[MainWindow, PatientsPage]:
    """A shown main window on the Patients page, with the clinic formats loaded."""
    window = MainWindow(store, actor, PAGE_TYPES, clock=clock)
    window.show()
    page = next(p for p in window.pages if isinstance(p, PatientsPage))
    window.show_page(page)
    settle(qtbot)
    qtbot.waitUntil(lambda: page.formats is not None)
    return window, page


def activate(qtbot, window: MainWindow) -> None:
    """Make the window the active one, so focus moves as it would for a user."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def result_names(page: PatientsPage) -> list[str]:
    """The names in the results table, in order."""
    model = page.search.model
    return [model.index(r, Columns.NAME).data() for r in range(model.rowCount())]


def search_for(qtbot, page: PatientsPage, text: str) -> list[str]:
    """Put text in the box (as typed or pasted) and wait for its results."""
    page.search.box.setText(text)
    qtbot.waitUntil(lambda: not page.search.pending(), timeout=10_000)
    settle(qtbot)
    return result_names(page)


def fill_form(page: PatientsPage, **values: str) -> None:
    """Set the registration form's fields by key (`phone` is the first phone; `sex` a code)."""
    fields = page.registration.fields
    for key, value in values.items():
        if key == "sex":
            fields.sex.setCurrentIndex(fields.sex.findData(value))
        elif key == "phone":
            fields.phones.rows[0].number.setText(value)
        elif key in fields.lines:
            fields.lines[key].setText(value)
        else:
            fields.texts[key].setPlainText(value)


def png_file(path: Path, size: tuple[int, int] = (120, 80)) -> Path:
    """A real PNG image."""
    image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    path.write_bytes(bytes(data.data()))
    return path


def pdf_file(path: Path, pages: int = 2) -> Path:
    """A real PDF with `pages` pages (reportlab)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(pages):
        c.drawString(72, 720, f"Lab result page {n + 1}")
        c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path


def zip_file(path: Path) -> Path:
    """A ZIP archive (refused by the core)."""
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("inside.txt", "hello")
    return path


def mnemonics(root: QWidget) -> list[str]:
    """The Alt+letter keys of the visible buttons, buddy labels and tabs under `root` (lower case)."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar

    texts: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root.window()):
            continue
        if isinstance(w, QAbstractButton) or (isinstance(w, QLabel) and w.buddy() is not None):
            texts.append(w.text())
        elif isinstance(w, QTabBar):
            texts.extend(w.tabText(i) for i in range(w.count()))
    return [m.group(1).lower() for t in texts if (m := re.search(r"&([^&])", t))]
