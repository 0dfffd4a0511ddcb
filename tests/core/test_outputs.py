"""The output guard, result names and the library manifest (core.outputs, core.resultfiles):
no writer of the CLI overwrites footage or a file AVHD did not write, results never share a
file, stale results are recognised, hand edits survive, write failures are one line."""

import errno
import hashlib
import json
import os
import shutil
import threading

import numpy as np
import pytest
from synth import copy_as, make_text, make_video

from core.artifacts import Segment, VideoHighlights
from core.cli import main
from core.errors import ModelError
from core.export import load_highlights
from core.fsnames import NAME_MAX, printable, result_stem
from core.outputs import MANIFEST_NAME, OUTPUT_DIRNAME, probe_writable
from core.pipeline import FindConfig, find_highlights

FAST = {"visual": "test-colorhist", "audio": "test-bandenergy", "device": "cpu", "epochs": 2,
        "direct": False}  # trains (find scores by the cues alone by default)
ARGS = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu",
        "--progress", "none"]  # stderr holds the error line alone


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    kinds = [("testsrc", "sine:440"), ("smptebars", "noise"), ("color:red", "bursts:1:0.3")]
    return [make_video(d / f"v{i}.mp4", duration=4, video=v, audio=a)
            for i, (v, a) in enumerate(kinds)]  # fmt: skip


@pytest.fixture
def lib(tmp_path, media):
    root = tmp_path / "lib"
    for name, src in zip(["a.mp4", "b.mp4", "c.mp4"], media, strict=True):
        copy_as(src, root / name)
    return root


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _one_line_error(capsys, words):
    err = capsys.readouterr().err
    assert words in err, err
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("[")]  # not progress
    assert "Traceback" not in err and len(lines) == 1, err


def _parts(folder):
    return [p for p in os.listdir(folder) if p.endswith(".part") or "write-test" in p]


# --- the guard --------------------------------------------------------------------------------


def test_extract_json_never_overwrites_a_video_or_a_users_file(lib, tmp_path, capsys):
    before = _sha(lib / "b.mp4")
    assert main(["extract", str(lib), "--json", str(lib / "b.mp4"), *ARGS[:4]]) == 1
    _one_line_error(capsys, "it is a source video")
    assert _sha(lib / "b.mp4") == before
    notes = make_text(tmp_path / "notes.json")
    assert main(["extract", str(lib), "--json", str(notes), *ARGS[:4]]) == 1
    _one_line_error(capsys, "AVHD did not write it")
    ok = tmp_path / "summary.json"
    assert main(["extract", str(lib), "--json", str(ok), *ARGS[:4]]) == 0
    assert main(["extract", str(lib), "--json", str(ok), *ARGS[:4]]) == 0  # its own file
    counts = json.loads(ok.read_text())["counts"]
    assert counts["processed"] + counts["cached"] == 3


def test_export_out_never_overwrites_another_video_or_a_users_file(lib, tmp_path, capsys):
    res = find_highlights(lib, FindConfig(**FAST))
    hl = lib / OUTPUT_DIRNAME / "a.mp4.highlights.json"
    assert res.highlights and hl.is_file()
    other = copy_as(lib / "c.mp4", tmp_path / "elsewhere.mov")  # a video outside the reel
    for target, words in [
        (lib / "b.mp4", "it is a video file"),
        (other, "it is a video file"),
        (make_text(tmp_path / "cut.edl"), "AVHD did not write it"),
    ]:
        before = _sha(target)
        assert main(["export", str(hl), "--format", "edl", "--out", str(target)]) == 1
        _one_line_error(capsys, words)
        assert _sha(target) == before
    out = tmp_path / "reel.edl"
    assert main(["export", str(hl), "--format", "edl", "--out", str(out)]) == 0
    assert main(["export", str(hl), "--format", "edl", "--out", str(out)]) == 0  # AVHD's own


