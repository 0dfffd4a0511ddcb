"""Side panels and the target control: library list, problems list, target editor."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from avhd_gui.library import LibraryModel
from avhd_gui.models import TargetModel
from avhd_gui.settings import Target
from core.fsnames import printable


class _FitWidth(QStyledItemDelegate):
    """Items as wide as the list's viewport at most, so that a long name or state line is
    shortened with "…" where the panel ends instead of being cut off beside a scroll bar:
    the name in the middle (its start and extension stay), the state line at its end."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def initStyleOption(self, option, index) -> None:  # noqa: N802 (Qt's name)
        super().initStyleOption(option, index)
        sep = "\u2028" if "\u2028" in option.text else "\n"  # Qt's line separator
        lines = option.text.split(sep)
        if len(lines) != 2 or not option.rect.isValid():
            return
        style = self._view.style()
        room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option,
                                    self._view).width() - 4  # the style's text margins
        if room <= 0:
            return
        fm = option.fontMetrics
        option.text = sep.join((fm.elidedText(lines[0], Qt.TextElideMode.ElideMiddle, room),
                                  fm.elidedText(lines[1], Qt.TextElideMode.ElideRight, room)))

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt's name)
        size = super().sizeHint(option, index)
        # every row as tall as a thumbnail: with uniform item sizes the list took the height
        # of a row measured before its thumbnail arrived (or of a failed file's icon), and
        # the thumbnails drawn later overlapped each other
        height = max(size.height(), self._view.iconSize().height() + 8)
        return QSize(min(size.width(), max(1, self._view.viewport().width())), height)


class LibraryPanel(QStackedWidget):
    """The video list, or a hint to open a folder while the library is empty.

    Signals:
        video_selected(str): the current video changed (its path).
        open_requested(): the hint's button was pressed.
    """

    video_selected = Signal(object)
    open_requested = Signal()

    def __init__(self, model: LibraryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        hint = QWidget(self)
        lay = QVBoxLayout(hint)
        lay.addStretch(1)
        self.hint_label = QLabel("Open a folder of videos, or drop one here.", hint)
        self.hint_label.setWordWrap(True)
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton("Open Folder…", hint)
        self.open_button.clicked.connect(self.open_requested)
        lay.addWidget(self.hint_label)
        lay.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)

        self.view = QListView(self)
        self.view.setObjectName("libraryView")
        self.view.setModel(model)
        self.view.setIconSize(QSize(80, 45))  # 16:9, the frames the thumbnails show
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setWordWrap(False)
        self.view.setItemDelegate(_FitWidth(self.view))
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)  # lay out again when resized
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.view.installEventFilter(self)
        self.addWidget(hint)
        self.addWidget(self.view)
        model.modelReset.connect(self._sync_page)
        self._sync_page()

    _NAVIGATION = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
                   Qt.Key.Key_Home, Qt.Key.Key_End}

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # with the list focused, the arrow keys move through the videos rather than
        # triggering the window's previous/next segment shortcuts
        if (obj is self.view and event.type() == QEvent.Type.ShortcutOverride
                and event.key() in self._NAVIGATION and not event.modifiers()):
            event.accept()
            return True
        return super().eventFilter(obj, event)

    def _sync_page(self) -> None:
        if self.model.rowCount() == 0 and self.model.folder:
            self.hint_label.setText(f"No videos in {self.model.folder}.")
        self.setCurrentIndex(1 if self.model.rowCount() else 0)

    def _on_current(self, current, _previous) -> None:
        if current.isValid():
            self.video_selected.emit(self.model.path_at(current.row()))

    def select(self, path: str) -> bool:
        row = self.model.row_of(path)
        if row < 0:
            return False
        self.view.setCurrentIndex(self.model.index(row))
        return True

    def current_path(self) -> str | None:
        idx = self.view.currentIndex()
        return self.model.path_at(idx.row()) if idx.isValid() else None

    def sizeHint(self) -> QSize:
        return QSize(300, 400)


class DockMemory(QObject):
    """Remembers that the user closed a dock (its close button or the View menu).

    The app then does not show it again by itself (e.g. the Problems panel on every new
    problem); showing it from the View menu clears the flag.
    """

    def __init__(self, dock: QDockWidget, settings, name: str) -> None:
        super().__init__(dock)
        self.dock, self.settings, self.name = dock, settings, name
        dock.installEventFilter(self)
        dock.toggleViewAction().triggered.connect(self._on_toggled)

    @property
    def closed(self) -> bool:
        return self.settings.panel_closed(self.name)

    def _on_toggled(self, shown: bool) -> None:
        self.settings.set_panel_closed(self.name, not shown)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.dock and event.type() == QEvent.Type.Close:
            self.settings.set_panel_closed(self.name, True)
        return False


