"""Metrics from predictions files (STYLE rule 12: evaluation reads score files).

A predictions file is ``{"benchmark": NAME, "predictions": {id: [score...]}, "config": {...}}``
(optionally ``"split"`` and ``"diagnostics"``). :func:`evaluate_predictions` computes the
benchmark's metrics for the ids it holds; :func:`summarise` aggregates runs into mean and
spread over seeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from core.evaluation.metrics import (
    MetricError,
    qvhighlights_metrics,
    tvsum_top5_map,
    youtube_map,
)

METRIC_BENCHMARKS = ("youtube", "tvsum", "qvhighlights")
#: The headline number of each benchmark in a metrics dict.
HEADLINE = {"youtube": "mAP", "tvsum": "mAP", "qvhighlights": "VeryGood.HL-mAP"}


def evaluate_predictions(
    data: Mapping,
    labels: Mapping | Sequence,
    domains: Mapping[str, str] | None = None,
    benchmark: str | None = None,
) -> dict:
    """Metrics of a predictions file's content.

    Args:
        data: the parsed predictions file.
        labels: YouTube ``match`` / TVSum ``anno`` per video id, or the QVHighlights entries.
        domains: domain of each video id (YouTube, TVSum).
        benchmark: overrides ``data["benchmark"]``.

    Every id in ``data["predictions"]`` must be annotated; when the file lists its test
    split (``data["split"]["test"]``) every listed id must have a prediction.
    A run whose diagnostics say it collapsed to a constant output is **not scored**: its
    metrics are ``None`` and ``status`` is ``"collapsed"``.
    """
    name = benchmark or data.get("benchmark")
    if name not in METRIC_BENCHMARKS:
        raise MetricError(f"unknown benchmark {name!r}; valid: {', '.join(METRIC_BENCHMARKS)}")
    preds = {str(k): v for k, v in data["predictions"].items()}
    if not preds:
        raise MetricError("the predictions file holds no predictions")
    expected = (data.get("split") or {}).get("test")
    if expected:
        lacking = [v for v in expected if str(v) not in preds]
        if lacking:
            raise MetricError(f"{len(lacking)} test ids have no prediction, e.g. {lacking[:3]}")
    diag = data.get("diagnostics") or {}
    if name == "qvhighlights":
        by_qid = {str(e["qid"]): e for e in labels}
        unknown = [q for q in preds if q not in by_qid]
        if unknown:
            raise MetricError(f"{len(unknown)} predicted qids are not annotated: {unknown[:3]}")
        out = qvhighlights_metrics(preds, [by_qid[q] for q in preds])
    else:
        unknown = [v for v in preds if v not in labels]
        if unknown:
            raise MetricError(f"{len(unknown)} predicted videos are not annotated: {unknown[:3]}")
        lab = {v: labels[v] for v in preds}
        fn = youtube_map if name == "youtube" else tvsum_top5_map
        out = fn(preds, lab, domains or {})
    out["benchmark"] = name
    if diag.get("collapsed"):
        out = {
            "benchmark": name,
            "status": "collapsed",
            "mAP": None,
            "reason": "the model's scores are constant (collapsed); run not scored",
            "test_score_std": diag.get("test_score_std"),
        }
    else:
        out["status"] = "ok"
    return out


def headline(metrics: Mapping) -> float | None:
    """The benchmark's headline number from a metrics dict (``None`` if not scored)."""
    key = HEADLINE[metrics["benchmark"]]
    cur: object = metrics
    for part in key.split("."):
        if not isinstance(cur, Mapping) or cur.get(part) is None:
            return None
        cur = cur[part]
    return float(cur)  # type: ignore[arg-type]


def _stats(values: list[float]) -> dict:
    arr = np.asarray(values, np.float64)
    if not len(arr):
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0}
    return {
        "mean": float(arr.mean()),
        "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
        "min": float(arr.min()),
        "max": float(arr.max()),
        "n": int(len(arr)),
    }


def summarise(runs: list[dict]) -> dict:
    """Mean and spread over seeds of runs ``{"seed", "split", "metrics"}``.

    For each seed the headline numbers are first averaged over its splits (TVSum's five
    random splits); mean/std (sample std, ``ddof=1``)/min/max are then taken over seeds.
    Per-domain numbers are averaged the same way. Collapsed runs are left out of the
    means and counted in ``collapsed``.
    """
    ok = [r for r in runs if r["metrics"].get("status") == "ok"]
    collapsed = [f"{r['split']}/seed{r['seed']}" for r in runs if r not in ok]
    by_seed: dict[int, list[dict]] = {}
    for r in ok:
        by_seed.setdefault(int(r["seed"]), []).append(r["metrics"])
    per_seed = {s: float(np.mean([headline(m) for m in ms])) for s, ms in by_seed.items()}
    out: dict = {
        "headline": _stats(list(per_seed.values())),
        "per_seed": per_seed,
        "runs": len(runs),
        "collapsed": collapsed,
    }
    extra = "video_mAP"
    if ok and extra in ok[0]["metrics"]:
        vals = [float(np.mean([m[extra] for m in ms])) for ms in by_seed.values()]
        out[extra] = _stats(vals)
    domains: dict[str, list[float]] = {}
    for ms in by_seed.values():
        dom_names = sorted({d for m in ms for d in m.get("domains", {})})
        for d in dom_names:
            vals = [m["domains"][d] for m in ms if d in m.get("domains", {})]
            domains.setdefault(d, []).append(float(np.mean(vals)))
    out["domains"] = {d: _stats(v) for d, v in sorted(domains.items())}
    return out


def format_pm(stats: Mapping, digits: int = 2) -> str:
    """``mean ± std`` as text (``n/a`` when nothing was scored)."""
    if not stats or stats.get("mean") is None:
        return "n/a"
    return f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"
