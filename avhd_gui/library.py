"""The library: the videos of an opened folder, their state, thumbnail and highlights.

:class:`LibraryModel` is a plain list model that lives outside the widgets; the library
view, the main window and the workers only talk to it through its methods and signals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap

from core.artifacts import Segment, VideoHighlights
from core.fsnames import printable


class VideoState(str, Enum):
    NEW = "new"
    EXTRACTING = "extracting"
    SCORED = "scored"
    FAILED = "failed"


@dataclass
class VideoItem:
    """One video of the library."""

    path: str
    name: str
    duration: float | None = None
    fps: float | None = None
    state: VideoState = VideoState.NEW
    reason: str = ""
    thumbnail: QImage | None = None
    icon: QIcon | None = None
    highlights: VideoHighlights | None = None
    #: the segments were changed by hand (set by the selection model)
    edited: bool = False
    #: state and reason to go back to when a run touching this item is cancelled
    previous_state: VideoState = VideoState.NEW
    previous_reason: str = ""


def scan_folder(folder: str | os.PathLike) -> list[str]:
    """Video files under ``folder`` (recursive, hidden files skipped), sorted by path.

    Raises:
        core.errors.MediaError: the folder does not exist.
    """
    return scan_folder_report(folder)[0]


def scan_folder_report(folder: str | os.PathLike) -> tuple[list[str], dict[str, str]]:
    """:func:`scan_folder`, and ``path -> reason`` for each video-named file that is not
    footage and not AVHD's own output (a named pipe, a device, a link loop, ...): the app
    lists those in its Problems panel, as ``avhd find`` lists them as SKIPPED."""
    from core.extract import find_videos
    from core.footage import skip_reason

    videos, skipped = find_videos(Path(folder), recursive=True)
    paths = sorted((str(p) for p in videos), key=lambda p: p.lower())
    # not a file at all (AVHD's own outputs are files, skipped for another reason)
    return paths, {str(r.path): r.reason for r in skipped if skip_reason(r.path)}


def format_time(seconds: float | None, *, fraction: bool = False) -> str:
    """``m:ss`` (or ``h:mm:ss``), with hundredths when ``fraction``; "–" for unknown."""
    if seconds is None:
        return "–"
    seconds = max(0.0, float(seconds))
    # round once, to the unit shown, so 4.999 reads 0:05.00 (not 0:04.00) and 59.996 1:00.00
    units = int(round(seconds * 100)) if fraction else int(seconds)
    whole, hundredths = divmod(units, 100) if fraction else (units, 0)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    if fraction:
        text += f".{hundredths:02d}"
    return text


class LibraryModel(QAbstractListModel):
    """The videos of the opened folder.

    Signals:
        folder_changed(str): a new folder was loaded (the rows were reset).
        highlights_changed(str): the highlights or segments of the video at path changed.
    """

    StateRole = Qt.ItemDataRole.UserRole + 2
    ItemRole = Qt.ItemDataRole.UserRole + 3

    folder_changed = Signal(object)
    highlights_changed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[VideoItem] = []
        self._rows: dict[str, int] = {}
        self.folder: str = ""
        #: decoration of failed files without a thumbnail (the window sets a themed icon)
        self.failed_icon: QIcon | None = None
        #: what items in state "extracting" show (the running stage, e.g. "training")
        self.busy_text = VideoState.EXTRACTING.value

    # --- Qt model API
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:  # names that are not UTF-8 shown as \xNN
            name = printable(item.name)
            if item.duration is None:
                return f"{name}\n{self.state_text(item)}"
            return f"{name}\n{format_time(item.duration)} · {self.state_text(item)}"
        if role == Qt.ItemDataRole.DecorationRole:
            if item.state is VideoState.FAILED and item.thumbnail is None:
                return self.failed_icon
            return item.icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if item.state is VideoState.FAILED:
                return f"{printable(item.path)}\nFailed: {item.reason}"
            return printable(item.path)
        if role == self.StateRole:
            return item.state.value
        if role == self.ItemRole:
            return item
        return None

    def state_text(self, item: VideoItem) -> str:
        if item.state is VideoState.EXTRACTING:
            return self.busy_text
        if item.state is VideoState.SCORED and item.highlights is not None:
            n = len([s for s in item.highlights.segments if s.keep])
            count = f"{n} segment{'s' if n != 1 else ''}"  # short: the panel is narrow
            return f"edited · {count}" if item.edited else count
        return item.state.value

    # --- loading
    def set_folder(self, folder: str, paths: list[str]) -> None:
        """Replace the library with ``paths`` (all in state ``new``)."""
        self.beginResetModel()
        self.folder = folder
        root = Path(folder)
        self._items = []
        for p in paths:
            try:
                name = str(Path(p).relative_to(root))
            except ValueError:
                name = Path(p).name
            self._items.append(VideoItem(path=p, name=name))
        self._rows = {it.path: i for i, it in enumerate(self._items)}
        self.endResetModel()
        self.folder_changed.emit(folder)

    # --- access
    def items(self) -> list[VideoItem]:
        return list(self._items)

    def paths(self) -> list[str]:
        return [it.path for it in self._items]

    def item(self, path: str) -> VideoItem | None:
        row = self._rows.get(path)
        return None if row is None else self._items[row]

    def item_at(self, row: int) -> VideoItem | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, path: str) -> int:
        return self._rows.get(path, -1)

    def path_at(self, row: int) -> str | None:
        """The path of ``row``, exactly: read through a Qt role, a name that is not UTF-8
        (carried as a lone surrogate) loses that character (QString drops it)."""
        return self._items[row].path if 0 <= row < len(self._items) else None

    def find(self, name: str) -> VideoItem | None:
        """The item whose path, relative name or file name is ``name``."""
        for it in self._items:
            if name in (it.path, it.name, Path(it.path).name):
                return it
        return None

    def _changed(self, path: str) -> None:
        row = self._rows.get(path)
        if row is not None:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx)

    # --- updates (called from the main thread, by worker signal handlers)
    def set_probe(self, path: str, duration: float | None, fps: float | None,
                  thumbnail: QImage | None) -> None:
        item = self.item(path)
        if item is None:
            return
        item.duration = duration if duration is not None else item.duration
        item.fps = fps or item.fps
        item.thumbnail = thumbnail
        item.icon = QIcon(QPixmap.fromImage(thumbnail)) if thumbnail is not None else None
        self._changed(path)

    def set_state(self, path: str, state: VideoState, reason: str = "") -> None:
        item = self.item(path)
        if item is None:
            return
        item.state = state
        item.reason = reason
        self._changed(path)

    def set_busy_text(self, text: str) -> None:
        """Change what the items being processed show (one repaint of the list)."""
        if text != self.busy_text:
            self.busy_text = text
            if self._items:
                self.dataChanged.emit(self.index(0), self.index(len(self._items) - 1))

    def mark_running(self, paths: list[str]) -> None:
        """Mark ``paths`` as being extracted (remembering their state for a cancel).

        A file that failed keeps showing why until the run reports on it again (it is
        retried; a success marks it scored, a failure gives the new reason).
        """
        for p in paths:
            item = self.item(p)
            if item is not None and item.state is not VideoState.FAILED:
                item.previous_state, item.previous_reason = item.state, item.reason
                self.set_state(p, VideoState.EXTRACTING)

    def restore_running(self) -> None:
        """Put items still marked as extracting back to their state before the run."""
        self.busy_text = VideoState.EXTRACTING.value
        for item in self._items:
            if item.state is VideoState.EXTRACTING:
                self.set_state(item.path, item.previous_state, item.previous_reason)

    def set_highlights(self, vh: VideoHighlights, path: str | None = None) -> None:
        """Store the highlights of a video and mark it scored."""
        key = path or vh.path
        if self.item(key) is None:
            key = self._match(vh.path)
        item = self.item(key) if key else None
        if item is None:
            return
        item.highlights = vh
        item.state = VideoState.SCORED
        item.reason = ""
        if item.duration is None:
            item.duration = float(vh.duration)
        self._changed(item.path)
        self.highlights_changed.emit(item.path)

    def set_edited(self, path: str, edited: bool) -> None:
        item = self.item(path)
        if item is not None and item.edited != edited:
            item.edited = edited
            self._changed(path)

    def set_segments(self, path: str, segments: list[Segment]) -> None:
        item = self.item(path)
        if item is None or item.highlights is None:
            return
        item.highlights = replace(item.highlights, segments=segments)
        self._changed(path)
        self.highlights_changed.emit(path)

    def _match(self, path: str) -> str | None:
        """The library path of ``path`` (resolving symlinks and relative forms)."""
        try:
            target = Path(path).resolve()
        except OSError:
            return None
        for it in self._items:
            try:
                if Path(it.path).resolve() == target:
                    return it.path
            except OSError:
                continue
        return None

    def scored(self) -> list[VideoItem]:
        return [it for it in self._items if it.highlights is not None]
