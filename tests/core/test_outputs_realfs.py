"""Write failures on real small file systems (a full tmpfs, a read-only one): one line, exit
code 1, no partial file. Needs permission to mount (root in CI containers); skipped without."""

import os
import subprocess

import pytest
from synth import copy_as, make_video

from core.cli import main

ARGS = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu",
        "--progress", "none"]  # stderr holds the error line alone


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


def _mount(point, options):
    point.mkdir()
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                       capture_output=True, text=True)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    return point


@pytest.fixture
def small_fs(tmp_path):
    point = _mount(tmp_path / "small", "size=256k")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def read_only_fs(tmp_path):
    point = _mount(tmp_path / "ro", "ro,size=64k")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture
def lib(tmp_path):
    root = tmp_path / "lib"
    a = make_video(root / "a.mp4", duration=4, video="testsrc", audio="sine:440")
    make_video(root / "b.mp4", duration=4, video="smptebars", audio="noise")
    copy_as(a, root / "c.mov")
    return root


def _one_line(capsys, words):
    err = capsys.readouterr().err
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("[")]  # not progress
    assert words in err and "Traceback" not in err and len(lines) == 1, err


def _partials(folder):
    return [n for n in os.listdir(folder) if n.endswith(".part") or "write-test" in n]


def test_full_disk_during_find_and_train(lib, small_fs, capsys):
    # The results fit; the model (over 256 KiB) does not.
    assert main(["find", str(lib), "--out", str(small_fs), *ARGS, "--train", "--epochs", "1"]) == 1
    _one_line(capsys, "disk full while writing")
    assert _partials(small_fs) == [] and not (small_fs / "model.pt").exists()
    assert main(["train", str(lib), "--out", str(small_fs / "m.pt"), "--epochs", "1", *ARGS]) == 1
    _one_line(capsys, "disk full while writing")
    assert _partials(small_fs) == [] and not (small_fs / "m.pt").exists()
    # what find wrote before the disk filled is AVHD's: a run with room may replace it
    assert main(["find", str(lib), "--out", str(small_fs), *ARGS, "--direct"]) == 0


def test_read_only_folder_is_refused_before_the_work(lib, read_only_fs, tmp_path, capsys):
    argv = ["find", str(lib), "--out", str(read_only_fs), *ARGS, "--train", "--epochs", "1"]
    assert main(argv) == 1
    _one_line(capsys, "Read-only file system")
    target = read_only_fs / "s.json"
    assert main(["extract", str(lib), "--json", str(target), *ARGS[:4]]) == 1
    _one_line(capsys, "Read-only file system")
    model = tmp_path / "m.pt"
    assert main(["train", str(lib), "--out", str(model), "--epochs", "1", *ARGS]) == 0
    capsys.readouterr()
    argv = ["score", str(lib / "a.mp4"), "--model", str(model), "--out", str(read_only_fs)]
    assert main([*argv, *ARGS[4:]]) == 1
    _one_line(capsys, "Read-only file system")
    assert os.listdir(read_only_fs) == []
