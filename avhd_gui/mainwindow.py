"""The main window: library, preview player, timeline, toolbar and status bar.

The window wires models to widgets: the library, the segment selection (with its undo
stack), the target, the playhead and marks, the current model and the project. Project,
model, export and retrain commands live in :class:`avhd_gui.window_files.FileCommands`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolBar,
    QToolButton,
    QUndoView,
    QWidget,
)

from avhd_gui import __version__
from avhd_gui.edit_actions import EditActions
from avhd_gui.editing import SegmentsModel
from avhd_gui.find import FindController, RunOutcome, reselect
from avhd_gui.learning import add_learning
from avhd_gui.library import LibraryModel, VideoState, format_time, scan_folder_report
from avhd_gui.models import Marks, Playhead, TargetModel, describe_target
from avhd_gui.panels import DockMemory, LibraryPanel, ProblemsPanel, TargetControl
from avhd_gui.player import PlayerWidget
from avhd_gui.projects import ProjectController
from avhd_gui.resources import icon
from avhd_gui.retrain import CurrentModel
from avhd_gui.review import add_review
from avhd_gui.segment_list import add_segment_dock
from avhd_gui.settings import AppSettings, find_config
from avhd_gui.shot_finder import ShotFinder
from avhd_gui.timeline import CURVES, TimelineWidget
from avhd_gui.widgets import ElidedLabel
from avhd_gui.window_files import FileCommands
from avhd_gui.workers import Probe, ProbeWorker, start_worker, wait_for_workers
from core.errors import AvhdError

log = logging.getLogger(__name__)

#: how long closing the window waits for cancelled workers before it closes anyway
QUIT_GRACE_MS = 1000
#: preview and timeline heights of a first launch: the plot gets about 200 px at 760 px
DEFAULT_SPLIT = [370, 310]
#: the library panel's narrowest: a thumbnail and a name like "bbb_01_burrow.mp4"
LIBRARY_MIN_WIDTH = 230


def about_html() -> str:
    """The About box: what AVHD is and the versions of everything it runs on."""
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    from core.versions import component_versions

    versions = component_versions()
    versions["PySide6"] = PySide6.__version__
    versions["Qt"] = qVersion()
    versions["pyqtgraph"] = pyqtgraph.__version__
    rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in versions.items())
    return (
        f"<b>AVHD {__version__}</b><p>Unsupervised audio-visual highlight detection: "
        "open a folder, find highlights, edit them on the timeline, export a reel or a "
        f"timeline.</p><table>{rows}</table>"
    )


class MainWindow(FileCommands, QMainWindow):
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
        #: one undo stack for every edit: segments and the target
        self.undo_stack = QUndoStack(self)
        self.library = LibraryModel(self)
        self.library.failed_icon = icon("warning")
        self.selection = SegmentsModel(self.library, self.undo_stack, self)
        self.playhead = Playhead(self)
        self.marks = Marks(self)
        self.target = TargetModel(self.settings.target(), self, undo_stack=self.undo_stack,
                                  selection=self.selection)
        self.model = CurrentModel(self)
        self.finder = FindController(self.library, self.target, self, selection=self.selection)
        self.project = ProjectController(self.library, self.selection, self.target, self.model,
                                         self)
        self.export_dialog = None
        self.warning_box: QMessageBox | None = None
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
        #: scores of the unedited videos learned from the hand edits (avhd_gui.learning)
        self.learning = add_learning(self)

    # --- construction
    def _build_widgets(self) -> None:
        self.player = PlayerWidget(self.playhead, self)
        self.timeline = TimelineWidget(self.playhead, self, selection=self.selection,
                                       marks=self.marks)
        self.timeline.snapping = self.settings.snapping()
        for name, (_text, default) in CURVES.items():
            self.timeline.set_curve_visible(name, self.settings.curve_visible(name, default))
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("centralSplitter")
        self.splitter.addWidget(self.player)
        self.splitter.addWidget(self.timeline)
        self.splitter.setStretchFactor(0, 1)  # a taller window grows both alike
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.library_panel = LibraryPanel(self.library, self)
        # a narrow window takes its room from the player, not the names (at 1024 px the
        # dock shrank to 130 px: "b…4", "0:20…")
        self.library_panel.setMinimumWidth(LIBRARY_MIN_WIDTH)
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
        self.problems_memory = DockMemory(self.problems_dock, self.settings, "problems")

        self.history = QUndoView(self.undo_stack, self)
        self.history.setEmptyLabel("<selection as found>")
        self.history_dock = QDockWidget("History", self)
        self.history_dock.setObjectName("historyDock")
        self.history_dock.setWidget(self.history)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        self.target_control = TargetControl(self.target, self)
        self.shots = ShotFinder(self.timeline, self.selection, self.target, self,
                                enabled=self.settings.shot_detection())
        self.segment_list = add_segment_dock(self)
        self.review = add_review(self)

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
        # slots are called without the "checked" argument (several take optional paths)
        act.triggered.connect(lambda _checked=False, f=slot: f())
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
                                         "Ctrl+,", "Feature extractors, device, scoring, training")
        self.quit_action = self._act("&Quit", self.close, None, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act, name in ((self.undo_action, "undo"), (self.redo_action, "redo")):
            act.setProperty("stable_name", name.capitalize())
            act.setIcon(icon(name))
            self._icons.append((act, name))
        self.history_action = self.history_dock.toggleViewAction()
        self.history_action.setText("&History")
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.setIcon(icon("history"))
        self._icons.append((self.history_action, "history"))
        self.fit_action = self._act("Show &Whole Video", self.timeline.zoom_fit, "zoom-fit",
                                    "Ctrl+0")
        self.edit = EditActions(self, self.selection, self.playhead, self.marks, self.timeline,
                                self.target)
        self._icons.extend(self.edit.icons)
        self.edit.snap_action.toggled.connect(self.settings.set_snapping)
        self._build_file_actions()
        self.shortcuts_action = self._act("&Keyboard Shortcuts", self.show_shortcuts, None,
                                          "F1")
        self.about_action = self._act("&About AVHD", self.about)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._add_file_menu_items(file_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = self.edit
        edit_menu = bar.addMenu("&Edit")
        for group in ([self.undo_action, self.redo_action],
                      [edit.mark_in_action, edit.mark_out_action, edit.clear_marks_action],
                      [edit.delete_action, edit.split_action, edit.merge_action,
                       edit.keep_action],
                      [edit.add_mode_action, edit.snap_action],
                      [edit.reset_action, self.reset_all_action],
                      [self.history_action]):
            if edit_menu.actions():
                edit_menu.addSeparator()
            for act in group:
                edit_menu.addAction(act)
                self.addAction(act)  # shortcuts work wherever the focus is
        hl_menu = bar.addMenu("&Highlights")
        hl_menu.addAction(self.find_action)
        hl_menu.addAction(self.retrain_action)
        hl_menu.addAction(self.cancel_action)
        hl_menu.addSeparator()
        hl_menu.addAction(self.export_action)
        hl_menu.addSeparator()
        hl_menu.addAction(self.settings_action)
        play_menu = bar.addMenu("&Playback")
        for act in [*self.player.actions_list(), *self.review.actions()]:
            play_menu.addAction(act)
            self.addAction(act)
        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.library_dock.toggleViewAction())
        view_menu.addAction(self.problems_dock.toggleViewAction())
        view_menu.addAction(self.history_action)
        view_menu.addAction(self.segments_dock.toggleViewAction())
        view_menu.addSeparator()
        for act in (edit.zoom_in_action, edit.zoom_out_action, self.fit_action):
            view_menu.addAction(act)
            self.addAction(act)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
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
        tb.addAction(self.export_action)
        tb.addAction(self.settings_action)
        self.addToolBar(tb)
        self.toolbar = tb
        # undo/redo and the segment tools sit with the timeline they act on
        for act in (self.undo_action, self.redo_action, None, edit.add_mode_action,
                    edit.snap_action, None, edit.split_action, edit.merge_action,
                    edit.keep_action, edit.delete_action):
            if act is None:
                self.timeline.tools.addSpacing(8)
                continue
            btn = QToolButton(self.timeline)
            btn.setDefaultAction(act)
            btn.setAutoRaise(True)
            btn.setIconSize(QSize(18, 18))
            self.timeline.tools.addWidget(btn)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.stage_label = QLabel("Ready", self)
        self.stage_label.setObjectName("stageLabel")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        self.eta_label = ElidedLabel(self)  # a long path or summary never runs off the bar
        self.eta_label.setObjectName("etaLabel")
        sb.addWidget(self.stage_label)
        sb.addWidget(self.progress_bar)
        sb.addWidget(self.eta_label, 1)
        self.reel_label = QLabel(self)
        self.reel_label.setObjectName("reelLabel")
        self.reel_label.setToolTip("Kept segments of the whole library: the length of a "
                                   "library reel")
        self.model_label = QLabel(self)
        self.model_label.setObjectName("modelLabel")
        self.project_label = QLabel(self)
        self.project_label.setObjectName("projectLabel")
        for w in (self.reel_label, self.model_label, self.project_label):
            sb.addPermanentWidget(w)
        self._on_model_changed(None)

    def _connect(self) -> None:
        self.library_panel.video_selected.connect(self.select_video)
        self.library_panel.open_requested.connect(self.choose_folder)
        self.library.highlights_changed.connect(self._on_highlights_changed)
        self.library.dataChanged.connect(self._on_library_data)
        self.target.changed.connect(self._on_target_changed)
        self.selection.changed.connect(self._on_selection_changed)
        self.model.changed.connect(self._on_model_changed)
        self.edit.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.timeline.context_menu_requested.connect(self._timeline_menu)
        for sig in (self.undo_stack.indexChanged, self.selection.changed, self.model.changed):
            sig.connect(self.project.schedule)
        self.project.saved.connect(self._on_project_saved)
        self.project.save_failed.connect(self._on_project_save_failed)
        self.timeline.curve_toggled.connect(self.settings.set_curve_visible)
        self.finder.running_changed.connect(self._on_running)
        self.finder.view_changed.connect(self._on_progress)
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
            self.resizeDocks([self.library_dock, self.segments_dock], [240, 380],
                             Qt.Orientation.Horizontal)
            self.splitter.setSizes(DEFAULT_SPLIT)
        state = self.settings.state()
        if state is not None:
            self.restoreState(state)
        split = self.settings.splitter_state()
        if split is not None:
            self.splitter.restoreState(split)  # the timeline keeps the height it was given
        self.problems_dock.hide()  # shown again when a problem is reported

    # --- folder
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open a folder of videos", self.settings.last_folder())
        if folder:
            self.open_folder(folder)

    def open_folder(self, folder: str, project=None) -> bool:
        """Load the videos under ``folder``, restore its project and probe them.

        ``project``: a ``(Project, path)`` pair to use instead of ``FOLDER/avhd_project.json``
        (File ▸ Open Project…).
        """
        if self.finder.is_running():
            self.statusBar().showMessage("Cancel Find highlights before opening a folder", 5000)
            return False
        try:
            paths, skipped = scan_folder_report(folder)
        except AvhdError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        folder = str(Path(folder).resolve()) if Path(folder).exists() else folder
        paths = [str(Path(p).resolve()) for p in paths]
        self.project.flush()  # the previous library's last edits
        self._stop_probe()
        self.current_path = None
        self.player.clear()
        self.timeline.set_highlights(None)
        self.problems.clear_all()
        self.problems_dock.hide()
        self.undo_stack.clear()
        self.selection.clear()
        self.marks.clear()
        self.model.set(None)
        self.library.set_folder(folder, paths)
        if project is not None:
            warning = self.project.use(*project)
        else:
            warning = self.project.open_folder(folder)
        self.project_label.setText("")
        self.settings.add_recent_folder(folder)
        self.setWindowTitle(f"{Path(folder).name} — AVHD")
        self.stage_label.setText(f"{len(paths)} video{'s' if len(paths) != 1 else ''}")
        self.eta_label.setText(folder)
        self._update_reel()
        self._update_actions()
        if warning:
            self._project_warning(warning)
        for path, reason in skipped.items():  # never opened: said once, the rest goes on
            self._add_problem(path, f"skipped: {reason}")
        if paths:
            self._start_probe(paths)  # the first video that probes well gets selected
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
        worker.saved_model.connect(self._on_saved_model)
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
        if self.current_path is None and self.library_panel.current_path() is None:
            self.library_panel.select(path)  # never a broken file first

    def _on_saved(self, vh) -> None:
        key = self.selection.key(vh.path)
        item = self.library.item(key)
        if item is not None and item.highlights is None:
            vh.segments = self.selection.found(key, reselect(vh, self.target.target))
            self.library.set_highlights(vh, key)

    def _on_saved_model(self, info) -> None:
        if self.model.info is None:  # the project names none: the last run's model
            with self.project.restoring():
                self.model.set(info)

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
        self.marks.clear()
        if item.state is VideoState.FAILED and item.highlights is None:
            self.player.clear()
            reason = item.reason or "unknown error"
            named = reason.startswith(Path(item.path).name) or reason.startswith(item.name)
            self.player.view.set_message(f"Cannot read this file:\n{reason}" if named
                                         else f"Cannot read {item.name}:\n{reason}")
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
        self.timeline.set_highlights(vh, item.duration or 0.0, hint, path=item.path)
        self.player.set_segments(vh.segments if vh is not None else [])
        self.timeline.line.setValue(self.playhead.position)

    def _on_highlights_changed(self, path: str) -> None:
        self.problems.remove(path)  # scored now: no longer a problem (kept until then)
        self._update_reel()
        self.export_action.setEnabled(True)
        if path != self.current_path:
            return
        item = self.library.item(path)
        shown = self.timeline.highlights
        if shown is not None and item.highlights is not None and (
                shown.score is item.highlights.score):
            # only the segments changed: the timeline and player follow the selection model
            self.timeline.highlights = item.highlights
        else:
            self._show_highlights(item)

    def _on_selection_changed(self, path: str, _source) -> None:
        if path == self.current_path:
            self.player.set_segments(self.selection.segments(path))

    def _update_reel(self) -> None:
        total, videos = self.selection.library_kept()
        if not self.library.scored():
            self.reel_label.setText("")
            return
        self.reel_label.setText(f"Library reel {format_time(total, fraction=True)} · "
                                f"{videos} video{'s' if videos != 1 else ''}")

    def _timeline_menu(self, _seconds: float, pos) -> None:
        menu = QMenu(self)
        edit = self.edit
        for act in (edit.split_action, edit.merge_action, edit.keep_action,
                    edit.delete_action, None, edit.mark_in_action, edit.mark_out_action,
                    None, self.undo_action, self.redo_action):
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(pos)

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
    def find_highlights(self, reset_edits: bool | None = None) -> bool:
        """Run Find highlights on the library's folder (results are saved beside it).

        Scores with the current model when there is one for the chosen features, else
        trains one. Hand-edited segments are kept unless ``reset_edits``; ``None`` asks
        when there are any.
        """
        paths = self.library.paths()
        if not paths or self.finder.is_running():
            return False
        if reset_edits is None:
            reset_edits = self._ask_reset_edits()
            if reset_edits is None:
                return False
        opts = self.settings.model_options()
        overrides = dict(self.find_overrides)
        visual, audio = overrides.get("visual", opts.visual), overrides.get("audio", opts.audio)
        if "model_path" not in overrides and self.model.matches(visual, audio):
            # a model from Retrain scores in either mode
            overrides["model_path"] = self.model.path
        return self._start_run(paths, overrides, reset_edits)

    def _start_run(self, paths: list[str], overrides: dict, reset_edits: bool) -> bool:
        try:
            config = find_config(self.settings.model_options(), self.target.target,
                                 shots=self.settings.shot_detection(), **overrides)
        except (AvhdError, TypeError, ImportError) as exc:
            self._add_problem("", f"cannot start: {exc}")
            return False
        return self.finder.start(self.library.folder, paths, config, reset_edits=reset_edits)

    def _ask_reset_edits(self) -> bool | None:
        """Keep (False) or reset (True) hand edits on a new run; None: cancel the run."""
        edited = [p for p in self.selection.edited_paths() if self.library.item(p)]
        if not edited:
            return False
        box = QMessageBox(QMessageBox.Icon.Question, "Find Highlights",
                          f"{len(edited)} video{'s have' if len(edited) != 1 else ' has'} "
                          "hand-edited segments. Keep them, or reset them to the new "
                          "selection?", parent=self)
        keep = box.addButton("Keep Hand Edits", QMessageBox.ButtonRole.AcceptRole)
        reset = box.addButton("Reset Hand Edits", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        if box.clickedButton() is keep:
            return False
        return True if box.clickedButton() is reset else None

    def cancel_find(self) -> None:
        self.finder.cancel()
        self.cancel_action.setEnabled(False)

    def _on_running(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self._update_actions()

    def _on_progress(self, view) -> None:
        """One counter per stage (:class:`avhd_gui.progress.ProgressView`)."""
        self.stage_label.setText(view.title)
        self.progress_bar.setRange(0, max(0, view.maximum))  # 0: a busy bar
        if view.maximum > 0:
            self.progress_bar.setValue(min(view.value, view.maximum))
        self.progress_bar.setFormat(view.counter)
        self.eta_label.setText(" · ".join(t for t in (view.detail, view.eta) if t))

    def _on_find_stopped(self, outcome: RunOutcome) -> None:
        self.stage_label.setText("Ready")
        self.eta_label.setText(outcome.summary())
        if outcome.status == "error":
            self._add_problem("", outcome.message)
        self.selection.commit_resets()  # hand edits a reset run replaced: one undo step
        if outcome.status == "finished":
            self._adopt_model(outcome.result)
            self.project.schedule()
        self._update_actions()
        self.find_stopped.emit(outcome)

    def _add_problem(self, path: str, reason: str) -> None:
        self.problems.add(path, reason)
        if not self.problems_dock.isVisible() and not self.problems_memory.closed:
            self.problems_dock.show()
            self.resizeDocks([self.problems_dock], [130], Qt.Orientation.Vertical)

    # --- target
    def _on_target_changed(self, target) -> None:
        # the target's undo command has re-selected the videos without hand edits
        self.settings.set_target(target)
        text = f"Target: {describe_target(target)}"
        kept = len([p for p in self.selection.edited_paths() if self.library.item(p)])
        if kept:
            text += (f" · {kept} hand-edited video{'s' if kept != 1 else ''} "
                     "unchanged (Edit ▸ Reset Hand Edits)")
        self.statusBar().showMessage(text, 5000)

    # --- settings, about
    def edit_settings(self) -> None:
        from avhd_gui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings.model_options(), self)
        if dlg.exec():
            self.settings.set_model_options(dlg.options())
            self._on_model_changed(self.model.info)  # "none" reads by the scoring chosen

    def about(self) -> None:
        QMessageBox.about(self, "About AVHD", about_html())

    def _update_actions(self) -> None:
        running = self.finder.is_running()
        has_videos = self.library.rowCount() > 0
        self.find_action.setEnabled(has_videos and not running)
        self.retrain_action.setEnabled(has_videos and not running)
        self.cancel_action.setEnabled(running)
        self.open_action.setEnabled(not running)
        self.open_project_action.setEnabled(not running)
        self.settings_action.setEnabled(not running)
        self.export_action.setEnabled(bool(self.library.scored()))
        for act in (self.save_project_action, self.save_project_as_action):
            act.setEnabled(bool(self.library.folder))
        self.save_model_action.setEnabled(bool(self.model.path))
        self.load_model_action.setEnabled(not running)

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
        self.project.flush()  # first: a pending autosave is written whatever happens next
        keep = []
        if self.export_dialog is not None:
            keep.append((self.export_dialog.thread, self.export_dialog.worker))
            self.export_dialog.close()  # cancels a running export, does not wait for it
        if self.finder.is_running():
            keep.append((self.finder.thread, self.finder.worker))
            self.finder.cancel()
        if self._probe_worker is not None:
            keep.append((self._probe_thread, self._probe_worker))
            self._probe_worker.token.cancel()
        self.player.clear()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.set_splitter_state(self.splitter.saveState())
        left = wait_for_workers(QUIT_GRACE_MS, keep)  # a short grace, never a long join
        if left:
            log.info("closing; %d cancelled task(s) finish in the background", len(left))
        super().closeEvent(event)
