"""Projects in the app: restore a library's edits when it is opened, autosave them after.

:class:`ProjectController` reads ``FOLDER/avhd_project.json`` (:mod:`core.project`) when a
folder is opened and puts its target, model and hand edits back into the models; after
every change it saves again, debounced (one atomic write a second after the last edit). A
project file that cannot be read is moved aside (never overwritten) and a new one is
started, with a message saying where the old one went.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from avhd_gui.library import LibraryModel, VideoState
from avhd_gui.retrain import CurrentModel, ModelInfo
from avhd_gui.settings import Target
from core.project import (
    Project,
    ProjectError,
    default_project_path,
)
from core.project import (
    VideoState as ProjectVideo,
)

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1000


def move_aside(path: Path) -> Path:
    """Rename ``path`` to ``NAME.bak`` (``NAME.bak2``, ... when taken); returns the new path."""
    for n in range(1, 1000):
        aside = path.with_name(path.name + (".bak" if n == 1 else f".bak{n}"))
        if not aside.exists():
            path.rename(aside)
            return aside
    raise OSError(f"too many backups of {path}")


def target_from_project(project: Project, base: Target) -> Target:
    if project.target_mode == "seconds":
        return replace(base, mode="seconds", seconds=float(project.target_value))
    if project.target_mode == "library":
        return replace(base, mode="library", library_seconds=float(project.target_value))
    return replace(base, mode="fraction", fraction=float(project.target_value))


class ProjectController(QObject):
    """Loads, restores and autosaves the project of the opened library.

    Signals:
        saved(str): the project was written to this path.
        save_failed(str): a save failed (the message says why); edits stay in memory.
    """

    saved = Signal(str)
    save_failed = Signal(str)

    def __init__(self, library: LibraryModel, selection, target, model: CurrentModel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library, self.selection, self.target, self.model = library, selection, target, model
        self.project: Project | None = None
        self.path: Path | None = None
        #: False in screenshot mode: the project is read, never written
        self.autosave = True
        #: set when a corrupt file could not be moved aside: never write over it
        self.read_only = False
        self._restoring = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save)

    # --- opening
    def open_folder(self, folder: str) -> str:
        """Load the folder's project (or start one); returns a warning ("" when none)."""
        self._timer.stop()
        self.read_only = False
        path = default_project_path(folder)
        warning = ""
        project = None
        if path.is_file():
            try:
                project = Project.load(path)
            except ProjectError as exc:
                warning = self._set_aside(path, exc)
        if project is None:
            project = Project(root=folder)
        project.root = folder  # the folder may have moved since the project was saved
        self.project, self.path = project, path
        self.restore()
        return warning

    def _set_aside(self, path: Path, exc: Exception) -> str:
        try:
            aside = move_aside(path)
        except OSError as move_exc:
            self.read_only = True
            return (f"{exc}\nIt could not be moved aside ({move_exc}), so edits made now will "
                    "not be saved over it. Use File ▸ Save Project As… to keep them.")
        return f"{exc}\nThe unreadable file was moved to {aside.name}; a new project was started."

    def load_file(self, path: str | Path) -> Project:
        """Read a project file (File ▸ Open Project…); raises ``ProjectError``."""
        project = Project.load(path)
        if not Path(project.root).is_dir():
            raise ProjectError(f"the project's library folder {project.root} does not exist")
        return project

    def use(self, project: Project, path: str | Path) -> None:
        """Make ``project``, saved at ``path``, the current one and restore it."""
        self._timer.stop()
        self.read_only = False
        self.project, self.path = project, Path(path)
        self.restore()

    def restore(self) -> None:
        """Put the project's target, model and hand edits into the models (no undo record)."""
        p = self.project
        if p is None:
            return
        with self.restoring():
            if p.videos or p.saved_at:  # a saved project: its target wins over the settings
                self.target.load(target_from_project(p, self.target.target))
            info = p.config.get("model_info")
            if isinstance(info, dict):
                info = ModelInfo.from_dict(info)
                if info.path and not Path(info.path).is_file():
                    log.info("the project's model %s is gone", info.path)
                    info = None
                self.model.set(info)
            elif p.model_path and Path(p.model_path).is_file():
                try:
                    self.model.load_file(p.model_path)
                except Exception as exc:  # noqa: BLE001 - a bad model must not stop opening
                    log.info("cannot load the project's model: %s", exc)
            root = Path(p.root)
            for key, video in p.videos.items():
                if video.edited:
                    path = str((root / key).resolve()) if not Path(key).is_absolute() else key
                    self.selection.preload(self.selection.key(path), video.segments)

    @contextmanager
    def restoring(self) -> Iterator[None]:
        """Changes made inside are loaded state, not edits: they schedule no save."""
        self._restoring = True
        try:
            yield
        finally:
            self._restoring = False

    # --- saving
    def schedule(self, *_args) -> None:
        """Save a second after the last change (restarted by every change)."""
        if self.project is not None and self.autosave and not self._restoring:
            self._timer.start()

    def pending(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Save now if a save is pending (closing the window or opening another folder)."""
        if self._timer.isActive():
            self._timer.stop()
            self.save()

    def build(self) -> Project:
        """The project as it is now in the models."""
        from core.pipeline import OUTPUT_DIRNAME, highlights_filename

        p = self.project or Project(root=self.library.folder)
        root = Path(p.root)
        target = self.target.target
        videos = dict(p.videos)  # videos missing now keep their saved state
        for item in self.library.items():
            state = item.state
            if state is VideoState.EXTRACTING:
                state = item.previous_state
            hl = Path(OUTPUT_DIRNAME) / highlights_filename(item.path, root.resolve())
            videos[p.key(item.path)] = ProjectVideo(
                state=state.value,
                reason=item.reason if state is VideoState.FAILED else "",
                highlights=hl.as_posix() if (root / hl).is_file() else "",
                segments=self.selection.segments(item.path),
                edited=self.selection.is_edited(item.path),
            )
        config = dict(p.config)
        if self.model.info is not None:
            config["model_info"] = self.model.info.to_dict()
        else:
            config.pop("model_info", None)
        return replace(
            p,
            target_mode=target.mode,
            target_value={"seconds": target.seconds, "library": target.library_seconds}.get(
                target.mode, target.fraction),
            model_path=self.model.path,
            config=config,
            videos=videos,
        )

    def save(self, path: str | Path | None = None) -> Path | None:
        """Write the project (atomically) to ``path`` or its own path; None on failure."""
        self._timer.stop()
        if self.project is None:
            return None
        target = Path(path) if path else self.path
        if target is None or (self.read_only and path is None):
            return None
        project = self.build()
        try:
            written = project.save(target)
        except ProjectError as exc:
            self.save_failed.emit(str(exc))
            return None
        self.project = project
        if path:
            self.path, self.read_only = Path(path), False
        self.saved.emit(str(written))
        return written
