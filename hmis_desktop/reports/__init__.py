"""PDF rendering for invoices, receipts, manager reports and the recovery-key sheet (reportlab, headless).

The domain builds the frozen documents in ``model``; the renderers only format and print their figures.
The renderers are imported on first use: reportlab, babel and the bidi stack take ~0.2 s to import, which
neither the start-up path nor a domain module that only needs ``model`` should pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hmis_desktop.reports.invoice_pdf import (
        render_invoice_pdf,
        render_invoices_batch_pdf,
        render_receipt_pdf,
    )
    from hmis_desktop.reports.recovery_pdf import render_recovery_key_pdf
    from hmis_desktop.reports.summary_pdf import render_aging_pdf, render_day_sheet_pdf

_WHERE = {
    "render_invoice_pdf": "invoice_pdf",
    "render_invoices_batch_pdf": "invoice_pdf",
    "render_receipt_pdf": "invoice_pdf",
    "render_day_sheet_pdf": "summary_pdf",
    "render_aging_pdf": "summary_pdf",
    "render_recovery_key_pdf": "recovery_pdf",
}

__all__ = [
    "render_aging_pdf",
    "render_day_sheet_pdf",
    "render_invoice_pdf",
    "render_invoices_batch_pdf",
    "render_receipt_pdf",
    "render_recovery_key_pdf",
]


def __getattr__(name: str) -> Any:
    """Import a renderer's module the first time the renderer is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
