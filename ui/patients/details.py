"""The record page's Details tab: every field, read-only and selectable, with an Edit button."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.services.patients import PatientPublic
from ui.patients import format as fmt

ROWS = (
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("other_names", "Other names"),
    ("sex", "Sex"),
    ("birth", "Date of birth"),
    ("national_id", "National id"),
    ("phones", "Phones"),
    ("email", "Email"),
    ("address", "Address"),
    ("insurance", "Insurance"),
    ("emergency", "Emergency contact"),
    ("allergies", "Allergies"),
    ("alerts", "Alerts"),
    ("notes", "Notes"),
    ("registered", "Registered"),
    ("changed", "Last changed"),
)


class DetailsView(QWidget):
    """The patient's saved values; `edit_requested` when Edit is pressed."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.region = ""
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Transparent in both themes: the tab pane's colour shows through.
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        body = QWidget()
        form = QFormLayout(body)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.values: dict[str, QLabel] = {}
        for key, label in ROWS:
            value = QLabel()
            value.setObjectName("detail_" + key)
            value.setWordWrap(True)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            value.setAccessibleName(fmt.tr(label))
            title = QLabel(fmt.tr(label))
            title.setObjectName("hint")
            form.addRow(title, value)
            self.values[key] = value
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edi&t details"))
        self.edit_button.setObjectName("editPatient")
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        outer.addLayout(buttons)
        self.edit_button.clicked.connect(self.edit_requested)

    def show_patient(self, p: PatientPublic) -> None:
        """Fill every row."""
        dash = "—"
        birth = fmt.date_text(p.birth_date)
        if birth:
            birth += f"  ({fmt.age_text(p.age, p.birth_date_estimated)})"
            if p.birth_date_estimated:
                birth += " " + self.tr("approximate")
        phones = "\n".join(
            f"{fmt.phone_text(ph.number, self.region)}  ({fmt.phone_label(ph.label)})" for ph in p.phones
        )
        insurance = ""
        if p.insurance:
            insurance = p.insurance.payer
            if p.insurance.member_number:
                insurance += " · " + self.tr("member {number}").format(number=p.insurance.member_number)
        emergency = ""
        if p.emergency_contact:
            ec = p.emergency_contact
            emergency = " · ".join(
                x for x in (ec.name, ec.relation, fmt.phone_text(ec.phone, self.region)) if x
            )
        values = {
            "given_name": p.given_name,
            "family_name": p.family_name,
            "other_names": p.other_names,
            "sex": fmt.sex_label(p.sex),
            "birth": birth,
            "national_id": p.national_id,
            "phones": phones,
            "email": p.email,
            "address": p.address,
            "insurance": insurance,
            "emergency": emergency,
            "allergies": p.allergies,
            "alerts": p.alerts,
            "notes": p.notes,
            "registered": fmt.when_text(p.created_at),
            "changed": fmt.when_text(p.updated_at),
        }
        for key, label in self.values.items():
            label.setText(values.get(key) or dash)

    def clear(self) -> None:
        """Empty every row (the lock)."""
        for label in self.values.values():
            label.clear()
