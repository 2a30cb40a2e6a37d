"""Void an issued invoice with a reason, or issue a credit note against it (all of it or the lines ticked).

Both are for roles with Perm.INVOICE_VOID (the page hides the buttons from others; the core checks again).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.audit import Actor
from hmis_desktop.errors import HMISError, ValidationError
from hmis_desktop.services.invoices import InvoicePublic, LineInput
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.money import ClinicMoney
from ui.billing.widgets import grow_to_fit
from ui.ops import Op
from ui.widgets import MessageLabel, hint


def _reason_edit(name: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName("reason")
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * 4)
    return edit


class _ReasonDialog(QDialog):
    """Shared frame: a reason, a field error under it, a general message, OK/Cancel."""

    completed = Signal(object)

    def __init__(self, store: Store, actor: Actor, invoice: InvoicePublic, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.store, self.actor, self.invoice = store, actor, invoice
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.layout_ = QVBoxLayout(self)
        self.reason = _reason_edit(self.tr("Reason"))
        self.reason_error = MessageLabel()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def _finish_layout(self) -> None:
        label = QLabel(self.tr("&Reason (printed on the document and kept in the record)"))
        label.setBuddy(self.reason)
        self.layout_.addWidget(label)
        self.layout_.addWidget(self.reason)
        self.layout_.addWidget(self.reason_error)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)
        self.reason.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        """Room for the wrapped texts."""
        super().showEvent(event)
        grow_to_fit(self)

    def submit(self) -> None:
        """Subclasses run their operation."""
        raise NotImplementedError

    def _run(self, fn: object) -> None:
        self.reason_error.clear_message()
        self.message.clear_message()
        self.ok.setEnabled(False)
        Op(self, fn, self._ok, self._failed, name=type(self).__name__).run()  # type: ignore[arg-type]

    def _ok(self, result: InvoicePublic) -> None:
        self.ok.setEnabled(True)
        self.completed.emit(result)
        self.accept()

    def _failed(self, error: HMISError) -> None:
        self.ok.setEnabled(True)
        errors = error.errors if isinstance(error, ValidationError) else {}
        if "reason" in errors:
            self.reason_error.error(errors["reason"])
        rest = [m for k, m in errors.items() if k != "reason"]
        if rest or not errors:
            self.message.error("\n".join(rest) if rest else str(error))
        grow_to_fit(self)


class VoidDialog(_ReasonDialog):
    """Void an issued invoice nobody has paid; its number stays used and shows VOID."""

    def __init__(
        self, store: Store, actor: Actor, invoice: InvoicePublic, parent: QWidget | None = None
    ) -> None:
        super().__init__(store, actor, invoice, parent)
        self.setObjectName("voidDialog")
        self.setWindowTitle(self.tr("Void invoice {number}").format(number=invoice.number or ""))
        self.layout_.addWidget(
            hint(
                self.tr(
                    "A voided invoice keeps its number and prints as VOID. Only an invoice without payments "
                    "can be voided; otherwise refund the payments or issue a credit note."
                )
            )
        )
        self.ok.setText(self.tr("Void invoice"))
        self._finish_layout()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 36)

    def submit(self) -> None:
        """Void it off the GUI thread."""
        store, actor, invoice_id, reason = self.store, self.actor, self.invoice.id, self.reason.toPlainText()
        self._run(lambda: work.void(store, actor, invoice_id, reason))


class CreditNoteDialog(_ReasonDialog):
    """A credit note for the whole invoice or for the lines ticked; crediting everything voids the invoice."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        invoice: InvoicePublic,
        money: ClinicMoney,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(store, actor, invoice, parent)
        self.setObjectName("creditNoteDialog")
        self.setWindowTitle(self.tr("Credit note for {number}").format(number=invoice.number or ""))
        m = ClinicMoney(invoice.currency, money.locale)
        self.layout_.addWidget(
            hint(
                self.tr(
                    "A credit note gives back part or all of an invoice. It gets its own number; when it "
                    "covers what is left of the invoice, the invoice is voided too."
                )
            )
        )
        self.whole = QRadioButton(
            self.tr("Credit the &whole invoice ({total})").format(total=m.fmt(invoice.total))
        )
        self.some = QRadioButton(self.tr("Credit only the lines &ticked:"))
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.some)
        self.whole.setChecked(not invoice.credit_notes)
        self.whole.setEnabled(not invoice.credit_notes)
        self.some.setChecked(bool(invoice.credit_notes))
        self.list = QListWidget()
        self.list.setObjectName("creditLines")
        self.list.setAccessibleName(self.tr("Lines to credit"))
        for line in invoice.lines:
            item = QListWidgetItem(
                f"{line.description} × {line.quantity.normalize():f} — {m.fmt(line.total)}", self.list
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.lines_error = MessageLabel()
        for w in (self.whole, self.some, self.list, self.lines_error):
            self.layout_.addWidget(w)
        self.list.setEnabled(self.some.isChecked())
        self.some.toggled.connect(self.list.setEnabled)
        self.ok.setText(self.tr("Issue credit note"))
        self._finish_layout()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 48)

    def tick(self, row: int, on: bool = True) -> None:
        """Tick or untick a line."""
        self.list.item(row).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen_lines(self) -> list[LineInput] | None:
        """None for the whole invoice; else the ticked lines, each crediting exactly what it charged."""
        if self.whole.isChecked():
            return None
        out = []
        for row, line in enumerate(self.invoice.lines):
            if self.list.item(row).checkState() == Qt.CheckState.Checked:
                # The line's part of the invoice discount goes into its discount, so it credits its total.
                out.append(
                    LineInput(
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        discount=line.discount + line.discount_share,
                        tax_rate=line.tax_rate,
                        service_id=line.service_id,
                        code=line.code,
                    )
                )
        return out

    def submit(self) -> None:
        """Issue the credit note off the GUI thread."""
        self.lines_error.clear_message()
        store, actor, invoice_id, reason = self.store, self.actor, self.invoice.id, self.reason.toPlainText()
        lines = self.chosen_lines()
        self._run(lambda: work.credit(store, actor, invoice_id, reason, lines))

    def _failed(self, error: HMISError) -> None:
        errors = error.errors if isinstance(error, ValidationError) else {}
        if "lines" in errors:
            self.ok.setEnabled(True)
            self.lines_error.error(errors["lines"])
            if "reason" in errors:
                self.reason_error.error(errors["reason"])
            grow_to_fit(self)
            return
        super()._failed(error)
