"""Screenshots of the Patients screens (`ui.screenshots` calls `take`): search, the form with validation
messages, the duplicate warning, the record (details, invoices, documents with image and PDF previews,
history) and the merge dialog, in the light and dark themes. Runs on its own demo clinic in a temp folder."""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from hmis_desktop import auth, demo
from hmis_desktop.audit import Actor
from hmis_desktop.services import documents, patients
from hmis_desktop.services.patient_fields import EmergencyContact, Insurance, PatientCreate, Phone
from hmis_desktop.store.models import Invoice
from hmis_desktop.store.store import Store
from ui import ops, theme
from ui.app import PAGE_TYPES
from ui.main_window import MainWindow
from ui.pages.patients import PatientsPage
from ui.patients.merge_dialog import MergeDialog

SIZE = (1180, 760)


def _wait(pred: Callable[[], bool], timeout: float = 20.0) -> None:
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


def _shoot(out: Path, widget: QWidget, name: str) -> Path:
    widget.show()
    _wait(lambda: True)
    path = out / f"patients-{name}.png"
    widget.grab().save(str(path))
    print(path)
    return path


def scan_png() -> bytes:
    """A made-up ID card scan (drawn with QPainter, encoded in memory)."""
    image = QImage(640, 400, QImage.Format.Format_RGB32)
    image.fill(QColor("#eef3f8"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1f5fbf"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(0, 0, 640, 70, 0, 0)
    p.setBrush(QColor("#c9d6e6"))
    p.drawRoundedRect(30, 100, 160, 200, 10, 10)
    p.setPen(QColor("#ffffff"))
    font = QFont()
    font.setPointSize(20)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRect(30, 0, 600, 70), Qt.AlignmentFlag.AlignVCenter, "REPUBLIC OF KENYA · NATIONAL ID")
    p.setPen(QColor("#14213d"))
    font.setPointSize(15)
    font.setBold(False)
    p.setFont(font)
    for i, line in enumerate(("Name: AMINA WANJIRU", "Born: 12.03.1988", "ID No: 23456789", "Sex: F")):
        p.drawText(220, 140 + 40 * i, line)
    p.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; PySide takes str
    return bytes(data.data())


def lab_pdf() -> bytes:
    """A two-page laboratory report (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page, rows in enumerate(
        (
            [("Haemoglobin", "12.1 g/dL", "12.0-15.5"), ("WBC", "6.4 x10^9/L", "4.0-11.0")],
            [("Platelets", "250 x10^9/L", "150-400"), ("MCV", "88 fL", "80-100")],
        ),
        start=1,
    ):
        c.setFont("Helvetica-Bold", 18)
        c.drawString(60, 780, "Sunrise Community Clinic — Laboratory")
        c.setFont("Helvetica", 12)
        c.drawString(60, 752, f"Full blood count · page {page} of 2")
        for i, (test, value, ref) in enumerate(rows):
            y = 700 - 28 * i
            c.drawString(60, y, test)
            c.drawString(260, y, value)
            c.drawString(420, y, ref)
        c.showPage()
    c.save()
    return buf.getvalue()


def prepare(store: Store, admin: Actor) -> tuple[uuid.UUID, uuid.UUID]:
    """A demo patient with invoices, allergies, documents and a duplicate record; returns (patient, duplicate)."""
    with store.read_session() as s:
        patient_id = s.scalar(
            select(Invoice.patient_id).group_by(Invoice.patient_id).order_by(func.count().desc()).limit(1)
        )
    assert patient_id is not None
    data = PatientCreate(
        given_name="Amina",
        family_name="Wanjiru",
        sex="female",
        birth_date=date(1988, 3, 12),
        phones=(Phone("0712 345 678", "mobile"), Phone("020 555 0100", "work")),
        email="amina.wanjiru@example.org",
        address="P.O. Box 4411, Nairobi",
        national_id="23456789",
        insurance=Insurance("NHIF", "NH-448812"),
        emergency_contact=EmergencyContact("Peter Wanjiru", "0722 000 111", "brother"),
        allergies="Penicillin (rash)",
        alerts="Hard of hearing — speak clearly, face her",
        notes="Prefers morning appointments.",
    )
    with store.session() as s:
        current = patients.get_patient(s, actor=admin, patient_id=patient_id)
        patients.update_patient(
            s,
            actor=admin,
            patient_id=patient_id,
            data=patients.PatientUpdate(**data.__dict__),
            expected_version=current.version,
        )
        documents.attach_document(
            s,
            actor=admin,
            patient_id=patient_id,
            source=scan_png(),
            filename="national-id.png",
            title="National ID (scan)",
            category="identity",
        )
        documents.attach_document(
            s,
            actor=admin,
            patient_id=patient_id,
            source=lab_pdf(),
            filename="fbc-2026.pdf",
            title="Full blood count",
            category="lab_result",
        )
    duplicate = PatientCreate(
        given_name="Amina",
        family_name="Wanjiru",
        sex="female",
        birth_date=date(1988, 3, 12),
        phones=(Phone("0733 987 654"),),
    )
    with store.session() as s:
        dup = patients.register_patient(s, actor=admin, data=duplicate).patient
    return patient_id, dup.id


def shots(out: Path, store: Store, admin: Actor, patient_id: uuid.UUID, prefix: str) -> None:
    """Every Patients screen in the current theme."""
    window = MainWindow(store, admin, PAGE_TYPES)
    window.resize(*SIZE)
    page = next(p for p in window.pages if isinstance(p, PatientsPage))
    window.show_page(page)
    window.show()
    _wait(lambda: page.formats is not None)
    _shoot(out, window, f"{prefix}search-empty")
    page.search.box.setText("wanj")
    _wait(lambda: page.search.model.rowCount() > 0 and not page.search.pending())
    _shoot(out, window, f"{prefix}search-results")
    page.search.box.setText("zzqx")
    _wait(lambda: not page.search.pending())
    _shoot(out, window, f"{prefix}search-no-match")
    page.trigger("new_patient")
    fields = page.registration.fields
    fields.lines["given_name"].setText("Grace")
    fields.lines["family_name"].setText("Mutua")
    fields.sex.setCurrentIndex(fields.sex.findData("female"))
    fields.lines["birth_date"].setText("2031-04-02")
    fields.phones.rows[0].number.setText("0712 34")
    fields.lines["email"].setText("grace@")
    page.registration.save()
    _wait(lambda: page.registration.banner.isVisible())
    _shoot(out, window, f"{prefix}form-validation")
    page.registration.clear()
    page.trigger("new_patient")
    fields.lines["given_name"].setText("Amina")
    fields.lines["family_name"].setText("Wanjiru")
    fields.sex.setCurrentIndex(fields.sex.findData("female"))
    fields.lines["birth_date"].setText("12/03/1988")
    fields.phones.rows[0].number.setText("0712 345 678")
    page.registration.save()
    _wait(lambda: page.registration.duplicates.isVisible())
    _shoot(out, window, f"{prefix}duplicate-warning")
    page.registration.clear()
    page.open_patient(patient_id)
    _wait(lambda: page.record.patient is not None)
    _shoot(out, window, f"{prefix}record-details")
    record = page.record
    assert record.invoices is not None and record.documents is not None and record.history is not None
    record.tabs.setCurrentWidget(record.invoices)
    _wait(lambda: record.invoices is not None and record.invoices.model.rowCount() > 0)
    _shoot(out, window, f"{prefix}record-invoices")
    docs = record.documents
    record.tabs.setCurrentWidget(docs)
    _wait(lambda: docs.model.rowCount() >= 2)
    for mime, kind in (("image/png", "image"), ("application/pdf", "pdf")):
        rows = [docs.model.row_at(i) for i in range(docs.model.rowCount())]
        docs.table.selectRow(next(i for i, d in enumerate(rows) if d is not None and d.mime == mime))
        _wait(partial(lambda k: docs.preview.kind == k, kind))
        _shoot(out, window, f"{prefix}record-documents-{kind}")
    record.tabs.setCurrentWidget(record.history)
    _wait(lambda: record.history is not None and record.history.model.rowCount() > 0)
    _shoot(out, window, f"{prefix}record-history")
    record.tabs.setCurrentWidget(record.details)
    dialog = record.open_merge()
    assert isinstance(dialog, MergeDialog)
    dialog.search.box.setText("amina wanj")
    _wait(lambda: dialog.search.model.rowCount() > 0 and not dialog.search.pending())
    _shoot(out, dialog, f"{prefix}merge-pick")
    dialog.search.open_current()
    _wait(lambda: dialog.other is not None)
    dialog.reason.setText("Registered twice at the front desk; same person")
    _shoot(out, dialog, f"{prefix}merge-compare")
    dialog.close()
    window.close()
    _wait(lambda: True)


def take(out_dir: Path, ctx: Any = None) -> None:
    """Write the Patients screenshots into `out_dir` (light, then dark)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    qapp = QApplication.instance() or QApplication(["screenshots"])
    assert isinstance(qapp, QApplication)
    before = theme.current_theme(qapp)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "demo"
        demo.ensure_demo(profile, patients=300)
        store = Store.open(profile)
        try:
            admin = auth.login(store, *demo.ADMIN)
            patient_id, _dup = prepare(store, admin)
            for name, prefix in (("light", ""), ("dark", "dark-")):
                theme.apply_theme(qapp, name)
                shots(out_dir, store, admin, patient_id, prefix)
        finally:
            ops.shutdown()
            store.close()
    theme.apply_theme(qapp, before)


if __name__ == "__main__":
    import sys

    take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
