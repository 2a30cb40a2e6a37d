"""A payment's receipt (A5 or 80 mm thermal) previewed in the app, to print or save."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hmis_desktop.audit import Actor
from hmis_desktop.store.store import Store
from ui.billing import work
from ui.billing.pdf_preview import PdfPreview
from ui.ops import Op

LAYOUTS = (("a5", "A5 page"), ("thermal80", "80 mm thermal roll"))


class ReceiptDialog(QDialog):
    """Choose the receipt's layout; the preview offers Print… and Save as PDF…."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        payment_id: uuid.UUID,
        number: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.actor, self.payment_id, self.number = store, actor, payment_id, number
        self.setObjectName("receiptDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(self.tr("Receipt — {number}").format(number=number))
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.layout_combo = QComboBox()
        self.layout_combo.setAccessibleName(self.tr("Receipt layout"))
        for code, text in LAYOUTS:
            self.layout_combo.addItem(self.tr(text), code)
        label = QLabel(self.tr("&Layout"))
        label.setBuddy(self.layout_combo)
        row.addWidget(label)
        row.addWidget(self.layout_combo)
        row.addStretch(1)
        layout.addLayout(row)
        self.preview = PdfPreview(print_title=self.tr("Receipt {number}").format(number=number))
        layout.addWidget(self.preview, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.layout_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.resize(620, 760)
        self.load()

    def load(self) -> None:
        """Render the receipt in the chosen layout."""
        store, actor, pid, layout = (
            self.store,
            self.actor,
            self.payment_id,
            str(self.layout_combo.currentData()),
        )
        name = work.pdf_file_name(f"{self.number}-receipt")

        Op(
            self,
            lambda: work.receipt_pdf(store, actor, pid, layout),
            lambda data: self.preview.set_pdf(data, name),
            lambda e: self.preview.message.error(str(e)),
            key=f"billing.receipt.{id(self)}",
        ).run()
