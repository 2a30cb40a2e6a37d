"""Print a PDF made by the core (recovery key, invoices) through Qt's printer: pages rendered with pypdfium2."""

from __future__ import annotations

import pypdfium2 as pdfium
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from ui.widgets import tr


def pdf_page_images(data: bytes, dpi: float) -> list[QImage]:
    """Each page of a PDF as an image at `dpi` (works with any PySide6; no QtPdf needed)."""
    images = []
    doc = pdfium.PdfDocument(data)
    try:
        for page in doc:
            bitmap = page.render(scale=dpi / 72, rev_byteorder=True)
            raw = bytes(bitmap.buffer)
            fmt = QImage.Format.Format_RGB888 if bitmap.n_channels == 3 else QImage.Format.Format_RGBA8888
            images.append(QImage(raw, bitmap.width, bitmap.height, bitmap.stride, fmt).copy())
            bitmap.close()
            page.close()
    finally:
        doc.close()
    return images


def print_pdf(data: bytes, printer: QPrinter) -> None:
    """Paint a PDF's pages on a printer, each fitted to the printable area."""
    dpi = min(max(printer.resolution(), 150), 600)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be started")
    try:
        for number, image in enumerate(pdf_page_images(data, dpi)):
            if number:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(area.x(), area.y(), size.width(), size.height())
            painter.drawImage(target, image)
    finally:
        painter.end()


def ask_and_print(parent: QWidget, data: bytes, title: str) -> bool:
    """Show the print dialog and print `data`; False if cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print"))
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    print_pdf(data, printer)
    return True
