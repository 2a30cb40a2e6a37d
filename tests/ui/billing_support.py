"""Shared set-up for the billing, reports and admin GUI tests: a patient, a catalogue, users by role."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from decimal import Decimal

from pypdf import PdfReader
from PySide6.QtCore import QAbstractItemModel, QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from hmis_desktop import auth
from hmis_desktop.audit import Actor
from hmis_desktop.clock import FakeClock
from hmis_desktop.services import catalogue, invoices, patients, payments
from hmis_desktop.services.patient_fields import PatientCreate
from hmis_desktop.store.store import Store
from tests.conftest import ADMIN_PASSWORD
from tests.ui.conftest import add_user, settle
from ui.app import PAGE_TYPES
from ui.main_window import MainWindow
from ui.pages.base import Page

PATIENT_GIVEN, PATIENT_FAMILY = "Amina", "Otieno"


@dataclass(frozen=True)
class Clinic:
    """What the billing tests work with."""

    store: Store
    admin: Actor
    patient_id: uuid.UUID
    patient_name: str
    consult_id: uuid.UUID
    lab_id: uuid.UUID


def make_clinic(store: Store) -> Clinic:
    """A patient and two catalogue items (a taxed consultation and an untaxed test)."""
    admin = auth.login(store, "admin", ADMIN_PASSWORD)
    with store.session() as s:
        p = patients.register_patient(
            s,
            actor=admin,
            data=PatientCreate(
                given_name=PATIENT_GIVEN, family_name=PATIENT_FAMILY, sex="female", estimated_age=34
            ),
        ).patient
        consult = catalogue.create_service(
            s,
            actor=admin,
            data=catalogue.ServiceCreate("CONS", "General consultation", Decimal("1500"), Decimal("16")),
        )
        lab = catalogue.create_service(
            s, actor=admin, data=catalogue.ServiceCreate("LAB-FBC", "Full blood count", Decimal("800"))
        )
    return Clinic(store, admin, p.id, p.display_name, consult.id, lab.id)


def issued_invoice(clinic: Clinic, *, paid: Decimal | None = None) -> invoices.InvoicePublic:
    """An issued invoice (consultation + lab) made through the core, optionally part-paid."""
    with clinic.store.session() as s:
        draft = invoices.create_draft(
            s,
            actor=clinic.admin,
            data=invoices.InvoiceCreate(
                clinic.patient_id,
                lines=[
                    invoices.LineInput(service_id=clinic.consult_id),
                    invoices.LineInput(service_id=clinic.lab_id),
                ],
            ),
        )
        inv = invoices.issue_invoice(s, actor=clinic.admin, invoice_id=draft.id)
        if paid:
            payments.take_payment(s, actor=clinic.admin, invoice_id=inv.id, amount=paid, method="cash")
        return invoices.load_public(s, inv.id)


def window_for(qtbot, store: Store, clock: FakeClock, actor: Actor) -> MainWindow:
    """A shown main window for `actor`, settled."""
    window = MainWindow(store, actor, PAGE_TYPES, clock=clock)
    # pytest-qt closes and deletes it after the test: windows left to the end of the session make every
    # later restyle (theme tests) walk thousands of dead widgets.
    qtbot.addWidget(window)
    window.show()
    settle(qtbot)
    return window


def user(store: Store, username: str, role: str) -> Actor:
    """A signed-in user of `role`."""
    return add_user(store, username, role)


def page_of(window: MainWindow, kind: type[Page], qtbot) -> Page:
    """Show and return the window's page of a type."""
    page = next(p for p in window.pages if isinstance(p, kind))
    window.show_page(page)
    settle(qtbot)
    return page


def pdf_text(data: bytes) -> str:
    """All text of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def model_texts(model: QAbstractItemModel) -> list[str]:
    """Every cell's display text."""
    out = []
    for r in range(model.rowCount(QModelIndex())):
        c = 0
        while model.hasIndex(r, c):
            value = model.index(r, c).data()
            if value is not None:
                out.append(str(value))
            c += 1
    return out


def widget_texts(root: QWidget) -> str:
    """Every text any widget or item model under `root` holds (hidden ones included)."""
    texts: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLineEdit):
            texts.append(w.text())
        elif isinstance(w, QTextEdit | QPlainTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QLabel):
            texts.append(w.text())
            texts.append(w.accessibleName())
        elif isinstance(w, QComboBox):
            texts.append(w.currentText())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            texts.extend(model_texts(w.model()))
    return "\n".join(texts)
