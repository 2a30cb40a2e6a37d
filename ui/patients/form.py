"""The patient form's fields: every PatientCreate field, a message beside each, drafts in and out.

No rule lives here: what is valid is the core's `validate` (its ValidationError.errors land beside their
fields). The form only turns typed text into the core's input (a date typed in the clinic locale's order is
read by the core's `parse_date`; text that is no date at all gets a message here, as the core never sees it).
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QLocale, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.services.patient_fields import (
    SEXES,
    EmergencyContact,
    Insurance,
    PatientCreate,
    PatientUpdate,
    age_on,
)
from hmis_desktop.services.patient_formats import date_order, parse_date
from ui.patients import format as fmt
from ui.patients.form_state import values_state
from ui.patients.phones import PhonesEditor
from ui.widgets import MessageLabel

LINE_KEYS = (
    "given_name",
    "family_name",
    "other_names",
    "birth_date",
    "estimated_age",
    "email",
    "national_id",
    "insurance.payer",
    "insurance.member_number",
    "emergency_contact.name",
    "emergency_contact.phone",
    "emergency_contact.relation",
)
TEXT_KEYS = ("address", "allergies", "alerts", "notes")
_DATE_EXAMPLE = {"dmy": "17/05/1980", "mdy": "05/17/1980", "ymd": "1980-05-17"}


def _text_box(lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 16)
    return box


class PatientFields(QWidget):
    """The inputs of the registration and edit form; `changed` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clinic_locale = "en_US"
        self.today = date.today()
        self.lines: dict[str, QLineEdit] = {k: QLineEdit() for k in LINE_KEYS}
        self.texts: dict[str, QPlainTextEdit] = {
            "address": _text_box(2),
            "allergies": _text_box(2),
            "alerts": _text_box(2),
            "notes": _text_box(4),
        }
        self.sex = QComboBox()
        self.sex.addItem(self.tr("Choose…"), "")
        for code in SEXES:
            self.sex.addItem(fmt.sex_label(code), code)
        self.approximate = QCheckBox(self.tr("The date is approximate"))
        self.phones = PhonesEditor()
        self.birth_hint = QLabel()
        self.birth_hint.setObjectName("hint")
        self.errors: dict[str, MessageLabel] = {}
        self.inputs: dict[str, QWidget] = {**self.lines, **self.texts, "sex": self.sex}
        self.lines["estimated_age"].setValidator(
            QRegularExpressionValidator(QRegularExpression("[0-9]{0,3}"), self)
        )
        self.lines["estimated_age"].setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 6)
        for key, widget in self.inputs.items():
            widget.setObjectName("field_" + key.replace(".", "_"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        left, right = QVBoxLayout(), QVBoxLayout()
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        left.addWidget(self._identity())
        left.addWidget(self._contact())
        left.addStretch(1)
        right.addWidget(self._clinical())
        right.addWidget(self._insurance())
        right.addWidget(self._emergency())
        right.addWidget(self._notes())
        right.addStretch(1)
        for widget in self.lines.values():
            widget.textChanged.connect(self.changed)
        for box in self.texts.values():
            box.textChanged.connect(self.changed)
        self.sex.currentIndexChanged.connect(self.changed)
        self.approximate.toggled.connect(self.changed)
        self.phones.changed.connect(self.changed)
        self.lines["birth_date"].textChanged.connect(self._birth_typed)
        self.phones.rows_changed.connect(self.update_tab_order)
        self.update_tab_order()

    # --- layout ------------------------------------------------------------------------------------

    def focus_order(self) -> list[QWidget]:
        """The inputs in the order Tab visits them: down the left column, then down the right one."""
        lines, texts = self.lines, self.texts
        chain: list[QWidget] = [
            lines["given_name"],
            lines["family_name"],
            lines["other_names"],
            self.sex,
            lines["birth_date"],
            self.approximate,
            lines["estimated_age"],
            lines["national_id"],
        ]
        for row in self.phones.rows:
            chain += [row.number, row.label, row.remove]
        chain += [
            self.phones.add_button,
            lines["email"],
            texts["address"],
            texts["allergies"],
            texts["alerts"],
        ]
        chain += [lines[k] for k in ("insurance.payer", "insurance.member_number")]
        chain += [lines[f"emergency_contact.{k}"] for k in ("name", "phone", "relation")]
        return [*chain, texts["notes"]]

    def update_tab_order(self) -> None:
        """Widgets are created in dict order, not screen order: set the Tab order explicitly."""
        chain = self.focus_order()
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _form(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return box, form

    def _row(self, form: QFormLayout, key: str, label: str, field: QWidget | QLayout | None = None) -> None:
        """A labelled field with its message under it (hidden messages leave no gap)."""
        buddy = self.inputs.get(key)
        cell = QVBoxLayout()
        cell.setSpacing(3)
        content = field if field is not None else buddy
        if isinstance(content, QWidget):
            cell.addWidget(content)
        elif content is not None:
            cell.addLayout(content)
        message = MessageLabel()
        message.setObjectName("error_" + key.replace(".", "_"))
        self.errors[key] = message
        cell.addWidget(message)
        title = QLabel(label)
        if buddy is not None:
            title.setBuddy(buddy)
            buddy.setAccessibleName(label.replace("&", ""))
        form.addRow(title, cell)

    def _identity(self) -> QGroupBox:
        box, form = self._form(self.tr("Identity"))
        self._row(form, "given_name", self.tr("&Given name"))
        self._row(form, "family_name", self.tr("&Family name"))
        self._row(form, "other_names", self.tr("&Other names"))
        self._row(form, "sex", self.tr("Se&x"))
        birth = QVBoxLayout()
        birth.setSpacing(3)
        birth.addWidget(self.lines["birth_date"])
        birth.addWidget(self.birth_hint)
        birth.addWidget(self.approximate)
        self._row(form, "birth_date", self.tr("&Date of birth"), birth)
        age = QHBoxLayout()
        age.addWidget(self.lines["estimated_age"])
        age.addWidget(QLabel(self.tr("years (when the date of birth is not known)")), 1)
        self._row(form, "estimated_age", self.tr("or estimated &age"), age)
        self._row(form, "national_id", self.tr("&National id"))
        self.approximate.setAccessibleName(self.tr("The date of birth is approximate"))
        return box

    def _contact(self) -> QGroupBox:
        box, form = self._form(self.tr("Contact"))
        title = QLabel(self.tr("&Phones"))
        title.setBuddy(self.phones.rows[0].number)
        form.addRow(title, self.phones)
        self._row(form, "email", self.tr("&Email"))
        self._row(form, "address", self.tr("Add&ress"))
        return box

    def _clinical(self) -> QGroupBox:
        box, form = self._form(self.tr("Allergies and alerts"))
        box.setObjectName("alertsBox")
        self._row(form, "allergies", self.tr("Allerg&ies"))
        self._row(form, "alerts", self.tr("Aler&ts"))
        self.texts["allergies"].setPlaceholderText(
            self.tr("e.g. penicillin — shown at the top of the record")
        )
        self.texts["alerts"].setPlaceholderText(self.tr("e.g. hard of hearing, needs an interpreter"))
        return box

    def _insurance(self) -> QGroupBox:
        box, form = self._form(self.tr("Insurance"))
        self._row(form, "insurance.payer", self.tr("Ins&urer"))
        self._row(form, "insurance.member_number", self.tr("Mem&ber number"))
        return box

    def _emergency(self) -> QGroupBox:
        box, form = self._form(self.tr("Emergency contact"))
        self._row(form, "emergency_contact.name", self.tr("Na&me"))
        self._row(form, "emergency_contact.phone", self.tr("P&hone"))
        self._row(form, "emergency_contact.relation", self.tr("Re&lation"))
        return box

    def _notes(self) -> QGroupBox:
        box, form = self._form(self.tr("Notes"))
        self._row(form, "notes", self.tr("Notes"))
        return box

    # --- clinic formats ------------------------------------------------------------------------------

    def set_formats(self, locale: str, phone_example: str, today: date) -> None:
        """The clinic's locale (date order), a sample phone number, and today's date."""
        self.clinic_locale, self.today = locale, today
        example = _DATE_EXAMPLE.get(date_order(locale), "1980-05-17")
        self.lines["birth_date"].setPlaceholderText(
            self.tr("e.g. {example} or 1980-05-17").format(example=example)
        )
        self.phones.set_example(phone_example)
        self.lines["emergency_contact.phone"].setPlaceholderText(
            self.tr("e.g. {example}").format(example=phone_example) if phone_example else ""
        )
        self._birth_typed(self.lines["birth_date"].text())

    def _birth_typed(self, text: str) -> None:
        parsed = parse_date(text, self.clinic_locale, self.today) if text.strip() else None
        if parsed is None:
            self.birth_hint.hide()
            return
        age = age_on(parsed, self.today)
        shown = QLocale().toString(QDate(parsed.year, parsed.month, parsed.day), "d MMMM yyyy")
        self.birth_hint.setText(
            self.tr("Read as {date}").format(date=shown)
            + (f" · {fmt.age_text(age)}" if age is not None and age >= 0 else "")
        )
        self.birth_hint.show()

    # --- values --------------------------------------------------------------------------------------

    def _line(self, key: str) -> str:
        return self.lines[key].text()

    def collect(self) -> tuple[PatientUpdate, dict[str, str]]:
        """The core's input from what is typed, and messages for text that is not a date or a number."""
        errors: dict[str, str] = {}
        birth: date | None = None
        raw_birth = self._line("birth_date").strip()
        if raw_birth:
            birth = parse_date(raw_birth, self.clinic_locale, self.today)
            if birth is None:
                errors["birth_date"] = self.tr("This is not a date. Type it like {example}.").format(
                    example=self.lines["birth_date"].placeholderText().removeprefix(self.tr("e.g. "))
                )
        age_text = self._line("estimated_age").strip()
        age = int(age_text) if age_text.isdigit() else None
        payer, member = self._line("insurance.payer"), self._line("insurance.member_number")
        contact = [self._line(f"emergency_contact.{k}") for k in ("name", "phone", "relation")]
        data = PatientUpdate(
            given_name=self._line("given_name"),
            family_name=self._line("family_name"),
            other_names=self._line("other_names"),
            sex=str(self.sex.currentData() or ""),
            birth_date=birth,
            estimated_age=age,
            birth_date_estimated=self.approximate.isChecked() and birth is not None,
            phones=tuple(self.phones.phones()),
            email=self._line("email"),
            address=self.texts["address"].toPlainText(),
            national_id=self._line("national_id"),
            insurance=Insurance(payer, member) if payer.strip() or member.strip() else None,
            emergency_contact=EmergencyContact(*contact) if any(c.strip() for c in contact) else None,
            allergies=self.texts["allergies"].toPlainText(),
            alerts=self.texts["alerts"].toPlainText(),
            notes=self.texts["notes"].toPlainText(),
        )
        return data, errors

    def set_values(self, data: PatientCreate) -> None:
        """Fill the form from saved values (the edit form's start)."""
        self.set_state(values_state(data))

    def state(self) -> dict[str, Any]:
        """Everything typed, as JSON-able data (drafts)."""
        out: dict[str, Any] = {k: w.text() for k, w in self.lines.items()}
        out.update({k: w.toPlainText() for k, w in self.texts.items()})
        out["sex"] = str(self.sex.currentData() or "")
        out["approximate"] = self.approximate.isChecked()
        out["phones"] = self.phones.state()
        return out

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back what `state()` returned."""
        for key, widget in self.lines.items():
            widget.setText(str(state.get(key, "")))
        for key, box in self.texts.items():
            box.setPlainText(str(state.get(key, "")))
        index = self.sex.findData(state.get("sex", ""))
        self.sex.setCurrentIndex(max(0, index))
        self.approximate.setChecked(bool(state.get("approximate", False)))
        self.phones.set_phones(list(state.get("phones", [])))

    def is_empty(self) -> bool:
        """Whether nothing was typed."""
        state = self.state()
        phones = state.pop("phones")
        state.pop("approximate")
        return not any(str(v).strip() for v in state.values()) and not any(
            p["number"].strip() for p in phones
        )

    def clear(self) -> None:
        """Empty every input and message."""
        self.set_state({})
        self.show_errors({})
        self.birth_hint.clear()
        self.birth_hint.hide()

    # --- messages ------------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each message beside its field; returns the messages no field owns (for the banner)."""
        for key, label in self.errors.items():
            text = errors.get(key, "")
            label.error(self.tr(text)) if text else label.clear_message()
        self.phones.show_errors({k: self.tr(v) for k, v in errors.items() if k.startswith("phones")})
        return [self.tr(v) for k, v in errors.items() if k not in self.errors and not k.startswith("phones")]

    def first_error_widget(self, errors: dict[str, str]) -> QWidget | None:
        """The input of the first field (in form order) with a message."""
        order = [
            "given_name",
            "family_name",
            "other_names",
            "sex",
            "birth_date",
            "estimated_age",
            "national_id",
        ]
        for key in order:
            if key in errors:
                return self.inputs[key]
        if any(k.startswith("phones") for k in errors):
            return self.phones.first_input()
        return next((self.inputs[k] for k in errors if k in self.inputs), None)
