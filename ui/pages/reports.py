"""Reports: what is paid and what is owed (arrives in a later phase)."""

from __future__ import annotations

from hmis_desktop.permissions import Perm
from ui.pages.base import PlaceholderPage


class ReportsPage(PlaceholderPage):
    """Financial summaries for managers."""

    title = "Reports"
    required_perm = Perm.REPORT_VIEW
    form_key = "reports"
    blurb = "Takings by day and by service, open balances, and exports for the accountant."
