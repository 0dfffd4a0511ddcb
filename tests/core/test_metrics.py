"""Metrics against hand-computed cases (shared/METRICS.md), and on the real annotations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.evaluation.metrics import (
    MetricError,
    fit_length,
    lower_median,
    qv_ap,
    qvhighlights_gt,
    qvhighlights_metrics,
    stable_rank,
    trapezoid_ap,
    tvsum_top5_map,
    tvsum_video_ap,
    youtube_map,
    youtube_video_ap,
)

BENCH = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"


# --- ranking and trapezoid AP -------------------------------------------------------------


def test_stable_rank_keeps_clip_order_on_ties():
    assert stable_rank(np.array([0.5, 0.9, 0.5, 0.9])).tolist() == [1, 3, 0, 2]


def test_trapezoid_ap_hand_computed():
    # [1, 0, 1]: 0.5*(1+1)/2 + 0 + 0.5*(0.5+2/3)/2
    assert trapezoid_ap([1, 0, 1]) == pytest.approx(0.5 + 0.5 * (0.5 + 2 / 3) / 2)
    # [0, 1]: first step adds 0 and drops prec_prev to 0; then 1*(0+0.5)/2
    assert trapezoid_ap([0, 1]) == pytest.approx(0.25)


def test_trapezoid_ap_all_positive_and_no_positive():
    assert trapezoid_ap([1, 1, 1]) == pytest.approx(1.0)
    assert trapezoid_ap([0, 0, 0]) == 0.0
    assert trapezoid_ap([]) == 0.0


def test_trapezoid_ap_explicit_num_gt():
    # num_gt larger than the hits seen: recall never reaches 1.
    assert trapezoid_ap([1, 0], num_gt=2) == pytest.approx(0.5)


def test_fit_length_truncates_and_pads():
    assert fit_length([1, 2, 3], 2).tolist() == [1.0, 2.0]
    assert fit_length([1], 3).tolist() == [1.0, 0.0, 0.0]


# --- YouTube Highlights -------------------------------------------------------------------


def test_youtube_video_ap_positive_is_match_above_zero():
    # Borderline 0 is negative: only clip 1 is positive and it ranks first.
    assert youtube_video_ap([0.1, 0.9, 0.5], [-1, 1, 0]) == pytest.approx(1.0)


def test_youtube_ties_use_clip_order():
    # All tied: ranking 0, 1, 2 -> labels [0, 0, 1] -> AP = (0 + 1/3)/2.
    assert youtube_video_ap([0.5, 0.5, 0.5], [-1, -1, 1]) == pytest.approx(1 / 6)


def test_youtube_length_mismatch_truncates_or_pads():
    # Longer prediction: extra value ignored. Shorter: zero-padded (pad ranks last here).
    assert youtube_video_ap([0.0, 1.0, 5.0], [-1, 1]) == pytest.approx(1.0)
    assert youtube_video_ap([1.0], [1, -1, 1]) == pytest.approx(trapezoid_ap([1, 0, 1]))


def test_youtube_map_domains_and_no_positive_video():
    preds = {"a": [0.9, 0.1], "b": [0.1, 0.9], "c": [0.3, 0.2]}
    match = {"a": [1, -1], "b": [1, -1], "c": [-1, -1]}
    dom = {"a": "dog", "b": "dog", "c": "surfing"}
    m = youtube_map(preds, match, dom)
    # a: AP 1; b: [0,1] -> 0.25; c: no positive -> 0 (still counted)
    assert m["videos"]["a"] == pytest.approx(100.0)
    assert m["videos"]["b"] == pytest.approx(25.0)
    assert m["domains"] == pytest.approx({"dog": 62.5, "surfing": 0.0})
    assert m["mAP"] == pytest.approx(31.25)
    assert m["n_videos"] == 3


def test_youtube_map_missing_prediction_is_an_error():
    with pytest.raises(MetricError, match="no prediction"):
        youtube_map({}, {"a": [1]}, {"a": "dog"})


# --- TVSum ---------------------------------------------------------------------------------


def test_lower_median_takes_lower_middle_value():
    assert lower_median([4, 1, 3, 2]) == 2.0
    assert lower_median([3, 1, 2]) == 2.0


TV_ANNO = np.array([[1, 5], [2, 1], [3, 1], [4, 1], [5, 1], [5, 2]], float)
TV_SCORES = [0.6, 0.1, 0.2, 0.9, 0.3, 0.8]


def test_tvsum_video_ap_hand_computed():
    # Ranking 3,5,0,4,2 (top 5). Annotator 0: median 3 -> pos {3,4,5} -> [1,1,0,1,0]
    #   AP = 1/3 + 1/3 + 0 + (1/3)(2/3+3/4)/2 = 0.90278
    # Annotator 1: median 1 -> pos {0,5} -> [0,1,1,0,0]: 0 + 0.125 + 0.29167 = 0.41667
    a0 = 2 / 3 + (1 / 3) * (2 / 3 + 3 / 4) / 2
    a1 = 0.5 * 0.5 / 2 + 0.5 * (0.5 + 2 / 3) / 2
    assert tvsum_video_ap(TV_SCORES, TV_ANNO) == pytest.approx((a0 + a1) / 2)


def test_tvsum_all_equal_annotator_has_no_positive():
    anno = np.full((6, 1), 3.0)  # strict '>' median: no positive -> AP 0
    assert tvsum_video_ap(TV_SCORES, anno) == 0.0


def test_tvsum_map_category_mean_and_video_mean():
    annos = {"x": TV_ANNO, "y": TV_ANNO, "z": TV_ANNO}
    perfect = TV_ANNO.mean(1).tolist()
    preds = {"x": TV_SCORES, "y": TV_SCORES, "z": perfect}
    m = tvsum_top5_map(preds, annos, {"x": "BK", "y": "BK", "z": "VT"})
    vx = 100 * tvsum_video_ap(TV_SCORES, TV_ANNO)
    vz = 100 * tvsum_video_ap(perfect, TV_ANNO)
    assert m["domains"]["BK"] == pytest.approx(vx)
    assert m["mAP"] == pytest.approx((vx + vz) / 2)
    assert m["video_mAP"] == pytest.approx((2 * vx + vz) / 3)


def test_tvsum_truncates_predictions_to_annotation():
    longer = TV_SCORES + [10.0]  # a 7th feature row (like kLxoNp-UchI) is ignored
    assert tvsum_video_ap(longer, TV_ANNO) == pytest.approx(tvsum_video_ap(TV_SCORES, TV_ANNO))


# --- QVHighlights ---------------------------------------------------------------------------

QV_ENTRY = {
    "qid": 7,
    "duration": 7,  # int(7 / 2) = 3 clips
    "relevant_clip_ids": [1, 2],
    "saliency_scores": [[4, 0, 2], [1, 4, 3]],
}


def test_qv_gt_matrix():
    gt = qvhighlights_gt(QV_ENTRY)
    assert gt.tolist() == [[0, 0, 0], [4, 0, 2], [1, 4, 3]]


def test_qv_ap_hand_computed_and_edges():
    # Running-max precision at recall changes: 2/3 (recall 1 -> 0.5) and 1 -> 0.8333
    assert qv_ap(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])) == pytest.approx(
        (2 / 3 + 1) / 2
    )
    assert qv_ap(np.zeros(4), np.arange(4.0)) == 0.0
    assert qv_ap(np.ones(4), np.arange(4.0)) == 1.0


def test_qv_metrics_thresholds_and_hit_first_index_on_ties():
    m = qvhighlights_metrics({"7": [0.1, 0.5, 0.5]}, [QV_ENTRY])
    # argmax of a tie -> clip 1 (first index); labels there [4, 0, 2]
    assert m["VeryGood"]["HIT@1"] == pytest.approx(100.0)
    assert m["VeryGood"]["HL-mAP"] == pytest.approx(100 * (0.5 + 0.5 + 0) / 3)
    assert m["Good"]["HL-mAP"] == pytest.approx(50.0)
    assert m["Fair"]["HL-mAP"] == pytest.approx(100 * (0.5 + 0.5 + 1.0) / 3)
    # Ranking the last clip first: its labels at >= 4 are [0, 1, 0] -> hit.
    assert qvhighlights_metrics({"7": [0, 0, 1]}, [QV_ENTRY])["VeryGood"]["HIT@1"] == 100.0
    # Clip 0 first: no annotator says >= 2 there.
    assert qvhighlights_metrics({"7": [1, 0, 0]}, [QV_ENTRY])["Fair"]["HIT@1"] == 0.0


def test_qv_predictions_padded_to_duration():
    short = qvhighlights_metrics({"7": [0.1, 0.5]}, [QV_ENTRY])  # clip 2 padded with 0
    assert short["VeryGood"]["HIT@1"] == 100.0
    assert short["Good"]["HL-mAP"] == pytest.approx(
        qvhighlights_metrics({"7": [0.1, 0.5, 0.0]}, [QV_ENTRY])["Good"]["HL-mAP"]
    )


# --- real annotations (skip when ../shared is absent) ---------------------------------------


@pytest.mark.skipif(not (BENCH / "youtube").is_dir(), reason="../shared/benchmarks absent")
def test_youtube_oracle_on_real_labels():
    from core.evaluation.loaders import load_annotations

    labels, domains = load_annotations("youtube", BENCH / "youtube")
    m = youtube_map({v: (lab > 0).astype(float) for v, lab in labels.items()}, labels, domains)
    # Oracle AP is 100 except for videos without positives, which score 0.
    with_pos = {v for v, lab in labels.items() if (lab > 0).any()}
    assert all(m["videos"][v] == pytest.approx(100.0) for v in with_pos)
    assert all(m["videos"][v] == 0.0 for v in set(labels) - with_pos)


@pytest.mark.skipif(not (BENCH / "qvhighlights").is_dir(), reason="../shared/benchmarks absent")
def test_qvhighlights_oracle_on_real_labels():
    from core.evaluation.loaders import load_qvhighlights

    entries = load_qvhighlights(BENCH / "qvhighlights" / "highlight_val_release.jsonl")[:200]
    preds = {str(e["qid"]): qvhighlights_gt(e).mean(1).tolist() for e in entries}
    m = qvhighlights_metrics(preds, entries)
    assert m["n_queries"] == 200
    # The mean saliency puts a clip any annotator rates highly near the top.
    assert m["Fair"]["HIT@1"] == pytest.approx(100.0)
    assert 50.0 < m["VeryGood"]["HL-mAP"] < 100.0
    # Scoring with one annotator's own saliency: AP 1 for that annotator when it has a
    # positive clip, 0 when it has none (the all-zero rule).
    for e in entries[:50]:
        gt = qvhighlights_gt(e)
        for a in range(3):
            labels = (gt[:, a] >= 4).astype(int)
            assert qv_ap(labels, gt[:, a]) == (1.0 if labels.any() else 0.0)


def test_cli_metrics_qvhighlights(tmp_path, capsys):
    import json

    from core.cli import main

    labels = tmp_path / "qv.jsonl"
    labels.write_text(json.dumps(QV_ENTRY) + "\n")
    preds = tmp_path / "p.json"
    preds.write_text(json.dumps({"benchmark": "qvhighlights", "predictions": {"7": [0, 0, 1]}}))
    rc = main(["metrics", "--benchmark", "qvhighlights", "--predictions", str(preds),
               "--labels", str(labels)])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    # Annotator 0 ([0,1,0]): clip 2 first, clips 0/1 tied -> AP 1/3; annotator 1 ([0,0,1]):
    # AP 1; annotator 2: no positive -> 0. HL-mAP = (1/3 + 1 + 0) / 3.
    assert "VeryGood  (>= 4): HL-mAP 44.44  HIT@1 100.00" in out
    preds.write_text(json.dumps({"benchmark": "qvhighlights", "predictions": {"8": [1]}}))
    assert main(["metrics", "--benchmark", "qvhighlights", "--predictions", str(preds),
                 "--labels", str(labels)]) == 1  # fmt: skip
    assert "not annotated" in capsys.readouterr().err
