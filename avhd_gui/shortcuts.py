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
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

#: mouse gestures on the timeline, listed after the keys
MOUSE = [
    ("Drag a segment's edge", "resize it"),
    ("Drag a segment", "move it"),
    ("Shift+drag (or drag in Add Mode)", "add a segment"),
    ("Double-click a segment", "keep / discard it"),
    ("Right-click the timeline", "edit menu at that time"),
    ("Wheel", "zoom the timeline"),
]


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
        for title, rows in [*shortcut_rows(menubar), ("Timeline (mouse)", MOUSE)]:
            group = QTreeWidgetItem([title, ""])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            for text, keys in rows:
                self.tree.addTopLevelItem(QTreeWidgetItem([f"  {text}", keys]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def rows(self) -> dict[str, str]:
        """Command text -> keys, as listed (for tests)."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.text(1):
                out[item.text(0).strip()] = item.text(1)
        return out
