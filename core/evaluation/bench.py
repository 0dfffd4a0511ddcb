"""Run a benchmark protocol over splits and seeds and write its files.

Layout under ``out_dir``::

    SPLIT_seedS/predictions.json   # what the run predicted (see core.evaluation.protocol)
    SPLIT_seedS/metrics.json       # computed from predictions.json
    summary.json                   # config, mean and spread over seeds, timings
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from core.evaluation.evaluate import evaluate_predictions, headline, summarise
from core.evaluation.loaders import Benchmark, load_benchmark
from core.evaluation.protocol import BenchConfig, Split, run_split
from core.fileio import write_json_atomic
from core.progress import CancelToken, ProgressFn, check_cancel, report


def evaluate_file(path: str | Path, bench: Benchmark) -> dict:
    """Metrics of a predictions file, read back from disk."""
    from core.schema import read_json

    data = read_json(path, "predictions file", constants=True)
    return evaluate_predictions(data, bench.labels, bench.domains, bench.name)


_WORKER: dict = {}


def _worker_init(name: str, root: str, threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    _WORKER["bench"] = load_benchmark(name, root)


def _worker_run(split: Split, cfg: BenchConfig, seed: int, path: str) -> dict:
    data = run_split(_WORKER["bench"], split, cfg, seed)
    write_json_atomic(path, data)
    return data["diagnostics"]


def run_bench(
    bench: Benchmark,
    cfg: BenchConfig,
    splits: list[Split],
    seeds: list[int],
    out_dir: str | Path,
    *,
    command: str = "",
    jobs: int = 1,
    threads: int = 1,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> dict:
    """Every (split, seed) run; returns (and writes) the summary.

    ``jobs > 1`` runs that many runs at once in worker processes (each loads the data
    itself and uses ``threads`` torch threads); results do not depend on ``jobs``.
    ``progress(done, total, message)`` counts finished runs.
    """
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tasks = [
        (split, seed, out_dir / f"{split.name}_seed{seed}") for split in splits for seed in seeds
    ]
    total = len(tasks)
    diags: dict[str, dict] = {}
    if jobs > 1 and total > 1:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(
            min(jobs, total), ctx, _worker_init, (bench.name, str(bench.root), threads)
        ) as pool:
            futures = {
                pool.submit(_worker_run, sp, cfg, sd, str(d / "predictions.json")): d
                for sp, sd, d in tasks
            }
            for i, fut in enumerate(futures):
                check_cancel(cancel)
                diags[str(futures[fut])] = fut.result()
                report(progress, i + 1, total, f"run {futures[fut].name}")
    else:
        torch.set_num_threads(threads)
        for i, (split, seed, run_dir) in enumerate(tasks):
            check_cancel(cancel)
            report(progress, i, total, f"run {run_dir.name}")
            data = run_split(bench, split, cfg, seed, cancel=cancel)
            write_json_atomic(run_dir / "predictions.json", data)
            diags[str(run_dir)] = data["diagnostics"]
        report(progress, total, total, "done")
    runs: list[dict] = []
    for split, seed, run_dir in tasks:
        diag = diags[str(run_dir)]
        metrics = evaluate_file(run_dir / "predictions.json", bench)
        metrics["seconds"] = diag["seconds"]
        write_json_atomic(run_dir / "metrics.json", metrics)
        runs.append(
            {
                "split": split.name,
                "seed": seed,
                "metrics": metrics,
                "headline": headline(metrics),
                "seconds": diag["seconds"],
                "collapsed": bool(diag.get("collapsed")),
                "k": (diag.get("categories") or {}).get("k"),
            }
        )
    ensemble = _seed_ensembles(bench, tasks, runs, out_dir) if len(seeds) > 1 else None
    summary = {
        "benchmark": bench.name,
        "command": command,
        "config": cfg.to_dict(),
        "seeds": seeds,
        "splits": [s.name for s in splits],
        "summary": summarise(runs),
        "ensemble": ensemble,
        "runs": [{k: v for k, v in r.items() if k != "metrics"} for r in runs],
        "seconds": round(time.perf_counter() - t0, 1),
        "jobs": jobs,
        "cpu_count": os.cpu_count(),
        "notes": bench.notes,
    }
    write_json_atomic(out_dir / "summary.json", summary)
    return summary


def _seed_ensembles(bench: Benchmark, tasks: list, runs: list[dict], out_dir: Path) -> dict | None:
    """Per split, the mean of the non-collapsed seeds' scores: ``SPLIT_ensemble/`` files.

    Returns the headline averaged over splits (``None`` when no split has two usable seeds).
    """
    import numpy as np

    ok = {(r["split"], r["seed"]) for r in runs if r["metrics"].get("status") == "ok"}
    values = []
    for split_name in dict.fromkeys(sp.name for sp, _, _ in tasks):
        dirs = [d for sp, sd, d in tasks if sp.name == split_name and (sp.name, sd) in ok]
        if len(dirs) < 2:
            continue
        files = [json.loads((d / "predictions.json").read_text(encoding="utf-8")) for d in dirs]
        preds = {
            vid: np.mean([f["predictions"][vid] for f in files], axis=0).tolist()
            for vid in files[0]["predictions"]
        }
        data = {
            "benchmark": bench.name,
            "predictions": preds,
            "config": {**files[0]["config"], "seed": None, "ensemble_of": [str(d) for d in dirs]},
            "split": files[0]["split"],
            "diagnostics": {"collapsed": False, "ensemble": len(dirs)},
        }
        path = write_json_atomic(out_dir / f"{split_name}_ensemble" / "predictions.json", data)
        metrics = evaluate_file(path, bench)
        write_json_atomic(path.parent / "metrics.json", metrics)
        values.append(headline(metrics))
    if not values:
        return None
    return {"headline": float(np.mean(values)), "splits": len(values)}
