"""Start-up time of the ``avhd`` command line against a bare Python start.

Run: ``python bench/cli.py [--repeat 7] [--compare OTHER_CHECKOUT]``.

Times, in one run and alternating, ``python -c pass`` and ``avhd --help``, ``avhd --version``,
``avhd find --help`` and three usage errors (``find FOLDER --top 0``, ``--export mp5``,
``--padding -2``), each a fresh interpreter (``python -m core.cli`` from this checkout).
Prints the median wall time, the difference to ``python -c pass`` (target: within 0.5 s) and
the ratio. ``--compare DIR`` adds the same commands run from another checkout (e.g. an older
commit) side by side. Wall time on a shared machine is noisy; the medians of alternating runs
are compared, never single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # the checkout whose CLI is timed
TARGET = 0.5  # seconds over a bare interpreter start


def cases(folder: str) -> dict[str, list[str]]:
    return {
        "avhd --help": ["--help"],
        "avhd --version": ["--version"],
        "avhd find --help": ["find", "--help"],
        "find --top 0 (usage error)": ["find", folder, "--top", "0"],
        "find --export mp5 (usage error)": ["find", folder, "--export", "mp5"],
        "find --padding -2 (usage error)": ["find", folder, "--padding", "-2"],
    }


def timed(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command (median)")
    ap.add_argument("--compare", type=Path, help="another checkout to time side by side")
    args = ap.parse_args(argv)
    trees = {"this": HERE} | ({"compare": args.compare.resolve()} if args.compare else {})
    with tempfile.TemporaryDirectory() as folder:
        table = cases(folder)
        runs: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):  # alternate the commands so load spreads over all
            runs.setdefault(("pass", "this"), []).append(
                timed([sys.executable, "-c", "pass"], HERE)
            )
            for name, extra in table.items():
                for tree, root in trees.items():
                    cmd = [sys.executable, "-m", "core.cli", *extra]
                    runs.setdefault((name, tree), []).append(timed(cmd, root))
    base = statistics.median(runs[("pass", "this")])
    print(f"python -c pass: {base:.3f} s (median of {args.repeat})")
    header = "".join(f" | {t}: s, +s over pass, ratio" for t in trees)
    print(f"{'command':<34}{header}")
    worst = 0.0
    for name in table:
        cells = []
        for tree in trees:
            t = statistics.median(runs[(name, tree)])
            cells.append(f" | {t:6.3f} {t - base:+6.3f} {t / base:6.1f}x")
            if tree == "this":
                worst = max(worst, t - base)
        print(f"{name:<34}{''.join(cells)}")
    verdict = "met" if worst <= TARGET else "NOT met"
    print(f"largest difference to python -c pass: {worst:.3f} s (target {TARGET} s: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
