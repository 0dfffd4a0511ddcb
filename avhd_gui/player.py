"""Preview player: QMediaPlayer + QAudioOutput, frames painted by :class:`VideoView`.

Frames come through a :class:`QVideoSink` and are painted by a plain widget instead of a
QVideoWidget: QVideoWidget draws into a native window that ``QWidget.grab()`` (screenshot
mode) and the offscreen platform cannot capture. The player follows the shared
:class:`~avhd_gui.models.Playhead` and writes its playback position back to it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import (
    QElapsedTimer,
    QLoggingCategory,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QColor, QImage, QKeySequence, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from avhd_gui.library import format_time
from avhd_gui.models import Playhead
from avhd_gui.resources import icon
from avhd_gui.timecode import frame_index, step_frames
from core.artifacts import Segment
from core.fsnames import is_clean

log = logging.getLogger(__name__)

# Qt's FFmpeg backend reports missing optional libraries (VA-API, PipeWire) and dumps each
# file's streams; quiet by default (QT_LOGGING_RULES still overrides this).
QLoggingCategory.setFilterRules("qt.multimedia.*.debug=false\nqt.multimedia.*.info=false\n"
                                "qt.multimedia.symbolsresolver=false")

try:  # QtMultimedia needs system libraries (libpulse); without them there is no preview
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer, QVideoSink

    MULTIMEDIA_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    QAudioOutput = QMediaDevices = QMediaPlayer = QVideoSink = None
    MULTIMEDIA_ERROR = str(exc)

# a video canvas is black in light and dark mode alike (letterbox bars, not UI chrome)
_CANVAS = QColor(0, 0, 0)
_CANVAS_TEXT = QColor(190, 190, 190)
#: shuttle speeds: each further J or L press doubles the speed up to this
MAX_SHUTTLE = 8.0
REVERSE_TICK_MS = 80
_LINKS: tempfile.TemporaryDirectory | None = None  # this session's clean-named links


def playable_path(path: str) -> str:
    """A name Qt can carry for ``path``: ``path`` itself, or, for a name that is not
    UTF-8 (Python carries its bad bytes as lone surrogates, which a QString drops, so the
    media player would open another name), a symbolic link with a clean name in a
    temporary folder of this session. Falls back to ``path`` where no link can be made."""
    global _LINKS
    if is_clean(path):
        return path
    try:
        if _LINKS is None:
            _LINKS = tempfile.TemporaryDirectory(prefix="avhd-preview-")
        suffix = Path(path).suffix if is_clean(Path(path).suffix) else ""
        link = Path(_LINKS.name) / (hashlib.sha1(os.fsencode(path)).hexdigest()[:16] + suffix)
        if not link.is_symlink():
            link.symlink_to(path)
        return str(link)
    except OSError as exc:
        log.info("no clean-named link for the preview: %s", exc)
        return path


class VideoView(QWidget):
    """Paints the current frame (or a poster image) scaled to fit, keeping its aspect."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self.message = "Open a folder and select a video"
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), _CANVAS)
        if self._image is not None and not self._image.isNull():
            size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - size.width()) / 2
            y = (self.height() - size.height()) / 2
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            p.drawImage(QRectF(x, y, size.width(), size.height()), self._image)
        elif self.message:
            p.setPen(_CANVAS_TEXT)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.message)
        p.end()


