"""In-app document preview: images (a QPixmap from the decrypted bytes, never a temp file), PDF pages
rendered by pypdfium2 on the worker (shown in a scroll area), and plain text. `clear()` drops it all."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.patients.widgets import discard
from ui.patients.work import Preview
from ui.widgets import hint, monospace


def _scroll(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(widget)
    return scroll


class DocumentPreview(QWidget):
    """Shows one document's content."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentPreview")
        self.kind = ""
        self.page_count = 0
        self.page_labels: list[QLabel] = []
        self._pixmap = QPixmap()
        self._pages: list[QPixmap] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel()
        self.caption.setObjectName("hint")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.caption)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.empty = hint(self.tr("Select a document to preview it here."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image = QLabel()
        self.image.setObjectName("imagePreview")
        self.image.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.image.setAccessibleName(self.tr("Image preview"))
        self.image_scroll = _scroll(self.image)
        self.pages = QWidget()
        self.pages.setObjectName("pdfPages")
        self.pages_layout = QVBoxLayout(self.pages)
        self.pages_layout.setSpacing(12)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.pdf_scroll = _scroll(self.pages)
        self.pdf_scroll.setAccessibleName(self.tr("PDF preview"))
        self.text = QPlainTextEdit()
        self.text.setObjectName("textPreview")
        self.text.setReadOnly(True)
        self.text.setFont(monospace())
        self.text.setAccessibleName(self.tr("Text preview"))
        for widget in (self.empty, self.image_scroll, self.pdf_scroll, self.text):
            self.stack.addWidget(widget)
        self.clear()

    def show_loading(self, title: str) -> None:
        """Say that a document is being opened."""
        self.clear()
        self.caption.setText(self.tr("Opening “{title}”…").format(title=title))

    def show_preview(self, preview: Preview, title: str) -> None:
        """Show a prepared preview."""
        self.clear()
        self.kind = preview.kind
        self.page_count = preview.page_count
        if preview.kind == "image" and preview.images:
            self._pixmap = QPixmap.fromImage(preview.images[0])
            self.stack.setCurrentWidget(self.image_scroll)
            self._fit()
            size = preview.images[0].size()
            self.caption.setText(f"{title} · {size.width()} × {size.height()}")
        elif preview.kind == "pdf":
            for number, image in enumerate(preview.images, start=1):
                page = QLabel()
                page.setObjectName("pdfPage")
                self._pages.append(QPixmap.fromImage(image))
                page.setAccessibleName(self.tr("Page {n}").format(n=number))
                page.setFrameShape(QFrame.Shape.Box)
                self.pages_layout.addWidget(page)
                self.page_labels.append(page)
            self.stack.setCurrentWidget(self.pdf_scroll)
            self._fit()
            pages = self.tr("%n page(s)", "", preview.page_count).replace(
                "(s)", "s" if preview.page_count != 1 else ""
            )
            note = self.tr(" · the first {n} are shown; export it to read the rest").format(
                n=len(preview.images)
            )
            self.caption.setText(f"{title} · {pages}" + (note if preview.truncated else ""))
        else:
            self.text.setPlainText(preview.text)
            self.stack.setCurrentWidget(self.text)
            more = self.tr(" · only the beginning is shown") if preview.truncated else ""
            self.caption.setText(title + more)

    def show_error(self, text: str) -> None:
        """Say why the document cannot be shown."""
        self.clear()
        self.caption.setText(text)

    def pixmap(self) -> QPixmap:
        """The image being shown (null when none)."""
        return self._pixmap

    def _width(self) -> int:
        # The stack's width, not the viewport's: a page just made current has not been laid out yet.
        bar = self.image_scroll.verticalScrollBar().sizeHint().width()
        return max(64, self.stack.width() - bar - 28)

    @staticmethod
    def _fitted(pixmap: QPixmap, width: int) -> QPixmap:
        if pixmap.width() <= width:
            return pixmap
        return pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)

    def _fit(self) -> None:
        """Scale the image or the pages down to the available width (never up)."""
        width = self._width()
        if self.kind == "image" and not self._pixmap.isNull():
            self.image.setPixmap(self._fitted(self._pixmap, width))
        for page, pixmap in zip(self.page_labels, self._pages, strict=False):
            page.setPixmap(self._fitted(pixmap, width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Refit to the new width."""
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        """Room for a page."""
        return QSize(420, 480)

    def clear(self) -> None:
        """Drop every pixmap, page and text (the lock, or another document)."""
        self.kind = ""
        self.page_count = 0
        self._pixmap = QPixmap()
        self._pages = []
        self.image.clear()
        for page in self.page_labels:
            self.pages_layout.removeWidget(page)
            discard(page)
        self.page_labels = []
        self.text.clear()
        self.caption.clear()
        self.stack.setCurrentWidget(self.empty)
