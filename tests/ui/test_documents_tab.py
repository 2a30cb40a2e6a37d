"""The Documents tab: attach several files (one Op each, progress and refusals per file), drag and drop,
previews of images, PDFs and text, rename, re-categorise, export, archive and restore, clear at the lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from hmis_desktop.clock import FakeClock
from hmis_desktop.store.store import Store
from tests.conftest import admin_actor
from tests.patients_helpers import audit_actions, reg
from tests.ui.conftest import settle
from tests.ui.patients_ui import open_window, pdf_file, png_file, zip_file
from ui.pages.patients import PatientsPage
from ui.patients.documents_model import Columns
from ui.patients.documents_tab import DocumentsTab


def _tab(qtbot, ui_store: Store, clock: FakeClock) -> tuple[object, PatientsPage, DocumentsTab, object]:
    admin = admin_actor(ui_store)
    patient = reg(ui_store, admin)
    window, page = open_window(qtbot, ui_store, admin, clock)
    page.open_patient(patient.id)
    qtbot.waitUntil(lambda: page.record.patient is not None)
    tab = page.record.documents
    assert tab is not None
    page.record.tabs.setCurrentWidget(tab)
    settle(qtbot)
    return window, page, tab, patient


def _titles(tab: DocumentsTab) -> list[str]:
    return [tab.model.index(r, Columns.TITLE).data() for r in range(tab.model.rowCount())]


def _select(qtbot, tab: DocumentsTab, title: str) -> None:
    tab.table.selectRow(_titles(tab).index(title))
    settle(qtbot)


def test_attach_preview_and_refuse(qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path) -> None:
    window, _page, tab, _patient = _tab(qtbot, ui_store, clock)
    assert tab.message.text().startswith("No documents yet")
    files = [
        pdf_file(tmp_path / "lab-result.pdf", pages=3),
        png_file(tmp_path / "id-scan.png", (160, 90)),
        zip_file(tmp_path / "records.zip"),
    ]
    tab.attach_files(files)
    assert [s[0] for s in tab.queue.states()] == ["lab-result.pdf", "id-scan.png", "records.zip"]
    qtbot.waitUntil(lambda: not tab.queue.busy())
    settle(qtbot)
    states = tab.queue.states()
    assert [s[1] for s in states] == ["done", "done", "refused"]
    assert states[2][2] == (
        "Not attached: This file is a ZIP archive; only PDF, PNG, JPEG, TIFF and plain-text files can be attached."
    )
    assert sorted(_titles(tab)) == ["id-scan", "lab-result"]
    row = _titles(tab).index("lab-result")
    assert [tab.model.index(row, c).data() for c in range(1, 4)] == ["Other", "2026-01-15", "PDF"]
    assert (
        tab.model.index(row, Columns.SIZE).data().endswith("KB") or "bytes" in tab.model.index(row, 4).data()
    )

    _select(qtbot, tab, "id-scan")
    qtbot.waitUntil(lambda: tab.preview.kind == "image")
    pixmap = tab.preview.pixmap()
    assert not pixmap.isNull() and (pixmap.width(), pixmap.height()) == (160, 90)
    assert not tab.preview.image.pixmap().isNull()
    assert tab.preview.caption.text() == "id-scan · 160 × 90"

    _select(qtbot, tab, "lab-result")
    qtbot.waitUntil(lambda: tab.preview.kind == "pdf")
    assert tab.preview.page_count == 3
    assert len(tab.preview.page_labels) == 3
    assert all(not label.pixmap().isNull() for label in tab.preview.page_labels)
    assert tab.preview.pixmap().isNull()  # the image is gone
    assert tab.preview.caption.text() == "lab-result · 3 pages"
    assert audit_actions(ui_store).count("document.view") == 2
    assert audit_actions(ui_store).count("document.create") == 2

    tab.clear()
    assert tab.model.rowCount() == 0 and tab.preview.kind == "" and tab.preview.page_labels == []
    assert tab.queue.states() == [] and tab.preview.caption.text() == ""
    window.close()


def test_drop_several_files_and_text_preview(
    qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    window, _page, tab, _patient = _tab(qtbot, ui_store, clock)
    note = tmp_path / "referral.txt"
    note.write_text("Referred to the eye clinic.\nUrgent: no.\n", "utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(note)), QUrl.fromLocalFile(str(empty))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    tab.dropEvent(event)
    qtbot.waitUntil(lambda: not tab.queue.busy())
    assert [s[1:] for s in tab.queue.states()] == [
        ("done", "Attached"),
        ("refused", "Not attached: This file is empty; there is nothing to attach."),
    ]
    qtbot.waitUntil(lambda: _titles(tab) == ["referral"])
    _select(qtbot, tab, "referral")
    qtbot.waitUntil(lambda: tab.preview.kind == "text")
    assert tab.preview.text.toPlainText() == "Referred to the eye clinic.\nUrgent: no.\n"
    window.close()


def test_rename_recategorise_export_archive_restore(
    qtbot, ui_store: Store, clock: FakeClock, tmp_path: Path
) -> None:
    window, _page, tab, _patient = _tab(qtbot, ui_store, clock)
    tab.attach_files([png_file(tmp_path / "scan.png")])
    qtbot.waitUntil(lambda: _titles(tab) == ["scan"])
    _select(qtbot, tab, "scan")
    doc_id = tab.selected_id()
    tab.rename(doc_id, "National ID")
    qtbot.waitUntil(lambda: _titles(tab) == ["National ID"])
    tab.recategorise(doc_id, "identity")
    qtbot.waitUntil(lambda: tab.model.index(0, Columns.CATEGORY).data() == "Identity document")
    assert tab.selected_id() == doc_id  # the selection survives the reloads
    out = tmp_path / "out"
    out.mkdir()
    tab.export_to(doc_id, out)
    qtbot.waitUntil(lambda: tab.message.text().startswith("Exported as"))
    assert [p.name for p in out.iterdir()] == ["scan.png"]
    assert (out / "scan.png").read_bytes() == (tmp_path / "scan.png").read_bytes()
    tab.archive_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0)
    tab.show_archived.setChecked(True)
    qtbot.waitUntil(lambda: _titles(tab) == ["National ID (archived)"])
    _select(qtbot, tab, "National ID (archived)")
    assert tab.archive_button.text() == "Restore do&cument"
    tab.archive_button.click()
    qtbot.waitUntil(lambda: _titles(tab) == ["National ID"])
    actions = audit_actions(ui_store)
    for action in ("document.update", "document.export", "document.archive", "document.restore"):
        assert action in actions
    # A bad title is the core's message, in words.
    tab.rename(doc_id, "   ")
    qtbot.waitUntil(lambda: tab.message.property("kind") == "error")
    assert tab.message.text() == "Give the document a title."
    window.close()
