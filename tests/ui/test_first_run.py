"""First run: from an empty profile, through the wizard, to the admin's main window."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWizard

from hmis_desktop import settings as settings_mod
from hmis_desktop.clock import FakeClock
from hmis_desktop.store.blobs import get_blob
from hmis_desktop.store.models import AuditEvent
from tests.ui.conftest import close_all_windows, settle
from ui.app import Application
from ui.first_run import FirstRunWizard
from ui.main_window import MainWindow

ADMIN_PW = "Lake-Victoria-2026!"


def _logo(path: Path) -> Path:
    image = QImage(64, 32, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5fbf"))
    assert image.save(str(path))
    return path


def _fill_clinic(wizard: FirstRunWizard, tmp_path: Path) -> None:
    form = wizard.clinic_page.form
    form.edits["clinic.name"].setText("Sunrise Clinic")
    form.address.setPlainText("12 Market Road\nKisumu")
    form.edits["clinic.tax_id"].setText("P051234567X")
    form.edits["clinic.phone"].setText("+254 712 000 111")
    form.edits["clinic.email"].setText("desk@sunrise.example")
    form.combos["clinic.currency"].setEditText("KES")
    form.combos["clinic.locale"].setEditText("sw_KE")
    form.combos["clinic.region"].setEditText("KE")
    form.edits["invoice.prefix"].setText("SR")
    form.edits["mrn.format"].setText("SR{seq:05d}")
    form.set_logo_file(_logo(tmp_path / "logo.png"))


def _start(qtbot, tmp_path: Path, clock: FakeClock) -> tuple[Application, FirstRunWizard]:
    app = Application(tmp_path / "profile", clock=clock)
    app.start()
    wizard = app.window
    assert isinstance(wizard, FirstRunWizard)
    return app, wizard


def test_first_run_to_main_window(qtbot, tmp_path: Path, clock: FakeClock) -> None:
    app, wizard = _start(qtbot, tmp_path, clock)
    try:
        # Clinic: refused until valid, with messages under the fields.
        wizard.clinic_page.form.combos["clinic.currency"].setEditText("XX")
        wizard.next()
        assert wizard.currentPage() is wizard.clinic_page
        assert "clinic.name" in wizard.clinic_page.form.validate()
        assert wizard.clinic_page.form.errors["clinic.currency"].isVisibleTo(wizard)
        _fill_clinic(wizard, tmp_path)
        assert wizard.clinic_page.form.mrn_example.text().endswith("SR00001")
        wizard.next()
        assert wizard.currentPage() is wizard.admin_page

        # Admin: the core's policy messages show live; Next only when acceptable and confirmed.
        page = wizard.admin_page
        page.display_name.setText("Ada Admin")
        page.password.setText("password1")
        assert "too common" in page.policy.text() or "three of" in page.policy.text()
        assert not page.isComplete()
        page.password.setText(ADMIN_PW)
        assert "not the same" in page.policy.text()
        page.confirm.setText(ADMIN_PW)
        assert page.isComplete()
        assert "meets the policy" in page.policy.text()
        wizard.next()
        assert wizard.currentPage() is wizard.location_page

        # Location: a server must pass the test; this PC needs none.
        loc = wizard.location_page
        loc.server.setChecked(True)
        assert not loc.isComplete()
        loc.url.setText("mysql://somewhere/db")
        loc.test.click()
        qtbot.waitUntil(lambda: loc.result.property("kind") == "error", timeout=10_000)
        assert "PostgreSQL" in loc.result.text()
        assert not loc.isComplete()
        loc.local.setChecked(True)
        assert loc.isComplete()

        # Create: off the GUI thread, then straight to the recovery key.
        wizard.next()
        qtbot.waitUntil(lambda: wizard.currentPage() is wizard.recovery_page, timeout=20_000)
        key = wizard.recovery_page.key.text()
        assert re.fullmatch(r"([0-9A-Z]{4}-){7}[0-9A-Z]{4}", key), key
        assert wizard.admin_page.password.text() == ""  # forgotten once the store exists

        # Finish needs the checkbox; Esc/cancel cannot leave without it.
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert not finish.isEnabled()
        wizard.reject()
        assert wizard.isVisible()
        pdf_path = tmp_path / "out" / "recovery.pdf"
        wizard.recovery_page.save_to(pdf_path)
        settle(qtbot)
        assert pdf_path.stat().st_mode & 0o777 == 0o600
        text = "".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages).replace("\n", "")
        for group in key.split("-"):
            assert group in text
        wizard.recovery_page.confirm.setChecked(True)
        assert finish.isEnabled()
        finish.click()

        window = app.window
        assert isinstance(window, MainWindow)
        assert window.page_titles() == ["Patients", "Invoices", "Reports", "Admin"]
        assert window.actor.username == "admin"
        settle(qtbot)
        assert "Ada Admin" in window.user_label.text() and "Administrator" in window.user_label.text()

        store = app.store
        assert store is not None
        with store.read_session() as s:
            values = settings_mod.get_all(s)
            assert values["clinic.name"] == "Sunrise Clinic"
            assert values["clinic.currency"] == "KES" and values["clinic.region"] == "KE"
            assert values["invoice.prefix"] == "SR" and values["mrn.format"] == "SR{seq:05d}"
            assert values["clinic.address"] == "12 Market Road\nKisumu"
            logo = get_blob(s, uuid.UUID(values["clinic.logo_blob_id"]))
            assert logo == (tmp_path / "logo.png").read_bytes()
            actions = {a for (a,) in s.query(AuditEvent.action)}
        assert {"store.create", "login", "settings.update"} <= actions
    finally:
        close_all_windows(qtbot)
        app.close()


def test_cancel_before_creation_leaves_nothing(qtbot, tmp_path: Path, clock: FakeClock) -> None:
    app, wizard = _start(qtbot, tmp_path, clock)
    wizard.reject()
    assert not wizard.isVisible()
    assert not (tmp_path / "profile" / "profile.json").exists()
    app.close()


@pytest.mark.postgres
def test_server_connection_test_accepts_an_empty_database(
    qtbot, tmp_path: Path, clock: FakeClock, pg_url: str
) -> None:
    app, wizard = _start(qtbot, tmp_path, clock)
    try:
        loc = wizard.location_page
        loc.server.setChecked(True)
        loc.url.setText(pg_url.replace("postgresql+psycopg", "postgresql"))
        loc.test.click()
        qtbot.waitUntil(lambda: loc.result.property("kind") in ("success", "error"), timeout=15_000)
        assert loc.result.property("kind") == "success", loc.result.text()
        assert loc.isComplete()
        assert loc.chosen_url() is not None
        loc.url.setText(loc.url.text() + "x")
        assert not loc.isComplete()  # a changed address must be tested again
        loc.url.setText("postgresql://postgres@127.0.0.1:1/nothing")
        loc.test.click()
        qtbot.waitUntil(lambda: loc.result.property("kind") == "error", timeout=15_000)
        assert "cannot be reached" in loc.result.text()
    finally:
        close_all_windows(qtbot)
        app.close()
