"""Shot detection (``core.shots.detect_cuts``) with PyAV's decoder threads against one thread.

Run: ``python bench/shots.py [--folder ../shared/media] [--repeat 3] [--film]``

Each file of the folder (the 10-minute ``bbb_full_360p.mp4`` only with ``--film``) is searched
for cuts with ``threading="AUTO"`` and with ``threading=None``, alternately, ``--repeat``
times; the table gives the median wall seconds of each, their ratio, and whether both found
the same cuts (they must). Target: auto / single <= 0.8 on the film.

Measured (2 shared cores, load about 13, ``--repeat 1 --film``, two runs): the film 0.68
(21.1 s / 30.9 s, the same 133 cuts), all files 0.72 and 0.73; the short clips alone
(``--repeat 3``) 0.98, so the gain is on long footage.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FILM = "bbb_full_360p.mp4"


def timed(path: Path, threading: str | None):
    from core.shots import detect_cuts

    t0 = time.perf_counter()
    found = detect_cuts(path, threading=threading)
    return time.perf_counter() - t0, [round(float(c), 4) for c in found.cuts]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folder", type=Path, default=ROOT.parent / "shared" / "media")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--film", action="store_true", help=f"include {FILM}")
    args = ap.parse_args()
    files = sorted(p for p in args.folder.iterdir()
                   if p.suffix.lower() in {".mp4", ".webm", ".mpg", ".mov", ".mkv"}
                   and (args.film or p.name != FILM))
    print(f"{'file':<32} {'auto s':>8} {'single s':>9} {'ratio':>6}  same cuts")
    total = {"AUTO": 0.0, None: 0.0}
    for path in files:
        times = {"AUTO": [], None: []}
        cuts = {}
        for _ in range(args.repeat):
            for mode in ("AUTO", None):
                seconds, cuts[mode] = timed(path, mode)
                times[mode].append(seconds)
        auto, single = statistics.median(times["AUTO"]), statistics.median(times[None])
        total["AUTO"] += auto
        total[None] += single
        print(f"{path.name:<32} {auto:>8.2f} {single:>9.2f} {auto / single:>6.2f}  "
              f"{cuts['AUTO'] == cuts[None]} ({len(cuts[None])} cuts)")
    print(f"{'all':<32} {total['AUTO']:>8.2f} {total[None]:>9.2f} "
          f"{total['AUTO'] / total[None]:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
