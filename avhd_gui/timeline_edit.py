"""Mouse editing of segments on the timeline, the way editing programs do it.

:class:`EditViewBox` is the timeline's view box. A left-button drag that starts on a
segment's edge trims it (the playhead follows the edge, so the preview shows that frame),
one on its body with Alt or Ctrl held moves it, and one with Shift held (or in add mode)
adds a segment; any other left drag scrubs the playhead. The middle button and the wheel
pan and zoom. While a drag is in progress only a preview is drawn; the edit is pushed to
the :class:`~avhd_gui.editing.SegmentsModel` as one undo command on release. Every edit
point lands on a frame of the video; with snapping on, edges also snap to shot cuts, clip
boundaries, the playhead and other segments' edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from avhd_gui import segments as ops
from avhd_gui.timecode import frame_time
from core.artifacts import Segment

if TYPE_CHECKING:
    from avhd_gui.timeline import TimelineWidget

EDGE_PIXELS = 6  # how close to an edge the pointer must be to grab it
SNAP_PIXELS = 8  # how close to a snap target an edge must come to snap
#: modifiers that turn a drag on a segment's body into a move
MOVE_MODIFIERS = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier


@dataclass
class Hit:
    """What is under the pointer: an edge ("start"/"end") or the body of segment ``index``."""

    kind: str
    index: int


@dataclass
class Drag:
    """A drag in progress."""

    kind: str  # "start" | "end" | "move" | "add"
    index: int
    origin: float  # time under the pointer at the press
    segments: list[Segment]  # the segments when the drag began
    start: float = 0.0  # the dragged span as it is now
    end: float = 0.0


class SegmentEditor:
    """Hit-testing, snapping and drags for one :class:`TimelineWidget`."""

    def __init__(self, timeline: TimelineWidget) -> None:
        self.tl = timeline
        self.drag: Drag | None = None
        #: modifiers held at the last press (a drag only starts on the first move); the
        #: timeline records them from the plot's viewport
        self.press_modifiers = Qt.KeyboardModifier.NoModifier

    # --- geometry
    def seconds_per_pixel(self) -> float:
        (x0, x1), _ = self.tl.vb.viewRange()
        return (x1 - x0) / max(1.0, float(self.tl.vb.width()))

    def hit_test(self, seconds: float) -> Hit | None:
        """The edge or body of a segment at ``seconds`` (nearest edge first)."""
        tol = EDGE_PIXELS * self.seconds_per_pixel()
        best: Hit | None = None
        best_d = tol
        for i, s in enumerate(self.tl.all_segments):
            for kind, edge in (("start", s.start), ("end", s.end)):
                d = abs(seconds - edge)
                # between touching segments, the side the pointer is on wins
                if d < best_d or (d == best_d and best is not None and kind == "start"
                                  and seconds >= edge):
                    best, best_d = Hit(kind, i), d
        if best is not None:
            return best
        i = ops.index_at(self.tl.all_segments, seconds)
        return Hit("body", i) if i >= 0 else None

    def snap_targets(self, exclude: int = -1) -> np.ndarray:
        """Shot cuts, clip boundaries, the playhead and the other segments' edges, sorted."""
        parts = [self.tl.cuts, self.tl._bounds.reshape(-1), [self.tl.playhead.position]]
        parts.append([e for i, s in enumerate(self.tl.all_segments) if i != exclude
                      for e in (s.start, s.end)])
        return np.unique(np.concatenate([np.asarray(p, np.float64) for p in parts]))

    def _snap(self, seconds: float, exclude: int) -> float:
        """``seconds`` snapped to a nearby target (when snapping is on), then to its frame."""
        if self.tl.snapping:
            seconds = ops.snap(seconds, self.snap_targets(exclude),
                               SNAP_PIXELS * self.seconds_per_pixel())
        return self.frame(seconds)

    def frame(self, seconds: float) -> float:
        return frame_time(seconds, self.tl.fps)

    def cursor_for(self, seconds: float, modifiers) -> Qt.CursorShape | None:
        if self.tl.path is None or self.tl.selection is None:
            return None
        hit = self.hit_test(seconds)
        if hit is None:
            adding = self.tl.add_mode or bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
            return Qt.CursorShape.CrossCursor if adding and self.tl.n_clips else None
        if hit.kind == "body":
            return Qt.CursorShape.OpenHandCursor if modifiers & MOVE_MODIFIERS else None
        return Qt.CursorShape.SplitHCursor

    # --- drags
    def begin(self, seconds: float, modifiers) -> bool:
        """Start an edit drag at ``seconds``; False leaves the drag to scrubbing."""
        tl = self.tl
        if tl.path is None or tl.selection is None or not tl.n_clips:
            return False
        segs = list(tl.all_segments)
        adding = tl.add_mode or bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        hit = None if adding else self.hit_test(seconds)
        if hit is None:
            if not adding:
                return False
            t = self._snap(seconds, -1)
            self.drag = Drag("add", -1, t, segs, t, t)
        else:
            if hit.kind == "body" and not modifiers & MOVE_MODIFIERS:
                return False  # a plain drag inside a segment scrubs
            s = segs[hit.index]
            self.drag = Drag("move" if hit.kind == "body" else hit.kind, hit.index, seconds, segs,
                             s.start, s.end)
        return True

    def update(self, seconds: float) -> None:
        d = self.drag
        if d is None:
            return
        duration = self.tl.duration()
        if d.kind == "add":
            t = min(max(0.0, self._snap(seconds, -1)), duration)
            d.start, d.end = sorted((d.origin, t))
            self.tl.show_preview(d.start, d.end)
            return
        seg = d.segments[d.index]
        lo, hi = ops.bounds_limits(d.segments, d.index, duration)
        if d.kind == "start":
            t = self._snap(seg.start + seconds - d.origin, d.index)
            d.start, d.end = min(max(lo, t), seg.end - ops.MIN_LENGTH), seg.end
        elif d.kind == "end":
            t = self._snap(seg.end + seconds - d.origin, d.index)
            d.start, d.end = seg.start, max(min(hi, t), seg.start + ops.MIN_LENGTH)
        else:
            delta = seconds - d.origin
            start, end = seg.start + delta, seg.end + delta
            if self.tl.snapping:
                start, end = ops.snap_span(start, end, self.snap_targets(d.index),
                                           SNAP_PIXELS * self.seconds_per_pixel())
            delta = min(max(start - seg.start, lo - seg.start), hi - seg.end)
            # whole frames, so both edges stay on frames
            delta = self.frame(seg.start + delta) - seg.start
            d.start, d.end = seg.start + delta, seg.end + delta
        preview = ops.copy_segments(d.segments)
        preview[d.index].start, preview[d.index].end = d.start, d.end
        self.tl.draw_segments(preview)
        if d.kind in ("start", "end"):  # the preview shows the frame at the dragged edge
            self.tl.playhead.set_position(d.start if d.kind == "start" else d.end)
        verb = "Move" if d.kind == "move" else "Trim"
        self.tl.show_drag_text(self.tl.drag_text(verb, d.start, d.end))

    def finish(self, seconds: float) -> None:
        """End the drag: push its edit (one undo command) or drop it when nothing changed."""
        self.update(seconds)
        d, self.drag = self.drag, None
        tl = self.tl
        tl.show_preview(None)
        tl.show_drag_text("")
        if d is None:
            return
        try:
            if d.kind == "add":
                if d.end - d.start >= ops.MIN_LENGTH:
                    tl.selection.add(tl.path, d.start, d.end, source=tl)
            else:
                tl.selection.set_bounds(tl.path, d.index, d.start, d.end, source=tl)
        except ops.EditError as exc:
            tl.edit_failed.emit(str(exc))
        # the model's segments after the edit (or the old ones when nothing was pushed);
        # the model's echo of this edit is skipped by the timeline
        tl.set_segments(tl.selection.segments(tl.path))

    def cancel(self) -> None:
        if self.drag is not None:
            self.drag = None
            self.tl.show_preview(None)
            self.tl.show_drag_text("")
            self.tl.set_segments(self.tl.selection.segments(self.tl.path))


