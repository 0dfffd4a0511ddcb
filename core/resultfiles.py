"""A library's result files: one ``NAME.highlights.json`` per video, the summary, the model.

* Names come from :func:`core.fsnames.result_stem`, so distinct videos never share a file
  and names fit the file system.
* Every target passes :func:`core.outputs.check_output` before any work and again before
  writing; write failures are one-line :class:`core.outputs.OutputError`\\ s.
* The results folder's manifest (:mod:`core.outputs`) records the library it belongs to and
  which result files are current: a result of a removed video is stale (removed when AVHD
  wrote it and nobody changed it, otherwise left in place and not used).
* A result file changed by hand since AVHD wrote it keeps its segments when ``find`` runs
  again (the scores are refreshed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.artifacts import Segment, VideoHighlights
from core.fsnames import printable, result_stem
from core.outputs import (
    OUTPUT_DIRNAME,
    Manifest,
    OutputError,
    check_output,
    probe_writable,
    updating,
    writing,
)

log = logging.getLogger(__name__)

SUFFIX = ".highlights.json"
MODEL_FILENAME = "model.pt"
SUMMARY_FILENAME = "library_summary.csv"


def highlights_filename(path: str, root: Path | None) -> str:
    """The result file name of ``path`` (relative to the library ``root``)."""
    return result_stem(path, root) + SUFFIX


def library_key(inputs, root: Path | None) -> str:
    """Which library a results folder belongs to: its folder, or a hash of the files."""
    if root is not None:
        return str(root)
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    names = sorted(os.path.realpath(p) for p in items)
    return "files:" + hashlib.sha256(os.fsencode("\n".join(names))).hexdigest()[:16]


def naming_root(inputs) -> Path | None:
    """The folder result names are relative to: the library folder, or the deepest folder
    holding every input file (so two inputs named alike in different folders differ)."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    if not items:
        return None
    if len(items) == 1 and Path(items[0]).is_dir():
        return Path(items[0]).resolve()
    parents = [os.path.dirname(os.path.realpath(p)) for p in items]
    return Path(os.path.commonpath(parents))


def default_out_dir(inputs) -> Path:
    """``FOLDER/avhd_highlights`` for a folder. For files, a folder of their own inside the
    ``avhd_highlights`` beside the first one, so a run on one video of a library never
    replaces the library's model and summary."""
    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    first = Path(items[0])
    if len(items) == 1 and first.is_dir():
        return first / OUTPUT_DIRNAME
    tag = result_stem(first) if len(items) == 1 else library_key(items, None)[6:]
    return first.parent / OUTPUT_DIRNAME / f"find-{tag}"


@dataclass
class ResultPlan:
    """Where a run's results go, checked before the work starts."""

    out_dir: Path
    root: Path | None
    library: str
    sources: list[str] = field(default_factory=list)

    def target(self, source: str) -> Path:
        return self.out_dir / highlights_filename(source, self.root)

    def check(self, sources: Iterable[str], with_model: bool) -> None:
        """Refuse now (before any work) what the run could not write later."""
        probe_writable(self.out_dir)
        m = Manifest.load(self.out_dir)
        moved = Path(self.library) == self.out_dir.resolve().parent  # the library's own folder
        if m.library and m.library != self.library and not moved:
            raise OutputError(
                f"{printable(self.out_dir)} holds the results of another library "
                f"({printable(m.library)}); choose another output folder (--out)"
            )
        self.sources = [str(s) for s in sources]
        names = [SUMMARY_FILENAME] + ([MODEL_FILENAME] if with_model else [])
        for p in [self.target(s) for s in self.sources] + [self.out_dir / n for n in names]:
            check_output(p, self.sources, what="result")


def _hand_edited(path: Path, manifest: Manifest, source: str) -> list[Segment] | None:
    """The segments of a result file changed by hand since AVHD wrote it (else None)."""
    if not path.is_file() or not manifest.owns(path.name) or manifest.unchanged(path):
        return None
    try:
        old = VideoHighlights.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("hand-edited %s is unreadable (%s); it is replaced", printable(path), exc)
        return None
    same = os.path.realpath(old.path) == os.path.realpath(source)
    return old.segments if same else None


