"""Loaders for the benchmark data in the UMT layout and the QVHighlights jsonl.

Layout (see ``shared/benchmarks/README.md``)::

    NAME/NAME_anno.json                # per video: domain, labels (match | anno), ...
    NAME/splits.json                   # {domain: {"train": [vid...], "val": [vid...]}}
    NAME/video_features/{vid}_rgb.npy  # (clips, dv) any float dtype
    NAME/audio_features/{vid}.npy      # (clips, da) any float dtype

Features are cast to float32. When the visual and audio arrays of a video disagree in
their row count, both are **truncated to the shorter one with a warning** (row ``i`` is
the same clip in both, so the common prefix is aligned; the known case is one TVSum video
with one extra audio row). ``strict=True`` turns that into a :class:`BenchmarkDataError`.
Videos listed in the annotations without feature files are skipped and listed in
``Benchmark.missing``; split entries without annotation (27 in the YouTube release) are
skipped with a note, as the reference code only ever iterates annotated videos.

Labels live apart from features (``Benchmark.labels``) so that the unsupervised protocol
can be handed features alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import AvhdError
from core.schema import SchemaError, parse_json

log = logging.getLogger(__name__)

BENCHMARKS = ("youtube", "tvsum")


class BenchmarkDataError(AvhdError):
    """Benchmark files are missing, unreadable or inconsistent."""


@dataclass
class Benchmark:
    """Features, labels and splits of one benchmark.

    ``features[vid] = (visual (n, dv), audio (n, da))`` float32; ``labels[vid]`` is the
    YouTube ``match`` vector (n,) or the TVSum ``anno`` matrix (n, 20); ``domains[vid]``
    its domain/category code; ``splits[domain] = {"train": [...], "val": [...]}`` restricted
    to videos with features.
    """

    name: str
    root: Path
    features: dict[str, tuple[np.ndarray, np.ndarray]]
    labels: dict[str, np.ndarray]
    domains: dict[str, str]
    splits: dict[str, dict[str, list[str]]]
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def videos(self) -> list[str]:
        """Video ids with features, in annotation-file order."""
        return list(self.features)

    def split_videos(self, part: str) -> list[str]:
        """All videos of ``part`` ("train" or "val") over every domain, in split order."""
        out: list[str] = []
        for dom in self.splits.values():
            out.extend(dom[part])
        return out


def default_root(name: str) -> Path:
    """``../shared/benchmarks/NAME`` relative to the current directory."""
    return Path("..") / "shared" / "benchmarks" / name


def _read_json(path: Path):
    if not path.is_file():
        raise BenchmarkDataError(f"missing file: {path}")
    try:  # NaN passes as before (data sets may hold it); runaway nesting is one line
        return parse_json(path.read_text(encoding="utf-8"), constants=True)
    except (OSError, ValueError, SchemaError) as exc:
        raise BenchmarkDataError(f"cannot read {path}: {exc}") from exc


def load_array(path: Path) -> np.ndarray:
    """Load a 2-D feature array of any float dtype as float32."""
    if not path.is_file():
        raise BenchmarkDataError(f"missing feature file: {path}")
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BenchmarkDataError(f"cannot read feature file {path}: {exc}") from exc
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.floating):
        raise BenchmarkDataError(
            f"{path}: expected a 2-D float array, got shape {arr.shape} dtype {arr.dtype}"
        )
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise BenchmarkDataError(f"{path}: contains NaN or infinite values")
    return arr


def load_features(
    root: str | Path, vid: str, strict: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Visual and audio features of ``vid`` (float32, equal row counts).

    Raises:
        BenchmarkDataError: a file is missing/unreadable, or (``strict``) rows disagree.
    """
    root = Path(root)
    visual = load_array(root / "video_features" / f"{vid}_rgb.npy")
    audio = load_array(root / "audio_features" / f"{vid}.npy")
    if visual.shape[0] != audio.shape[0]:
        msg = f"{vid}: {visual.shape[0]} visual rows but {audio.shape[0]} audio rows"
        if strict:
            raise BenchmarkDataError(msg)
        n = min(visual.shape[0], audio.shape[0])
        log.warning("%s; truncated both to %d", msg, n)
        visual, audio = visual[:n], audio[:n]
    if visual.shape[0] == 0:
        raise BenchmarkDataError(f"{vid}: feature files have no rows")
    return visual, audio


def _labels(name: str, vid: str, entry: dict) -> np.ndarray:
    key = "match" if name == "youtube" else "anno"
    if key not in entry:
        raise BenchmarkDataError(f"{name} annotation of {vid} has no {key!r} field")
    arr = np.asarray(entry[key], dtype=np.float64)
    if name == "youtube" and arr.ndim != 1:
        raise BenchmarkDataError(f"{vid}: 'match' must be a list, got shape {arr.shape}")
    if name == "tvsum" and arr.ndim != 2:
        raise BenchmarkDataError(f"{vid}: 'anno' must be clips x annotators, got {arr.shape}")
    return arr