def test_train_out_refuses_a_video_and_zero_epochs_keep_the_model(lib, tmp_path, capsys):
    before = _sha(lib / "a.mp4")
    assert main(["train", str(lib), "--out", str(lib / "a.mp4"), "--epochs", "1", *ARGS]) == 1
    _one_line_error(capsys, "source video")
    assert _sha(lib / "a.mp4") == before
    model = tmp_path / "m.pt"
    assert main(["train", str(lib), "--out", str(model), "--epochs", "2", *ARGS]) == 0
    capsys.readouterr()
    good = _sha(model)
    for epochs in ("0", "-3"):  # refused while parsing (exit 2), the model untouched
        with pytest.raises(SystemExit) as exc:
            main(["train", str(lib), "--out", str(model), "--epochs", epochs, *ARGS])
        assert exc.value.code == 2 and _sha(model) == good
    (tmp_path / MANIFEST_NAME).unlink()  # as written by an AVHD without manifests
    assert main(["train", str(lib), "--out", str(model), "--epochs", "1", *ARGS]) == 0
    foreign = tmp_path / "other.pt"
    foreign.write_bytes(b"PK\x03\x04 someone else's weights")
    assert main(["train", str(lib), "--out", str(foreign), "--epochs", "1", *ARGS]) == 1
    assert foreign.read_bytes().endswith(b"weights")
    from core.model import ModelConfig
    from core.training import preset, train

    with pytest.raises(ModelError, match="at least 1 epoch"):
        train([(np.zeros((3, 4), np.float32), None)], [np.zeros(3)],
              ModelConfig(visual_dim=4, audio_dim=0, variant="visual"),
              preset("default", epochs=0))  # fmt: skip


# --- result names -----------------------------------------------------------------------------


def test_distinct_inputs_get_distinct_result_files(tmp_path, media):
    root = tmp_path / "lib"
    names = ["clip.mp4", "clip.mov", "sub/a.mp4", "sub__a.mp4"]
    for name, src in zip(names, [*media, media[0]], strict=False):
        copy_as(src, root / name)
    res = find_highlights(root, FindConfig(**FAST))
    assert len(res.highlights) == 4
    files = sorted((root / OUTPUT_DIRNAME).glob("*.highlights.json"))
    sources = {json.loads(f.read_text())["source"] for f in files}
    assert len(files) == 4 and sources == {str((root / n).resolve()) for n in names}


def test_result_names_fit_the_file_system_and_never_meet():
    long = "L" * 251 + ".mp4"
    bad = os.fsdecode(b"caf\xe9.mp4")
    names = ["clip.mp4", "clip.mov", "sub/a.mp4", "sub__a.mp4", long, long[1:], bad, "a:b.mp4"]
    stems = [result_stem(f"/r/{n}", "/r") for n in names]
    assert len(set(stems)) == len(stems)
    for s in stems:
        name = f".{s}.highlights.json.XXXXXXXX.json.part"  # the longest temporary name
        assert len(name.encode("utf-8")) <= NAME_MAX
        s.encode("utf-8")  # printable, no surrogates


