"""The draft invoice editor: patient header, lines edited in place with a catalogue look-up, invoice discount,
due date and notes, LIVE totals from the core's `compute_totals`, Save draft and Issue.

Nothing typed is lost: a refused save marks the fields the core named and keeps everything; a concurrent
change (optimistic version check) is explained, and the user's version can be saved as a new draft.
`collect_draft()` / `restore_draft()` round-trip the whole state, unsaved lines included (the lock).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import permissions
from hmis_desktop.audit import Actor
from hmis_desktop.errors import Conflict, HMISError, ValidationError
from hmis_desktop.permissions import Perm
from hmis_desktop.services.catalogue import ServicePublic
from hmis_desktop.services.invoice_totals import Totals, compute_totals
from hmis_desktop.services.invoices import InvoicePublic, InvoiceUpdate
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.catalogue_lookup import CatalogueIndex, LinesDelegate, LookupEdit
from ui.billing.draft_fields import FIELD_KEYS, DraftFields, error_label
from ui.billing.lines_model import Columns, LinesModel
from ui.billing.money import ClinicMoney, status_label, today
from ui.billing.patient_picker import PatientChoice
from ui.billing.widgets import badge_label
from ui.ops import Op
from ui.widgets import MessageLabel, heading, hint

_NAN = Decimal("NaN")


class InvoiceEditor(QWidget):
    """Edit a draft; emits `issued(InvoicePublic)` after Issue and `closed()` when the user leaves."""

    saved = Signal(object)
    issued = Signal(object)
    closed = Signal()

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.actor = store, actor
        self.setObjectName("invoiceEditor")
        self.money = ClinicMoney()
        self.invoice_id: uuid.UUID | None = None
        self.patient: PatientChoice | None = None
        self.expected: datetime | None = None
        self.dirty = False
        self.live_totals: Totals | None = None
        self.confirm_box: QMessageBox | None = None
        self.catalogue = CatalogueIndex(self)
        self.lines = LinesModel(self)
        self._build()
        self._connect()
        self._update_buttons()

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = heading(self.tr("New invoice"), level=2)
        self.title.setWordWrap(False)
        self.badge = badge_label("draft", status_label("draft"))
        top.addWidget(self.title)
        top.addWidget(self.badge)
        top.addStretch(1)
        layout.addLayout(top)
        self.patient_label = QLabel()
        self.patient_label.setObjectName("patientHeader")
        self.patient_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.patient_label)
        body = QHBoxLayout()
        left = QVBoxLayout()
        add_row = QHBoxLayout()
        self.lookup = LookupEdit(self.catalogue)
        self.add_free = QPushButton(self.tr("Add &free line"))
        self.add_free.setToolTip(self.tr("A line that is not in the catalogue (Insert)"))
        self.remove = QPushButton(self.tr("&Remove line"))
        self.remove.setToolTip(self.tr("Remove the highlighted line (Delete)"))
        add_row.addWidget(self.lookup, 1)
        add_row.addWidget(self.add_free)
        add_row.addWidget(self.remove)
        left.addLayout(add_row)
        self.table = QTableView()
        self.table.setObjectName("linesTable")
        self.table.setAccessibleName(self.tr("Invoice lines"))
        self.table.setModel(self.lines)
        self.lines.setParent(self.table)  # the view outlives nothing it shows: its model goes with it
        self.table.setItemDelegate(LinesDelegate(self.catalogue, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Columns.DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        left.addWidget(self.table, 1)
        self.line_errors = error_label()
        self.line_errors.setObjectName("lineErrors")
        left.addWidget(self.line_errors)
        left.addWidget(
            hint(
                self.tr(
                    "Double-click or start typing in a cell to change it. Amounts are in the clinic currency."
                )
            )
        )
        body.addLayout(left, 3)
        self.fields = DraftFields()
        # Short names for the side panel's parts (tests and the lock reach them through the editor).
        f = self.fields
        self.discount, self.notes, self.due_set, self.due_date = f.discount, f.notes, f.due_set, f.due_date
        self.discount_error, self.due_error, self.notes_error = f.discount_error, f.due_error, f.notes_error
        self.totals = f.totals
        body.addWidget(self.fields, 1)
        layout.addLayout(body, 1)
        self.conflict = MessageLabel()
        layout.addWidget(self.conflict)
        conflict_row = QHBoxLayout()
        self.save_as_new = QPushButton(self.tr("Save mine as a new draft"))
        self.reload_theirs = QPushButton(self.tr("Open their version"))
        conflict_row.addStretch(1)
        conflict_row.addWidget(self.save_as_new)
        conflict_row.addWidget(self.reload_theirs)
        layout.addLayout(conflict_row)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.close_button = QPushButton(self.tr("Back to the list"))
        self.save_button = QPushButton(self.tr("&Save draft"))
        self.save_button.setObjectName("saveDraftButton")
        self.save_button.setToolTip(self.tr("Ctrl+S"))
        self.issue_button = QPushButton(self.tr("&Issue…"))
        self.issue_button.setObjectName("issueButton")
        self.issue_button.setProperty("primary", True)
        self.issue_button.setToolTip(
            self.tr("Number the invoice; it cannot be changed afterwards (Ctrl+Enter)")
        )
        self.issue_button.setVisible(permissions.allowed(self.actor.role, Perm.INVOICE_ISSUE))
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.issue_button)
        layout.addLayout(buttons)
        self._show_conflict("")

    def _connect(self) -> None:
        self.lines.edited.connect(self._changed)
        self.fields.discount_edited.connect(self._changed)
        self.fields.touched.connect(self._mark_dirty)
        self.lookup.service_chosen.connect(self.add_service)
        self.add_free.clicked.connect(self.add_free_line)
        self.remove.clicked.connect(self.remove_line)
        self.save_button.clicked.connect(self.save)
        self.issue_button.clicked.connect(lambda: self.issue())
        self.close_button.clicked.connect(self.closed)
        self.save_as_new.clicked.connect(self.save_mine_as_new)
        self.reload_theirs.clicked.connect(self.reload)
        self.table.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (QKeySequence.StandardKey.Save, self.save),
            (QKeySequence("Ctrl+Return"), lambda: self.issue()),
            (QKeySequence(Qt.Key.Key_Insert), self.add_free_line),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(ctx)
            shortcut.activated.connect(slot)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_line)
        self.setTabOrder(self.lookup, self.add_free)
        self.setTabOrder(self.add_free, self.remove)
        self.setTabOrder(self.remove, self.table)
        self.setTabOrder(self.table, self.discount)
        self.setTabOrder(self.notes, self.save_button)
        self.setTabOrder(self.save_button, self.issue_button)
        self.setTabOrder(self.issue_button, self.close_button)

    # --- starting --------------------------------------------------------------------------------

    def set_money(self, money: ClinicMoney) -> None:
        """The clinic's currency and locale (loaded once by the page)."""
        self.money = money
        self.lines.money = money
        self.catalogue.money = money
        self.recompute()

    def start_new(self, patient: PatientChoice) -> None:
        """An empty draft for a patient (saved on the first Save)."""
        self._reset()
        self.patient = patient
        self._show_header()
        self.dirty = False
        self.load_catalogue()
        self.lookup.setFocus()

    def load(self, inv: InvoicePublic) -> None:
        """Edit a saved draft."""
        self._reset()
        self.invoice_id, self.expected = inv.id, inv.updated_at
        self.patient = PatientChoice(inv.patient_id, inv.patient_name, inv.patient_mrn)
        self.lines.load_public(inv.lines)
        discount = "" if inv.invoice_discount == 0 else self.money.number(inv.invoice_discount)
        self.fields.set_values(discount, inv.notes, inv.due_date, today(self.store))
        self._show_header()
        self.recompute()
        self.dirty = False
        self.load_catalogue()
        self._update_buttons()

    def load_catalogue(self) -> None:
        """Refresh the look-up's items off the GUI thread."""
        store, actor = self.store, self.actor
        Op(
            self,
            lambda: work.load_catalogue(store, actor),
            self.catalogue.set_services,
            lambda e: self.message.error(str(e)),
            key="billing.catalogue",
        ).run()

    def _reset(self) -> None:
        self.invoice_id, self.patient, self.expected = None, None, None
        self.lines.clear()
        self.fields.set_values("", "", None, today(self.store))
        self.lookup.clear()
        self.fields.clear_errors()
        for label in (self.message, self.line_errors):
            label.clear_message()
        self._show_conflict("")
        self.patient_label.clear()
        self.patient_label.setAccessibleName("")
        self.recompute()
        self.dirty = False

    def _show_header(self) -> None:
        self.title.setText(self.tr("Draft invoice") if self.invoice_id else self.tr("New invoice"))
        if self.patient is not None:
            text = self.tr("For {name} · record no. {mrn}").format(
                name=self.patient.name, mrn=self.patient.mrn
            )
            self.patient_label.setText(text)
            self.patient_label.setAccessibleName(text)
        self._update_buttons()

    # --- editing ---------------------------------------------------------------------------------

    def add_service(self, service: ServicePublic) -> None:
        """Append a catalogue item."""
        row = self.lines.add_service(service)
        self.table.setCurrentIndex(self.lines.index(row, Columns.QUANTITY))

    def add_free_line(self) -> None:
        """Append a free-text line and start typing its description."""
        row = self.lines.add_line()
        index = self.lines.index(row, Columns.DESCRIPTION)
        self.table.setCurrentIndex(index)
        self.table.setFocus()
        self.table.edit(index)

    def remove_line(self) -> None:
        """Remove the highlighted line."""
        index = self.table.currentIndex()
        if index.isValid():
            self.lines.removeRows(index.row(), 1)

    def _mark_dirty(self) -> None:
        self.dirty = True

    def _changed(self) -> None:
        if self.line_errors.isVisible():
            # Fixed cells drop their message; what is still wrong stays listed.
            remaining = self.lines.error_messages()
            if remaining:
                self.line_errors.error("\n".join(remaining))
            else:
                self.line_errors.clear_message()
                self.message.clear_message()
        self._mark_dirty()
        self.recompute()
        self._update_buttons()

    def recompute(self) -> None:
        """Live totals: the core's `compute_totals` over the lines that can be read (never our own sums)."""
        rows = self.lines.amounts()
        discount = self.money.parse(self.discount.text()) if self.discount.text().strip() else Decimal(0)
        try:
            totals = compute_totals([a for _, a in rows], discount or Decimal(0), self.money.places)
        except (InvalidOperation, ArithmeticError):
            totals = None
        self.live_totals = totals
        self.lines.set_totals(
            {row: t for (row, _), t in zip(rows, totals.lines, strict=True)} if totals else {}
        )
        self.totals.show_draft(totals if self.lines.rowCount() else None, self.money)

    def _update_buttons(self) -> None:
        has_patient = self.patient is not None
        for w in (self.save_button, self.issue_button, self.lookup, self.add_free):
            w.setEnabled(has_patient)
        self.remove.setEnabled(has_patient and self.table.currentIndex().isValid())

    # --- saving ----------------------------------------------------------------------------------

    def content(self) -> InvoiceUpdate:
        """What is on screen, as the core takes it."""
        text = self.discount.text().strip()
        parsed = self.money.parse(text) if text else Decimal(0)
        discount = _NAN if parsed is None else parsed  # not a number: the core says what to type
        return InvoiceUpdate(
            lines=self.lines.inputs(),
            invoice_discount=discount,
            notes=self.notes.toPlainText(),
            due_date=self.fields.due(),
        )

    def _busy(self, busy: bool) -> None:
        for w in (self.save_button, self.issue_button, self.save_as_new, self.reload_theirs):
            w.setEnabled(not busy)
        if not busy:
            self._update_buttons()

    def save(self) -> None:
        """Save the draft off the GUI thread (create it the first time)."""
        if self.patient is None:
            return
        self._run(work.save_draft, self._saved, self.tr("Saving…"))

    def _run(self, fn: Any, done: Any, busy_text: str, *, as_new: bool = False) -> None:
        assert self.patient is not None
        store, actor, data = self.store, self.actor, self.content()
        invoice_id = None if as_new else self.invoice_id
        expected = None if as_new else self.expected
        patient_id = self.patient.id
        self.message.info(busy_text)
        self._busy(True)
        Op(
            self,
            lambda: fn(
                store, actor, invoice_id=invoice_id, patient_id=patient_id, data=data, expected=expected
            ),
            done,
            self._failed,
            name="billing.save",
        ).run()

    def _saved(self, inv: InvoicePublic) -> None:
        self._busy(False)
        self.load(inv)
        self.message.success(self.tr("The draft was saved."))
        self.saved.emit(inv)

    def _failed(self, error: HMISError) -> None:
        self._busy(False)
        self.message.clear_message()
        if isinstance(error, ValidationError):
            self.show_errors(error.errors)
        elif isinstance(error, Conflict):
            self._show_conflict(
                str(error)
                + " "
                + self.tr("Your changes are still here: save them as a new draft, or open theirs.")
            )
        else:
            self.message.error(str(error))

    def show_errors(self, errors: dict[str, str]) -> None:
        """The core's messages beside their fields (line cells, discount, due date, notes)."""
        placed = self.lines.set_errors(errors)
        general = [m for k, m in errors.items() if k == "lines"]
        line_messages = placed + general
        if line_messages:
            self.line_errors.error("\n".join(line_messages))
        else:
            self.line_errors.clear_message()
        self.fields.show_errors(errors)
        known = {"lines", *FIELD_KEYS}
        other = [m for k, m in errors.items() if not k.startswith("lines[") and k not in known]
        if other:
            self.message.error("\n".join(other))
        else:
            self.message.error(self.tr("Nothing was saved. Correct what is marked in red, then try again."))

    def _show_conflict(self, text: str) -> None:
        if text:
            self.conflict.error(text)
        else:
            self.conflict.clear_message()
        self.save_as_new.setVisible(bool(text))
        self.reload_theirs.setVisible(bool(text))

    def save_mine_as_new(self) -> None:
        """After a conflict: keep the user's version as a new draft for the same patient."""

        def done(inv: InvoicePublic) -> None:
            self._saved(inv)
            self.message.success(
                self.tr("Your version was saved as a new draft. The other draft was left as it was.")
            )

        self._show_conflict("")
        self._run(work.save_draft, done, self.tr("Saving as a new draft…"), as_new=True)

    def reload(self) -> None:
        """After a conflict: drop the user's changes and open the invoice as it is now."""
        if self.invoice_id is None:
            return
        store, actor, invoice_id = self.store, self.actor, self.invoice_id

        def done(inv: InvoicePublic) -> None:
            if inv.state == "draft":
                self.load(inv)
                self.message.info(self.tr("This is the draft as it was saved by the other user."))
            else:
                self.issued.emit(inv)

        self._show_conflict("")
        Op(self, lambda: work.load_invoice(store, actor, invoice_id), done, self._failed).run()

    def issue(self, confirmed: bool = False) -> None:
        """Ask first ("an issued invoice cannot be changed"), then save and issue in one transaction."""
        if self.patient is None or not self.issue_button.isVisible():
            return
        if not confirmed:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(self.tr("Issue the invoice"))
            box.setText(self.tr("Issue this invoice now?"))
            box.setInformativeText(
                self.tr(
                    "An issued invoice cannot be changed. It gets its number now; to correct it later, "
                    "void it or issue a credit note."
                )
            )
            yes = box.addButton(self.tr("Issue"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.setDefaultButton(yes)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.buttonClicked.connect(lambda b: self.issue(True) if b is yes else None)
            self.confirm_box = box
            box.open()
            return
        self._run(work.save_and_issue, self._issued, self.tr("Issuing…"))

    def _issued(self, inv: InvoicePublic) -> None:
        self._busy(False)
        self.dirty = False
        self.message.clear_message()
        self.issued.emit(inv)

    # --- drafts and the lock ---------------------------------------------------------------------

    def collect_draft(self) -> dict[str, Any] | None:
        """The whole editor state as JSON-able data (unsaved lines included); None when empty."""
        if self.patient is None:
            return None
        current = self.table.currentIndex()
        return {
            "invoice_id": str(self.invoice_id) if self.invoice_id else None,
            "patient": {"id": str(self.patient.id), "name": self.patient.name, "mrn": self.patient.mrn},
            "expected": self.expected.isoformat() if self.expected else None,
            "lines": self.lines.to_json(),
            "invoice_discount": self.discount.text(),
            "notes": self.notes.toPlainText(),
            "due_date": due.isoformat() if (due := self.fields.due()) else None,
            "dirty": self.dirty,
            "current": [current.row(), current.column()] if current.isValid() else None,
        }

    def restore_draft(self, data: dict[str, Any]) -> None:
        """Put back exactly what `collect_draft()` returned."""
        self._reset()
        p = data["patient"]
        self.patient = PatientChoice(uuid.UUID(p["id"]), str(p["name"]), str(p["mrn"]))
        self.invoice_id = uuid.UUID(data["invoice_id"]) if data.get("invoice_id") else None
        self.expected = datetime.fromisoformat(data["expected"]) if data.get("expected") else None
        self.lines.load_json(list(data.get("lines") or []))
        due = data.get("due_date")
        self.fields.set_values(
            str(data.get("invoice_discount") or ""),
            str(data.get("notes") or ""),
            date.fromisoformat(due) if due else None,
            today(self.store),
        )
        self._show_header()
        self.recompute()
        self.dirty = bool(data.get("dirty"))
        current = data.get("current")
        if current:
            self.table.setCurrentIndex(self.lines.index(int(current[0]), int(current[1])))
        self.load_catalogue()
        self._update_buttons()

    def clear_sensitive(self) -> None:
        """Empty every field, the lines and the header."""
        self._reset()
        self.catalogue.set_services([])
        if self.confirm_box is not None:
            self.confirm_box = None
        self._show_header()
        self.title.setText(self.tr("New invoice"))