class EditViewBox(pg.ViewBox):
    """A view box whose left-button drags edit segments (see :class:`SegmentEditor`)."""

    def __init__(self, editor: SegmentEditor) -> None:
        super().__init__(enableMenu=False)
        self.editor = editor
        self._editing = False
        self.setAcceptHoverEvents(True)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or axis is not None:
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():
            x = self.mapSceneToView(ev.buttonDownScenePos()).x()
            mods = ev.modifiers() | self.editor.press_modifiers
            self._editing = self.editor.begin(x, mods)
            if self._editing and self.editor.drag.kind == "move":
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
        ev.accept()
        x = self.mapSceneToView(ev.scenePos()).x()
        if not self._editing:  # a plain drag scrubs
            self.editor.tl.scrub(x)
            return
        if ev.isFinish():
            self._editing = False
            self.editor.finish(x)
            self.unsetCursor()
        else:
            self.editor.update(x)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            x = self.mapSceneToView(ev.scenePos()).x()
            self.editor.tl.request_context_menu(x, ev.screenPos().toPoint())
            return
        super().mouseClickEvent(ev)

    def hoverEvent(self, ev) -> None:
        if self._editing:
            return
        if ev.isExit():
            self.unsetCursor()
            return
        shape = self.editor.cursor_for(self.mapSceneToView(ev.scenePos()).x(), ev.modifiers())
        if shape is None:
            self.unsetCursor()
        else:
            self.setCursor(shape)
