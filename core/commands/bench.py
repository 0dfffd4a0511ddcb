"""``avhd bench``: run the unsupervised protocol on YouTube Highlights or TVSum.

Examples::

    avhd bench youtube --out out/bench/youtube --seeds 0 1 2   # recipe avhd (default)
    avhd bench youtube --recipe paper                   # the published method
    avhd bench tvsum --runs 5 --seeds 0 1 2            # five random 80/20 splits
    avhd bench tvsum --split fixed                      # splits.json
    avhd bench youtube --split validate                 # 2-fold CV on training videos
    avhd bench youtube --recipe paper --ph-modality visual   # a paper comparison
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from core.commands._common import add_network_options
from core.commands._types import (
    fraction,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    seed,
    unit_interval,
)

NAME = "bench"
HELP = "run a benchmark protocol (youtube, tvsum): predictions + metrics files per run"
EPILOG = """\
examples:
  avhd bench youtube --out out/bench/youtube --seeds 0 1 2   recipe avhd (default)
  avhd bench youtube --recipe paper                          the published method
  avhd bench tvsum --runs 5 --seeds 0 1 2                    five random 80/20 splits
  avhd bench youtube --split validate                        2-fold CV on training videos

exit status: 0 every run scored, 3 some runs collapsed, 1 error, 2 usage error
"""

# Options that a recipe may set; None on the command line means "the recipe's value".
_OVERRIDES = (
    "scorer",
    "categories",
    "similarity",
    "cue",
    "ph_modality",
    "ph_top",
    "variant",
    "loss",
    "weight_decay",
    "dropout",
    "context",
    "category_heads",
    "centre",
    "preset",
    "lr",
    "epochs",
    "batch_size",
    "max_clips",
    "fraction",
    "targets",
    "blend",
    "k_min",
    "k_max",
    "k_by",
    "self_train",
    "device",
    "feedback_scope",
    "feedback_learner",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from core.commands._common import VARIANT_NAMES as VARIANTS  # no torch import
    from core.evaluation.loaders import BENCHMARKS
    from core.evaluation.protocol import CATEGORY_MODES, RECIPES, SCORERS, TARGETS
    from core.pseudo import MODALITIES, SIMILARITIES

    p.add_argument("benchmark", choices=BENCHMARKS, help="benchmark to run")
    p.add_argument("--data", type=Path, default=None, help="default ../shared/benchmarks/NAME")
    p.add_argument("--out", type=Path, default=None, help="default out/bench/NAME-RECIPE")
    p.add_argument("--seeds", type=seed, nargs="+", default=[0, 1, 2], help="training seeds")
    split = p.add_mutually_exclusive_group()
    split.add_argument(
        "--runs",
        type=positive_int,
        default=None,
        help="N seeded random 80/20 splits (TVSum default 5)",
    )
    split.add_argument(
        "--split",
        choices=("fixed", "random", "validate"),
        default=None,
        help="fixed = splits.json (YouTube default); random = --runs random splits; "
        "validate = 2-fold cross-validation on the training videos only (to choose options)",
    )
    p.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default="avhd",
        help="named set of the options below: avhd (default, our best; 2-4 min on YouTube), "
        "avhd-net, avhd-direct, paper (the published method)",
    )
    p.add_argument("--preset", default=None, help="training preset (default: the benchmark's)")
    p.add_argument(
        "--scorer",
        choices=SCORERS,
        default=None,
        help="network (the method), direct (pseudo-highlights as predictions), "
        "supervised (real labels: upper bound), ridge (closed-form ridge regression on the "
        "real labels: the reference for supervised), random",
    )
    p.add_argument(
        "--categories",
        choices=CATEGORY_MODES,
        default=None,
        help="pseudo (the method) or real (domains; ablation only)",
    )
    p.add_argument(
        "--similarity", choices=SIMILARITIES, default=None, help="pseudo-highlight similarity"
    )
    p.add_argument("--cue", default=None, help="cue(s) of core.scorers; a+b fuses ranks")
    p.add_argument(
        "--ph-modality",
        choices=MODALITIES,
        default=None,
        help="pseudo-highlights from both (av), audio or visual",
    )
    p.add_argument("--ph-top", type=fraction, default=None, help="positive fraction per video")
    p.add_argument(
        "--variant",
        choices=VARIANTS,
        default=None,
        help="network: bimodal, single modality, early/late fusion, large",
    )
    add_network_options(p, default=None)
    p.add_argument(
        "--category-heads",
        action="store_const",
        const=True,
        default=None,
        help="supervised bound only: one output head per domain (a test video is scored by "
        "its domain's head)",
    )
    p.add_argument(
        "--fraction",
        type=fraction,
        default=None,
        help="fraction of the training videos used (0.25, 0.5, 0.75, 1)",
    )
    p.add_argument(
        "--targets", choices=TARGETS, default=None,
        help="hard 0/1 pseudo-labels or soft ranks; with --scorer supervised or ridge: "
        "the binary real labels (hard) or their ranks within each video (soft: TVSum's "
        "mean annotator score, YouTube's match -1/0/1)"
    )
    p.add_argument(
        "--blend", type=unit_interval, default=None, help="weight of direct pseudo-highlight ranks"
    )
    p.add_argument("--lr", type=positive_float, default=None, help="learning rate")
    p.add_argument("--weight-decay", type=non_negative_float, default=None,
                   help="Adam weight decay (default: the preset's, 1e-4)")
    p.add_argument("--dropout", type=unit_interval, default=None,
                   help="the network's dropout (default 0.1)")
    p.add_argument("--epochs", type=positive_int, default=None, help="training epochs")
    p.add_argument(
        "--batch-size", type=positive_int, default=None, help="videos per training batch"
    )
    p.add_argument(
        "--max-clips",
        type=positive_int,
        default=None,
        help="training/scoring window length in clips",
    )
    p.add_argument(
        "--k-min", type=positive_int, default=None, help="fewest pseudo-categories tried"
    )
    p.add_argument(
        "--k-max", type=positive_int, default=None, help="most pseudo-categories tried"
    )
    p.add_argument(
        "--k-by",
        choices=("descriptors", "embedding"),
        default=None,
        help="where the silhouette that chooses K is read: the video descriptors (default "
        "of the cue recipes) or the UMAP embedding (the paper; its recipes)",
    )
    p.add_argument(
        "--self-train",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="self-training rounds: retrain on the previous network's training-video ranks "
        "blended with the pseudo-highlight ranks (default 0)",
    )
    p.add_argument(
        "--device",
        default=None,
        choices=("auto", "cpu", "cuda"),
        help="cpu (default), cuda or auto",
    )
    p.add_argument(
        "--feedback",
        type=non_negative_int,
        nargs="+",
        default=None,
        metavar="K",
        help="simulate an editor reviewing K random training videos per domain (keep, "
        "discard, trim, add one missed run) and learn from those edits; several K run one "
        "after the other into OUT/feedbackK (the library is fitted once per split and seed)",
    )
    p.add_argument(
        "--feedback-scope",
        choices=("domain", "library"),
        default=None,
        help="one learned head for the whole library, as the app (default), or one per domain",
    )
    p.add_argument(
        "--feedback-learner",
        choices=("pairwise", "pointwise"),
        default=None,
        help="pairwise: kept clips rank above discarded ones (default); pointwise: ridge on "
        "0/1 labels (comparison)",
    )
    p.add_argument(
        "--feedback-unguarded",
        dest="feedback_guard",
        action="store_false",
        help="use the learned head without checking it on the reviewed videos (comparison)",
    )
    p.add_argument(
        "--jobs", type=positive_int, default=2, help="runs at once in worker processes (default 2)"
    )
    p.add_argument("--threads", type=positive_int, default=1, help="torch threads per run")


def config_from_args(args: argparse.Namespace):
    """The run configuration (a ``BenchConfig``): the recipe, then every option given."""
    from core.evaluation.protocol import recipe_config

    overrides = {k: getattr(args, k) for k in _OVERRIDES if getattr(args, k, None) is not None}
    if not getattr(args, "feedback_guard", True):
        overrides["feedback_guard"] = False
    return recipe_config(args.recipe, args.benchmark, **overrides)


def _progress(done: int, total: int, msg: str) -> None:
    print(f"\r[{done}/{total}] {msg}        ", end="", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from core.evaluation.bench import run_bench
    from core.evaluation.evaluate import format_pm
    from core.evaluation.loaders import default_root, load_benchmark
    from core.evaluation.protocol import make_splits

    cfg = config_from_args(args)
    mode = args.split or ("random" if args.runs or args.benchmark == "tvsum" else "fixed")
    runs = args.runs or 5
    bench = load_benchmark(args.benchmark, args.data or default_root(args.benchmark))
    splits = make_splits(bench, mode, runs)
    out = args.out or Path("out") / "bench" / f"{args.benchmark}-{args.recipe}"
    command = "avhd " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    if args.feedback:
        return _run_feedback(args, cfg, bench, splits, out, command)
    summary = run_bench(
        bench,
        cfg,
        splits,
        list(args.seeds),
        out,
        command=command,
        jobs=args.jobs,
        threads=args.threads,
        progress=_progress,
    )
    print(file=sys.stderr)
    s = summary["summary"]
    label = "mAP" if args.benchmark == "youtube" else "top-5 mAP"
    print(
        f"{args.benchmark} {label}: {format_pm(s['headline'])} over seeds {args.seeds} "
        f"({len(splits)} split(s), {summary['seconds']:.0f} s)"
    )
    for d, st in s["domains"].items():
        print(f"  {d:<12} {format_pm(st)}")
    if summary.get("ensemble"):
        print(f"  seed ensemble (mean of the seeds' scores): {summary['ensemble']['headline']:.2f}")
    if s["collapsed"]:
        print(
            f"WARNING: {len(s['collapsed'])} run(s) collapsed to a constant output and were "
            f"not scored: {', '.join(s['collapsed'])}",
            file=sys.stderr,
        )
    print(f"files: {out}")
    return 0 if not s["collapsed"] else 3


def _run_feedback(args, cfg, bench, splits, out: Path, command: str) -> int:
    """``--feedback K [K ...]``: one protocol per K into OUT/feedbackK, then a table."""
    from dataclasses import replace

    from core.evaluation.bench import run_bench
    from core.evaluation.feedback import feedback_table

    for k in args.feedback:
        run_bench(bench, replace(cfg, feedback=k), splits, list(args.seeds),
                  out / f"feedback{k}", command=command, jobs=1, threads=args.threads,
                  progress=_progress)
        print(file=sys.stderr)
    table = feedback_table(out, list(args.feedback))
    label = "mAP" if args.benchmark == "youtube" else "top-5 mAP"
    print(f"{args.benchmark} {label} after feedback ({len(splits)} split(s) x seeds {args.seeds}; "
          "each seed draws its own reviewed videos)")
    head = f"{'K':>3} {'mean':>7} {'sd':>6} {'min':>7} {'vs K=0':>7} {'clicks':>7}"
    print(f"{head} {'head used':>10}")
    for row in table["rows"]:
        print(f"{row['k']:>3} {row['mean']:>7.2f} {row['sd']:>6.2f} {row['min']:>7.2f} "
              f"{row['gain']:>+7.2f} {row['clicks']:>7.1f} {row['used']:>10.2f}")
    print(f"files: {out} (feedback.json: this table)")
    return 0
