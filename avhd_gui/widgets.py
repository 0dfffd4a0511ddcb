"""Small widgets shared by the window's parts."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" to the width it gets.

    A plain QLabel is as wide as its text: a long folder path or run summary in the
    status bar was cut off at the window's edge. :meth:`text` is the whole text, which
    the tooltip also shows when it does not fit.
    """

    def __init__(self, parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text or ""
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """The text as drawn (with "…" where it was shortened)."""
        return super().text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, self._mode, width)
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
