"""The clinic profile form, shared by the first-run wizard and the Admin page. Keys are the core's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QImageReader, QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop import settings as settings_mod
from ui.widgets import MessageLabel

CURRENCIES = [
    "USD",
    "EUR",
    "GBP",
    "KES",
    "UGX",
    "TZS",
    "NGN",
    "GHS",
    "ZAR",
    "INR",
    "PKR",
    "XOF",
    "MAD",
    "EGP",
]
LOCALES = ["en_US", "en_GB", "en_KE", "fr_FR", "fr_SN", "sw_KE", "ar_EG", "es_ES", "pt_PT", "de_DE", "hi_IN"]
REGIONS = ["US", "GB", "KE", "UG", "TZ", "NG", "GH", "ZA", "IN", "PK", "SN", "MA", "EG", "FR", "DE", "ES"]
LOGO_MAX_BYTES = 2 * 1024 * 1024
TEXT_KEYS = ("clinic.name", "clinic.tax_id", "clinic.phone", "clinic.email", "invoice.prefix", "mrn.format")
COMBO_KEYS = ("clinic.currency", "clinic.locale", "clinic.region")


def _combo(items: list[str], upper: bool = True) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(items)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    if upper:
        combo.lineEdit().textEdited.connect(lambda t: combo.setEditText(t.upper()))
    return combo


class ClinicForm(QWidget):
    """Name, address, tax id, phone, email, logo, currency, locale, country, invoice prefix, MRN format."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, show_logo_preview: bool = True) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        self.edits: dict[str, QLineEdit] = {k: QLineEdit() for k in TEXT_KEYS}
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 3 + 16)
        self.combos = {
            "clinic.currency": _combo(CURRENCIES),
            "clinic.locale": _combo(LOCALES, upper=False),
            "clinic.region": _combo(REGIONS),
        }
        self.edits["invoice.prefix"].setValidator(
            QRegularExpressionValidator(QRegularExpression("[A-Za-z0-9]{0,8}"), self)
        )
        self.edits["invoice.prefix"].textEdited.connect(
            lambda t: self.edits["invoice.prefix"].setText(t.upper())
        )
        self.mrn_example = QLabel()
        self.mrn_example.setObjectName("hint")
        self.logo_path = QLineEdit()
        self.logo_path.setReadOnly(True)
        self.logo_path.setPlaceholderText(self.tr("No logo"))
        self.browse = QPushButton(self.tr("Choose…"))
        self.remove_logo = QPushButton(self.tr("Remove"))
        self.logo_preview = QLabel()
        self.logo_preview.setObjectName("logoPreview")
        self.logo_preview.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self._show_preview = show_logo_preview
        self.logo_preview.hide()
        self._logo_removed = False
        self.errors: dict[str, MessageLabel] = {}
        labels = {
            "clinic.name": self.tr("Clinic &name"),
            "clinic.tax_id": self.tr("&Tax id"),
            "clinic.phone": self.tr("&Phone"),
            "clinic.email": self.tr("&Email"),
            "clinic.currency": self.tr("&Currency"),
            "clinic.locale": self.tr("&Language and formats"),
            "clinic.region": self.tr("Co&untry (for phone numbers)"),
            "invoice.prefix": self.tr("&Invoice prefix"),
            "mrn.format": self.tr("&Record number format"),
        }
        accessible = {k: v.replace("&", "") for k, v in labels.items()}

        def row(key: str, label: str, field: QWidget | QLayout, buddy: QWidget) -> None:
            # The message sits under its field in the same form row, so hidden messages leave no gaps.
            buddy.setAccessibleName(accessible.get(key, label.replace("&", "")))
            cell = QVBoxLayout()
            cell.setContentsMargins(0, 0, 0, 0)
            cell.setSpacing(3)
            if isinstance(field, QWidget):
                cell.addWidget(field)
            else:
                cell.addLayout(field)
            err = MessageLabel()
            self.errors[key] = err
            cell.addWidget(err)
            title = QLabel(label)
            title.setBuddy(buddy)
            form.addRow(title, cell)

        row("clinic.name", labels["clinic.name"], self.edits["clinic.name"], self.edits["clinic.name"])
        row("clinic.address", self.tr("&Address"), self.address, self.address)
        for key in ("clinic.tax_id", "clinic.phone", "clinic.email"):
            row(key, labels[key], self.edits[key], self.edits[key])
        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo_path, 1)
        logo_row.addWidget(self.browse)
        logo_row.addWidget(self.remove_logo)
        logo_cell = QVBoxLayout()
        logo_cell.setContentsMargins(0, 0, 0, 0)
        logo_cell.addLayout(logo_row)
        logo_cell.addWidget(self.logo_preview)
        row("clinic.logo", self.tr("&Logo"), logo_cell, self.browse)
        self.logo_path.setAccessibleName(self.tr("Logo file"))
        self.browse.setAccessibleName(self.tr("Choose a logo file"))
        for key in COMBO_KEYS:
            row(key, labels[key], self.combos[key], self.combos[key])
        row(
            "invoice.prefix",
            labels["invoice.prefix"],
            self.edits["invoice.prefix"],
            self.edits["invoice.prefix"],
        )
        mrn = QVBoxLayout()
        mrn.setContentsMargins(0, 0, 0, 0)
        mrn.setSpacing(3)
        mrn.addWidget(self.edits["mrn.format"])
        mrn.addWidget(self.mrn_example)
        row("mrn.format", labels["mrn.format"], _wrap(mrn), self.edits["mrn.format"])
        self.browse.clicked.connect(self.choose_logo)
        self.remove_logo.clicked.connect(self.clear_logo)
        self.edits["mrn.format"].textChanged.connect(self._update_example)
        for edit in self.edits.values():
            edit.textChanged.connect(self.changed)
        self.address.textChanged.connect(self.changed)
        for combo in self.combos.values():
            combo.currentTextChanged.connect(self.changed)
        self.set_values({k: d.default for k, d in settings_mod.DEFS.items()})

    # --- values ----------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The form's settings values (without the logo)."""
        out: dict[str, Any] = {k: e.text().strip() for k, e in self.edits.items()}
        out["clinic.address"] = self.address.toPlainText().strip()
        out.update({k: c.currentText().strip() for k, c in self.combos.items()})
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form from settings values (unknown keys ignored)."""
        for key, edit in self.edits.items():
            if key in values:
                edit.setText(str(values[key] or ""))
        if "clinic.address" in values:
            self.address.setPlainText(str(values["clinic.address"] or ""))
        for key, combo in self.combos.items():
            if key in values:
                combo.setEditText(str(values[key] or ""))
        self._update_example()

    def validate(self, *, require_name: bool = True) -> dict[str, str]:
        """Check with the core's declared settings; shows and returns the errors by key."""
        values = self.values()
        errors = settings_mod.validate(values)
        if require_name and not values["clinic.name"]:
            errors["clinic.name"] = self.tr("Enter the clinic's name.")
        logo = self.logo_file()
        if logo is not None:
            problem = logo_problem(logo)
            if problem:
                errors["clinic.logo"] = problem
        self.show_errors(errors)
        return errors

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show messages under their fields (and clear the others)."""
        for key, label in self.errors.items():
            if key in errors:
                label.error(errors[key])
            else:
                label.clear_message()

    def _update_example(self) -> None:
        pattern = self.edits["mrn.format"].text()
        try:
            example = pattern.format(seq=1) if "{seq" in pattern else ""
        except (ValueError, KeyError, IndexError):
            example = ""
        self.mrn_example.setText(
            self.tr("First record number: {example}").format(example=example)
            if example
            else self.tr("Use {seq} for the running number, e.g. MRN{seq:06d}.")
        )

    # --- logo ------------------------------------------------------------------------------------

    def logo_file(self) -> Path | None:
        """The newly chosen logo file, if any."""
        text = self.logo_path.text().strip()
        return Path(text) if text else None

    @property
    def logo_removed(self) -> bool:
        """Whether the user removed the existing logo."""
        return self._logo_removed

    def choose_logo(self) -> None:
        """Pick an image file."""
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the clinic's logo"), "", self.tr("Images (*.png *.jpg *.jpeg *.svg)")
        )
        if path:
            self.set_logo_file(Path(path))

    def set_logo_file(self, path: Path) -> None:
        """Use `path` as the new logo (checked, previewed)."""
        self.logo_path.setText(str(path))
        self._logo_removed = False
        problem = logo_problem(path)
        if problem:
            self.errors["clinic.logo"].error(problem)
            return
        self.errors["clinic.logo"].clear_message()
        self.show_logo(QPixmap(str(path)))
        self.changed.emit()

    def show_logo(self, pixmap: QPixmap | None) -> None:
        """Preview a logo (None hides the preview)."""
        if pixmap is None or pixmap.isNull():
            self.logo_preview.clear()
            self.logo_preview.hide()
            return
        self.logo_preview.setVisible(self._show_preview)
        height = self.fontMetrics().height() * 4
        scaled = pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
        self.logo_preview.setPixmap(scaled)
        # Reserve the room explicitly: a label shown later inside a scroll area may not get it otherwise.
        self.logo_preview.setMinimumHeight(scaled.height() + 12)

    def clear_logo(self) -> None:
        """Remove the logo."""
        self.logo_path.clear()
        self.logo_preview.clear()
        self.logo_preview.hide()
        self._logo_removed = True
        self.errors["clinic.logo"].clear_message()
        self.changed.emit()


def _wrap(layout: QVBoxLayout) -> QWidget:
    holder = QWidget()
    holder.setLayout(layout)
    return holder


def logo_problem(path: Path) -> str:
    """Why a logo file cannot be used ('' if it can)."""
    from ui.widgets import tr

    try:
        size = path.stat().st_size
    except OSError:
        return tr("The logo file cannot be read.")
    if size > LOGO_MAX_BYTES:
        return tr("The logo is larger than 2 MB; choose a smaller image.")
    if not QImageReader(str(path)).canRead():
        return tr("The logo must be a PNG, JPEG or SVG image.")
    return ""
