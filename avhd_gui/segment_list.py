"""The segment list: every segment of the library in one sortable, reorderable table.

One row per segment (kept and discarded): video, in, out, duration, score and a keep
check box. The table observes the :class:`~avhd_gui.editing.SegmentsModel` (STYLE rule
10) and writes back through it, so every change here is an undo command like the
timeline's: ticking Keep keeps or discards, typing an in or out point (timecode or
seconds) trims, Delete removes. Activating a row shows that video with the playhead at the
segment's start; the row of the segment under the playhead is selected as it moves.

The list has an order of its own, the reel order: dragging a row moves it (one undo
command), and a "List order" export follows it. Sorting by a column only changes the view;
a drag adopts the order shown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from avhd_gui import segments as ops
from avhd_gui.display import DisplayScale
from avhd_gui.timecode import format_timecode, parse_timecode
from core.feedback import clip_mask  # the clips an edit labels: the same clips
from core.fsnames import printable

COLUMNS = ("Video", "In", "Out", "Length", "Score", "Keep")
VIDEO, IN, OUT, DURATION, SCORE, KEEP = range(len(COLUMNS))
SortRole = Qt.ItemDataRole.UserRole + 1


def _key(path: str, start: float) -> tuple[str, float]:
    return path, round(float(start), 3)


class _Reorder(QUndoCommand):
    def __init__(self, model: SegmentTableModel, before: list, after: list) -> None:
        super().__init__("Reorder segments")
        self.model, self.before, self.after = model, before, after

    def redo(self) -> None:
        self.model.set_order(self.after)

    def undo(self) -> None:
        self.model.set_order(self.before)


def _shown_scores(vh, segs) -> list[float]:
    """Segments' scores as the timeline shows them now: the mean of the video's current clip
    scores over the clips whose centre lies in each (a hand-edited segment keeps the score
    it was suggested with, which after learning is on another scale), or a segment's own
    score where it covers no clip centre."""
    if vh is None or len(vh.bounds) != len(vh.score):
        return [s.score for s in segs]
    bounds = np.asarray(vh.bounds, np.float64).reshape(-1, 2)
    scores = np.asarray(vh.score, np.float64)
    out = []
    for s in segs:
        inside = clip_mask(bounds, s)
        out.append(float(scores[inside].mean()) if inside.any() else s.score)
    return out


class SegmentTableModel(QAbstractTableModel):
    """Rows ``(path, index)`` over the library's segments, in the reel order.

    The reel order is a list of ``(path, start)`` keys; segments it does not name yet (new
    ones, or all before any reordering) follow the one before them in library and time
    order.
    """

    def __init__(self, selection, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.order: list[tuple[str, float]] = []
        self.rows: list[tuple[str, int]] = []
        self._segs: dict[str, list] = {}
        self._scales: dict[str, DisplayScale] = {}
        self._scores: dict[str, list[float]] = {}  # path -> its segments' scores shown now
        self.last_error = ""
        selection.changed.connect(self.refresh)
        selection.library.highlights_changed.connect(self.refresh)
        selection.library.modelReset.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        self.beginResetModel()
        scored = self.selection.library.scored()
        self._segs = {it.path: self.selection.segments(it.path) for it in scored}
        # scores on the video's display scale, as the timeline draws them
        self._scales = {it.path: DisplayScale.fit(it.highlights.score) for it in scored}
        # once per refresh, not per cell: sorting by score reads every row many times
        self._scores = {it.path: _shown_scores(it.highlights, self._segs[it.path])
                        for it in scored}
        rows = [(p, i) for p, segs in self._segs.items() for i in range(len(segs))]
        rank = {k: n for n, k in enumerate(self.order)}
        placed, last = [], -1.0
        for n, (p, i) in enumerate(rows):
            r = rank.get(_key(p, self._segs[p][i].start))
            last = float(r) if r is not None else last + 1e-6
            placed.append((last, n))
        self.rows = [rows[n] for _r, n in sorted(placed)]
        self.endResetModel()

    def score(self, path: str, seg) -> float:
        """A segment's score as the list shows it (:func:`_shown_scores`)."""
        item = self.selection.library.item(path)
        return _shown_scores(item.highlights if item is not None else None, [seg])[0]

    def keys(self) -> list[tuple[str, float]]:
        """The reel order of the rows shown, as ``(path, start)`` keys."""
        return [_key(p, self._segs[p][i].start) for p, i in self.rows]

    def set_order(self, keys: list[tuple[str, float]]) -> None:
        self.order = list(keys)
        self.refresh()

    def move(self, keys_in_view_order: list, src: int, dst: int) -> None:
        """Move row ``src`` to ``dst`` of the order shown (one undo command)."""
        after = list(keys_in_view_order)
        after.insert(dst, after.pop(src))
        before = self.keys()
        if after != before:
            self.selection.undo_stack.push(_Reorder(self, before, after))

    def kept_in_order(self) -> list[tuple[str, object]]:
        """``(path, segment)`` of every kept segment, in the reel order."""
        return [(p, self._segs[p][i]) for p, i in self.rows if self._segs[p][i].keep]

    def segment(self, row: int):
        path, i = self.rows[row]
        return path, i, self._segs[path][i]

    def row_of(self, path: str, index: int) -> int:
        try:
            return self.rows.index((path, index))
        except ValueError:
            return -1

    def _fps(self, path: str) -> float:
        item = self.selection.library.item(path)
        return float(item.fps) if item is not None and item.fps else 25.0

    # --- Qt model
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: QModelIndex):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | (
            Qt.ItemFlag.ItemIsDragEnabled)
        if index.column() in (IN, OUT):
            f |= Qt.ItemFlag.ItemIsEditable
        if index.column() == KEEP:
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        path, i, s = self.segment(index.row())
        col, fps = index.column(), self._fps(path)
        if role == SortRole:
            return [Path(path).name, s.start, s.end, s.duration, self._scores[path][i],
                    int(s.keep)][col]
        if role == Qt.ItemDataRole.CheckStateRole and col == KEEP:
            return Qt.CheckState.Checked if s.keep else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == VIDEO:
                return printable(Path(path).name)  # a name that is not UTF-8 as \xNN
            if col in (IN, OUT):
                return format_timecode(s.start if col == IN else s.end, fps)
            if col == DURATION:
                return f"{s.duration:.1f} s"
            if col == SCORE:
                return self._scales.get(path, DisplayScale()).percent(self._scores[path][i])
        if role == Qt.ItemDataRole.ToolTipRole and col == VIDEO:
            return path
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        path, i, s = self.segment(index.row())
        try:
            if index.column() == KEEP and role == Qt.ItemDataRole.CheckStateRole:
                if (Qt.CheckState(value) == Qt.CheckState.Checked) != s.keep:
                    self.selection.toggle_keep(path, i, source=self)
                self.refresh()
                return True
            if index.column() in (IN, OUT) and role == Qt.ItemDataRole.EditRole:
                t = parse_timecode(str(value), self._fps(path))
                start, end = (t, s.end) if index.column() == IN else (s.start, t)
                self.selection.set_bounds(path, i, start, end, source=self)
                self.refresh()
                return True
        except (ValueError, ops.EditError) as exc:
            self.last_error = str(exc)
        return False


