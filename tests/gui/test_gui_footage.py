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