class ProblemsPanel(QTreeWidget):
    """Files that failed, with the reason; one row per file (a retry replaces it)."""

    count_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["File", "Reason"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setColumnWidth(0, 260)
        self._rows: dict[str, QTreeWidgetItem] = {}

    def add(self, path: str, reason: str) -> None:
        name = Path(path).name if path else ""
        for prefix in (f"{name}: ", f"{printable(name)}: "):  # the File column says it
            if name and reason.startswith(prefix):
                reason = reason[len(prefix):]
                break
        item = self._rows.get(path)
        if item is None:
            item = QTreeWidgetItem([printable(Path(path).name) if path else "(library)",
                                    reason])
            item.setToolTip(0, printable(path))
            self.addTopLevelItem(item)
            self._rows[path] = item
        item.setText(1, reason)
        item.setToolTip(1, reason)
        self.count_changed.emit(self.topLevelItemCount())

    def remove(self, path: str) -> None:
        item = self._rows.pop(path, None)
        if item is not None:
            self.takeTopLevelItem(self.indexOfTopLevelItem(item))
            self.count_changed.emit(self.topLevelItemCount())

    def clear_all(self) -> None:
        self.clear()
        self._rows.clear()
        self.count_changed.emit(0)

    def reasons(self) -> dict[str, str]:
        return {path: item.text(1) for path, item in self._rows.items()}


#: Ctrl shortcuts a spin box may keep (text editing); any other goes to the window
_EDIT_KEYS = {Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_V, Qt.Key.Key_X, Qt.Key.Key_Left,
              Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Backspace,
              Qt.Key.Key_Delete}


class _PassShortcuts(QObject):
    """Lets the window's Ctrl shortcuts (Ctrl+Z, Ctrl+E, ...) through a focused spin box.

    A spin box accepts every Ctrl key as its own (its text's undo), so after typing a
    target the window's undo and export did nothing until the timeline was clicked.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier
                and event.key() not in _EDIT_KEYS):
            event.ignore()
            return True  # not taken by the spin box: the window's shortcut runs
        return False


def _seconds_box(parent: QWidget, tip: str, maximum: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setRange(0.0, maximum)
    box.setDecimals(1)
    box.setSingleStep(0.5)
    box.setSuffix(" s")
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


class TargetControl(QWidget):
    """Edits the :class:`TargetModel`: a top share or a reel length per video, or one reel
    length for the whole library; and the shape of segments (minimum length, padding,
    gaps joined)."""

    def __init__(self, model: TargetModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.mode = QComboBox(self)
        self.mode.addItem("Top share", "fraction")
        self.mode.addItem("Reel length", "seconds")
        self.mode.addItem("Library reel", "library")
        self.mode.setToolTip("Select the best-scored part of each video (by share or length), "
                             "or the best moments of the whole library for one reel")
        self.value = QDoubleSpinBox(self)
        self.value.setKeyboardTracking(False)
        self.value.setToolTip("Re-selects the highlight segments instantly from the scores")
        self.min_length = _seconds_box(self, "Shortest segment kept", 60)
        self.padding = _seconds_box(self, "Seconds added before and after each segment", 10)
        self.merge_gap = _seconds_box(self, "Segments closer than this join into one", 30)
        self._pass = _PassShortcuts(self)
        for box in (self.value, self.min_length, self.padding, self.merge_gap):
            box.installEventFilter(self._pass)
            box.lineEdit().installEventFilter(self._pass)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(QLabel("Target:", self))
        lay.addWidget(self.mode)
        lay.addWidget(self.value)
        for text, box in (("Min", self.min_length), ("Pad", self.padding),
                          ("Join gaps", self.merge_gap)):
            label = QLabel(text, self)
            label.setBuddy(box)
            lay.addSpacing(4)
            lay.addWidget(label)
            lay.addWidget(box)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.value.valueChanged.connect(self._on_value)
        for name in ("min_length", "padding", "merge_gap"):
            getattr(self, name).valueChanged.connect(self._on_shape)
        model.changed.connect(self._show)
        self._show(model.target)

    def _boxes(self) -> tuple:
        return self.mode, self.value, self.min_length, self.padding, self.merge_gap

    def _show(self, target: Target) -> None:
        """Reflect the model without echoing the change back to it."""
        for w in self._boxes():
            w.blockSignals(True)
        self.mode.setCurrentIndex(max(0, self.mode.findData(target.mode)))
        self.value.setDecimals(0)
        self.value.setSingleStep(5)
        if target.mode == "fraction":
            self.value.setRange(1, 100)
            self.value.setSuffix(" %")
            self.value.setValue(round(target.fraction * 100))
        elif target.mode == "library":
            self.value.setRange(1, 36000)
            self.value.setSuffix(" s in all")
            self.value.setValue(target.library_seconds)
        else:
            self.value.setRange(1, 3600)
            self.value.setSuffix(" s per video")
            self.value.setValue(target.seconds)
        self.min_length.setValue(target.min_segment)
        self.padding.setValue(target.padding)
        self.merge_gap.setValue(target.merge_gap)
        for w in self._boxes():
            w.blockSignals(False)

    def _on_mode(self, index: int) -> None:
        self.model.set_mode(self.mode.itemData(index))

    def _on_value(self, value: float) -> None:
        self.model.set_value(value / 100 if self.model.target.mode == "fraction" else value)

    def _on_shape(self, _value: float) -> None:
        from dataclasses import replace

        self.model.set_target(replace(self.model.target, min_segment=self.min_length.value(),
                                      padding=self.padding.value(),
                                      merge_gap=self.merge_gap.value()))