def test_long_and_non_utf8_names_through_find(tmp_path, media, capsys):
    root = tmp_path / "lib"
    long = copy_as(media[0], root / ("x" * 240 + ".mp4"))
    bad = copy_as(media[1], root / os.fsdecode(b"caf\xe9.mp4"))
    copy_as(media[2], root / "plain.mp4")
    assert main(["find", str(root), *ARGS, "--train", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert printable(bad.name) in out and "3 video(s) scored" in out
    loaded = {h.path for h in load_highlights(root / OUTPUT_DIRNAME)}
    assert loaded == {str(long.resolve()), str(bad.resolve()), str((root / "plain.mp4").resolve())}
    doc = json.loads(next((root / OUTPUT_DIRNAME).glob("caf*.highlights.json")).read_text())
    assert doc["source"].endswith("caf\\xe9.mp4") and doc["source_raw"]
    csv = (root / OUTPUT_DIRNAME / "library_summary.csv").read_text(encoding="utf-8")
    assert "caf\\xe9.mp4" in csv


def test_non_utf8_source_round_trips_through_json(tmp_path):
    path = "/footage/" + os.fsdecode(b"\xff\xfeclip.mp4")
    z = np.zeros(2)
    vh = VideoHighlights(path, 2.0, 4.0, np.array([[0, 2], [2, 4]], float), z, None, z, z,
                         z.astype(int), 0, [Segment(0, 2)])  # fmt: skip
    saved = vh.save(tmp_path / "x.highlights.json")
    saved.read_text(encoding="utf-8")  # valid UTF-8
    assert VideoHighlights.load(saved).path == path


# --- the library manifest ---------------------------------------------------------------------


def test_stale_results_of_removed_videos_are_not_used(lib):
    find_highlights(lib, FindConfig(**FAST))
    out = lib / OUTPUT_DIRNAME
    edited = json.loads((out / "b.mp4.highlights.json").read_text())
    edited["segments"] = []  # a hand-edited result: never deleted
    (out / "b.mp4.highlights.json").write_text(json.dumps(edited))
    (lib / "a.mp4").unlink()
    (lib / "b.mp4").unlink()
    res = find_highlights(lib, FindConfig(**{**FAST, "direct": True}))
    assert not (out / "a.mp4.highlights.json").exists()  # AVHD's own, unchanged: removed
    assert (out / "b.mp4.highlights.json").exists()  # changed by hand: kept, flagged
    assert any("removed stale result a.mp4" in n for n in res.notes)
    assert any("stale result b.mp4" in n and "not used" in n for n in res.notes)
    assert [h.path for h in load_highlights(out)] == [str((lib / "c.mp4").resolve())]


def test_find_on_one_video_keeps_the_librarys_model_and_summary(lib, capsys):
    find_highlights(lib, FindConfig(**FAST))
    out = lib / OUTPUT_DIRNAME
    kept = {n: _sha(out / n) for n in ("model.pt", "library_summary.csv", "a.mp4.highlights.json")}
    assert main(["find", str(lib / "a.mp4"), *ARGS, "--train", "--epochs", "2"]) == 0
    assert {n: _sha(out / n) for n in kept} == kept
    own = out / "find-a.mp4"
    assert (own / "a.mp4.highlights.json").is_file() and (own / "model.pt").is_file()
    assert f"results in {own}" in capsys.readouterr().out
    assert main(["find", str(lib), "--out", str(own), *ARGS, "--train", "--epochs", "2"]) == 1
    _one_line_error(capsys, "holds the results of another library")


def test_score_without_out_keeps_the_librarys_results(lib, capsys):
    res = find_highlights(lib, FindConfig(**FAST))
    out = lib / OUTPUT_DIRNAME
    before = _sha(out / "b.mp4.highlights.json")
    assert main(["score", str(lib / "b.mp4"), "--model", res.model_path, *ARGS[4:]]) == 0
    assert _sha(out / "b.mp4.highlights.json") == before
    assert (out / "score" / "b.mp4.highlights.json").is_file()
    assert [h.path for h in load_highlights(out)].count(str((lib / "b.mp4").resolve())) == 1


def test_find_again_keeps_hand_edits(lib):
    find_highlights(lib, FindConfig(**FAST))
    target = lib / OUTPUT_DIRNAME / "c.mp4.highlights.json"
    doc = json.loads(target.read_text())
    doc["segments"] = [{"start": 0.5, "end": 1.5, "score": 0.9, "keep": True},
                       {"start": 2.0, "end": 3.0, "score": 0.1, "keep": False}]  # fmt: skip
    target.write_text(json.dumps(doc))
    res = find_highlights(lib, FindConfig(**FAST, seed=3))
    again = json.loads(target.read_text())
    assert again["segments"] == doc["segments"]
    assert any("kept the hand-edited segments of c.mp4" in n for n in res.notes)
    untouched = json.loads((lib / OUTPUT_DIRNAME / "a.mp4.highlights.json").read_text())
    assert untouched["segments"]  # results nobody edited are replaced as before


# --- write failures ---------------------------------------------------------------------------


def _fail_under(monkeypatch, folder, code):
    """Make every atomic rename into ``folder`` fail with ``code``; returns an on/off switch."""
    real, switch = os.replace, {"on": True}

    def replace(src, dst, *a, **k):
        if switch["on"] and str(dst).startswith(str(folder)):
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    return switch


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disk full"),
                                         (errno.EROFS, "Read-only file system")])  # fmt: skip
