"""Invoices: drafts, issue, payments (the list and forms arrive in the next phase)."""

from __future__ import annotations

from hmis_desktop.permissions import Perm
from ui.pages.base import PlaceholderPage


class InvoicesPage(PlaceholderPage):
    """Create invoices and take payments."""

    title = "Invoices"
    required_perm = Perm.INVOICE_VIEW
    form_key = "invoices"
    blurb = "Create and issue invoices, take payments and print or export invoice PDFs."
