"""Export dialog: a reel or a timeline of the kept segments, of one video or the library.

The export runs :func:`core.export.export_highlights` in a :class:`TaskWorker` thread (the
one worker pattern), with a progress bar and Cancel; when it is done the file can be shown
in the file manager.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from avhd_gui.segments import kept_duration
from avhd_gui.workers import TaskWorker, start_worker
from core.artifacts import VideoHighlights

ORDERS = {"source": "Source order", "score": "Best first"}
LIST_ORDER = ("list", "Segment list order")


def in_list_order(items: list[VideoHighlights], segment_list) -> list[VideoHighlights]:
    """One ``VideoHighlights`` per kept segment of ``items``, in the segment list's order.

    The core's "source" order keeps the given order of the videos, so this reel plays the
    pieces exactly as the list shows them.
    """
    from dataclasses import replace

    by_path = {vh.path: vh for vh in items}
    return [replace(by_path[path], segments=[seg])
            for path, seg in segment_list.model.kept_in_order() if path in by_path]


def _kept(items: list[VideoHighlights]) -> list[VideoHighlights]:
    return [vh for vh in items if any(s.keep for s in vh.segments)]


class ExportDialog(QDialog):
    """Options, progress and the outcome of one export.

    Signals:
        exported(ExportResult): the file was written.
        stopped(str): the export ended ("finished", "cancelled" or "error"); its thread is done.
    """

    exported = Signal(object)
    stopped = Signal(str)

    def __init__(self, current: VideoHighlights | None, library: list[VideoHighlights],
                 folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.export import FORMATS, format_names

        self.setWindowTitle("Export Highlights")
        self.setMinimumWidth(520)
        self.current = current
        self.library = _kept(library)
        self.folder = folder
        self.result = None
        self.worker: TaskWorker | None = None
        self.thread: QThread | None = None
        self._last: tuple[QThread, TaskWorker] | None = None
        self._auto_out = True

        self.scope_current = QRadioButton(self)
        self.scope_library = QRadioButton(self)
        self._scopes = QButtonGroup(self)
        for b in (self.scope_current, self.scope_library):
            self._scopes.addButton(b)
        if current is not None:
            self.scope_current.setText(
                f"This video: {Path(current.path).name} "
                f"({kept_duration(current.segments):.1f} s kept)")
        else:
            self.scope_current.setText("This video (none selected)")
        self.scope_current.setEnabled(current is not None and bool(_kept([current])))
        total = sum(kept_duration(vh.segments) for vh in self.library)
        self.scope_library.setText(f"Whole library: {len(self.library)} videos "
                                   f"({total:.1f} s kept)")
        self.scope_library.setEnabled(bool(self.library))
        (self.scope_current if self.scope_current.isEnabled() else self.scope_library
         ).setChecked(True)

        self.format = QComboBox(self)
        for name in format_names():
            self.format.addItem(f"{name} — {FORMATS[name].description}", name)
        self.order = QComboBox(self)
        #: the window's segment list, whose order a "list" export follows
        self.segment_list = getattr(parent, "segment_list", None)
        if self.segment_list is not None:
            self.order.addItem(LIST_ORDER[1], LIST_ORDER[0])
        for key, text in ORDERS.items():
            self.order.addItem(text, key)
        self.crossfade = self._seconds(2.0)
        self.fade = self._seconds(5.0)
        self.fast = QCheckBox("Fast (stream copy; cuts snap to keyframes)", self)
        self.out = QLineEdit(self)
        self.out.textEdited.connect(self._out_edited)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self.browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Export:", self.scope_current)
        form.addRow("", self.scope_library)
        form.addRow("Format:", self.format)
        form.addRow("Order:", self.order)
        form.addRow("Crossfade:", self.crossfade)
        form.addRow("Fade in/out:", self.fade)
        form.addRow("", self.fast)
        form.addRow("Save to:", out_row)

        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        keep = self.progress.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # its place is kept: the buttons never move
        self.progress.setSizePolicy(keep)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setMinimumHeight(3 * self.status.fontMetrics().lineSpacing())
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.reveal_button = self.buttons.addButton("Show in Folder",
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        # always there, enabled once a file is written: the buttons never move
        self.reveal_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        self.export_button.clicked.connect(self.start)
        self.reveal_button.clicked.connect(self.reveal)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        for sig in (self.format.currentIndexChanged, self._scopes.buttonToggled):
            sig.connect(self._options_changed)
        self._options_changed()

    def _seconds(self, maximum: float) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setRange(0.0, maximum)
        box.setSingleStep(0.25)
        box.setDecimals(2)
        box.setSuffix(" s")
        return box

    # --- options
    def items(self) -> list[VideoHighlights]:
        """The videos the export covers (only those with kept segments)."""
        if self.scope_current.isChecked() and self.current is not None:
            return _kept([self.current])
        return list(self.library)

    def fmt(self) -> str:
        return self.format.currentData()

    def set_format(self, name: str) -> None:
        self.format.setCurrentIndex(self.format.findData(name))

    def _rendered(self) -> bool:
        from core.export import get_format

        return get_format(self.fmt()).rendered

    def default_output(self) -> Path:
        from core.export import default_output, get_format

        items = self.items()
        if len(items) == 1 and self.scope_current.isChecked():
            return default_output(items, self.fmt())
        return Path(self.folder) / f"library.reel{get_format(self.fmt()).suffix}"

    def _options_changed(self, *_args) -> None:
        rendered = self._rendered()
        for w in (self.crossfade, self.fade, self.fast):
            w.setEnabled(rendered)
        if self._auto_out and self.items():
            self.out.setText(str(self.default_output()))
        self.export_button.setEnabled(bool(self.items()) and self.thread is None)
        if not self.items():
            self.status.setText("Nothing to export: no video has kept segments.")

    def _out_edited(self, _text: str) -> None:
        self._auto_out = False

    def browse(self) -> None:
        from core.export import get_format

        suffix = get_format(self.fmt()).suffix
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.out.text(),
                                              f"{self.fmt()} (*{suffix})")
        if path:
            self.out.setText(path)
            self._auto_out = False

    def options(self) -> dict:
        """Keyword arguments for :func:`core.export.export_highlights`."""
        rendered = self._rendered()
        order = self.order.currentData()
        return {
            "order": "source" if order == LIST_ORDER[0] else order,
            "crossfade": float(self.crossfade.value()) if rendered else 0.0,
            "fade": float(self.fade.value()) if rendered else 0.0,
            "fast": bool(self.fast.isChecked()) if rendered else False,
            "title": (Path(self.current.path).stem if self.scope_current.isChecked()
                      and self.current is not None else Path(self.folder).name or None),
        }

    # --- running
    def start(self) -> bool:
        """Start the export in the background; False when one is running or nothing to do."""
        from core.export import export_highlights

        items = self.items()
        out = self.out.text().strip()
        if self.thread is not None or not items or not out:
            return False
        self.result = None
        if self.order.currentData() == LIST_ORDER[0] and self.segment_list is not None:
            items = in_list_order(items, self.segment_list)
        self.worker = TaskWorker(export_highlights, items, self.fmt(), out, **self.options())
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.errored.connect(self._on_errored)
        self.worker.cancelled.connect(self._on_cancelled)
        self._outcome = ("error", "The export stopped unexpectedly.")
        self.thread = start_worker(self.worker)
        self.thread.finished.connect(self._on_thread_finished)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.reveal_button.setEnabled(False)
        self.status.setText(f"Exporting {len(items)} video{'s' if len(items) != 1 else ''}…")
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.token.cancel()
            self.status.setText("Cancelling…")

    def wait(self, ms: int = 15_000) -> bool:
        return self.thread.wait(ms) if self.thread is not None else True

    def _on_progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        if message:
            self.status.setText(message)

    def _set_outcome(self, status: str, text: str) -> None:
        self._outcome = (status, text)

    def _on_finished(self, result) -> None:
        self.result = result
        text = f"Exported {result.pieces} segments ({result.duration:.1f} s) to {result.path}"
        if result.report is not None and not result.report.ok:
            text += f"\n{result.report.summary()}"
        for w in result.warnings:
            text += f"\n{w}"
        self._set_outcome("finished", text)

    def _on_cancelled(self) -> None:
        self._set_outcome("cancelled", "Export cancelled.")

    def _on_errored(self, message: str) -> None:
        self._set_outcome("error", f"Export failed: {message}")

    def _on_thread_finished(self) -> None:
        status, text = self._outcome
        self._last = (self.thread, self.worker)
        self.thread = self.worker = None
        self.progress.hide()
        self.status.setText(text)
        self.cancel_button.setEnabled(False)
        self.export_button.setEnabled(bool(self.items()))
        if status == "finished":
            self.reveal_button.setEnabled(True)
            self.exported.emit(self.result)
        self.stopped.emit(status)

    def reveal(self) -> bool:
        """Open the folder holding the exported file in the file manager."""
        if self.result is None:
            return False
        folder = Path(self.result.path).parent
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        self.status.setText(f"No file manager could be opened. The file is in {folder}")
        return False

    def closeEvent(self, event) -> None:
        if self.thread is not None:  # the export stops at its next check; closing never
            self.cancel()  # blocks on it (the thread's end still updates this dialog)
        super().closeEvent(event)

    def reject(self) -> None:  # Esc: cancel a running export first, then close
        if self.thread is not None:
            self.cancel()
            return
        super().reject()
