"""Projects in the app: restore a library's edits when it is opened, autosave them after.

:class:`ProjectController` reads ``FOLDER/avhd_project.json`` (:mod:`core.project`) when a
folder is opened and puts its target, model and hand edits back into the models; after
every change it saves again, debounced (one atomic write a second after the last edit). A
project file that cannot be read is moved aside (never overwritten) and a new one is
started, with a message saying where the old one went.
"""

from __future__ import annotations

import logging
import os
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
    summarize,
)
from core.project import (
    VideoState as ProjectVideo,
)
from core.schema import SchemaError, gc_paused

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1000


def _aside_names(path: Path):
    for n in range(1, 1000):
        yield path.with_name(path.name + (".bak" if n == 1 else f".bak{n}"))
    raise OSError(f"too many backups of {path}")


def move_aside(path: Path) -> Path:
    """Rename ``path`` to ``NAME.bak`` (``NAME.bak2``, ... when taken); returns the new path.

    A hard link claims the new name atomically, so an existing backup is never replaced;
    where links are not supported the name is checked first, then renamed.
    """
    for aside in _aside_names(path):
        try:
            os.link(path, aside)
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network shares)
            if aside.exists():
                continue
            path.rename(aside)
            return aside
        path.unlink()
        return aside
    raise OSError(f"too many backups of {path}")  # pragma: no cover - the generator raises


def copy_aside(path: Path) -> Path:
    """Copy ``path`` to a new ``NAME.bak``/``NAME.bakN`` (never over an existing file)."""
    data = path.read_bytes()
    for aside in _aside_names(path):
        try:
            with open(aside, "xb") as fh:
                fh.write(data)
        except FileExistsError:
            continue
        return aside
    raise OSError(f"too many backups of {path}")  # pragma: no cover - the generator raises


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
        #: the feedback of the hand edits by library path (set by avhd_gui.learning)
        self.feedback_source = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save)

    # --- opening
    def open_folder(self, folder: str) -> str:
        """Load the folder's project (or start one); returns a one-line warning ("" if none).

        An unreadable project is moved aside to ``NAME.bak`` and a new one is started; a
        project with bad parts opens without them, and its file is first copied to a backup
        so the next save loses nothing.
        """
        self._timer.stop()
        self.read_only = False
        path = default_project_path(folder)
        warning = ""
        project = None
        if path.is_file():
            warnings: list[str] = []
            try:
                project = Project.load(path, warnings)
            except ProjectError as exc:
                warning = self._set_aside(path, exc)
            else:
                warning = self._keep_copy(path, warnings)
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
            return (f"{exc}; it could not be moved aside ({move_exc}), so edits made now will "
                    "not be saved over it: use File ▸ Save Project As… to keep them")
        return f"{exc}; the file was moved to {aside.name} and a new project was started"

    def _keep_copy(self, path: Path, warnings: list[str]) -> str:
        """A warning for the parts of ``path`` that were skipped, after backing it up."""
        if not warnings:
            return ""
        for w in warnings[:20]:
            log.warning("%s: %s", path.name, w)
        try:
            aside = copy_aside(path)
        except OSError as exc:
            self.read_only = True
            return (f"{summarize(warnings)}; the file could not be backed up ({exc}), so "
                    "edits will not be saved over it")
        return f"{summarize(warnings)}; the original was kept as {aside.name}"

    def load_file(self, path: str | Path) -> Project:
        """Read a project file (File ▸ Open Project…); raises ``ProjectError``."""
        warnings: list[str] = []
        project = Project.load(path, warnings)
        if not Path(project.root).is_dir():
            raise ProjectError(f"the project's library folder {project.root} does not exist")
        self._loaded_warnings = (Path(path), warnings)
        return project

    def use(self, project: Project, path: str | Path) -> str:
        """Make ``project``, saved at ``path``, the current one and restore it.

        Returns a one-line warning when :meth:`load_file` skipped bad parts of that file.
        """
        self._timer.stop()
        self.read_only = False
        self.project, self.path = project, Path(path)
        loaded, warnings = getattr(self, "_loaded_warnings", (None, []))
        self._loaded_warnings = (None, [])
        warning = self._keep_copy(self.path, warnings) if loaded == self.path else ""
        self.restore()
        return warning

    def restore(self) -> None:
        """Put the project's target, model and hand edits into the models (no undo record)."""
        p = self.project
        if p is None:
            return
        with self.restoring(), gc_paused():
            if p.videos or p.saved_at:  # a saved project: its target wins over the settings
                self.target.load(target_from_project(p, self.target.target))
            info = p.config.get("model_info")
            if isinstance(info, dict):
                try:
                    info = ModelInfo.from_dict(info)
                except SchemaError as exc:
                    log.warning("ignoring the project's model facts: %s", exc)
                    info = None
                if info is not None and info.path and not Path(info.path).is_file():
                    log.info("the project's model %s is gone", info.path)
                    info = None
                self.model.set(info)
            elif p.model_path and Path(p.model_path).is_file():
                try:
                    self.model.load_file(p.model_path)
                except Exception as exc:  # noqa: BLE001 - a bad model must not stop opening
                    log.info("cannot load the project's model: %s", exc)
            self._preload_edits(p)

    def _preload_edits(self, p: Project) -> None:
        """Hand the project's hand edits to the selection model.

        Keys are matched to library paths through one table (a key per video, not a scan
        of the library per key: a project of thousands of videos opens in about the time
        its file takes to parse). Keys of videos that are gone stay in the project only.
        """
        root = Path(p.root).resolve()
        library = {it.path: it.path for it in self.library.items()}
        for key, video in p.videos.items():
            if not video.edited:
                continue
            path = os.path.normpath(key if os.path.isabs(key) else root / key)
            found = library.get(path)
            if found is None and os.path.lexists(path):  # a symlink or another spelling
                found = self.selection.key(str(Path(path).resolve()))
            if found is not None:
                self.selection.preload(found, video.segments)

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
            feedback=self._feedback(p),
        )

    def _feedback(self, p: Project) -> dict:
        """The saved feedback of videos missing now, and the library's feedback now."""
        if self.feedback_source is None:
            return dict(p.feedback)
        out = dict(p.feedback)
        for item in self.library.items():
            out.pop(p.key(item.path), None)
        out.update({p.key(path): fb for path, fb in self.feedback_source().items()})
        return out

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
