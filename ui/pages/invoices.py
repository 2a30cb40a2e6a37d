"""The Invoices page: the list, the draft editor and the issued-invoice view, and the batch export.

Other pages open invoices through `new_invoice_for(patient_id)` and `open_invoice(invoice_id)`.
Ctrl+I (window command "new_invoice") asks for the patient first. At the lock the page keeps the editor's
whole state (or which invoice was open) as the user's draft and drops every patient detail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from hmis_desktop import permissions
from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError
from hmis_desktop.permissions import Perm
from hmis_desktop.services import patients
from hmis_desktop.services.invoices import InvoicePublic
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.export import ExportDialog, ExportRequest, ExportSummary, describe, run_export
from ui.billing.invoice_editor import InvoiceEditor
from ui.billing.invoice_list import InvoiceList, period_range
from ui.billing.invoice_view import InvoiceView
from ui.billing.jobs import ProgressStrip
from ui.billing.money import ClinicMoney, load_money, today
from ui.billing.patient_picker import PatientChoice, PatientPicker
from ui.ops import Op
from ui.pages.base import Page
from ui.widgets import MessageLabel, heading


def patient_choice(store: Store, actor: Actor, patient_id: uuid.UUID) -> PatientChoice:
    """Worker: the name and record number an invoice header shows (an audited patient view)."""
    with store.session() as s:
        p = patients.get_patient(s, actor=actor, patient_id=patient_id)
        return PatientChoice(p.id, p.display_name, p.mrn)


class InvoicesPage(Page):
    """Create invoices and take payments."""

    title = "Invoices"
    required_perm = Perm.INVOICE_VIEW
    form_key = "invoices"
    actions = frozenset({"new_invoice"})

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(store, actor, parent)
        self.can_edit = permissions.allowed(actor.role, Perm.INVOICE_EDIT)
        # A role that cannot create invoices does not get Ctrl+I at all (the window disables it).
        self.actions = frozenset({"new_invoice"}) if self.can_edit else frozenset()  # type: ignore[misc]
        self.money = ClinicMoney()
        self.picker: PatientPicker | None = None
        self.export_dialog: ExportDialog | None = None
        self.leave_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("Invoices")))
        top.addStretch(1)
        self.export_button = QPushButton(self.tr("E&xport a period…"))
        self.export_button.setObjectName("exportButton")
        self.export_button.setVisible(permissions.allowed(actor.role, Perm.INVOICE_EXPORT))
        top.addWidget(self.export_button)
        layout.addLayout(top)
        self.stack = QStackedWidget()
        self.list = InvoiceList(store, actor)
        self.list.new_button.setVisible(self.can_edit)
        self.editor = InvoiceEditor(store, actor)
        self.view = InvoiceView(store, actor)
        for w in (self.list, self.editor, self.view):
            self.stack.addWidget(w)
        layout.addWidget(self.stack, 1)
        self.export_strip = ProgressStrip()
        layout.addWidget(self.export_strip)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        self.list.open_requested.connect(self.open_invoice)
        self.list.new_requested.connect(lambda: self.trigger("new_invoice"))
        self.editor.closed.connect(lambda: self._leave_editor(self.show_list))
        self.editor.issued.connect(self._issued)
        self.view.closed.connect(self.show_list)
        self.view.open_requested.connect(self.open_invoice)
        self.export_button.clicked.connect(self.ask_export)
        self._load_money()

    def _load_money(self) -> None:
        store = self.store

        def apply(money: ClinicMoney) -> None:
            self.money = money
            self.list.model.money = money
            self.list.model.layoutChanged.emit()  # amounts already shown take the clinic's locale
            self.editor.set_money(money)
            self.view.set_money(money)

        Op(self, lambda: load_money(store), apply, lambda _e: None, name="billing.money").run()

    # --- navigation ------------------------------------------------------------------------------

    def on_shown(self) -> None:
        """Refresh the list when it is on screen."""
        if self.stack.currentWidget() is self.list:
            self.list.refresh()

    def show_list(self) -> None:
        """Back to the list (refreshed)."""
        self.stack.setCurrentWidget(self.list)
        self.list.refresh()
        self.list.table.setFocus()

    def trigger(self, action: str) -> None:
        """Ctrl+I: pick the patient, then a new invoice."""
        if action != "new_invoice":
            raise NotImplementedError(action)
        if not self.can_edit:
            return
        self._leave_editor(self._pick_for_new)

    def _pick_for_new(self) -> None:
        picker = PatientPicker(
            self.store, self.actor, self, title=self.tr("New invoice — choose the patient")
        )
        picker.chosen.connect(self._start_new)
        self.picker = picker
        picker.open()
        picker.search.setFocus()

    def _start_new(self, patient: PatientChoice) -> None:
        self.editor.start_new(patient)
        self.stack.setCurrentWidget(self.editor)
        self.editor.lookup.setFocus()

    def new_invoice_for(self, patient_id: uuid.UUID) -> None:
        """Open a new draft invoice for a patient (the Patients page calls this)."""
        if not self.can_edit:
            self.message.error(self.tr("Your role may not create invoices. Ask the front desk or a manager."))
            return
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: patient_choice(store, actor, patient_id),
            lambda p: self._leave_editor(lambda: self._start_new(p)),
            self._failed,
            name="billing.new_for",
        ).run()

    def open_invoice(self, invoice_id: uuid.UUID) -> None:
        """Open an invoice: a draft in the editor (if this role edits), anything else in the view."""
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.load_invoice(store, actor, invoice_id),
            lambda inv: self._leave_editor(lambda: self._show(inv)),
            self._failed,
            key="billing.open",
        ).run()

    def _show(self, inv: InvoicePublic) -> None:
        self.message.clear_message()
        if inv.state == "draft" and self.can_edit:
            self.editor.load(inv)
            self.stack.setCurrentWidget(self.editor)
            self.editor.table.setFocus()
        else:
            self.view.show_invoice(inv)
            self.stack.setCurrentWidget(self.view)
            self.view.setFocus()

    def _issued(self, inv: InvoicePublic) -> None:
        self.view.show_invoice(inv)
        self.view.message.success(
            self.tr("Invoice {number} was issued. Balance {balance}.").format(
                number=inv.number, balance=ClinicMoney(inv.currency, self.money.locale).fmt(inv.balance)
            )
        )
        self.stack.setCurrentWidget(self.view)

    def _failed(self, error: HMISError) -> None:
        self.message.error(str(error))

    def _leave_editor(self, then: Callable[[], None]) -> None:
        """Run `then` once the editor's unsaved changes are saved, or dropped on purpose."""
        if self.stack.currentWidget() is not self.editor or not self.editor.dirty:
            then()
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Unsaved invoice"))
        box.setText(self.tr("The invoice you are editing has unsaved changes."))
        save = box.addButton(self.tr("Save draft"), QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton(self.tr("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(self.tr("Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button: object) -> None:
            if button is save:

                def after(_inv: object) -> None:
                    self.editor.saved.disconnect(after)
                    then()

                self.editor.saved.connect(after)
                self.editor.save()
            elif button is drop:
                self.editor.dirty = False
                then()

        box.buttonClicked.connect(clicked)
        self.leave_box = box
        box.open()

    # --- export ----------------------------------------------------------------------------------

    def ask_export(self) -> ExportDialog:
        """The batch-export dialog (managers); the export then runs with progress on the page."""
        start, end = period_range("month", today(self.store))
        dialog = ExportDialog(start or today(self.store), end or today(self.store), self)
        dialog.requested.connect(self.export)
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def export(self, req: ExportRequest) -> None:
        """Run an export as a long job."""
        if self.export_strip.running:
            self.message.error(self.tr("An export is already running; wait for it or cancel it."))
            return
        store, actor = self.store, self.actor
        self.message.clear_message()

        def done(summary: ExportSummary) -> None:
            self.export_button.setEnabled(True)
            self.message.success(describe(summary, self.tr))

        def failed(error: HMISError) -> None:
            self.export_button.setEnabled(True)
            self.message.error(str(error))

        self.export_button.setEnabled(False)
        self.export_strip.run(
            self.tr("Exporting invoices…"),
            lambda progress: run_export(store, actor, req, progress),
            done,
            failed,
            cancellable=req.mode == "folder",
            name="billing.export",
        )

    # --- drafts and the lock ---------------------------------------------------------------------

    def collect_draft(self) -> dict[str, Any] | None:
        """The editor's whole state, or which invoice was open, and the list's patient filter."""
        data: dict[str, Any] = {}
        current = self.stack.currentWidget()
        if current is self.editor and (editor := self.editor.collect_draft()) is not None:
            data["editor"] = editor
        elif current is self.view and self.view.invoice is not None:
            data["view"] = str(self.view.invoice.id)
        if self.list.patient is not None:
            p = self.list.patient
            data["list_patient"] = {"id": str(p.id), "name": p.name, "mrn": p.mrn}
        return data or None

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Back to where the user was: the editor exactly as it was, or the invoice that was open."""
        if p := data.get("list_patient"):
            self.list.patient = PatientChoice(uuid.UUID(p["id"]), p["name"], p["mrn"])
            self.list.patient_button.setText(self.tr("Patient: {name}").format(name=p["name"]))
            self.list.clear_patient.setVisible(True)
        if editor := data.get("editor"):
            self.editor.restore_draft(editor)
            self.stack.setCurrentWidget(self.editor)
        elif view := data.get("view"):
            self.open_invoice(uuid.UUID(view))

    def clear_sensitive(self) -> None:
        """Drop the list, the editor, the view and the PDF; show the (empty) list."""
        self.list.clear_sensitive()
        self.editor.clear_sensitive()
        self.view.clear_sensitive()
        self.message.clear_message()
        self.picker = None
        self.leave_box = None
        self.stack.setCurrentWidget(self.list)
