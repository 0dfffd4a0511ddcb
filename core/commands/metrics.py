"""``avhd metrics``: the benchmark metrics of any predictions file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "metrics"
HELP = "compute benchmark metrics (mAP, top-5 mAP, HL-mAP/HIT@1) from a predictions file"
EPILOG = """\
examples:
  avhd metrics --benchmark youtube --predictions out/bench/youtube-avhd/seed0/predictions.json
  avhd metrics --benchmark tvsum --predictions preds.json --per-video --json

exit status: 0 scored, 3 the predictions were not scored (collapsed), 1 error, 2 usage error
"""

QV_DEFAULT = "highlight_val_release.jsonl"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from core.evaluation.evaluate import METRIC_BENCHMARKS

    p.add_argument(
        "--benchmark", required=True, choices=METRIC_BENCHMARKS, help="which benchmark's labels"
    )
    p.add_argument(
        "--predictions",
        required=True,
        type=Path,
        help='JSON file {"benchmark": ..., "predictions": {id: [score, ...]}, "config": {...}}',
    )
    p.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="annotation file or benchmark folder (youtube/tvsum: NAME_anno.json; "
        "qvhighlights: the jsonl); default ../shared/benchmarks/NAME",
    )
    p.add_argument("--json", action="store_true", help="print the full metrics as JSON")
    p.add_argument("--per-video", action="store_true", help="also print each video's AP")


def compute(benchmark: str, predictions: Path, labels: Path | None) -> dict:
    """Metrics of ``predictions`` against the annotations at ``labels``."""
    from core.evaluation.evaluate import evaluate_predictions
    from core.evaluation.loaders import (
        default_root,
        load_annotations,
        load_predictions,
        load_qvhighlights,
    )

    data = load_predictions(predictions)
    if benchmark == "qvhighlights":
        path = labels or default_root("qvhighlights")
        if path.is_dir():
            path = path / QV_DEFAULT
        return evaluate_predictions(data, load_qvhighlights(path), benchmark=benchmark)
    lab, dom = load_annotations(benchmark, labels)
    return evaluate_predictions(data, lab, dom, benchmark=benchmark)


def format_metrics(m: dict, per_video: bool = False) -> str:
    """Human-readable lines (percentages, two decimals)."""
    lines = []
    if m.get("status") == "collapsed":
        return f"{m['benchmark']}: NOT SCORED - {m['reason']}"
    if m["benchmark"] == "qvhighlights":
        lines.append(f"QVHighlights, {m['n_queries']} queries")
        for name in ("VeryGood", "Good", "Fair"):
            r = m[name]
            lines.append(
                f"  {name:<9} (>= {r['threshold']}): HL-mAP {r['HL-mAP']:.2f}  "
                f"HIT@1 {r['HIT@1']:.2f}"
            )
        return "\n".join(lines)
    label = "mAP" if m["benchmark"] == "youtube" else "top-5 mAP"
    lines.append(f"{m['benchmark']}: {label} {m['mAP']:.2f} over {m['n_videos']} videos")
    if "video_mAP" in m:
        lines.append(f"  plain mean over videos: {m['video_mAP']:.2f}")
    for d, v in m["domains"].items():
        lines.append(f"  {d:<12} {v:.2f}")
    if per_video:
        for vid, ap in m["videos"].items():
            lines.append(f"    {vid} {ap:.2f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    m = compute(args.benchmark, args.predictions, args.labels)
    if args.json:
        json.dump(m, sys.stdout, indent=2)
        print()
    else:
        print(format_metrics(m, args.per_video))
    return 0 if m.get("status") == "ok" else 3
