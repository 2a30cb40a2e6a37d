"""Printing a core PDF through Qt's printer (the recovery sheet's Print… button)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from ui.first_run_work import recovery_pdf
from ui.printing import pdf_page_images, print_pdf

KEY = "73VM-DM9E-321Z-MZYM-Q0GM-VP7T-JATQ-F4CV"


def test_pdf_pages_render_to_images(qapp) -> None:
    images = pdf_page_images(recovery_pdf("Sunrise Clinic", KEY, date(2026, 1, 15)), dpi=72)
    assert len(images) == 1
    assert abs(images[0].width() - 595) <= 1 and abs(images[0].height() - 842) <= 1  # A4 at 72 dpi
    assert images[0].pixelColor(5, 5).name() == "#ffffff"


def test_print_pdf_to_a_pdf_printer(qapp, tmp_path: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    print_pdf(recovery_pdf("Sunrise Clinic", KEY, date(2026, 1, 15)), printer)
    reader = PdfReader(str(tmp_path / "printed.pdf"))
    assert len(reader.pages) == 1
    assert (tmp_path / "printed.pdf").stat().st_size > 10_000  # the page image is really there
