"""What counts as footage (core.footage): non-regular files and AVHD's own outputs are
skipped with a reason, without ever being opened."""

import os
import threading

import pytest
from hostile import NON_UTF8_NAME, make_hostile_library
from synth import copy_as

from core.cache import content_fingerprint
from core.errors import MediaError
from core.extract import extract_library, find_videos
from core.outputs import OUTPUT_DIRNAME, Manifest, record_written

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and symbolic links")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return make_hostile_library(tmp_path_factory.mktemp("hostile") / "lib", duration=2.0)


def _release(fifo):
    """Unblock a reader stuck in open() of ``fifo`` (only the old code gets there)."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def test_scan_lists_the_good_videos_and_a_reason_for_every_bad_entry(hostile):
    videos, skipped = find_videos(hostile.root)
    opened = [*hostile.good, *(hostile.root / n for n in hostile.failed)]  # fail when probed
    assert sorted(map(str, videos)) == sorted(map(str, opened))
    reasons = {os.path.basename(r.path): r.reason for r in skipped}
    for name, words in hostile.skipped.items():
        assert name in reasons, name
        assert words.split()[-1] in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name]
    assert all(r.status == "skipped" for r in skipped)
    assert not any(OUTPUT_DIRNAME in r.path for r in skipped)  # a whole folder, not listed


def test_explicit_inputs_that_are_not_files_are_skipped_with_their_reason(hostile):
    names = ["x.mp4", "z.mp4", "loop.mp4", "dangling.mp4"]
    videos, skipped = find_videos([hostile.root / n for n in names])
    assert videos == []
    got = {os.path.basename(r.path): r.reason for r in skipped}
    assert "named pipe" in got["x.mp4"] and "device" in got["z.mp4"]
    assert "loop" in got["loop.mp4"] and "dangling" in got["dangling.mp4"]


def test_fingerprint_of_a_fifo_neither_blocks_nor_reads(hostile):
    fifo = hostile.root / "x.mp4"
    box = {}

    def run():
        try:
            content_fingerprint(fifo)
        except MediaError as exc:
            box["error"] = str(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=10)
    if t.is_alive():
        _release(fifo)
        t.join(timeout=5)
        pytest.fail("content_fingerprint blocked in open() of a FIFO")
    assert "not a regular file" in box["error"]


def test_extract_of_the_hostile_library_finishes(hostile):
    from synth import BandEnergy, ColorHistogram

    box = {}

    def run():
        box["rep"] = extract_library(hostile.root, ColorHistogram(), BandEnergy())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout=120)
    if t.is_alive():
        _release(hostile.root / "x.mp4")
        t.join(timeout=30)
        pytest.fail("extract_library hung on the hostile library")
    rep = box["rep"]
    by_name = {os.path.basename(r.path): r for r in rep.results}
    assert {os.path.basename(str(p)) for p in hostile.good} <= {
        n for n, r in by_name.items() if r.status in ("processed", "cached")
    }
    for name, words in hostile.failed.items():
        assert by_name[name].status == "failed" and words in by_name[name].reason
    assert by_name[NON_UTF8_NAME].n_clips == 1


def test_avhd_outputs_are_not_footage(tmp_path, synth_media):
    lib = tmp_path / "lib"
    a = copy_as(synth_media("a.mp4", duration=2), lib / "a.mp4")
    copy_as(a, lib / OUTPUT_DIRNAME / "library.reel.mp4")
    copy_as(a, lib / "a.reel.mp4")  # an older AVHD's reel beside its source
    out = copy_as(a, lib / "mine" / "reel.mp4")  # a --out folder AVHD marked as its own
    record_written(out, "reel", output_folder=True)
    beside = copy_as(a, lib / "best bits.mov")  # a reel exported beside the videos
    record_written(beside, "reel")
    videos, skipped = find_videos(lib)
    assert [p.name for p in videos] == ["a.mp4"]
    assert {os.path.basename(r.path) for r in skipped} == {"a.reel.mp4", "best bits.mov"}


def test_a_recorded_file_that_was_replaced_is_footage_again(tmp_path, synth_media):
    lib = tmp_path / "lib"
    reel = copy_as(synth_media("a.mp4", duration=2), lib / "reel.mp4")
    record_written(reel, "reel")
    assert find_videos(lib)[0] == []
    copy_as(synth_media("b.mp4", duration=2, video="smptebars"), reel)  # the user's own clip
    os.utime(reel, ns=(1, 1))
    assert find_videos(lib)[0] == [reel]
    assert Manifest.load(lib).owns("reel.mp4")  # listed, but no longer AVHD's bytes
