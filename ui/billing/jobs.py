"""Long jobs (key rotation, backups, imports, batch export) with progress and a safe cancel.

The work runs as an `Op` on the JOB executor (its own worker, so the database worker stays free for the
rest of the application); it reports progress through a signal that Qt queues to the GUI thread, and reads
a cancel flag between safe steps. Jobs keep running while the screen is locked (their ops ignore the lock:
progress and outcomes hold no patient data).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from hmis_desktop.errors import HMISError
from ui import ops
from ui.ops import Op


class JobProgress(QObject):
    """Created on the GUI thread; `report()` may be called from the worker (the signal is queued)."""

    progressed = Signal(int, int)  # done, total (0: unknown)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop = threading.Event()

    def report(self, done: int, total: int = 0) -> None:
        """Worker side: how far the job is."""
        self.progressed.emit(int(done), int(total))

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point."""
        self._stop.set()

    def should_stop(self) -> bool:
        """Worker side: whether Cancel was pressed."""
        return self._stop.is_set()


class ProgressStrip(QWidget):
    """A label, a progress bar and Cancel, shown while a job runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setAccessibleName(self.tr("Progress"))
        self.bar.setMinimumWidth(220)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.cancel_button)
        self.progress: JobProgress | None = None
        self.last = (0, 0)  # the latest (done, total) reported
        self.cancel_button.clicked.connect(self.cancel)
        self.hide()

    @property
    def running(self) -> bool:
        """Whether a job is under way."""
        return self.progress is not None

    def run(
        self,
        text: str,
        fn: Callable[[JobProgress], Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[HMISError], None],
        *,
        cancellable: bool = True,
        name: str = "job",
    ) -> JobProgress:
        """Start `fn(progress)` on the JOB worker and show its progress until it ends."""
        progress = JobProgress(self)
        progress.progressed.connect(self._progressed)
        self.progress = progress
        self.last = (0, 0)
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first report
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)
        self.show()

        def ok(result: Any) -> None:
            self._end()
            on_success(result)

        def failed(error: HMISError) -> None:
            self._end()
            on_failure(error)

        Op(self, lambda: fn(progress), ok, failed, kind=ops.JOB, name=name, ignore_lock=True).run()
        return progress

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat("%p %")
        else:
            self.bar.setRange(0, 0)
        self.last = (done, total)

    def cancel(self) -> None:
        """Stop the job at its next safe point."""
        if self.progress is not None:
            self.progress.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(self.tr("Stopping at the next safe point…"))

    def _end(self) -> None:
        self.progress = None
        self.hide()
