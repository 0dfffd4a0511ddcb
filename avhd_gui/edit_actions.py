"""The segment editing commands of the window, as actions for menus, buttons and keys.

One :class:`QAction` per command: the Edit menu, the timeline's buttons, the context menu
and the keyboard shortcut all trigger the same action, which calls the
:class:`~avhd_gui.editing.SegmentsModel` (one undo command per edit). Edits apply to the
video shown in the timeline and to the segment under the playhead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from avhd_gui import segments as ops
from avhd_gui.editing import SegmentsModel
from avhd_gui.library import format_time
from avhd_gui.models import Marks, Playhead, TargetModel
from avhd_gui.resources import icon
from avhd_gui.timecode import frame_time


class EditActions(QObject):
    """Segment editing actions bound to the timeline's video.

    Signals:
        message(str): a short status-bar note (e.g. why an edit was not possible).
    """

    message = Signal(str)

    def __init__(self, parent, selection: SegmentsModel, playhead: Playhead, marks: Marks,
                 timeline, target: TargetModel) -> None:
        super().__init__(parent)
        self.selection, self.playhead, self.marks = selection, playhead, marks
        self.timeline, self.target = timeline, target
        self.icons: list[tuple[QAction, str]] = []
        a = self._act
        self.mark_in_action = a("Mark &In", self.mark_in, "I",
                                "Mark the start of a new segment at the playhead")
        self.mark_out_action = a("Mark &Out", self.mark_out, "O",
                                 "Mark the end of a new segment at the playhead")
        self.clear_marks_action = a("Clear Marks", self.marks.clear, None,
                                    "Forget the in and out marks")
        self.delete_action = a("&Delete Segment", self.delete, [QKeySequence.StandardKey.Delete,
                                                                 "Backspace"],
                               "Delete the segment under the playhead", "delete")
        self.split_action = a("&Split at Playhead", self.split, ["S", "B", "Ctrl+K"],
                              "Cut the segment under the playhead in two", "split")
        self.merge_action = a("&Merge with Next", self.merge, "M",
                              "Join the segment under the playhead and the next one", "merge")
        self.keep_action = a("&Keep / Discard", self.toggle_keep, "X",
                             "Keep or discard the segment under the playhead (double-click "
                             "does the same)", "keep")
        self.keep_action.setProperty("stable_name", "Keep / Discard")
        self.reset_action = a("&Reset Hand Edits of This Video", self.reset_current, None,
                              "Re-select this video's segments from its scores")
        self.snap_action = a("S&nap to Clips and Playhead", self._set_snapping, "N",
                             "Segment edges snap to clip boundaries and the playhead", "snap")
        self.snap_action.setCheckable(True)
        self.snap_action.setChecked(timeline.snapping)
        self.add_mode_action = a("&Add Mode", self._set_add_mode, "A",
                                 "Dragging over the timeline adds a segment (Shift+drag does "
                                 "the same at any time)", "add-segment")
        self.add_mode_action.setCheckable(True)
        self.zoom_in_action = a("Zoom &In", lambda: timeline.zoom(0.5), ["+", "="],
                                "Zoom the timeline in around the playhead")
        self.zoom_out_action = a("Zoom &Out", lambda: timeline.zoom(2.0), "-",
                                 "Zoom the timeline out")
        timeline.edit_failed.connect(self.message)
        selection.changed.connect(self._update)
        playhead.moved.connect(self._update)
        self._update()

    def _act(self, text: str, slot, keys, tip: str = "", icon_name: str | None = None) -> QAction:
        act = QAction(text, self.parent())
        if keys is not None:
            keys = keys if isinstance(keys, list) else [keys]
            act.setShortcuts([QKeySequence(k) for k in keys])
        if icon_name:
            act.setIcon(icon(icon_name))
            self.icons.append((act, icon_name))
        if tip:
            shortcut = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        return act

    def actions(self) -> list[QAction]:
        """Every action, in menu order (``None`` is not used: menus add separators)."""
        return [self.mark_in_action, self.mark_out_action, self.clear_marks_action,
                self.delete_action, self.split_action, self.merge_action, self.keep_action,
                self.reset_action, self.snap_action, self.add_mode_action,
                self.zoom_in_action, self.zoom_out_action]

    # --- state
    @property
    def path(self) -> str | None:
        tl = self.timeline
        return tl.path if tl.highlights is not None else None

    def _index(self) -> int:
        return self.timeline.current_index() if self.path else -1

    def _update(self, *_args) -> None:
        has_video = self.path is not None
        i = self._index()
        n = len(self.timeline.all_segments)
        for act in (self.mark_in_action, self.mark_out_action):
            act.setEnabled(has_video)
        for act in (self.delete_action, self.split_action, self.keep_action):
            act.setEnabled(i >= 0)
        self.merge_action.setEnabled(0 <= i < n - 1)
        self.reset_action.setEnabled(has_video and self.selection.is_edited(self.path))
        if i >= 0:
            keep = self.timeline.all_segments[i].keep
            self.keep_action.setText("&Discard Segment" if keep else "&Keep Segment")
        else:
            self.keep_action.setText("&Keep / Discard")

    def _run(self, fn, *args) -> bool:
        """Call an edit; an impossible one becomes a status message, not an exception."""
        if self.path is None:
            self.message.emit("Select a scored video first")
            return False
        try:
            fn(self.path, *args)
        except ops.EditError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def _need_segment(self) -> int:
        i = self._index()
        if i < 0 and self.path is not None:
            self.message.emit("No segment under the playhead")
        return i

    # --- commands
    def mark_in(self) -> None:
        self._mark(self._frame(), self.marks.out_point, True)

    def mark_out(self) -> None:
        self._mark(self.marks.in_point, self._frame(), False)

    def _frame(self) -> float:
        """The playhead's time on its frame (edits land on frames)."""
        return frame_time(self.playhead.position, self.playhead.fps)

    def _mark(self, in_point: float | None, out_point: float | None, setting_in: bool) -> None:
        """Set a mark; once both are set in order, add the segment between them."""
        if self.path is None:
            self.message.emit("Select a scored video first")
            return
        if in_point is not None and out_point is not None:
            if out_point - in_point >= ops.MIN_LENGTH:
                self.marks.clear()
                self._run(self.selection.add, in_point, out_point)
                return
            # out of order: keep only the mark just set
            in_point, out_point = (in_point, None) if setting_in else (None, out_point)
        self.marks.set(in_point, out_point)
        t = in_point if setting_in else out_point
        self.message.emit(f"{'In' if setting_in else 'Out'} mark at "
                          f"{format_time(t, fraction=True)}")

    def delete(self) -> None:
        i = self._need_segment()
        if i >= 0:
            self._run(self.selection.delete, i)

    def split(self) -> None:
        i = self._need_segment()
        if i >= 0:
            self._run(self.selection.split, i, self._frame())

    def merge(self) -> None:
        i = self._need_segment()
        if i >= 0:
            self._run(self.selection.merge, i)

    def toggle_keep(self) -> None:
        i = self._need_segment()
        if i >= 0:
            self._run(self.selection.toggle_keep, i)

    def reset_current(self) -> None:
        if self.path is not None and not self.selection.reset_edits([self.path],
                                                                    self.target.target):
            self.message.emit("This video has no hand edits")

    def _set_snapping(self, on: bool) -> None:
        self.timeline.snapping = bool(on)

    def _set_add_mode(self, on: bool) -> None:
        self.timeline.add_mode = bool(on)
