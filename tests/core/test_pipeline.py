"""The library pipeline (find / train / score) with small real test extractors."""

import csv
import json
from types import SimpleNamespace

import numpy as np
import pytest
from synth import make_text, make_video

from core.cli import main
from core.errors import AvhdError, Cancelled, ModelError
from core.pipeline import FindConfig, find_highlights
from core.progress import CancelToken

FAST = {"visual": "test-colorhist", "audio": "test-bandenergy", "device": "cpu", "epochs": 3,
        "direct": False}
VIDEOS = [
    ("testsrc", "sine:440"),
    ("smptebars", "sine:880"),
    ("color:red", "noise"),
    ("color:blue", "bursts:1:0.3"),
    ("colors:red,green", "tones:300,600"),
    ("rgbtestsrc", "sine:1200"),
    ("noise", None),  # the last one has no audio stream
]


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("lib")
    for i, (v, a) in enumerate(VIDEOS):
        make_video(root / f"clip {i}.mp4", duration=8, video=v, audio=a)
    make_text(root / "broken.mp4")
    return root


def test_find_on_a_library_with_bad_and_silent_files(library, tmp_path):
    seen, errors, stages = [], [], set()
    out = tmp_path / "out"
    res = find_highlights(
        library,
        FindConfig(**FAST),
        out_dir=out,
        progress=lambda d, t, m: stages.add(m.split(":")[0]),
        on_video=lambda h: seen.append(h.path),
        on_error=lambda p, r: errors.append((p, r)),
    )
    assert len(res.highlights) == 7 and len(seen) == 7
    assert [p for p, _ in errors] == [str(library / "broken.mp4")]
    assert "not a readable media file" in errors[0][1] or errors[0][1]
    assert {"extract", "categories", "pseudo", "train", "score"} <= stages
    silent = res.highlights[str((library / "clip 6.mp4").resolve())]
    assert not silent.has_audio and silent.a_ph is None
    np.testing.assert_allclose(silent.av_ph, silent.v_ph)
    for h in res.highlights.values():
        assert h.n_clips == 4 and h.segments and 0 <= h.score.min() <= h.score.max() <= 1
        assert sum(h.pseudo_label) == 2
    files = sorted(p.name for p in out.iterdir())
    assert "model.pt" in files and "library_summary.csv" in files
    assert sum(f.endswith(".highlights.json") for f in files) == 7
    rows = list(csv.DictReader((out / "library_summary.csv").open()))
    assert [r["status"] for r in rows].count("failed") == 1
    doc = json.loads((out / "clip 0.mp4.highlights.json").read_text())
    assert doc["source"] == str((library / "clip 0.mp4").resolve())
    assert len(doc["clips"]) == 4 and doc["segments"][0]["keep"] is True


def test_results_never_land_among_sources_and_reuse_a_model(library, tmp_path):
    res = find_highlights(library, FindConfig(**FAST))  # default: FOLDER/avhd_highlights
    out = library / "avhd_highlights"
    assert res.out_dir == str(out) and (out / "model.pt").is_file()
    again = find_highlights(
        library, FindConfig(**FAST, model_path=str(out / "model.pt")), write=False
    )
    assert again.checkpoint is not None and not again.out_dir
    for path, h in again.highlights.items():
        np.testing.assert_allclose(h.score, res.highlights[path].score, atol=1e-5)


def test_direct_mode_scores_by_pseudo_highlights(library):
    res = find_highlights(library, FindConfig(**{**FAST, "direct": True}), write=False)
    for h in res.highlights.values():
        np.testing.assert_array_equal(h.score, h.av_ph)
    assert res.checkpoint is None


def test_cancel_stops_the_run(library):
    token = CancelToken()

    def progress(done, total, msg):
        if msg.startswith("train"):
            token.cancel()

    with pytest.raises(Cancelled):
        find_highlights(library, FindConfig(**FAST), write=False, progress=progress, cancel=token)


