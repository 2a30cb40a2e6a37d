"""PDF rendering for invoices, receipts, manager reports and the recovery-key sheet (reportlab, headless).

The domain builds the frozen documents in ``model``; the renderers only format and print their figures.
"""

from hmis_desktop.reports.invoice_pdf import render_invoice_pdf, render_invoices_batch_pdf, render_receipt_pdf
from hmis_desktop.reports.recovery_pdf import render_recovery_key_pdf
from hmis_desktop.reports.summary_pdf import render_aging_pdf, render_day_sheet_pdf

__all__ = [
    "render_aging_pdf",
    "render_day_sheet_pdf",
    "render_invoice_pdf",
    "render_invoices_batch_pdf",
    "render_receipt_pdf",
    "render_recovery_key_pdf",
]
