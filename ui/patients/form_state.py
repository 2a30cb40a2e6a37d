"""The patient form's state as plain data: field labels, saved values in the form's shape, what differs."""

from __future__ import annotations

from typing import Any

from hmis_desktop.services.patient_fields import PatientCreate
from ui.patients import format as fmt

FIELD_LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "other_names": "Other names",
    "sex": "Sex",
    "birth_date": "Date of birth",
    "estimated_age": "Estimated age",
    "approximate": "Date of birth is approximate",
    "phones": "Phones",
    "email": "Email",
    "address": "Address",
    "national_id": "National id",
    "insurance.payer": "Insurer",
    "insurance.member_number": "Member number",
    "emergency_contact.name": "Emergency contact",
    "emergency_contact.phone": "Emergency contact's phone",
    "emergency_contact.relation": "Emergency contact's relation",
    "allergies": "Allergies",
    "alerts": "Alerts",
    "notes": "Notes",
}


def values_state(data: PatientCreate) -> dict[str, Any]:
    """Saved values in the form's draft shape (what `PatientFields.state()` returns)."""
    ins, ec = data.insurance, data.emergency_contact
    return {
        "given_name": data.given_name,
        "family_name": data.family_name,
        "other_names": data.other_names,
        "sex": data.sex,
        "birth_date": data.birth_date.isoformat() if data.birth_date else "",
        "estimated_age": "",
        "approximate": data.birth_date_estimated,
        "phones": [{"number": fmt.phone_text(p.number), "label": p.label} for p in data.phones],
        "email": data.email,
        "address": data.address,
        "national_id": data.national_id,
        "insurance.payer": ins.payer if ins else "",
        "insurance.member_number": ins.member_number if ins else "",
        "emergency_contact.name": ec.name if ec else "",
        "emergency_contact.phone": fmt.phone_text(ec.phone) if ec else "",
        "emergency_contact.relation": ec.relation if ec else "",
        "allergies": data.allergies,
        "alerts": data.alerts,
        "notes": data.notes,
    }


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Keys whose values differ between two form states, in form order."""
    return [k for k in FIELD_LABELS if before.get(k) != after.get(k)]