def _sweep_stale(out_dir: Path, m: Manifest, current: set[str], notes: list[str]) -> None:
    """Remove (or flag) result files that no current video of the library has."""
    for path in sorted(out_dir.glob("*" + SUFFIX)):
        if path.name in current:
            continue
        entry = m.files.get(path.name)
        source = entry.source if entry else (read_json_source(path) or "")
        gone = not source or not os.path.lexists(source)
        if entry is not None and gone and m.unchanged(path):
            try:
                path.unlink()
                m.forget(path.name)
                notes.append(f"removed stale result {printable(path.name)} (its video is gone)")
                continue
            except OSError as exc:
                log.warning("cannot remove stale %s: %s", printable(path), exc)
        why = "its video is gone" if gone else "not part of this run"
        notes.append(f"stale result {printable(path.name)} not used ({why})")


def write_library(
    plan: ResultPlan,
    highlights: list[VideoHighlights],
    summary: str,
    model=None,
) -> tuple[list[Path], list[str]]:
    """Write the run's results into ``plan.out_dir``; returns the files and notes."""
    from core.fileio import write_text_atomic

    out = plan.out_dir
    written: list[Path] = []
    notes: list[str] = []
    with updating(out) as m:
        current: dict[str, str] = {}
        for hl in highlights:
            target = check_output(plan.target(hl.path), plan.sources, what="result")
            kept = _hand_edited(target, m, hl.path)
            if kept is not None:
                hl.segments = kept
                notes.append(f"kept the hand-edited segments of {printable(target.name)}")
            with writing(target):
                hl.save(target)
            m.record(target, "highlights", hl.path)
            current[hl.path] = target.name
            written.append(target)
        target = check_output(out / SUMMARY_FILENAME, plan.sources, what="result")
        with writing(target):
            write_text_atomic(target, summary)
        m.record(target, "summary")
        written.append(target)
        if model is not None:
            target = check_output(out / MODEL_FILENAME, plan.sources, what="model")
            with writing(target):
                model.save(target)
            m.record(target, "model")
            written.append(target)
        _sweep_stale(out, m, set(current.values()), notes)
        m.output_folder = True
        m.library = plan.library
        m.results = current
    return written, notes


def check_exports(inputs, out_dir: str | os.PathLike | None, formats: Iterable[str]) -> None:
    """Refuse before ``find`` starts the library reels/timelines ``--export`` could not write
    (``library.reel.EXT`` in the results folder, for a folder of videos)."""
    from core.export import get_format

    items = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    folder = Path(out_dir) if out_dir else default_out_dir(inputs)
    for fmt in formats:
        suffix = get_format(fmt).suffix
        if len(items) == 1 and Path(items[0]).is_dir():
            check_output(folder / f"library.reel{suffix}", what="export")


def current_results(folder: str | os.PathLike) -> list[Path] | None:
    """The current ``NAME.highlights.json`` of a results folder, by its manifest (sorted);
    ``None`` when the folder has no manifest listing results (a folder from an older AVHD,
    or one made by hand)."""
    folder = Path(folder)
    m = Manifest.load(folder)
    if not m.results:
        return None
    return sorted(folder / name for name in m.results.values() if (folder / name).is_file())


def save_single(hl: VideoHighlights, target: Path, sources: list[str]) -> Path:
    """Write one video's result (``avhd score``), guarded and recorded."""
    target = check_output(target, sources, what="result")
    with updating(target.parent) as m:
        with writing(target):
            hl.save(target)
        m.record(target, "highlights", hl.path)
        m.output_folder = m.output_folder or target.parent.parent.name == OUTPUT_DIRNAME
    return target


def read_json_source(path: Path) -> str | None:
    """The ``source`` a highlights file names (None when unreadable)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return d.get("source") if isinstance(d, dict) else None
