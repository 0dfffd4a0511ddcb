"""End to end: ``avhd find`` on the hostile library (tests/hostile.py) with timeline and reel
exports finishes, names every bad entry with its reason, writes one result per good video,
changes no source, leaves no partial file and prints no traceback."""

import hashlib
import os

import pytest
from hostile import make_hostile_library

from core.cli import main
from core.export import load_highlights
from core.fsnames import printable
from core.media import probe
from core.outputs import OUTPUT_DIRNAME

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links"),
]
ARGS = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


def _hashes(paths):
    return {str(p): hashlib.sha256(open(p, "rb").read()).hexdigest() for p in paths}


def _leftovers(root):
    bad = []
    for _dirpath, _dirs, files in os.walk(root):
        bad += [f for f in files if f.endswith(".part") or "avhd-write-test" in f]
    return bad


def test_find_on_the_hostile_library(tmp_path, capsys):
    lib = make_hostile_library(tmp_path / "lib", duration=2.0)
    kept = [*lib.good, *(lib.root / n for n in lib.failed), *lib.outputs[1:]]
    before = _hashes(kept)
    argv = ["find", str(lib.root), *ARGS, "--epochs", "2",
            "--export", "edl", "--export", "fcpxml", "--export", "fcp7",
            "--export", "mp4"]  # fmt: skip
    assert main(argv) == 3  # done, with some files failed (exit status 3)
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text
    assert f"{len(lib.good)} video(s) scored, {len(lib.failed)} failed" in cap.out
    for name, words in lib.skipped.items():
        line = next(ln for ln in cap.out.splitlines() if ln.startswith(f"  SKIPPED {name}:"))
        assert words.split()[-1] in line, line
    for name, words in lib.failed.items():
        line = next(ln for ln in cap.out.splitlines() if ln.startswith(f"  FAILED {name}:"))
        assert words in line, line
    out = lib.root / OUTPUT_DIRNAME
    results = sorted(out.glob("*.highlights.json"))
    assert len(results) == len(lib.good)
    loaded = sorted(h.path for h in load_highlights(out))
    assert loaded == sorted(str(p.resolve()) for p in lib.good)
    for ext in ("edl", "fcpxml", "xml", "mp4"):
        assert (out / f"library.reel.{ext}").stat().st_size > 0
    import opentimelineio as otio

    edl = otio.adapters.read_from_file(str(out / "library.reel.edl"))
    assert len(list(edl.find_clips())) == len(lib.good)  # one piece per good video
    reel = probe(out / "library.reel.mp4")  # one 2 s piece per good video
    assert abs(reel.duration - 2.0 * len(lib.good)) < 0.25, reel.duration
    assert _hashes(kept) == before
    assert _leftovers(lib.root) == []
    assert printable(lib.good[-1].name) in cap.out  # the non-UTF-8 name, printable
