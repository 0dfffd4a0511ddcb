"""Review the cut without rendering it: play the kept segments only, loop one segment.

:class:`Review` keeps a playlist of kept segments: this video's in time order, or the
library's in the order of the segment list (as sorted there). While a review plays it
watches the playback position: at the end of a piece it seeks to the next one (switching
video when the next piece is in another), or back to the piece's start when looping, and
pauses after the last. Only positions reported by the player move it on, so scrubbing or
jumping by hand during a review just continues from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

_EPS = 0.02  # seconds before a piece's end that count as its end (positions are discrete)
_JUMP = 0.5  # a reported position this far outside the piece is a jump, not playback


@dataclass(frozen=True)
class Piece:
    path: str
    start: float
    end: float


class Review(QObject):
    """Plays kept segments only.

    Signals:
        switch_video(path, seconds): the next piece is in another video; show it there.
        finished(): the last piece ended.
    """

    switch_video = Signal(object, float)
    finished = Signal()

    def __init__(self, player, selection, segment_list=None, parent: QObject | None = None):
        super().__init__(parent)
        self.player, self.selection, self.segment_list = player, selection, segment_list
        self.playhead = player.playhead
        self.playlist: list[Piece] = []
        self.index = -1
        self.loop = False
        self.path: str | None = None  # the video on the player
        self.play_video_action = self._act("Play &Kept Segments", "Shift+Space",
                                           lambda: self.start("video"))
        self.play_library_action = self._act("Play &Library Reel", "Ctrl+Shift+Space",
                                             lambda: self.start("library"))
        self.loop_action = self._act("&Loop Segment", "Ctrl+L", self._set_loop)
        self.loop_action.setCheckable(True)
        self.playhead.moved.connect(self._on_moved)

    def _act(self, text: str, key: str, slot) -> QAction:
        act = QAction(text, self.parent())
        act.setShortcut(QKeySequence(key))
        act.setToolTip(f"{text.replace('&', '')} ({key})")
        act.triggered.connect(slot)
        return act

    def actions(self) -> list[QAction]:
        return [self.play_video_action, self.play_library_action, self.loop_action]

    @property
    def active(self) -> bool:
        return self.index >= 0

    def _set_loop(self, on: bool) -> None:
        self.loop = bool(on)
        if on and not self.active:
            self.start("video", from_here=True)

    # --- playlist
    def pieces(self, scope: str) -> list[Piece]:
        """Kept segments: of the player's video ("video") or the library in list order."""
        if scope == "library" and self.segment_list is not None:
            sl, out = self.segment_list, []
            for vrow in range(sl.proxy.rowCount()):
                path, _i, s = sl.model.segment(sl.source_row(vrow))
                if s.keep:
                    out.append(Piece(path, s.start, s.end))
            return out
        path = self.player.path
        if not path:
            return []
        return [Piece(path, s.start, s.end) for s in self.selection.segments(path) if s.keep]

    def start(self, scope: str = "video", *, from_here: bool = True) -> bool:
        """Start playing ``scope``'s kept segments from the one at (or after) the playhead."""
        self.playlist = self.pieces(scope)
        if not self.playlist:
            self.index = -1
            return False
        pos, path = self.playhead.position, self.player.path
        first = 0
        if from_here:
            here = [i for i, p in enumerate(self.playlist)
                    if p.path == path and p.end - _EPS > pos]
            inside = [i for i in here if self.playlist[i].start <= pos]
            first = (inside or here or [0])[0]
        self.index = first
        piece = self.playlist[first]
        if piece.path != path:
            self.switch_video.emit(piece.path, piece.start)
        elif not piece.start <= pos < piece.end - _EPS:
            self.playhead.set_position(piece.start)
        if not self.player.is_playing():
            self.player.toggle_play()
        return True

    def stop(self) -> None:
        self.index = -1

    def current(self) -> Piece | None:
        return self.playlist[self.index] if self.active else None

    # --- following playback
    def _on_moved(self, seconds: float, source: object) -> None:
        piece = self.current()
        if piece is None or source is not self.player or self.player.path != piece.path:
            return
        if seconds < piece.start - _JUMP or seconds > piece.end + _JUMP:
            self._anchor(seconds)  # jumped by hand (↑/↓, a click): go on from there
            return
        if seconds < piece.end - _EPS:
            return
        if self.loop:
            self.playhead.set_position(piece.start)
            return
        self.advance(1)

    def _anchor(self, seconds: float) -> None:
        """Make the piece at (or next after) ``seconds`` in this video the current one."""
        path = self.player.path
        for i, p in enumerate(self.playlist):
            if p.path == path and p.end - _EPS > seconds:
                self.index = i
                if seconds < p.start - _EPS:
                    self.playhead.set_position(p.start)
                return
        self.advance(len(self.playlist))  # past the last piece of this video: the end

    def advance(self, step: int) -> Piece | None:
        """Go to the next (+1) or previous (-1) piece; after the last, stop and pause."""
        if not self.active:
            return None
        self.index += step
        if not 0 <= self.index < len(self.playlist):
            self.index = -1
            if self.player.is_playing():
                self.player.toggle_play()
            self.finished.emit()
            return None
        piece = self.playlist[self.index]
        if piece.path != self.player.path:
            self.switch_video.emit(piece.path, piece.start)
        else:
            self.playhead.set_position(piece.start)
        return piece


def add_review(window) -> Review:
    """Give ``window`` its review actions, switching videos through its library list."""
    review = Review(window.player, window.selection, getattr(window, "segment_list", None),
                    window)

    def switch(path: str, seconds: float) -> None:
        if window.timeline.path != path:
            window.library_panel.select(path)
        window.playhead.set_position(seconds)
        if not window.player.is_playing():
            window.player.toggle_play()

    review.switch_video.connect(switch)
    return review
