"""Patients: search, register, open (the list and forms arrive in the next phase)."""

from __future__ import annotations

from hmis_desktop.permissions import Perm
from ui.pages.base import PlaceholderPage


class PatientsPage(PlaceholderPage):
    """Find and register patients."""

    title = "Patients"
    required_perm = Perm.PATIENT_VIEW
    form_key = "patients"
    blurb = "Find a patient by name, date of birth, phone or record number, and register new patients."
