"""Small models shared by the widgets: the playhead, the selection target and the marks.

Widgets never talk to each other directly: they write to these models and observe their
signals, ignoring the echo of their own writes (STYLE rule 10). Target edits go through
a :class:`QUndoStack` so they can be undone.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from avhd_gui.settings import Target


class Playhead(QObject):
    """The current time in the selected video.

    ``moved(seconds, source)`` carries the object that moved it, so a widget can skip the
    echo of its own write.
    """

    moved = Signal(float, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._position = 0.0
        self.duration = 0.0
        #: the video's frame rate: edit points and frame steps land on its frames
        self.fps = 25.0

    @property
    def position(self) -> float:
        return self._position

    def set_position(self, seconds: float, source: object = None) -> None:
        seconds = max(0.0, float(seconds))
        if self.duration > 0:
            seconds = min(seconds, self.duration)
        if abs(seconds - self._position) < 1e-6:
            return
        self._position = seconds
        self.moved.emit(seconds, source)

    def reset(self, duration: float) -> None:
        self.duration = max(0.0, float(duration))
        self._position = 0.0
        self.moved.emit(0.0, None)


class _SetTarget(QUndoCommand):
    """Changes the target and re-selects the videos without hand edits from their scores.

    The re-selected segments are recorded on the first redo, so undo restores exactly the
    segments shown before (hand edits included) and redo the ones chosen then.
    """

    def __init__(self, model: TargetModel, old: Target, new: Target) -> None:
        super().__init__(f"Set target to {describe_target(new)}")
        self.model, self.old, self.new = model, old, new
        self.before: dict = {}
        self.after: dict | None = None

    def redo(self) -> None:
        self.model._apply(self.new)
        sel = self.model.selection
        if sel is None:
            return
        if self.after is None:
            self.before, self.after = sel.reselect_all(self.new)
        else:
            sel.restore(self.after)

    def undo(self) -> None:
        if self.model.selection is not None:
            self.model.selection.restore(self.before)
        self.model._apply(self.old)

    def id(self) -> int:
        return 1001

    def mergeWith(self, other: QUndoCommand) -> bool:
        # consecutive spin-box steps of the same kind become one undo step
        if not isinstance(other, _SetTarget) or other.new.mode != self.new.mode:
            return False
        self.new = other.new
        for path, state in other.before.items():
            self.before.setdefault(path, state)
        self.after = {**(self.after or {}), **(other.after or {})}
        self.setText(f"Set target to {describe_target(self.new)}")
        return True


def describe_target(t: Target) -> str:
    if t.mode == "seconds":
        text = f"{t.seconds:g} s per video"
    elif t.mode == "library":
        text = f"a {t.library_seconds:g} s reel of the library"
    else:
        text = f"top {t.fraction * 100:g} %"
    shape = [f"min {t.min_segment:g} s"] if t.min_segment != 2.0 else []
    shape += [f"padding {t.padding:g} s"] if t.padding else []
    shape += [f"gaps under {t.merge_gap:g} s merged"] if t.merge_gap else []
    return ", ".join([text, *shape])


class TargetModel(QObject):
    """What to select from the scores; ``changed(Target)`` after every edit or undo."""

    changed = Signal(object)

    def __init__(self, target: Target | None = None, parent: QObject | None = None, *,
                 undo_stack: QUndoStack | None = None, selection=None) -> None:
        super().__init__(parent)
        self._target = target or Target()
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        #: the :class:`~avhd_gui.editing.SegmentsModel` re-selected by target changes
        self.selection = selection

    @property
    def target(self) -> Target:
        return replace(self._target)

    def set_target(self, target: Target) -> None:
        """Change the target as an undoable edit."""
        if target == self._target:
            return
        self.undo_stack.push(_SetTarget(self, self.target, replace(target)))

    def set_mode(self, mode: str) -> None:
        self.set_target(replace(self._target, mode=mode))

    def set_value(self, value: float) -> None:
        """Set the value of the current mode (seconds, or a fraction in [0, 1])."""
        if self._target.mode == "seconds":
            self.set_target(replace(self._target, seconds=float(value)))
        elif self._target.mode == "library":
            self.set_target(replace(self._target, library_seconds=float(value)))
        else:
            self.set_target(replace(self._target, fraction=float(value)))

    def _apply(self, target: Target) -> None:
        self._target = replace(target)
        self.changed.emit(self.target)

    def load(self, target: Target) -> None:
        """Set the target without an undo record (restoring a project)."""
        if target != self._target:
            self._apply(target)


class Marks(QObject):
    """In and out marks set at the playhead (I / O); ``changed()`` after every change."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.in_point: float | None = None
        self.out_point: float | None = None

    def set(self, in_point: float | None, out_point: float | None) -> None:
        if (in_point, out_point) != (self.in_point, self.out_point):
            self.in_point, self.out_point = in_point, out_point
            self.changed.emit()

    def clear(self) -> None:
        self.set(None, None)
