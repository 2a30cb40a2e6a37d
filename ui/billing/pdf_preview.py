"""An in-app PDF preview: pages rendered with pypdfium2 off the GUI thread, page navigation, zoom to fit,
Print… (QPrintDialog through `ui.printing`) and Save as PDF… (non-native dialog, atomic write by the core).

Works with any PySide6 (no QtPdf). The bytes shown are kept in `pdf_bytes` so Print and Save use exactly
what the user sees; `clear()` drops them with the rendered pages (the lock).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hmis_desktop.errors import HMISError
from ui import printing
from ui.billing.work import write_pdf
from ui.ops import Op
from ui.widgets import MessageLabel

RENDER_DPI = 144.0
_ids = itertools.count(1)


def render_pages(data: bytes) -> list[QImage]:
    """Worker: the PDF's pages as images (QImage is safe to build off the GUI thread)."""
    return printing.pdf_page_images(data, RENDER_DPI)


class PdfPreview(QWidget):
    """Shows a PDF's pages; emits `rendered(page_count)` once the pages are on screen."""

    rendered = Signal(int)
    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, print_title: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self._key = f"pdf-preview-{next(_ids)}"
        self.pdf_bytes: bytes | None = None
        self.file_name = "document.pdf"
        self.print_title = print_title
        self.images: list[QImage] = []
        self.page = 0
        self.zoom: float | None = None  # None: fit the width
        self.fit_whole_page = False
        self.save_dialog: QFileDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀")
        self.prev_button.setAccessibleName(self.tr("Previous page"))
        self.prev_button.setToolTip(self.tr("Previous page (Page Up)"))
        self.page_label = QLabel(self.tr("No document"))
        self.page_label.setObjectName("hint")
        self.next_button = QPushButton("▶")
        self.next_button.setAccessibleName(self.tr("Next page"))
        self.next_button.setToolTip(self.tr("Next page (Page Down)"))
        self.fit_button = QPushButton(self.tr("Fit page"))
        self.fit_button.setCheckable(True)
        self.fit_button.setToolTip(self.tr("Show the whole page; off: fit the width"))
        self.zoom_out = QPushButton("−")
        self.zoom_out.setAccessibleName(self.tr("Zoom out"))
        self.zoom_out.setToolTip(self.tr("Zoom out (Ctrl+-)"))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setAccessibleName(self.tr("Zoom in"))
        self.zoom_in.setToolTip(self.tr("Zoom in (Ctrl++)"))
        self.print_button = QPushButton(self.tr("&Print…"))
        self.save_button = QPushButton(self.tr("Save as P&DF…"))
        for w in (self.prev_button, self.page_label, self.next_button):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.fit_button, self.zoom_out, self.zoom_in):
            bar.addWidget(w)
        layout.addLayout(bar)
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("pdfScroll")
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll_area.setAccessibleName(self.tr("Document preview"))
        self.canvas = QLabel()
        self.canvas.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.canvas.setObjectName("pdfPage")
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setWidgetResizable(False)
        layout.addWidget(self.scroll_area, 1)
        self.message = MessageLabel()
        layout.addWidget(self.message)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.print_button)
        actions.addWidget(self.save_button)
        layout.addLayout(actions)
        self.prev_button.clicked.connect(lambda: self.go(self.page - 1))
        self.next_button.clicked.connect(lambda: self.go(self.page + 1))
        self.fit_button.toggled.connect(self._fit_toggled)
        self.zoom_in.clicked.connect(lambda: self._zoom_by(1.25))
        self.zoom_out.clicked.connect(lambda: self._zoom_by(0.8))
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.ask_save)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (QKeySequence.StandardKey.MoveToPreviousPage, lambda: self.go(self.page - 1)),
            (QKeySequence.StandardKey.MoveToNextPage, lambda: self.go(self.page + 1)),
            (QKeySequence.StandardKey.ZoomIn, lambda: self._zoom_by(1.25)),
            (QKeySequence.StandardKey.ZoomOut, lambda: self._zoom_by(0.8)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)
        self._update_controls()

    # --- content ---------------------------------------------------------------------------------

    def set_pdf(self, data: bytes, file_name: str = "document.pdf", title: str = "") -> None:
        """Show a PDF: its pages are rendered off the GUI thread."""
        self.pdf_bytes = data
        self.file_name = file_name
        self.print_title = title or self.print_title
        self.message.clear_message()
        self.page_label.setText(self.tr("Rendering…"))
        Op(
            self,
            lambda: render_pages(data),
            self._show_images,
            lambda e: self.message.error(str(e)),
            key=self._key,
            name="pdf.render",
        ).run()

    def _show_images(self, images: list[QImage]) -> None:
        self.images = images
        self.page = 0
        self._paint()
        self.rendered.emit(len(images))

    def clear(self) -> None:
        """Drop the document and its pages."""
        from ui import ops

        ops.supersede(self._key)
        self.pdf_bytes = None
        self.images = []
        self.page = 0
        self.canvas.clear()
        self.canvas.resize(0, 0)
        self.message.clear_message()
        self._update_controls()

    def page_count(self) -> int:
        """Pages rendered."""
        return len(self.images)

    # --- navigation and zoom ---------------------------------------------------------------------

    def go(self, page: int) -> None:
        """Show page `page` (0-based), clamped."""
        if not self.images:
            return
        self.page = max(0, min(page, len(self.images) - 1))
        self._paint()

    def _fit_toggled(self, on: bool) -> None:
        self.fit_whole_page = on
        self.zoom = None
        self._paint()

    def _zoom_by(self, factor: float) -> None:
        if not self.images:
            return
        self.zoom = max(0.2, min(4.0, self._scale() * factor))
        self._paint()

    def _scale(self) -> float:
        if self.zoom is not None or not self.images:
            return self.zoom or 1.0
        image = self.images[self.page]
        view = self.scroll_area.viewport().size()
        # Never enlarge past the rendering's own size: a narrow thermal receipt stays readable, not huge.
        by_width = min(1.0, max(50, view.width() - 24) / image.width())
        if self.fit_whole_page:
            return min(by_width, max(50, view.height() - 24) / image.height())
        return by_width

    def _paint(self) -> None:
        if not self.images:
            self._update_controls()
            return
        image = self.images[self.page]
        scale = self._scale()
        pixmap = QPixmap.fromImage(image).scaled(
            max(1, int(image.width() * scale)),
            max(1, int(image.height() * scale)),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.canvas.setPixmap(pixmap)
        self.canvas.resize(pixmap.size())
        self._update_controls()

    def _update_controls(self) -> None:
        has = bool(self.images)
        self.page_label.setText(
            self.tr("Page {n} of {total}").format(n=self.page + 1, total=len(self.images))
            if has
            else self.tr("No document")
        )
        self.prev_button.setEnabled(has and self.page > 0)
        self.next_button.setEnabled(has and self.page < len(self.images) - 1)
        for w in (self.fit_button, self.zoom_in, self.zoom_out):
            w.setEnabled(has)
        for w in (self.print_button, self.save_button):
            w.setEnabled(self.pdf_bytes is not None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the page fitted when the preview changes size."""
        super().resizeEvent(event)
        if self.zoom is None and self.images:
            self._paint()

    # --- print and save --------------------------------------------------------------------------

    def print_document(self) -> None:
        """The system print dialog, then the pages at the printer's resolution."""
        if self.pdf_bytes is None:
            return
        try:
            printing.ask_and_print(self, self.pdf_bytes, self.print_title or self.file_name)
        except OSError as exc:
            self.message.error(self.tr("The document was not printed: {reason}").format(reason=exc))

    def ask_save(self) -> None:
        """A non-native save dialog; the default name is the document number, never a patient's name."""
        if self.pdf_bytes is None:
            return
        dialog = QFileDialog(self, self.tr("Save as PDF"))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("PDF documents (*.pdf)"))
        dialog.setDefaultSuffix("pdf")
        dialog.selectFile(self.file_name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.save_to(Path(path)))
        self.save_dialog = dialog
        dialog.open()

    def save_to(self, path: Path) -> None:
        """Write the shown PDF to `path` off the GUI thread."""
        data = self.pdf_bytes
        if data is None:
            return
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")

        def done(written: Path) -> None:
            self.message.success(self.tr("Saved to {path}.").format(path=written))
            self.saved.emit(str(written))

        def failed(error: HMISError) -> None:
            self.message.error(str(error))

        Op(self, lambda: write_pdf(path, data), done, failed, name="pdf.save").run()
