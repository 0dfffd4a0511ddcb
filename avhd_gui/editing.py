"""The segment selection model: highlight segments per video, edited through undo commands.

:class:`SegmentsModel` lives outside the widgets (STYLE rule 10). Every user edit is a
command on the shared :class:`QUndoStack` that records the segments before and after, so
undo and redo restore them exactly. ``changed(path, source)`` carries the object that made
the edit; the timeline skips the echo of its own drags.

The segments are stored in the library's ``VideoHighlights`` (so the library list and
exports see them); this model adds the "edited by hand" flag per video, hand edits restored
from a project before the video's scores are loaded, and the edit operations.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from avhd_gui import segments as ops
from avhd_gui.library import LibraryModel, format_time
from core.artifacts import Segment, VideoHighlights

#: one video's selection: its segments and whether they were edited by hand
State = tuple[list[Segment], bool]
Snapshot = dict[str, State]


def reselect(vh: VideoHighlights, target, cuts=None,
             seconds: float | None = None) -> list[Segment]:
    """Segments of ``vh`` for ``target`` from its scores (as the pipeline selects them).

    ``seconds`` replaces the target's length (this video's share of a library reel);
    with shot ``cuts`` known, the engine moves segment edges near a cut onto it
    (:func:`core.scoring.select` with :func:`core.shotsnap.snap_segments`).
    """
    from core.scoring import select

    kwargs = target.kwargs()
    if seconds is not None:
        kwargs.pop("top_fraction", None)
        kwargs["target_seconds"] = float(seconds)
    return select(vh.bounds, vh.score, vh.duration, tiebreak=vh.av_ph, cuts=cuts, **kwargs)


def span_text(start: float, end: float) -> str:
    return f"{format_time(start, fraction=True)}–{format_time(end, fraction=True)}"


class EditCommand(QUndoCommand):
    """Replaces the selection of one or more videos; undo puts the old one back.

    ``source`` is passed with the first redo only (the push), so the widget that made the
    edit can skip its echo; undo and later redos come from the stack (source ``None``).
    """

    def __init__(self, model: SegmentsModel, before: Snapshot, after: Snapshot, text: str,
                 source: object = None) -> None:
        super().__init__(text)
        self.model, self.before, self.after, self.source = model, before, after, source

    def redo(self) -> None:
        self.model.restore(self.after, self.source)
        self.source = None

    def undo(self) -> None:
        self.model.restore(self.before)


class SegmentsModel(QObject):
    """Highlight segments of every video of the library, with undoable edits.

    Signals:
        changed(path, source): the segments (or the edited flag) of ``path`` changed.
    """

    changed = Signal(object, object)

    def __init__(self, library: LibraryModel, undo_stack: QUndoStack,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.undo_stack = undo_stack
        self._edited: set[str] = set()
        #: hand edits restored from a project, applied when the video's scores arrive
        self._pending: dict[str, list[Segment]] = {}
        #: hand edits replaced by a Find run with "reset", recorded for one undo step
        self._reset_log: Snapshot = {}
        #: shot cuts per video (seconds), once detected: re-selection snaps edges to them
        self.cuts: dict[str, object] = {}

    # --- reading
    def key(self, path: str) -> str:
        """The library's path for ``path`` (symlinks and relative forms resolved)."""
        if self.library.item(path) is not None:
            return path
        return self.library._match(path) or path

    def highlights(self, path: str) -> VideoHighlights | None:
        item = self.library.item(path)
        return item.highlights if item is not None else None

    def segments(self, path: str) -> list[Segment]:
        """Copies of the segments of ``path``, sorted by start (``[]`` when not scored)."""
        vh = self.highlights(path)
        if vh is not None:
            return ops.copy_segments(vh.segments)
        return ops.copy_segments(self._pending.get(path, []))

    def is_edited(self, path: str) -> bool:
        return path in self._edited

    def edited_paths(self) -> list[str]:
        return sorted(self._edited)

    def kept_duration(self, path: str) -> float:
        return ops.kept_duration(self.segments(path))

    def library_kept(self) -> tuple[float, int]:
        """Kept seconds over the whole library and the number of videos contributing."""
        total, videos = 0.0, 0
        for item in self.library.scored():
            d = ops.kept_duration(item.highlights.segments)
            total += d
            videos += d > 0
        return total, videos

    def snapshot(self, paths) -> Snapshot:
        return {p: (self.segments(p), p in self._edited) for p in paths}

    # --- applying (no undo record; commands and loaders call these)
    def restore(self, snapshot: Snapshot, source: object = None) -> None:
        for path, (segs, edited) in snapshot.items():
            self._set(path, segs, edited, source)

    def _set(self, path: str, segs: list[Segment], edited: bool, source: object = None) -> None:
        segs = ops.copy_segments(segs)
        self._mark_edited(path, edited)
        if self.highlights(path) is not None:
            self.library.set_segments(path, segs)
        elif edited:
            self._pending[path] = segs
        else:
            self._pending.pop(path, None)
        self.changed.emit(path, source)

    def _mark_edited(self, path: str, edited: bool) -> None:
        if edited:
            self._edited.add(path)
        else:
            self._edited.discard(path)
        self.library.set_edited(path, edited)

    def clear(self) -> None:
        """Forget every edit (a new folder was opened)."""
        self._edited.clear()
        self._pending.clear()
        self._reset_log.clear()

    def preload(self, path: str, segs: list[Segment]) -> None:
        """Remember hand edits of ``path`` (from a project) until its scores are loaded."""
        self._mark_edited(path, True)
        self._pending[path] = ops.copy_segments(segs)

    def found(self, path: str, found: list[Segment], reset: bool = False) -> list[Segment]:
        """The segments to show after highlights were (re-)found for ``path``.

        Hand edits stay unless ``reset`` (see :func:`core.project.merge_found`).
        """
        from core.project import VideoState as ProjectVideo
        from core.project import merge_found

        state = ProjectVideo(segments=self.segments(path), edited=path in self._edited)
        if reset and state.edited and self.highlights(path) is not None:
            self._reset_log.setdefault(path, (ops.copy_segments(state.segments), True))
        segs = ops.copy_segments(merge_found(state, found, reset))
        self._mark_edited(path, state.edited)
        self._pending.pop(path, None)
        return segs

    def commit_resets(self) -> bool:
        """Record the hand edits a Find run reset as one undo step (so undo brings them back)."""
        log, self._reset_log = self._reset_log, {}
        if not log:
            return False
        after = self.snapshot(log)
        what = Path(next(iter(log))).name if len(log) == 1 else f"{len(log)} videos"
        self.undo_stack.push(EditCommand(self, log, after, f"Reset hand edits on Find ({what})"))
        return True

    # --- target re-selection (used by the target's undo command)
    def reselect_all(self, target) -> tuple[Snapshot, Snapshot]:
        """Re-select every scored video without hand edits; returns (before, after)."""
        paths = [it.path for it in self.library.scored() if it.path not in self._edited]
        before = self.snapshot(paths)
        shares = self.library_shares(target)
        after = {p: (self.reselected(p, target, shares), False) for p in paths}
        self.restore(after)
        return before, after

    def library_shares(self, target) -> dict[str, float] | None:
        """Seconds per video of a library reel (``None`` unless the target is one)."""
        if target.mode != "library":
            return None
        from core.selection import library_shares

        videos = {it.path: (it.highlights.bounds, it.highlights.score)
                  for it in self.library.scored()}
        return library_shares(videos, target.library_seconds)

    def reselected(self, path: str, target, shares: dict[str, float] | None = None
                   ) -> list[Segment]:
        """``path``'s segments for ``target``, with its shot cuts and library share."""
        shares = shares if shares is not None else self.library_shares(target)
        seconds = None if shares is None else shares.get(path, 0.0)
        return reselect(self.highlights(path), target, self.cuts.get(path), seconds)

    def set_cuts(self, path: str, cuts, target) -> bool:
        """Remember ``path``'s shot cuts; re-select it when it has no hand edits.

        Returns True when its segments were re-placed (no undo record: like a Find result).
        """
        self.cuts[path] = cuts
        if path in self._edited or self.highlights(path) is None:
            return False
        segs = self.reselected(path, target)
        if segs == self.segments(path):
            return False
        self._set(path, segs, False)
        return True

    # --- edits (each one undoable)
    def edit(self, path: str, segs: list[Segment], text: str, source: object = None) -> None:
        """Replace the segments of ``path`` by hand (one undo step)."""
        before = self.snapshot([path])
        if before[path][0] == ops.copy_segments(segs):
            return
        name = Path(path).name
        self.undo_stack.push(
            EditCommand(self, before, {path: (segs, True)}, f"{text} ({name})", source))

    def _score_fn(self, path: str):
        vh = self.highlights(path)
        if vh is None or not vh.n_clips:
            return None
        return lambda a, b: ops.clip_score(vh.bounds, vh.score, a, b)

    def _duration(self, path: str) -> float:
        vh = self.highlights(path)
        item = self.library.item(path)
        if vh is not None:
            return float(max(vh.duration, vh.bounds[-1, 1] if vh.n_clips else 0.0))
        return float(item.duration or 0.0) if item is not None else 0.0

    def add(self, path: str, start: float, end: float, source: object = None) -> int:
        segs, index = ops.add_segment(self.segments(path), start, end, self._duration(path),
                                      self._score_fn(path))
        s = segs[index]
        self.edit(path, segs, f"Add segment {span_text(s.start, s.end)}", source)
        return index

    def delete(self, path: str, index: int, source: object = None) -> None:
        old = self.segments(path)
        segs = ops.delete_segment(old, index)
        self.edit(path, segs, f"Delete segment {span_text(old[index].start, old[index].end)}",
                  source)

    def set_bounds(self, path: str, index: int, start: float, end: float,
                   source: object = None) -> None:
        """Resize or move segment ``index`` (named after what changed)."""
        old = self.segments(path)
        segs = ops.set_bounds(old, index, start, end, self._duration(path),
                              self._score_fn(path))
        a, b = old[index], segs[index]
        if (a.start, a.end) == (b.start, b.end):
            return
        moved = abs((b.end - b.start) - (a.end - a.start)) < 1e-3
        verb = "Move" if moved else "Resize"
        self.edit(path, segs, f"{verb} segment to {span_text(b.start, b.end)}", source)

    def split(self, path: str, index: int, seconds: float, source: object = None) -> None:
        segs = ops.split_segment(self.segments(path), index, seconds, self._score_fn(path))
        self.edit(path, segs, f"Split segment at {format_time(seconds, fraction=True)}", source)

    def merge(self, path: str, index: int, source: object = None) -> None:
        old = self.segments(path)
        segs = ops.merge_segments(old, index, self._score_fn(path))
        m = segs[index]
        self.edit(path, segs, f"Merge segments into {span_text(m.start, m.end)}", source)

    def toggle_keep(self, path: str, index: int, source: object = None) -> None:
        segs = ops.toggle_keep(self.segments(path), index)
        s = segs[index]
        verb = "Keep" if s.keep else "Discard"
        self.edit(path, segs, f"{verb} segment {span_text(s.start, s.end)}", source)

    def reset_edits(self, paths: list[str], target) -> bool:
        """Drop the hand edits of ``paths`` and re-select them from the scores (undoable)."""
        paths = [p for p in paths if p in self._edited and self.highlights(p) is not None]
        if not paths:
            return False
        before = self.snapshot(paths)
        after = {p: (self.reselected(p, target), False) for p in paths}
        what = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} videos"
        self.undo_stack.push(EditCommand(self, before, after, f"Reset hand edits ({what})"))
        return True