def load_annotations(
    name: str, path: str | Path | None = None
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Labels and domains of every annotated video (no features are read).

    Args:
        name: ``youtube`` or ``tvsum``.
        path: the ``NAME_anno.json`` file or the benchmark folder holding it
            (default ``../shared/benchmarks/NAME``).

    Returns:
        ``(labels, domains)``: ``labels[vid]`` is the YouTube ``match`` vector or the TVSum
        ``anno`` matrix; ``domains[vid]`` the domain/category code.
    """
    if name not in BENCHMARKS:
        raise BenchmarkDataError(f"unknown benchmark {name!r}; valid: {', '.join(BENCHMARKS)}")
    path = Path(path) if path is not None else default_root(name)
    if path.is_dir():
        path = path / f"{name}_anno.json"
    anno = _read_json(path)
    if not isinstance(anno, dict) or not anno:
        raise BenchmarkDataError(f"{path}: expected a non-empty object of videos")
    labels: dict[str, np.ndarray] = {}
    domains: dict[str, str] = {}
    for vid, entry in anno.items():
        if not isinstance(entry, dict) or "domain" not in entry:
            raise BenchmarkDataError(f"{path}: video {vid} has no 'domain'")
        labels[vid] = _labels(name, vid, entry)
        domains[vid] = str(entry["domain"])
    return labels, domains


def load_benchmark(name: str, root: str | Path | None = None, strict: bool = False) -> Benchmark:
    """Load ``youtube`` or ``tvsum`` from ``root`` (default ``../shared/benchmarks/NAME``)."""
    if name not in BENCHMARKS:
        raise BenchmarkDataError(f"unknown benchmark {name!r}; valid: {', '.join(BENCHMARKS)}")
    root = Path(root) if root is not None else default_root(name)
    if not root.is_dir():
        raise BenchmarkDataError(f"benchmark folder not found: {root}")
    all_labels, all_domains = load_annotations(name, root)
    raw_splits = _read_json(root / "splits.json")
    features: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    labels: dict[str, np.ndarray] = {}
    domains: dict[str, str] = {}
    missing: list[str] = []
    notes: list[str] = []
    for vid, lab in all_labels.items():
        vpath = root / "video_features" / f"{vid}_rgb.npy"
        apath = root / "audio_features" / f"{vid}.npy"
        if not vpath.is_file() and not apath.is_file():
            missing.append(vid)
            continue
        visual, audio = load_features(root, vid, strict=strict)
        if visual.shape[0] != lab.shape[0]:
            notes.append(
                f"{vid}: {visual.shape[0]} feature rows vs {lab.shape[0]} labelled clips "
                "(predictions are truncated/zero-padded to the labels)"
            )
        features[vid] = (visual, audio)
        labels[vid] = lab
        domains[vid] = all_domains[vid]
    if missing:
        notes.append(f"{len(missing)} annotated videos have no features: {', '.join(missing)}")
    if not features:
        raise BenchmarkDataError(f"{root}: no video has feature files")
    splits: dict[str, dict[str, list[str]]] = {}
    unknown: list[str] = []
    for dom, parts in raw_splits.items():
        splits[dom] = {}
        for part in ("train", "val"):
            vids = parts.get(part) if isinstance(parts, dict) else None
            if vids is None:
                raise BenchmarkDataError(f"splits.json: domain {dom!r} has no {part!r} list")
            unknown.extend(v for v in vids if v not in all_labels)
            splits[dom][part] = [v for v in vids if v in features]
    if unknown:
        notes.append(f"splits.json names {len(unknown)} videos that are not annotated; skipped")
    if not any(p["val"] for p in splits.values()):
        raise BenchmarkDataError(f"{root / 'splits.json'}: no evaluable 'val' video")
    return Benchmark(name, root, features, labels, domains, splits, missing, notes)


def load_qvhighlights(path: str | Path) -> list[dict]:
    """QVHighlights annotations: one dict per jsonl line (qid, vid, duration, ...)."""
    path = Path(path)
    if not path.is_file():
        raise BenchmarkDataError(f"missing file: {path}")
    entries = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                e = parse_json(line, constants=True)
            except SchemaError as exc:
                raise BenchmarkDataError(f"{path}:{i}: not JSON ({exc})") from exc
            if not isinstance(e, dict):
                raise BenchmarkDataError(f"{path}:{i}: expected an object, got {type(e).__name__}")
            for key in ("qid", "duration", "relevant_clip_ids", "saliency_scores"):
                if key not in e:
                    raise BenchmarkDataError(f"{path}:{i}: missing {key!r}")
            if len(e["relevant_clip_ids"]) != len(e["saliency_scores"]):
                raise BenchmarkDataError(
                    f"{path}:{i}: {len(e['relevant_clip_ids'])} relevant clips but "
                    f"{len(e['saliency_scores'])} saliency rows"
                )
            entries.append(e)
    return entries


def load_predictions(path: str | Path) -> dict:
    """A predictions file ``{"benchmark", "predictions": {id: [score...]}, "config"}``."""
    data = _read_json(Path(path))
    if not isinstance(data, dict) or not isinstance(data.get("predictions"), dict):
        raise BenchmarkDataError(f"{path}: not a predictions file (no 'predictions' object)")
    return data
