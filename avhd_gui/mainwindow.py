"""The main window: library, preview player, timeline, toolbar and status bar."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolBar,
    QWidget,
)

from avhd_gui import __version__
from avhd_gui.find import FindController, RunOutcome, reselect
from avhd_gui.library import LibraryModel, VideoState, scan_folder
from avhd_gui.models import Playhead, TargetModel, describe_target
from avhd_gui.panels import LibraryPanel, ProblemsPanel, TargetControl
from avhd_gui.player import PlayerWidget
from avhd_gui.resources import icon
from avhd_gui.settings import AppSettings, find_config
from avhd_gui.timeline import CURVES, TimelineWidget
from avhd_gui.workers import Probe, ProbeWorker, start_worker
from core.errors import AvhdError

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The AVHD editor window.

    Signals:
        probe_finished(): every video of the opened folder has been probed.
        find_stopped(RunOutcome): a Find highlights run ended (its thread has finished).
    """

    probe_finished = Signal()
    find_stopped = Signal(object)

    def __init__(self, settings: AppSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.library = LibraryModel(self)
        self.library.failed_icon = icon("warning")
        self.playhead = Playhead(self)
        self.target = TargetModel(self.settings.target(), self)
        self.finder = FindController(self.library, self.target, self)
        #: extra FindConfig fields for every run (tests and benchmarks set fast options)
        self.find_overrides: dict = {}
        self.current_path: str | None = None
        self._probe_thread: QThread | None = None
        self._probe_worker: ProbeWorker | None = None
        self._old_probes: list[tuple[QThread, ProbeWorker]] = []
        self._icons: list[tuple[QAction, str]] = []
        self._closed = False

        self.setWindowTitle("AVHD")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self._build_widgets()
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_status_bar()
        self._connect()
        self._restore_window()
        self._update_actions()

    # --- construction
    def _build_widgets(self) -> None:
        self.player = PlayerWidget(self.playhead, self)
        self.timeline = TimelineWidget(self.playhead, self)
        for name, (_text, default) in CURVES.items():
            self.timeline.set_curve_visible(name, self.settings.curve_visible(name, default))
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("centralSplitter")
        self.splitter.addWidget(self.player)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.library_panel = LibraryPanel(self.library, self)
        self.library_dock = QDockWidget("Library", self)
        self.library_dock.setObjectName("libraryDock")
        self.library_dock.setWidget(self.library_panel)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.library_dock)

        self.problems = ProblemsPanel(self)
        self.problems_dock = QDockWidget("Problems", self)
        self.problems_dock.setObjectName("problemsDock")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self.target_control = TargetControl(self.target, self)

    def _act(self, text: str, slot, icon_name: str | None = None,
             shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if icon_name:
            act.setIcon(icon(icon_name))
            self._icons.append((act, icon_name))
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        self.open_action = self._act("&Open Folder…", self.choose_folder, "folder-open",
                                     QKeySequence.StandardKey.Open,
                                     "Open a folder of videos (searched recursively)")
        self.find_action = self._act("&Find Highlights", self.find_highlights,
                                     "find-highlights", "Ctrl+F",
                                     "Score every video of the library and select highlights")
        self.cancel_action = self._act("&Cancel", self.cancel_find, "cancel", "Esc",
                                       "Stop Find highlights")
        self.settings_action = self._act("&Model Options…", self.edit_settings, "settings",
                                         "Ctrl+,", "Feature extractors, device, training")
        self.quit_action = self._act("&Quit", self.close, None, QKeySequence.StandardKey.Quit)
        self.undo_action = self.target.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.target.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.fit_action = self._act("Show &Whole Video", self.timeline.zoom_fit, "zoom-fit",
                                    "Ctrl+0")
        self.about_action = self._act("&About AVHD", self.about)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        hl_menu = bar.addMenu("&Highlights")
        hl_menu.addAction(self.find_action)
        hl_menu.addAction(self.cancel_action)
        hl_menu.addSeparator()
        hl_menu.addAction(self.settings_action)
        play_menu = bar.addMenu("&Playback")
        for act in self.player.actions_list():
            play_menu.addAction(act)
            self.addAction(act)  # shortcuts work wherever the focus is
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.library_dock.toggleViewAction())
        view_menu.addAction(self.problems_dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.fit_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

        tb = QToolBar("Main", self)
        tb.setObjectName("mainToolBar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addAction(self.open_action)
        tb.addSeparator()
        tb.addAction(self.find_action)
        tb.addAction(self.cancel_action)
        tb.addSeparator()
        tb.addWidget(self.target_control)
        tb.addSeparator()
        tb.addAction(self.settings_action)
        self.addToolBar(tb)
        self.toolbar = tb

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.stage_label = QLabel("Ready", self)
        self.stage_label.setObjectName("stageLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.eta_label = QLabel(self)
        self.eta_label.setObjectName("etaLabel")
        sb.addWidget(self.stage_label)
        sb.addWidget(self.progress_bar)
        sb.addWidget(self.eta_label, 1)

    def _connect(self) -> None:
        self.library_panel.video_selected.connect(self.select_video)
        self.library_panel.open_requested.connect(self.choose_folder)
        self.library.highlights_changed.connect(self._on_highlights_changed)
        self.library.dataChanged.connect(self._on_library_data)
        self.target.changed.connect(self._on_target_changed)
        self.timeline.curve_toggled.connect(self.settings.set_curve_visible)
        self.finder.running_changed.connect(self._on_running)
        self.finder.progress.connect(self._on_progress)
        self.finder.file_failed.connect(self._add_problem)
        self.finder.stopped.connect(self._on_find_stopped)
        self.problems.count_changed.connect(
            lambda n: self.problems_dock.setWindowTitle(f"Problems ({n})" if n else "Problems"))

    def _restore_window(self) -> None:
        geometry = self.settings.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            screen = QGuiApplication.primaryScreen()
            avail = screen.availableGeometry().size() if screen else QSize(1280, 800)
            self.resize(min(1280, avail.width()), min(780, avail.height()))
            self.resizeDocks([self.library_dock], [300], Qt.Orientation.Horizontal)
            self.splitter.setSizes([420, 240])
        state = self.settings.state()
        if state is not None:
            self.restoreState(state)
        self.problems_dock.hide()  # shown again when a problem is reported

    # --- folder
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open a folder of videos", self.settings.last_folder())
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str) -> bool:
        """Load the videos under ``folder`` and start probing them in the background."""
        if self.finder.is_running():
            self.statusBar().showMessage("Cancel Find highlights before opening a folder", 5000)
            return False
        try:
            paths = scan_folder(folder)
        except AvhdError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        folder = str(Path(folder).resolve()) if Path(folder).exists() else folder
        paths = [str(Path(p).resolve()) for p in paths]
        self._stop_probe()
        self.current_path = None
        self.player.clear()
        self.timeline.set_highlights(None)
        self.problems.clear_all()
        self.problems_dock.hide()
        self.library.set_folder(folder, paths)
        self.settings.add_recent_folder(folder)
        self.setWindowTitle(f"{Path(folder).name} — AVHD")
        self.stage_label.setText(f"{len(paths)} video{'s' if len(paths) != 1 else ''}")
        self.eta_label.setText(folder)
        self._update_actions()
        if paths:
            self._start_probe(paths)
            self.library_panel.select(paths[0])
        else:
            QTimer.singleShot(0, self.probe_finished.emit)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_folders()
        for folder in recent:
            act = self.recent_menu.addAction(folder)
            act.triggered.connect(lambda _=False, f=folder: self.open_folder(f))
        if not recent:
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _start_probe(self, paths: list[str]) -> None:
        worker = ProbeWorker(paths, self.library.folder)
        worker.probed.connect(self._on_probed)
        worker.failed.connect(self._on_probe_failed)
        worker.saved.connect(self._on_saved)
        thread = start_worker(worker)
        thread.finished.connect(self._on_probe_thread_finished)
        self._probe_thread, self._probe_worker = thread, worker

    def _stop_probe(self) -> None:
        if self._probe_worker is not None:
            self._probe_worker.token.cancel()
            self._probe_thread.wait(5000)
            self._old_probes.append((self._probe_thread, self._probe_worker))
            self._probe_thread = self._probe_worker = None

    def _on_probed(self, path: str, probe: Probe) -> None:
        self.library.set_probe(path, probe.duration, probe.fps, probe.thumbnail)

    def _on_saved(self, vh) -> None:
        item = self.library.item(vh.path)
        if item is not None and item.highlights is None:
            vh.segments = reselect(vh, self.target.target)
            self.library.set_highlights(vh)

    def _on_probe_failed(self, path: str, reason: str) -> None:
        self.library.set_state(path, VideoState.FAILED, reason)
        self._add_problem(path, reason)

    def _on_probe_thread_finished(self) -> None:
        if self.sender() is self._probe_thread:
            self._old_probes.append((self._probe_thread, self._probe_worker))
            self._probe_thread = self._probe_worker = None
            self.probe_finished.emit()
        self._old_probes = self._old_probes[-2:]

    def is_probing(self) -> bool:
        return self._probe_thread is not None

    # --- selection
    def select_video(self, path: str) -> None:
        """Show ``path`` in the player and the timeline."""
        item = self.library.item(path)
        if item is None:
            return
        self.current_path = path
        if item.state is VideoState.FAILED and item.highlights is None:
            self.player.clear()
            self.player.view.set_message(f"Cannot read {item.name}:\n{item.reason}")
            self.timeline.set_highlights(None, placeholder="This file could not be read.")
            return
        self.player.load(path, item.duration, item.fps, item.thumbnail)
        self._show_highlights(item)

    def _show_highlights(self, item) -> None:
        vh = item.highlights
        hint = ""
        if vh is None:
            hint = ("Finding highlights…" if item.state is VideoState.EXTRACTING
                    else "No scores yet: press Find Highlights to score the library.")
        self.timeline.set_highlights(vh, item.duration or 0.0, hint)
        self.player.set_segments(vh.segments if vh is not None else [])
        self.timeline.line.setValue(self.playhead.position)

    def _on_highlights_changed(self, path: str) -> None:
        if path != self.current_path:
            return
        item = self.library.item(path)
        if self.timeline.highlights is not None and item.highlights is not None and (
                self.timeline.highlights.path == item.highlights.path
                and self.timeline.n_clips == item.highlights.n_clips):
            self.timeline.highlights = item.highlights  # only the segments changed
            self.timeline.set_segments(item.highlights.segments)
            self.player.set_segments(item.highlights.segments)
        else:
            self._show_highlights(item)

    def _on_library_data(self, top_left, _bottom_right) -> None:
        item = self.library.item_at(top_left.row())
        if item is None or item.path != self.current_path:
            return
        if item.duration and self.playhead.duration <= 0:
            self.playhead.duration = item.duration
            self.player.fps = item.fps or self.player.fps
            self.timeline.set_duration(item.duration)
        if item.highlights is None:
            self._show_highlights(item)  # the hint follows the state
        if self.player.view.image() is None and item.thumbnail is not None:
            self.player.view.set_image(item.thumbnail)

    # --- find highlights
    def find_highlights(self) -> bool:
        """Run Find highlights on the library's folder (results are saved beside it)."""
        paths = self.library.paths()
        if not paths or self.finder.is_running():
            return False
        try:
            config = find_config(self.settings.model_options(), self.target.target,
                                 **self.find_overrides)
        except (AvhdError, TypeError, ImportError) as exc:
            self._add_problem("", f"cannot start: {exc}")
            return False
        for p in paths:
            self.problems.remove(p)
        return self.finder.start(self.library.folder, paths, config)

    def cancel_find(self) -> None:
        self.finder.cancel()
        self.cancel_action.setEnabled(False)

    def _on_running(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self._update_actions()

    def _on_progress(self, stage: str, detail: str, eta: str, done: int, total: int) -> None:
        self.stage_label.setText(stage)
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
            self.progress_bar.setFormat(f"{done}/{total}")
        else:
            self.progress_bar.setRange(0, 0)  # busy
        self.eta_label.setText(" · ".join(t for t in (detail, eta) if t))

    def _on_find_stopped(self, outcome: RunOutcome) -> None:
        self.stage_label.setText("Ready")
        self.eta_label.setText(outcome.summary())
        if outcome.status == "error":
            self._add_problem("", outcome.message)
        self._update_actions()
        self.find_stopped.emit(outcome)

    def _add_problem(self, path: str, reason: str) -> None:
        self.problems.add(path, reason)
        if not self.problems_dock.isVisible():
            self.problems_dock.show()
            self.resizeDocks([self.problems_dock], [130], Qt.Orientation.Vertical)

    # --- target
    def _on_target_changed(self, target) -> None:
        self.settings.set_target(target)
        for item in self.library.scored():
            self.library.set_segments(item.path, reselect(item.highlights, target))
        self.statusBar().showMessage(f"Target: {describe_target(target)}", 3000)

    # --- settings, about
    def edit_settings(self) -> None:
        from avhd_gui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings.model_options(), self)
        if dlg.exec():
            self.settings.set_model_options(dlg.options())

    def about(self) -> None:
        QMessageBox.about(
            self, "About AVHD",
            f"<b>AVHD {__version__}</b><p>Unsupervised audio-visual highlight detection: "
            "open a folder, find highlights, review them on the timeline.</p>")

    def _update_actions(self) -> None:
        running = self.finder.is_running()
        has_videos = self.library.rowCount() > 0
        self.find_action.setEnabled(has_videos and not running)
        self.cancel_action.setEnabled(running)
        self.open_action.setEnabled(not running)
        self.settings_action.setEnabled(not running)

    # --- events
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for act, name in self._icons:
                act.setIcon(icon(name, self.palette()))
            self.library.failed_icon = icon("warning", self.palette())
            self.player.refresh_icons()

    def dragEnterEvent(self, event) -> None:
        if self._dropped_folder(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        folder = self._dropped_folder(event.mimeData())
        if folder:
            event.acceptProposedAction()
            self.open_folder(folder)

    @staticmethod
    def _dropped_folder(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
                return url.toLocalFile()
        return None

    def closeEvent(self, event) -> None:
        if self._closed:  # a second close (e.g. by a test harness) has nothing to do
            super().closeEvent(event)
            return
        self._closed = True
        if self.finder.is_running():
            self.finder.cancel()
            self.finder.wait(15_000)
        self._stop_probe()
        self.player.clear()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        super().closeEvent(event)