class _Table(QTableView):
    """Drag a row to move it in the reel order (the drop is handled here, not by a model)."""

    def __init__(self, owner: SegmentList) -> None:
        super().__init__(owner)
        self.owner = owner
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDropIndicatorShown(True)

    def dragEnterEvent(self, event) -> None:
        if event.source() is self:
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.source() is self:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        rows = self.selectionModel().selectedRows()
        if event.source() is not self or not rows:
            return
        target = self.indexAt(event.position().toPoint()).row()
        self.owner.move_row(rows[0].row(), target if target >= 0 else self.model().rowCount() - 1)
        event.setDropAction(Qt.DropAction.CopyAction)  # nothing for the view to remove
        event.accept()


class SegmentList(QWidget):
    """The table, sortable by any column (the model keeps library order underneath).

    Signals:
        activated(path, seconds): show ``path`` with the playhead at ``seconds``.
        message(str): why a typed edit was refused.
    """

    activated = Signal(object, float)
    message = Signal(str)

    def __init__(self, selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.model = SegmentTableModel(selection, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.view = _Table(self)
        self.view.setObjectName("segmentList")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # library order at first
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        # fixed widths from the font, not ResizeToContents: that measures every cell of the
        # column after each reset of the list (every edit, every learning step), which on a
        # library of 100 videos held the event loop for about half a second
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(VIDEO, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        metrics = self.view.fontMetrics()
        pad = 2 * self.view.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 4
        for col, sample in ((IN, "00:00:00:00"), (OUT, "00:00:00:00"), (DURATION, "9999.9 s"),
                            (SCORE, "100%"), (KEEP, COLUMNS[KEEP] + "  ")):
            text = max(sample, COLUMNS[col], key=metrics.horizontalAdvance)
            header.resizeSection(col, metrics.horizontalAdvance(text) + pad)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setWordWrap(False)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.activated.connect(self._on_activated)
        self.view.clicked.connect(self._on_activated)
        self.view.installEventFilter(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def move_row(self, view_from: int, view_to: int) -> None:
        """Move the row shown at ``view_from`` to ``view_to``; the list then shows the reel
        order (the sort by a column, if any, is adopted first)."""
        shown = [self.model.keys()[self.source_row(r)] for r in range(self.proxy.rowCount())]
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.model.move(shown, view_from, view_to)
        self.view.selectRow(view_to)

    def source_row(self, view_row: int) -> int:
        return self.proxy.mapToSource(self.proxy.index(view_row, 0)).row()

    def view_row(self, source_row: int) -> int:
        return self.proxy.mapFromSource(self.model.index(source_row, 0)).row()

    def _on_activated(self, index: QModelIndex) -> None:
        if index.column() == KEEP:
            return
        path, _i, s = self.model.segment(self.proxy.mapToSource(index).row())
        self.activated.emit(path, float(s.start))

    def show_current(self, path: str | None, index: int) -> None:
        """Select the row of segment ``index`` of ``path`` (the one under the playhead)."""
        row = self.model.row_of(path, index) if path else -1
        sel = self.view.selectionModel()
        if row < 0:
            sel.clearSelection()
            return
        vrow = self.view_row(row)
        # by the selection, not the current index: loading another video clears the
        # selection first, and the clicked row stayed current but unselected
        if [r.row() for r in sel.selectedRows()] != [vrow]:
            self.view.selectRow(vrow)

    def delete_selected(self) -> bool:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return False
        path, i, _s = self.model.segment(self.proxy.mapToSource(rows[0]).row())
        self.selection.delete(path, i, source=self)
        return True

    def move_selected(self, step: int) -> bool:
        """Move the selected row ``step`` places in the reel order (Alt+Up / Alt+Down)."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return False
        row = rows[0].row()
        target = min(max(0, row + step), self.proxy.rowCount() - 1)
        if target != row:
            self.move_row(row, target)
        return True

    _MOVE_KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}

    def _is_move_key(self, event) -> bool:
        return (event.key() in self._MOVE_KEYS
                and event.modifiers() == Qt.KeyboardModifier.AltModifier
                and self.view.state() != QAbstractItemView.State.EditingState)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.view and event.type() in (QEvent.Type.KeyPress,
                                                 QEvent.Type.ShortcutOverride) and (
                self._is_move_key(event)):
            if event.type() == QEvent.Type.KeyPress:
                self.move_selected(self._MOVE_KEYS[event.key()])
            event.accept()
            return True
        if (obj is self.view and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                and self.view.state() != QAbstractItemView.State.EditingState):
            return self.delete_selected()
        if obj is self.view and event.type() == QEvent.Type.ShortcutOverride and (
                event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
            event.accept()  # the list's own Delete, not the timeline's
            return True
        if self.model.last_error:
            self.message.emit(self.model.last_error)
            self.model.last_error = ""
        return super().eventFilter(obj, event)


def add_segment_dock(window) -> SegmentList:
    """Give ``window`` (the main window) a Segments dock, wired both ways to its timeline."""
    from PySide6.QtWidgets import QDockWidget

    seg_list = SegmentList(window.selection, window)
    dock = QDockWidget("Segments", window)
    dock.setObjectName("segmentsDock")
    dock.setWidget(seg_list)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.segments_dock = dock

    def activate(path: str, seconds: float) -> None:
        if window.timeline.path != path:
            window.library_panel.select(path)
        window.playhead.set_position(seconds)

    def follow(*_args) -> None:
        tl = window.timeline
        seg_list.show_current(tl.path if tl.highlights is not None else None,
                              tl.current_index())

    seg_list.activated.connect(activate)
    seg_list.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
    window.playhead.moved.connect(follow)
    return seg_list