class PlayerWidget(QWidget):
    """The preview: video, transport buttons and the time.

    Signals:
        frame_shown(): the first frame of a newly loaded video is on screen.
    """

    frame_shown = Signal()

    def __init__(self, playhead: Playhead, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.playhead = playhead
        self.view = VideoView(self)
        self.path: str | None = None
        self.fps = 25.0
        self.segments: list[Segment] = []
        self._first_frame = False
        #: the position last asked of the backend (its echo is not a new playhead time)
        self._seek_ms: int | None = None
        #: shuttle speed: > 0 playing forward at that rate, < 0 reversing, 0 stopped
        self.shuttle_speed = 0.0
        self._reverse_timer = QTimer(self)
        self._reverse_timer.setInterval(REVERSE_TICK_MS)
        self._reverse_timer.timeout.connect(self._reverse_tick)
        self._reverse_clock = QElapsedTimer()
        self.media = self.audio = self.sink = None
        if QMediaPlayer is not None:
            self.media = QMediaPlayer(self)
            # Sound only where there is an output device: without one the player plays
            # silently (an audio output with no device can stall the FFmpeg backend).
            self.devices = QMediaDevices(self)
            self.devices.audioOutputsChanged.connect(self._attach_audio)
            self._attach_audio()
            self.sink = QVideoSink(self)
            self.media.setVideoSink(self.sink)
            self.sink.videoFrameChanged.connect(self._on_frame)
            self.media.positionChanged.connect(self._on_media_position)
            self.media.durationChanged.connect(self._on_duration)
            self.media.playbackStateChanged.connect(self._on_media_state)
            self.media.errorOccurred.connect(self._on_error)
        else:
            self.view.set_message(f"Video preview unavailable: {MULTIMEDIA_ERROR}")

        self.play_action = self._action("Play", "play", self.toggle_play, Qt.Key.Key_Space)
        self.step_back_action = self._action(
            "Previous frame", "step-back", lambda: self.step(-1), Qt.Key.Key_Left)
        self.step_forward_action = self._action(
            "Next frame", "step-forward", lambda: self.step(1), Qt.Key.Key_Right)
        self.prev_segment_action = self._action(
            "Previous segment", "previous-segment", lambda: self.jump_segment(-1),
            Qt.Key.Key_Up, Qt.Key.Key_BracketLeft)
        self.next_segment_action = self._action(
            "Next segment", "next-segment", lambda: self.jump_segment(1),
            Qt.Key.Key_Down, Qt.Key.Key_BracketRight)
        self.reverse_action = self._action(
            "Shuttle reverse", "shuttle-reverse", lambda: self.shuttle(-1), Qt.Key.Key_J)
        self.stop_action = self._action(
            "Shuttle stop", "pause", lambda: self.shuttle(0), Qt.Key.Key_K)
        self.forward_action = self._action(
            "Shuttle forward", "shuttle-forward", lambda: self.shuttle(1), Qt.Key.Key_L)
        self.time_label = QLabel(self)
        self.time_label.setObjectName("timeLabel")

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 2, 4, 2)
        for act in (self.prev_segment_action, self.step_back_action, self.play_action,
                    self.step_forward_action, self.next_segment_action):
            btn = QToolButton(self)
            btn.setDefaultAction(act)
            btn.setAutoRaise(True)
            btn.setIconSize(QSize(20, 20))
            controls.addWidget(btn)
        controls.addStretch(1)
        controls.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)

        playhead.moved.connect(self._on_playhead)
        self._set_enabled(False)
        self._update_time()

    def _action(self, text: str, icon_name: str, slot, key, *more_keys) -> QAction:
        act = QAction(icon(icon_name), text, self)
        act.setShortcuts([QKeySequence(k) for k in (key, *more_keys)])
        act.setToolTip(f"{text} ({QKeySequence(key).toString()})")
        act.setData(icon_name)
        act.triggered.connect(slot)
        return act

    def _attach_audio(self) -> None:
        has_device = bool(QMediaDevices.audioOutputs())
        if has_device and self.audio is None:
            self.audio = QAudioOutput(self)
            self.media.setAudioOutput(self.audio)
        elif not has_device and self.audio is not None:
            self.media.setAudioOutput(None)
            self.audio.deleteLater()
            self.audio = None

    def actions_list(self) -> list[QAction]:
        return [self.play_action, self.reverse_action, self.stop_action, self.forward_action,
                self.step_back_action, self.step_forward_action,
                self.prev_segment_action, self.next_segment_action]

    def refresh_icons(self) -> None:
        for act in self.actions_list():
            act.setIcon(icon(act.data()))
        self._on_state()

    def _set_enabled(self, on: bool) -> None:
        for act in self.actions_list():
            act.setEnabled(on)

    # --- loading
    def load(self, path: str, duration: float | None, fps: float | None,
             poster: QImage | None = None) -> None:
        """Show ``path`` paused at its start."""
        self._stop_shuttle()
        self.path = path
        self.fps = fps if fps and fps > 0 else 25.0
        self.playhead.fps = self.fps
        self.playhead.reset(duration or 0.0)
        self.view.set_image(poster)
        self._first_frame = False
        self._set_enabled(True)
        if self.media is not None:
            self.media.setSource(QUrl.fromLocalFile(playable_path(path)))
            self.media.pause()  # shows the first frame
        self._update_time()

    def clear(self) -> None:
        self._stop_shuttle()
        self.path = None
        self.segments = []
        if self.media is not None and not self.media.source().isEmpty():
            self.media.stop()
            self.media.setSource(QUrl())
        self.view.set_image(None)
        self.view.set_message("Open a folder and select a video")
        self.playhead.reset(0.0)
        self._set_enabled(False)

    def set_segments(self, segments: list[Segment]) -> None:
        """The segments Up/Down step through (kept and discarded)."""
        self.segments = sorted(segments, key=lambda s: s.start)

    # --- transport
    def is_playing(self) -> bool:
        return self.media is not None and (
            self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState)

    @Slot()
    def toggle_play(self) -> None:
        if self.media is None or self.path is None:
            return
        if self.is_playing() or self.shuttle_speed < 0:
            self._stop_shuttle()
        else:
            self.shuttle_speed = 1.0
            self.media.setPlaybackRate(1.0)
            self.media.play()

    def shuttle(self, direction: int) -> None:
        """J/K/L: reverse (-1), stop (0) or forward (+1); repeating a direction speeds up."""
        if self.path is None or self.media is None:
            return
        if direction == 0:
            self._stop_shuttle()
            return
        same = (self.shuttle_speed > 0) == (direction > 0) and self.shuttle_speed != 0
        speed = min(abs(self.shuttle_speed) * 2, MAX_SHUTTLE) if same else 1.0
        self.shuttle_speed = speed * direction
        if direction > 0:
            self._reverse_timer.stop()
            self.media.setPlaybackRate(speed)
            self.media.play()
        else:  # the backend cannot play backwards: step the playhead back on a timer
            self.media.pause()
            self._reverse_clock.start()
            self._reverse_timer.start()
        self._on_state()

    def _stop_shuttle(self) -> None:
        self.shuttle_speed = 0.0
        self._reverse_timer.stop()
        if self.media is not None:
            if self.is_playing():
                self.media.pause()
            self.media.setPlaybackRate(1.0)
        self._on_state()

    def _reverse_tick(self) -> None:
        elapsed = self._reverse_clock.restart() / 1000.0
        pos = self.playhead.position + self.shuttle_speed * elapsed
        self.playhead.set_position(pos)
        if pos <= 0:
            self._stop_shuttle()

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        if self.path is None:
            return
        self._stop_shuttle()
        self.playhead.set_position(step_frames(self.playhead.position, frames, self.fps))

    def jump_segment(self, direction: int) -> None:
        """Move the playhead to the start of the next (+1) or previous (-1) segment."""
        if not self.segments:
            return
        pos = self.playhead.position
        if direction > 0:
            starts = [s.start for s in self.segments if s.start > pos + 1e-3]
            target = starts[0] if starts else None
        else:
            # a little slack so that pressing twice goes on to the segment before
            starts = [s.start for s in self.segments if s.start < pos - 0.25]
            target = starts[-1] if starts else None
        if target is not None:
            self.playhead.set_position(target)

    # --- signal handlers
    def _on_playhead(self, seconds: float, source: object) -> None:
        if source is not self and self.media is not None and self.path is not None:
            self._seek_ms = self.media_ms(seconds)
            self.media.setPosition(self._seek_ms)
        self._update_time()

    def media_ms(self, seconds: float) -> int:
        """Where the backend is sent to show the frame at ``seconds``: that frame's middle.

        Asked for a frame's exact start, Qt's FFmpeg backend shows the frame before it, so
        a trimmed edge or a frame step showed the neighbouring frame.
        """
        return int(round((frame_index(seconds, self.fps) + 0.5) / self.fps * 1000))

    def _on_media_position(self, ms: int) -> None:
        if ms == self._seek_ms:  # the echo of a seek: the playhead is already there
            self._seek_ms = None
            return
        self._seek_ms = None
        self.playhead.set_position(ms / 1000.0, self)

    def _on_duration(self, ms: int) -> None:
        if ms > 0 and self.playhead.duration <= 0:
            self.playhead.duration = ms / 1000.0
            self._update_time()

    def _on_frame(self, frame) -> None:
        if frame.isValid() and self.path is not None:
            self.view.set_image(frame.toImage())
            if not self._first_frame:
                self._first_frame = True
                self.frame_shown.emit()

    def _on_media_state(self, state) -> None:
        if state != QMediaPlayer.PlaybackState.PlayingState and self.shuttle_speed > 0:
            self.shuttle_speed = 0.0  # paused by the end of the file or by the backend
            self.media.setPlaybackRate(1.0)
        self._on_state()

    def _on_state(self, *_args) -> None:
        playing = self.is_playing() or self.shuttle_speed < 0
        self.play_action.setText("Pause" if playing else "Play")
        self.play_action.setIcon(icon("pause" if playing else "play"))

    def _on_error(self, _error, message: str) -> None:
        log.info("player: %s", message)
        self.view.set_image(None)
        self.view.set_message(f"Cannot play this file: {message}")

    def _update_time(self) -> None:
        self.time_label.setText(
            f"{format_time(self.playhead.position, fraction=True)} / "
            f"{format_time(self.playhead.duration, fraction=True)}")
