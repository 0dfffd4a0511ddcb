"""Entry script of the frozen bundle: one script, two executables.

PyInstaller builds ``avhd`` and ``avhd-gui`` from this one analysis (so the bundle holds
each library once); the executable's own name picks the program to run.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def program(executable: str) -> str:
    """``"gui"`` for an executable called ``avhd-gui[.exe]``, else ``"cli"``."""
    stem = os.path.splitext(os.path.basename(executable))[0].lower()
    return "gui" if stem.startswith("avhd-gui") else "cli"


def main() -> int:
    """Run the CLI or the GUI, as the executable's name says."""
    multiprocessing.freeze_support()
    if program(sys.executable) == "gui":
        from avhd_gui.__main__ import main as run
    else:
        from core.cli import main as run
    return int(run() or 0)


if __name__ == "__main__":
    sys.exit(main())
