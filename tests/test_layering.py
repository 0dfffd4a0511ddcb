"""The engine never imports the GUI: no Qt, pyqtgraph or avhd_gui anywhere in core/."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
FORBIDDEN = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "qtpy",
             "superqt", "avhd_gui")


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.append((node.lineno, node.args[0].value))
    return out


def test_core_never_imports_the_gui():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 5
    bad = []
    for f in files:
        for line, name in _imports(ast.parse(f.read_text(encoding="utf-8"), str(f))):
            if name.split(".")[0] in FORBIDDEN:
                bad.append(f"{f.relative_to(CORE.parent)}:{line} imports {name}")
    assert not bad, "core/ must not import Qt or the GUI:\n" + "\n".join(bad)


def test_the_check_sees_each_import_form():
    src = ("import PySide6.QtCore\nfrom pyqtgraph import PlotWidget\n"
           "importlib.import_module('avhd_gui.timeline')\nfrom . import x\n")
    names = [n for _, n in _imports(ast.parse(src))]
    assert names == ["PySide6.QtCore", "pyqtgraph", "avhd_gui.timeline"]
