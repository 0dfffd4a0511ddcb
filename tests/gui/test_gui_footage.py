"""The app's Open Folder uses the engine's footage scan (core.footage)."""

import os

import pytest
from hostile import make_hostile_library

from avhd_gui.library import scan_folder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links")


def test_open_folder_lists_only_footage_of_a_hostile_library(tmp_path):
    lib = make_hostile_library(tmp_path / "lib", duration=2.0)
    expected = [*lib.good, *(lib.root / n for n in lib.failed)]  # these fail when probed
    assert sorted(scan_folder(lib.root)) == sorted(str(p) for p in expected)


def test_open_folder_lists_what_it_skipped_in_the_problems_panel(window, qtbot, tmp_path):
    """A pipe, a device link, a link loop or a dangling link is never opened; the app
    says so in the Problems panel, one line each (AVHD's own outputs are left out quietly,
    as `avhd find` reports them)."""
    lib = make_hostile_library(tmp_path / "lib", duration=2.0)
    with qtbot.waitSignal(window.probe_finished, timeout=20_000):
        assert window.open_folder(str(lib.root))
    reasons = {os.path.basename(k): v for k, v in window.problems.reasons().items()}
    for name, words in lib.skipped.items():
        if "AVHD" in words:
            assert name not in reasons, (name, reasons.get(name))
            continue
        assert reasons.get(name, "").startswith("skipped: "), (name, reasons)
        assert words.split()[-1] in reasons[name], (name, reasons[name])
    assert window.problems_dock.isVisible()