def test_write_failures_are_one_line_and_leave_no_partial_file(
    lib, tmp_path, monkeypatch, capsys, code, words
):
    out = tmp_path / "out"
    out.mkdir()
    switch = _fail_under(monkeypatch, out, code)
    runs = [
        ["find", str(lib), "--out", str(out), *ARGS, "--train", "--epochs", "2"],
        ["extract", str(lib), "--json", str(out / "s.json"), *ARGS[:4]],
        ["train", str(lib), "--out", str(out / "m.pt"), "--epochs", "2", *ARGS],
    ]
    for argv in runs:
        assert main(argv) == 1, argv
        _one_line_error(capsys, words)
        assert _parts(out) == [] and not (out / "m.pt").exists()
    model = tmp_path / "m.pt"
    switch["on"] = False
    assert main(["train", str(lib), "--out", str(model), "--epochs", "2", *ARGS]) == 0
    switch["on"] = True
    capsys.readouterr()
    assert main(["score", str(lib / "a.mp4"), "--model", str(model), "--out", str(out)]) == 1
    _one_line_error(capsys, words)
    assert [p for p in os.listdir(out) if "highlights" in p] == []


def test_unwritable_results_folder_is_refused_before_the_work(lib, tmp_path, monkeypatch, capsys):
    import tempfile

    out = tmp_path / "ro"
    out.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*a, dir=None, **k):
        if dir is not None and str(dir).startswith(str(out)):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    stages = []
    with pytest.raises(Exception, match="cannot write results to .*Read-only"):
        find_highlights(lib, FindConfig(**FAST), out_dir=out,
                        progress=lambda d, t, m: stages.append(m))  # fmt: skip
    assert stages == []  # nothing extracted or trained first


def test_concurrent_write_probes_do_not_race(tmp_path):
    errors = []

    def probe():
        for _ in range(300):
            try:
                probe_writable(tmp_path)
            except Exception as exc:  # noqa: BLE001 - any failure is the race
                errors.append(exc)

    threads = [threading.Thread(target=probe) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and os.listdir(tmp_path) == []


def test_manifest_lists_what_find_wrote(lib):
    find_highlights(lib, FindConfig(**FAST))
    m = json.loads((lib / OUTPUT_DIRNAME / MANIFEST_NAME).read_text())
    assert m["output_folder"] is True and m["library"] == str(lib.resolve())
    assert set(m["results"].values()) == {f"{n}.mp4.highlights.json" for n in "abc"}
    assert {"model.pt", "library_summary.csv"} <= set(m["files"])
    shutil.rmtree(lib / OUTPUT_DIRNAME)


def test_a_renamed_library_still_owns_its_results_folder(lib, tmp_path):
    find_highlights(lib, FindConfig(**{**FAST, "direct": True}))
    moved = lib.rename(tmp_path / "trip 2")
    res = find_highlights(moved, FindConfig(**{**FAST, "direct": True}))
    assert len(res.highlights) == 3


def test_a_video_put_in_place_of_an_avhd_reel_is_not_overwritten(lib, tmp_path, capsys):
    res = find_highlights(lib, FindConfig(**{**FAST, "direct": True}))
    reel = tmp_path / "reel.mp4"
    hl = lib / OUTPUT_DIRNAME / "a.mp4.highlights.json"
    assert main(["export", str(hl), "--format", "mp4", "--out", str(reel)]) == 0
    assert main(["export", str(hl), "--format", "mp4", "--out", str(reel)]) == 0  # AVHD's
    copy_as(lib / "b.mp4", reel)  # the user's own video now, under the reel's name
    before = _sha(reel)
    capsys.readouterr()
    assert main(["export", str(hl), "--format", "mp4", "--out", str(reel)]) == 1
    _one_line_error(capsys, "it is a video file")
    assert _sha(reel) == before and res.highlights


def test_find_export_target_is_checked_before_the_work(lib, capsys):
    find_highlights(lib, FindConfig(**{**FAST, "direct": True}))
    out = lib / OUTPUT_DIRNAME
    theirs = make_text(out / "library.reel.edl", "an editor's own timeline\n")
    before = _sha(theirs), _sha(out / "a.mp4.highlights.json")
    assert main(["find", str(lib), *ARGS, "--train", "--epochs", "1", "--export", "edl"]) == 1
    _one_line_error(capsys, "AVHD did not write it")
    assert (_sha(theirs), _sha(out / "a.mp4.highlights.json")) == before
