"""Help ▸ Keyboard Shortcuts: every shortcut of the menus, read from the actions themselves.

The list is built from the window's menu bar when it is shown, so it always matches the
keys that really work (the menus and the keys trigger the same actions). An action whose
text changes with the state names itself with the ``stable_name`` property.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: keys the timeline handles itself while it has the focus (not menu actions)
TIMELINE_KEYS = [
    ("Zoom in / out", "+ or =, -"),
    ("Show the whole video", "0, Home"),
    ("Scroll the timeline", "Shift+Left, Shift+Right"),
]

#: keys the segment list handles while it has the focus
SEGMENT_LIST_KEYS = [
    ("Move the selected segment up / down the reel", "Alt+Up, Alt+Down"),
    ("Delete the selected segment", "Delete, Backspace"),
    ("Type its in or out point", "F2 or double-click the cell"),
]

#: mouse gestures on the timeline, listed after the keys
MOUSE = [
    ("Click or drag on the ruler", "move the playhead (scrub)"),
    ("Drag on the plot or inside a segment", "scrub"),
    ("Drag a segment's edge", "trim it (the preview shows that frame)"),
    ("Alt+drag or Ctrl+drag a segment", "move it"),
    ("Shift+drag (or drag in Add Mode)", "add a segment"),
    ("Double-click a segment", "keep / discard it"),
    ("Right-click the timeline", "edit menu at that time"),
    ("Wheel / middle-button drag", "zoom / scroll the timeline"),
]

#: the editing-program habits followed, said in the dialog
HABITS = ("I / O mark in and out, J / K / L shuttle, S, B or Ctrl+K split, "
          "Shift+Space plays the kept segments only.")


def shortcut_rows(menubar: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(menu title, [(action text, keys), ...]), ...]`` for actions with shortcuts."""
    out = []
    for top in menubar.actions():
        menu = top.menu()
        if menu is None:
            continue
        rows = []
        for act in menu.actions():
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()]
            keys = [k for k in keys if k]
            if keys and not act.isSeparator():
                # actions whose text changes (Undo <command>) carry a stable name
                name = act.property("stable_name") or act.text()
                rows.append((name.replace("&", ""), ", ".join(keys)))
        if rows:
            out.append((top.text().replace("&", ""), rows))
    return out


class ShortcutsDialog(QDialog):
    """A two-column list: command and keys, grouped by menu, then the mouse gestures."""

    def __init__(self, menubar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.resize(460, 560)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["Command", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 260)
        groups = [*shortcut_rows(menubar), ("Timeline (keys, with the timeline focused)",
                                            TIMELINE_KEYS),
                  ("Segment list (keys, with the list focused)", SEGMENT_LIST_KEYS),
                  ("Timeline (mouse)", MOUSE)]
        for title, rows in groups:
            group = QTreeWidgetItem([title, ""])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            for text, keys in rows:
                self.tree.addTopLevelItem(QTreeWidgetItem([f"  {text}", keys]))
        self.habits = QLabel(HABITS, self)
        self.habits.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(self.habits)
        layout.addWidget(buttons)

    def rows(self) -> dict[str, str]:
        """Command text -> keys, as listed (for tests)."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.text(1):
                out[item.text(0).strip()] = item.text(1)
        return out
