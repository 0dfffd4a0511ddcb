"""Timeline: clip scores, pseudo-highlight curves, selected segments and the playhead.

Built on a pyqtgraph PlotWidget. Kept segments are one BarGraphItem, discarded ones
another (hatched), and every curve one PlotDataItem, so redrawing thousands of clips stays
fast (see ``bench/timeline.py``). Colours are derived from the widget's palette and follow
light/dark changes. Segments are edited with the mouse (:mod:`avhd_gui.timeline_edit`);
the widget observes the :class:`~avhd_gui.editing.SegmentsModel` and skips the echo of its
own edits.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from avhd_gui import segments as ops
from avhd_gui.decimate import line_polyline, step_polyline
from avhd_gui.display import DisplayScale
from avhd_gui.library import format_time
from avhd_gui.models import Marks, Playhead
from avhd_gui.resources import icon
from avhd_gui.timecode import format_timecode, frame_time
from avhd_gui.timeline_edit import EditViewBox, SegmentEditor
from avhd_gui.widgets import ElidedLabel
from core.artifacts import Segment, VideoHighlights
from core.scorers import DESCRIPTIONS, scorer_names

Y_LABEL_BASE = -0.16  # pseudo-labels are drawn as a band below the score axis
Y_LABEL_TOP = -0.05
Y_MIN, Y_MAX = -0.19, 1.08
Y_SEGMENT_BAR = 1.025  # selected segments also get a solid bar above the score range

#: curve name -> (legend text, visible by default)
CURVES = {
    "score": ("Score", True),
    "a_ph": ("Audio", True),  # under a "Cue:" label: the audio / visual part of the cue
    "v_ph": ("Visual", True),
    "av_ph": ("Both", False),
    "pseudo": ("Training picks", True),
    "segments": ("Segments", True),
}


TIPS = {
    "score": "how likely each moment is a highlight, as the model scores it",
    "a_ph": "the audio part of the cue that scores the clips (what Find ranks by)",
    "v_ph": "the visual part of the cue that scores the clips (what Find ranks by)",
    "av_ph": "the cue that scores the clips, audio and visual combined",
    "pseudo": "the moments the model learned from (band below the axis)",
    "segments": "highlight segments: kept ones shaded, discarded ones hatched grey",
}

#: short names of the curves for the hover readout
SHORT = {"score": "score", "a_ph": "audio cue", "v_ph": "visual cue",
         "av_ph": "audio+visual cue"}
#: the cue chooser's first entry: no extra curve
NO_CUE = "More…"
CUE_TIP = ("Draw one more cue of this video (dashed): each cue is one reason a moment may be "
           "a highlight; hover an entry for what it measures")


def _display_scale(values: np.ndarray) -> tuple[np.ndarray, bool]:
    """Values for display in [0, 1] (see :class:`avhd_gui.display.DisplayScale`)."""
    scale = DisplayScale.fit(values)
    return scale.apply(values), scale.scaled


def _span01(values: np.ndarray) -> np.ndarray:
    """An extra cue drawn over its own range in this video, 0 to 1 (its units vary: dB,
    feature norms, frame differences); a flat curve sits at 0.5."""
    v = np.asarray(values, np.float64)
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
    if hi - lo <= 1e-12:
        return np.where(np.isfinite(v), 0.5, np.nan)
    return (v - lo) / (hi - lo)


def timeline_colors(pal: QPalette) -> dict[str, QColor]:
    """Curve colours derived from ``pal`` (highlight hue, rotated; lightness by mode)."""
    base = pal.color(QPalette.ColorRole.Base)
    text = pal.color(QPalette.ColorRole.Text)
    hl = pal.color(QPalette.ColorRole.Highlight)
    dark = base.lightness() < 128
    h = hl.hslHue() if hl.hslHue() >= 0 else 210
    s = max(hl.hslSaturation(), 140)
    light = 165 if dark else 95

    def hue(offset: int, alpha: int = 255) -> QColor:
        return QColor.fromHsl((h + offset) % 360, s, light, alpha)

    def with_alpha(c: QColor, a: int) -> QColor:
        c = QColor(c)
        c.setAlpha(a)
        return c

    return {
        "background": base,
        "foreground": text,
        "grid": with_alpha(text, 45),
        "score": hue(0),
        "score_fill": hue(0, 40),
        "a_ph": hue(130),
        "v_ph": hue(230),
        "av_ph": hue(300),
        "cue": with_alpha(text, 200),
        "pseudo": with_alpha(text, 150),
        "pseudo_fill": with_alpha(text, 70),
        # a warm counterpart of the highlight hue, so shading never hides the score fill
        "segments": QColor.fromHsl((h + 180) % 360, 230, 150 if dark else 160,
                                   60 if dark else 75),
        "segments_bar": QColor.fromHsl((h + 180) % 360, 230, 140 if dark else 120),
        "discarded": with_alpha(text, 70),
        "discarded_bar": with_alpha(text, 110),
        "current": QColor.fromHsl((h + 180) % 360, 230, 175 if dark else 95),
        "marks": hue(130),
        "playhead": text,
        "cuts": with_alpha(text, 120),
    }


class TimeAxis(pg.AxisItem):
    """The time ruler above the plot: timecode ``HH:MM:SS:FF`` at the video's rate, or
    ``m:ss`` seconds (with hundredths when zoomed in). Clicking or dragging on it scrubs."""

    def __init__(self, timeline: TimelineWidget, orientation: str = "top") -> None:
        super().__init__(orientation=orientation)
        self._timeline = timeline
        self.setCursor(Qt.CursorShape.SizeHorCursor)

    def tickStrings(self, values, scale, spacing):
        tl = self._timeline
        if tl.time_format == "timecode":
            return [format_timecode(v, tl.playhead.fps) for v in values]
        return [format_time(v, fraction=spacing < 1) for v in values]

    def _seconds(self, ev) -> float:
        return self.linkedView().mapSceneToView(ev.scenePos()).x()

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.linkedView() is None:
            return super().mouseClickEvent(ev)
        ev.accept()
        self._timeline.scrub(self._seconds(ev))

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.linkedView() is None:
            return super().mouseDragEvent(ev)
        ev.accept()
        self._timeline.scrub(self._seconds(ev))


class _Plot(pg.PlotWidget):
    """PlotWidget with keyboard zoom and pan, and a view box that edits segments."""

    def __init__(self, timeline: TimelineWidget, viewbox: EditViewBox) -> None:
        super().__init__(viewBox=viewbox, axisItems={"top": TimeAxis(timeline, "top")})
        self._timeline = timeline
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def keyPressEvent(self, ev) -> None:
        key, mods = ev.key(), ev.modifiers()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._timeline.zoom(0.5)
        elif key == Qt.Key.Key_Minus:
            self._timeline.zoom(2.0)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self._timeline.zoom_fit()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and (
                mods & Qt.KeyboardModifier.ShiftModifier):
            self._timeline.pan(-0.2 if key == Qt.Key.Key_Left else 0.2)
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()


class TimelineWidget(QWidget):
    """Scores and segments of one video over time, with the shared playhead.

    Signals:
        curve_toggled(name, visible): a legend check box changed a curve's visibility.
        edit_failed(message): a mouse edit could not be made (e.g. too short).
        context_menu_requested(seconds, global_pos): right click on the plot.
        video_changed(path): a video (or none: "") was put on the timeline.
    """

    curve_toggled = Signal(str, bool)
    edit_failed = Signal(str)
    video_changed = Signal(object)
    context_menu_requested = Signal(float, QPoint)

    def __init__(self, playhead: Playhead, parent: QWidget | None = None, *,
                 selection=None, marks: Marks | None = None) -> None:
        super().__init__(parent)
        self.playhead = playhead
        #: the :class:`~avhd_gui.editing.SegmentsModel` edits go to (None: read-only)
        self.selection = selection
        self.marks = marks
        self.path: str | None = None
        self.highlights: VideoHighlights | None = None
        self.segments: list[Segment] = []  # the kept ones
        self.all_segments: list[Segment] = []
        self.snapping = True
        self.add_mode = False
        #: ruler labels: "timecode" (HH:MM:SS:FF at the video's rate) or "seconds"
        self.time_format = "timecode"
        #: shot cuts of the shown video, in seconds (drawn as ticks; edges snap to them)
        self.cuts = np.zeros(0)
        self._bounds = np.zeros((0, 2))
        self.hover_text = ""

        self.editor = SegmentEditor(self)
        self.plot = _Plot(self, EditViewBox(self.editor))
        self.plot.setMinimumHeight(150)
        pi = self.plot.getPlotItem()
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.showAxis("top")
        pi.hideAxis("bottom")
        self.ruler: TimeAxis = pi.getAxis("top")
        self.ruler.setHeight(28)
        pi.setLabel("left", "score")
        pi.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")]])
        pi.showGrid(x=True, y=True, alpha=0.25)
        self.vb = pi.getViewBox()
        self.vb.disableAutoRange()
        self.vb.setMouseEnabled(x=True, y=False)
        self.vb.setYRange(Y_MIN, Y_MAX, padding=0)
        self.vb.setLimits(yMin=Y_MIN, yMax=Y_MAX, xMin=0, xMax=1, minXRange=0.2)
        self.vb.setXRange(0, 1, padding=0)

        self.items: dict[str, pg.GraphicsObject] = {
            "segments": pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_MIN, y1=Y_MAX,
                                        pen=None),
            "segments_bar": pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_SEGMENT_BAR,
                                            y1=Y_MAX, pen=None),
            "discarded": pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_MIN, y1=Y_MAX,
                                         pen=None),
            "discarded_bar": pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_SEGMENT_BAR,
                                             y1=Y_MAX, pen=None),
            "pseudo": pg.PlotCurveItem(fillLevel=Y_LABEL_BASE, connect="finite"),
            "score": pg.PlotCurveItem(fillLevel=0.0, connect="finite"),
            "av_ph": pg.PlotCurveItem(connect="finite"),
            "a_ph": pg.PlotCurveItem(connect="finite"),
            "v_ph": pg.PlotCurveItem(connect="finite"),
            # one more cue of the highlights file (core.scorers), chosen in the legend
            "cue": pg.PlotCurveItem(connect="finite"),
        }
        #: clip-level values of each curve as shown (``None``: no data, e.g. no audio)
        self._values: dict[str, np.ndarray | None] = {}
        for z, item in enumerate(self.items.values()):
            item.setZValue(z - 10)
            pi.addItem(item)
        # the current segment (under the playhead) is outlined; a drag shows its preview
        self.current_item = pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_MIN,
                                            y1=Y_MAX, brush=QBrush(Qt.BrushStyle.NoBrush))
        self.preview_item = pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y0=Y_MIN,
                                            y1=Y_MAX)
        self.mark_lines = {name: pg.InfiniteLine(angle=90, movable=False, label=name[0].upper(),
                                                 labelOpts={"position": 0.93})
                           for name in ("in", "out")}
        for z, item in enumerate([self.current_item, self.preview_item,
                                  *self.mark_lines.values()]):
            item.setZValue(5 + z)
            item.setVisible(False)
            pi.addItem(item)
        self.cut_item = pg.PlotCurveItem(connect="pairs")
        self.cut_item.setZValue(4)
        pi.addItem(self.cut_item)
        self.line = pg.InfiniteLine(pos=0, angle=90, movable=True)
        # a handle at the top, under the ruler, that is easy to grab
        self.line.addMarker("v", position=0.985, size=16)
        self.line.setZValue(10)
        self.line.sigDragged.connect(self._on_line_dragged)
        pi.addItem(self.line)

        self.toggles: dict[str, QCheckBox] = {}
        # the legend never sets the window's minimum width: a narrow window clips it
        self.legend = QWidget(self)
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        legend = QHBoxLayout(self.legend)
        legend.setContentsMargins(6, 2, 6, 0)
        legend.setSpacing(2)
        for name, (text, visible) in CURVES.items():
            box = QCheckBox(text, self.legend)
            box.setChecked(visible)
            box.setToolTip(f"Show or hide: {TIPS[name]}")
            box.toggled.connect(lambda on, n=name: self._on_toggle(n, on))
            self.toggles[name] = box
            self.items[name].setVisible(visible)
            if name == "a_ph":
                rec = QLabel("Cue:", self.legend)
                rec.setToolTip("The cue that scores the clips, by its audio and visual parts "
                               "(what Find ranks by, and what a trained model learns from)")
                legend.addSpacing(4)
                legend.addWidget(rec)
            legend.addWidget(box)
            if name == "av_ph":
                legend.addSpacing(4)
        self._sync_segment_layers()
        legend.addStretch(1)
        # above the legend: the segment tools (added by the window), the kept total and
        # the clip count
        edit_row = QHBoxLayout()
        edit_row.setContentsMargins(4, 2, 6, 0)
        self.tools = QHBoxLayout()
        self.tools.setSpacing(0)
        edit_row.addLayout(self.tools)
        edit_row.addSpacing(10)
        self.kept_label = QLabel(self)
        self.kept_label.setObjectName("keptLabel")
        self.kept_label.setToolTip("Total duration of the kept segments of this video")
        edit_row.addWidget(self.kept_label)
        edit_row.addSpacing(10)
        edit_row.addWidget(self._cue_chooser())  # on this row: the legend's is full
        # shortened with "…" where the row is narrow (it was drawn over the kept duration)
        self.info = ElidedLabel(self, Qt.TextElideMode.ElideRight)
        self.info.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        edit_row.addWidget(self.info, 1)
        self.format_button = QToolButton(self)
        self.format_button.setAutoRaise(True)
        self.format_button.setToolTip("Ruler in timecode (HH:MM:SS:FF) or in seconds")
        self.format_button.clicked.connect(
            lambda: self.set_time_format(
                "seconds" if self.time_format == "timecode" else "timecode"))
        edit_row.addWidget(self.format_button)
        self.fit_button = QToolButton(self)
        self.fit_button.setToolTip("Show the whole video (0)")
        self.fit_button.setAutoRaise(True)
        self.fit_button.clicked.connect(self.zoom_fit)
        edit_row.addWidget(self.fit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(edit_row)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot, 1)
        # the hover readout sits in one fixed place (no tooltip following the pointer)
        self.readout = QLabel(self)
        self.readout.setObjectName("hoverReadout")
        self.readout.setContentsMargins(6, 1, 6, 1)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.readout)
        self._show_format()

        self._scaled: dict[str, bool] = {}
        self._loading = False
        self.placeholder = QLabel("", self.plot)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.vb.sigXRangeChanged.connect(self._redraw)
        self.vb.sigResized.connect(self._redraw)
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.plot.viewport().installEventFilter(self)
        playhead.moved.connect(self._on_playhead)
        if selection is not None:
            selection.changed.connect(self._on_selection_changed)
        if marks is not None:
            marks.changed.connect(self._show_marks)
        self.apply_palette()

    def sizeHint(self) -> QSize:
        return QSize(800, 320)

    # --- time
    @property
    def fps(self) -> float:
        return float(self.playhead.fps)

    def set_time_format(self, fmt: str) -> None:
        """Ruler and readout in "timecode" or "seconds"."""
        if fmt not in ("timecode", "seconds"):
            raise ValueError(f"unknown time format {fmt!r}: use timecode or seconds")
        self.time_format = fmt
        self._show_format()
        self.ruler.picture = None  # relabel now
        self.ruler.update()

    def _show_format(self) -> None:
        self.format_button.setText("TC" if self.time_format == "timecode" else "s")

    def time_text(self, seconds: float) -> str:
        """``seconds`` as the ruler shows it (timecode or m:ss.hh)."""
        if self.time_format == "timecode":
            return format_timecode(seconds, self.fps)
        return format_time(seconds, fraction=True)

    def scrub(self, seconds: float) -> None:
        """Move the playhead to the frame at ``seconds`` (ruler and plain drags)."""
        t = min(max(0.0, frame_time(seconds, self.fps)), self.duration() or seconds)
        self.line.setValue(t)
        self.playhead.set_position(t, None)

    def set_cuts(self, cuts) -> None:
        """Draw shot cuts (seconds) as thin lines over the plot's height."""
        self.cuts = np.asarray(cuts if cuts is not None else [], np.float64).reshape(-1)
        x = np.repeat(self.cuts, 2)
        y = np.tile([Y_MIN, Y_SEGMENT_BAR], len(self.cuts))
        self.cut_item.setData(x, y)

    # --- data
    @property
    def n_clips(self) -> int:
        return int(len(self._bounds))

    def set_placeholder(self, text: str) -> None:
        """A hint shown over the empty plot ("" hides it)."""
        self.placeholder.setText(text)
        self.placeholder.setVisible(bool(text))
        self.placeholder.resize(self.plot.size())

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            self.editor.press_modifiers = event.modifiers()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.placeholder.resize(self.plot.size())

    def set_duration(self, duration: float) -> None:
        """Set the time axis for a video without scores, so its playhead can still scrub.

        An unknown duration (0) empties the axis, so no earlier video's times stay shown.
        """
        if self.highlights is not None:
            return
        if duration <= 0:
            self.vb.setLimits(xMin=0, xMax=1)
            self.vb.setXRange(0, 1, padding=0)
            self.ruler.setStyle(showValues=False)
            return
        self.ruler.setStyle(showValues=True)
        self.line.setBounds((0, duration))
        self.vb.setLimits(xMin=0, xMax=duration)
        self.vb.setXRange(0, duration, padding=0)

    def set_highlights(self, vh: VideoHighlights | None, duration: float = 0.0,
                       placeholder: str = "", path: str | None = None) -> None:
        """Show ``vh`` and fit the view to it.

        ``None`` clears the curves; ``duration`` then still sets the time axis and
        ``placeholder`` says why the plot is empty. ``path`` is the library's key of the
        video (edits go to the selection model under it; default ``vh.path``).
        """
        self.editor.cancel()
        self.highlights = vh
        self.path = path or (vh.path if vh is not None else None)
        self.set_cuts(None)
        if vh is None or vh.n_clips == 0:
            self._bounds = np.zeros((0, 2))
            self._values = {}
            self._redraw()
            self.set_segments([])
            self._fill_cues(None)
            self.info.setText("")
            self.set_duration(duration)
            self.set_placeholder(placeholder)
            return
        self.set_placeholder("")
        b = np.asarray(vh.bounds, np.float64).reshape(-1, 2)
        self._bounds = b
        duration = float(max(vh.duration, b[-1, 1]))
        self._values = {
            "score": _display_scale(vh.score)[0],  # a cue's raw score can be any size
            "pseudo": Y_LABEL_BASE
            + (Y_LABEL_TOP - Y_LABEL_BASE) * np.asarray(vh.pseudo_label, np.float64),
        }
        for name in ("a_ph", "v_ph", "av_ph"):
            values = getattr(vh, name)
            if values is None:
                self._values[name], self._scaled[name] = None, False
            else:
                self._values[name], self._scaled[name] = _display_scale(values)
            text = CURVES[name][0] + (" (none)" if values is None else "")
            self.toggles[name].setText(text)
            note = (" Drawn rescaled to 0-1 for this video." if self._scaled[name] else "")
            self.toggles[name].setToolTip(f"Show or hide: {TIPS[name]}.{note}")
        self._fill_cues(vh)
        self.set_segments(vh.segments)
        self.ruler.setStyle(showValues=True)
        self.line.setBounds((0, duration))
        self._loading = True  # one redraw below, not one per view change
        try:
            self.vb.setLimits(xMin=0, xMax=duration)
            self.vb.setXRange(0, duration, padding=0)
        finally:
            self._loading = False
        self._redraw()
        self.info.setText(f"{vh.n_clips} clips of {vh.clip_seconds:g} s")
        self.video_changed.emit(self.path or "")

    def _redraw(self, *_args) -> None:
        """Recompute the drawn polylines for the visible span (one point pair per pixel)."""
        if self._loading:
            return
        (x0, x1), _ = self.vb.viewRange()
        columns = max(1, int(self.vb.width()))
        for name in ("score", "pseudo", "a_ph", "v_ph", "av_ph", "cue"):
            item, values = self.items[name], self._values.get(name)
            if values is None or not self.n_clips:
                item.setData([], [])
            elif item.isVisible():
                poly = step_polyline if name in ("score", "pseudo") else line_polyline
                item.setData(*poly(self._bounds, values, x0, x1, columns))

    def set_segments(self, segments: list[Segment]) -> None:
        """Show ``segments``: kept ones shaded, discarded ones hatched."""
        self.all_segments = ops.copy_segments(segments)
        self.segments = [s for s in self.all_segments if s.keep]
        self.draw_segments(self.all_segments)

    def draw_segments(self, segments: list[Segment]) -> None:
        """Draw ``segments`` (the model's, or a drag's preview) and their kept total."""
        for name, keep in (("segments", True), ("discarded", False)):
            x0 = np.array([s.start for s in segments if s.keep == keep], float)
            x1 = np.array([s.end for s in segments if s.keep == keep], float)
            self.items[name].setOpts(x0=x0, x1=x1, y0=Y_MIN, y1=Y_MAX)
            self.items[name + "_bar"].setOpts(x0=x0, x1=x1, y0=Y_SEGMENT_BAR, y1=Y_MAX)
        self._show_current(segments)
        kept = [s for s in segments if s.keep]
        if self.highlights is None and not segments:
            self.kept_label.setText("")
            return
        text = (f"Kept {format_time(ops.kept_duration(segments), fraction=True)} in "
                f"{len(kept)} segment{'s' if len(kept) != 1 else ''}")
        if len(kept) < len(segments):
            text += f" · {len(segments) - len(kept)} discarded"
        self.kept_label.setText(text)

    def current_index(self) -> int:
        """Index (in :attr:`all_segments`) of the segment under the playhead, or -1."""
        return ops.index_at(self.all_segments, self.playhead.position)

    def _show_current(self, segments: list[Segment] | None = None) -> None:
        segs = self.all_segments if segments is None else segments
        i = ops.index_at(segs, self.playhead.position)
        if i < 0 or not self.items["segments"].isVisible():
            self.current_item.setVisible(False)
            return
        self.current_item.setOpts(x0=[segs[i].start], x1=[segs[i].end], y0=Y_MIN, y1=Y_MAX)
        self.current_item.setVisible(True)

    def show_preview(self, start: float | None, end: float = 0.0) -> None:
        """Outline the span a drag would add (``None`` hides it)."""
        if start is None:
            self.preview_item.setVisible(False)
            return
        self.preview_item.setOpts(x0=[start], x1=[end], y0=Y_MIN, y1=Y_MAX)
        self.preview_item.setVisible(True)
        self.show_drag_text(self.drag_text("Add", start, end))

    def drag_text(self, verb: str, start: float, end: float) -> str:
        """``Add 00:00:01:10–00:00:04:12 · 3.08 s``: what a drag would do."""
        return f"{verb} {self.time_text(start)}–{self.time_text(end)} · {end - start:.2f} s"

    def show_drag_text(self, text: str) -> None:
        """What a drag would do, in the readout line under the plot while dragging (the
        whole width: in the crowded edit row it was cut to "00:00:…"); ``""`` gives the
        line back to the hover readout."""
        self.readout.setText(text or self.hover_text)

    def duration(self) -> float:
        end = float(self._bounds[-1, 1]) if self.n_clips else 0.0
        if self.highlights is not None:
            end = max(end, float(self.highlights.duration))
        return end or float(self.playhead.duration)

    def _on_selection_changed(self, path: str, source: object) -> None:
        if source is self or path != self.path:
            return  # the echo of our own edit: already drawn
        self.editor.cancel()
        self.set_segments(self.selection.segments(path))

    def _show_marks(self) -> None:
        for name, value in (("in", self.marks.in_point), ("out", self.marks.out_point)):
            line = self.mark_lines[name]
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)

    def request_context_menu(self, seconds: float, global_pos: QPoint) -> None:
        """Right click: move the playhead there and ask for the edit menu."""
        self.playhead.set_position(seconds)
        self.context_menu_requested.emit(seconds, global_pos)

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Clip centres and the per-clip values of curve ``name`` as displayed."""
        values = self._values.get(name)
        if values is None or not self.n_clips:
            return np.zeros(0), np.zeros(0)
        return self._bounds.mean(axis=1), values

    def visible_curves(self) -> list[str]:
        """Names of the curves that are shown and hold data."""
        shown = []
        for name, item in self.items.items():
            if not item.isVisible() or name == "segments_bar":
                continue
            if name in ("discarded", "discarded_bar"):
                continue
            if name == "segments":
                if self.all_segments:
                    shown.append(name)
            elif len(self.curve_data(name)[1]):
                shown.append(name)
        return shown

    def set_curve_visible(self, name: str, visible: bool) -> None:
        self.toggles[name].setChecked(visible)

    # --- the other cues of the highlights file
    def _cue_chooser(self) -> QComboBox:
        self.cue_name: str | None = None  # the extra cue drawn (dashed), None: none
        box = QComboBox(self)
        box.setObjectName("cueChooser")
        # compact: the legend shares its row with the other curves (a long name is elided)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(6)
        box.setToolTip(CUE_TIP)
        box.addItem(NO_CUE, None)
        box.setEnabled(False)
        box.currentIndexChanged.connect(self._on_cue_chosen)
        self.cue_box = box
        self.items["cue"].setVisible(False)
        return box

    def _fill_cues(self, vh: VideoHighlights | None) -> None:
        """List the cues ``vh`` carries (registry order); keep the one shown if it has it."""
        names = [n for n in scorer_names() if vh is not None and n in vh.cues]
        names += sorted(n for n in (vh.cues if vh is not None else {}) if n not in names)
        box = self.cue_box
        box.blockSignals(True)
        try:
            box.clear()
            box.addItem(NO_CUE, None)
            for n in names:
                box.addItem(n, n)
                box.setItemData(box.count() - 1, DESCRIPTIONS.get(n, n),
                                Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(0, box.findData(self.cue_name)) if self.cue_name else 0)
            box.setEnabled(bool(names))
        finally:
            box.blockSignals(False)
        self._set_cue(box.currentData())

    def _on_cue_chosen(self, _index: int) -> None:
        self.cue_name = self.cue_box.currentData()
        self._set_cue(self.cue_name)

    def _set_cue(self, name: str | None) -> None:
        vh = self.highlights
        curve = None if vh is None or name is None else vh.cues.get(name)
        if curve is not None and len(curve) != vh.n_clips:
            curve = None
        self._values["cue"] = None if curve is None else _span01(curve)
        self.items["cue"].setVisible(curve is not None)
        if curve is not None:
            self.cue_box.setToolTip(f"{name}: {DESCRIPTIONS.get(name, name)} (dashed, from "
                                    "its lowest to its highest value in this video)")
        else:
            self.cue_box.setToolTip(CUE_TIP)
        self._redraw()

    def show_cue(self, name: str | None) -> bool:
        """Draw the cue ``name`` of the shown video (None: none); False if it has none."""
        i = self.cue_box.findData(name) if name is not None else 0
        if i < 0:
            return False
        self.cue_box.setCurrentIndex(i)
        return True

    def _sync_segment_layers(self) -> None:
        on = self.items["segments"].isVisible()
        for name in ("segments_bar", "discarded", "discarded_bar"):
            self.items[name].setVisible(on)

    def _on_toggle(self, name: str, on: bool) -> None:
        self.items[name].setVisible(on)
        if name == "segments":
            self._sync_segment_layers()
            self._show_current()
        if on:
            self._redraw()
        self.curve_toggled.emit(name, on)

    # --- view
    def zoom(self, factor: float) -> None:
        """Scale the visible time span by ``factor`` around the playhead (or the centre)."""
        (x0, x1), _ = self.vb.viewRange()
        center = self.line.value() if x0 <= self.line.value() <= x1 else (x0 + x1) / 2
        self.vb.scaleBy(x=factor, y=1.0, center=QPointF(center, 0.0))

    def pan(self, fraction: float) -> None:
        (x0, x1), _ = self.vb.viewRange()
        self.vb.translateBy(x=(x1 - x0) * fraction, y=0.0)

    def zoom_fit(self) -> None:
        self.vb.setXRange(0, self.duration() or 1.0, padding=0)

    # --- playhead
    def _on_playhead(self, seconds: float, source: object) -> None:
        if self.editor.drag is None:
            self._show_current()
        if source is self:
            return
        self.line.blockSignals(True)
        self.line.setValue(seconds)
        self.line.blockSignals(False)
        (x0, x1), _ = self.vb.viewRange()
        if not x0 <= seconds <= x1:  # keep the playhead in view while playing
            self.vb.translateBy(x=seconds - (x0 + x1) / 2, y=0.0)

    def _on_line_dragged(self, line) -> None:
        self.playhead.set_position(frame_time(line.value(), self.fps), self)

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.isAccepted():
            return
        if not self.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        x = self.vb.mapSceneToView(ev.scenePos()).x()
        self.scrub(x)
        if ev.double() and self.selection is not None and self.path is not None:
            i = ops.index_at(self.all_segments, x)
            if i >= 0:  # double click toggles keep / discard
                self.selection.toggle_keep(self.path, i)

    # --- hover
    def clip_at(self, seconds: float) -> int:
        """Index of the clip covering ``seconds`` (-1 when none)."""
        if not self.n_clips:
            return -1
        i = int(np.searchsorted(self._bounds[:, 0], seconds, side="right")) - 1
        if 0 <= i < self.n_clips and seconds <= self._bounds[i, 1]:
            return i
        return -1

    def tooltip_at(self, seconds: float) -> str:
        """The hover text for time ``seconds``: the clip and its scores."""
        vh = self.highlights
        i = self.clip_at(seconds)
        if vh is None or i < 0:
            return ""
        parts = [f"{self.time_text(seconds)} · clip {i + 1} of {vh.n_clips}"]
        for name in ("score", "a_ph", "v_ph"):
            shown = self._values.get(name)
            if shown is not None and len(shown) == vh.n_clips:
                parts.append(f"{SHORT[name]} {100 * float(shown[i]):.0f}%")
            elif name == "a_ph":
                parts.append("no audio")
        cue = self._values.get("cue")
        if cue is not None and self.items["cue"].isVisible() and len(cue) == vh.n_clips:
            parts.append(f"{self.cue_name or self.cue_box.currentData()} "
                         f"{100 * float(cue[i]):.0f}%")
        if int(vh.pseudo_label[i]):
            parts.append("a training pick")
        return " · ".join(parts)

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        inside = self.vb.sceneBoundingRect().contains(pos)
        self.hover_text = self.tooltip_at(self.vb.mapSceneToView(pos).x()) if inside else ""
        if self.editor.drag is None:  # a drag's text holds the line until the drag ends
            self.readout.setText(self.hover_text)

    # --- palette
    def apply_palette(self) -> None:
        """Recolour everything from the current palette."""
        c = timeline_colors(self.palette())
        self.plot.setBackground(c["background"])
        pi = self.plot.getPlotItem()
        for axis in ("left", "bottom"):
            ax = pi.getAxis(axis)
            ax.setPen(pg.mkPen(c["foreground"]))
            ax.setTextPen(pg.mkPen(c["foreground"]))
        self.items["score"].setPen(pg.mkPen(c["score"], width=1.5))
        self.items["score"].setBrush(pg.mkBrush(c["score_fill"]))
        for name in ("a_ph", "v_ph", "av_ph"):
            self.items[name].setPen(pg.mkPen(c[name], width=1))
        self.items["cue"].setPen(pg.mkPen(c["cue"], width=1.5, style=Qt.PenStyle.DashLine))
        self.items["pseudo"].setPen(pg.mkPen(c["pseudo"], width=1))
        self.items["pseudo"].setBrush(pg.mkBrush(c["pseudo_fill"]))
        self.items["segments"].setOpts(brush=pg.mkBrush(c["segments"]), pen=None)
        self.items["segments_bar"].setOpts(brush=pg.mkBrush(c["segments_bar"]), pen=None)
        self.items["discarded"].setOpts(
            brush=QBrush(c["discarded"], Qt.BrushStyle.BDiagPattern), pen=None)
        self.items["discarded_bar"].setOpts(brush=pg.mkBrush(c["discarded_bar"]), pen=None)
        self.current_item.setOpts(pen=pg.mkPen(c["current"], width=2),
                                  brush=QBrush(Qt.BrushStyle.NoBrush))
        preview_fill = QColor(c["current"])
        preview_fill.setAlpha(50)
        self.preview_item.setOpts(pen=pg.mkPen(c["current"], width=1.5,
                                               style=Qt.PenStyle.DashLine),
                                  brush=pg.mkBrush(preview_fill))
        for line in self.mark_lines.values():
            line.setPen(pg.mkPen(c["marks"], width=1.5, style=Qt.PenStyle.DashLine))
            line.label.setColor(c["marks"])
        self.line.setPen(pg.mkPen(c["playhead"], width=2))
        self.cut_item.setPen(pg.mkPen(c["cuts"], width=1, style=Qt.PenStyle.DashLine))
        self.line.setHoverPen(pg.mkPen(c["score"], width=3))
        for name, box in self.toggles.items():
            box.setIcon(self._swatch(name, c))
        self.fit_button.setIcon(icon("zoom-fit", self.palette()))

    @staticmethod
    def _swatch(name: str, c: dict[str, QColor]) -> QIcon:
        px = QPixmap(16, 16)
        px.fill(Qt.GlobalColor.transparent)
        p = QPainter(px)
        if name in ("segments", "pseudo"):
            p.fillRect(1, 3, 14, 10, c["segments"] if name == "segments" else c["pseudo_fill"])
            if name == "segments":
                p.fillRect(1, 3, 14, 3, c["segments_bar"])
                p.fillRect(9, 6, 6, 7, QBrush(c["discarded_bar"], Qt.BrushStyle.BDiagPattern))
            if name == "pseudo":
                p.setPen(pg.mkPen(c["pseudo"], width=1))
                p.drawRect(1, 3, 13, 9)
        else:
            if name == "score":
                p.fillRect(1, 8, 14, 7, c["score_fill"])
            p.setPen(pg.mkPen(c[name], width=2.5))
            p.drawLine(1, 8, 15, 8)
        p.end()
        return QIcon(px)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_palette()