def test_unwritable_output_is_a_clear_error(library, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AvhdError, match="cannot write results"):
        find_highlights(library, FindConfig(**FAST), out_dir=blocker / "out")


def test_cli_train_then_score_and_refuse_other_features(library, tmp_path, capsys):
    model = tmp_path / "m.pt"
    fast = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]
    # exit 3: the library's broken.mp4 failed, the model was trained on the others
    assert main(["train", str(library), "--out", str(model), "--epochs", "2", *fast]) == 3
    captured = capsys.readouterr().out
    assert "model written" in captured and "FAILED broken.mp4" in captured
    out = tmp_path / "scored"
    assert (
        main(["score", str(library / "clip 1.mp4"), "--model", str(model), "--out", str(out)]) == 0
    )
    doc = json.loads((out / "clip 1.mp4.highlights.json").read_text())
    assert len(doc["clips"]) == 4 and doc["segments"]
    assert (
        main(
            [
                "score",
                str(library / "clip 1.mp4"),
                "--model",
                str(model),
                "--direct",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    doc = json.loads((out / "clip 1.mp4.highlights.json").read_text())
    assert [c["score"] for c in doc["clips"]] == [c["av_ph"] for c in doc["clips"]]
    assert (
        main(
            [
                "train",
                str(library),
                "--out",
                str(tmp_path / "t.pt"),
                "--init",
                str(model),
                "--epochs",
                "1",
                *fast,
            ]
        )
        == 3
    )
    from core.training import Checkpoint

    with pytest.raises(ModelError, match="trained on test-colorhist"):
        Checkpoint.load(model).check_features("effnet-lite0", "yamnet", 1280, 1024)
    assert main(["find", str(tmp_path / "nothing-here")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_default_model_blends_its_ranks_with_the_pseudo_highlights(library):
    """The app default (the ``avhd`` recipe): soft targets, scores = half network rank, half
    pseudo-highlight rank; blend 0 with hard targets gives the paper's raw network output."""
    from core.pipeline import analyse, extract_for
    from core.pseudo import rank01
    from core.training import predict

    cfg = FindConfig(**FAST)
    feats = extract_for(sorted(str(p) for p in library.glob("clip *.mp4")), cfg).features
    results, ckpt, _, _ = analyse(feats, cfg)
    assert ckpt.info["targets"] == "soft" and ckpt.info["blend"] == 0.5
    for f, h in zip(feats, results, strict=True):
        net = predict(ckpt, f.visual, f.audio, device="cpu")
        np.testing.assert_allclose(h.score, 0.5 * rank01(net) + 0.5 * rank01(h.av_ph))
    raw_cfg = FindConfig(**FAST, blend=0.0, targets="hard")
    raw, raw_ckpt, _, _ = analyse(feats, raw_cfg)
    assert raw_ckpt.info["blend"] == 0.0 and raw_ckpt.info["targets"] == "hard"
    for f, h in zip(feats, raw, strict=True):
        np.testing.assert_allclose(h.score, predict(raw_ckpt, f.visual, f.audio, device="cpu"))
    with pytest.raises(AvhdError, match="blend must be between 0 and 1"):
        analyse(feats, FindConfig(**FAST, blend=1.5))


def test_training_targets_and_blended_scores():
    from core.pipeline import blended_scores
    from core.pseudo import training_targets

    av = np.array([0.3, 0.1, 0.9, 0.5])
    assert training_targets([av], "hard")[0].tolist() == [0, 0, 1, 1]
    assert training_targets([av], "hard", top=0.25)[0].tolist() == [0, 0, 1, 0]
    np.testing.assert_allclose(training_targets([av], "soft")[0], [1 / 3, 0, 1, 2 / 3])
    with pytest.raises(AvhdError, match="unknown targets"):
        training_targets([av], "fuzzy")
    net = np.array([0.2, 0.4, 0.6, 0.8])
    old_model = SimpleNamespace(info={}, collapsed=False)  # from before blending: raw output
    assert blended_scores(old_model, [net], [av])[0] is net
    collapsed = SimpleNamespace(info={"blend": 0.25}, collapsed=True)
    assert blended_scores(collapsed, [net], [av])[0] is av
    np.testing.assert_allclose(
        blended_scores(SimpleNamespace(info={"blend": 0.25}, collapsed=False), [net], [av])[0],
        0.75 * np.array([0, 1, 2, 3]) / 3 + 0.25 * np.array([1, 0, 3, 2]) / 3,
    )


def test_cli_rejects_a_blend_outside_0_1_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["find", str(tmp_path), "--blend", "1.5"])
    assert exc.value.code == 2
    assert "--blend: must be between 0 and 1, got 1.5" in capsys.readouterr().err


def test_a_collapsed_model_is_reported_and_ranks_by_pseudo_highlights(library, monkeypatch):
    from core import training
    from core.pipeline import COLLAPSE_NOTE, COLLAPSE_TAG, analyse, extract_for

    monkeypatch.setattr(training, "COLLAPSE_STD", float("inf"))  # every model counts as collapsed
    cfg = FindConfig(**FAST)
    feats = extract_for(sorted(str(p) for p in library.glob("clip *.mp4")), cfg).features
    results, ckpt, _, notes = analyse(feats, cfg)
    assert ckpt.collapsed and COLLAPSE_NOTE in notes
    for h in results:
        np.testing.assert_array_equal(h.score, h.av_ph)
        assert h.model.endswith(COLLAPSE_TAG)


def test_score_find_model_and_the_apps_reselection_pick_the_same_segments(
    library, tmp_path, monkeypatch
):
    """Same model, same video: ``avhd score``, ``avhd find --model`` and the app's
    re-selection (core.scoring.select on the saved JSON, what avhd_gui.editing.reselect
    calls) give the same segments. The network here is exactly anti-ranked to the
    pseudo-highlights, so the blended scores are all tied and only the tie-break decides."""
    from core import pipeline
    from core.scoring import Reference, select

    real_predict = pipeline.predict_many

    def anti_ranked(ckpt, videos, device="auto", cancel=None):
        real_predict(ckpt, videos, device=device, cancel=cancel)
        ref = Reference.from_checkpoint(ckpt.arrays, ckpt.info)
        return [-vs.pseudo.av_ph for vs in ref.score(videos)]

    fast = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]
    model = tmp_path / "m.pt"
    bad = 3  # exit status: done, but the library holds a broken file
    assert main(["train", str(library), "--out", str(model), "--epochs", "2", *fast]) == bad
    monkeypatch.setattr(pipeline, "predict_many", anti_ranked)
    found = tmp_path / "found"
    assert main(["find", str(library), "--model", str(model), "--out", str(found), *fast]) == bad
    for i in range(len(VIDEOS)):
        name = f"clip {i}"
        scored = tmp_path / "scored"
        assert main(["score", str(library / f"{name}.mp4"), "--model", str(model),
                     "--out", str(scored)]) == 0  # fmt: skip
        a = json.loads((found / f"{name}.mp4.highlights.json").read_text())
        b = json.loads((scored / f"{name}.mp4.highlights.json").read_text())
        assert [c["score"] for c in a["clips"]] == pytest.approx([c["score"] for c in b["clips"]])
        assert len({round(c["score"], 9) for c in a["clips"]}) == 1  # all tied
        assert a["segments"] == b["segments"] and a["category"] == b["category"]
        assert {"recurrence", "contrast", "activity", "motion"} <= set(a["cues"])
        assert ("loudness" in a["cues"]) == a["has_audio"]
        assert a["cues"].keys() == b["cues"].keys()
        for cue, curve in a["cues"].items():
            assert curve == pytest.approx(b["cues"][cue]), cue
        from core.artifacts import VideoHighlights

        vh = VideoHighlights.from_dict(b)
        app = select(vh.bounds, vh.score, vh.duration, tiebreak=vh.av_ph, top_fraction=0.2)
        assert [s.to_dict() for s in app] == a["segments"]
