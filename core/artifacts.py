"""One typed dataclass per pipeline artifact, each with a file round trip.

Times are seconds (floats) at the edges; inside, clips are addressed by index.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core import schema as sc
from core.fileio import write_atomic, write_json_atomic

HIGHLIGHTS_SCHEMA = 1
_NUMBER = (int, float)


@dataclass
class ClipFeatures:
    """Per-clip features of one video.

    ``visual`` is ``(n, dv)``; ``audio`` is ``(n, da)`` or ``None`` when the video has no
    usable audio (``audio_missing`` then says why). ``bounds`` is ``(n, 2)`` start/end seconds.
    """

    path: str
    content_key: str
    clip_seconds: float
    bounds: np.ndarray
    visual: np.ndarray
    audio: np.ndarray | None
    visual_extractor: str
    audio_extractor: str
    audio_missing: str | None = None
    # per-clip signals measured while extracting (core.signals): "motion", "loudness"
    signals: dict[str, np.ndarray] = field(default_factory=dict)
    # shot cut times in seconds (core.shotsnap.attach_cuts; cached apart, not in the .npz);
    # None: not detected
    cuts: np.ndarray | None = None

    @property
    def n_clips(self) -> int:
        return int(self.visual.shape[0])

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    def save_npz(self, path: str | Path, dtype=np.float32) -> Path:
        """Write atomically; ``dtype`` (float32, or float16 to halve the size) is the features'
        on-disk type: :meth:`load_npz` gives float32 either way. A float16 entry keeps a
        feature array as float32 when a value would not fit float16's range."""
        meta = {
            "path": self.path,
            "content_key": self.content_key,
            "clip_seconds": self.clip_seconds,
            "visual_extractor": self.visual_extractor,
            "audio_extractor": self.audio_extractor,
            "audio_missing": self.audio_missing,
        }
        arrays = {
            "bounds": np.asarray(self.bounds, np.float64),
            "visual": _stored(self.visual, dtype),
            "meta": np.array(json.dumps(meta)),
        }
        if self.audio is not None:
            arrays["audio"] = _stored(self.audio, dtype)
        for name, values in self.signals.items():
            arrays[f"signal_{name}"] = np.asarray(values, np.float32)

        def _write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        return write_atomic(path, _write)

    def problem(self, visual_dim: int = 0, audio_dim: int = 0) -> str:
        """Why these features cannot be used ("" when they can).

        Checks shapes, dtypes, finite values and ordered clip bounds; ``visual_dim`` /
        ``audio_dim`` (when > 0) are the widths the extractors produce now.
        """
        v, a, b = self.visual, self.audio, self.bounds
        if v.ndim != 2 or v.shape[0] == 0 or v.dtype != np.float32:
            return f"visual features are {v.dtype} {v.shape}, not float32 (clips, dims)"
        n = v.shape[0]
        if visual_dim > 0 and v.shape[1] != visual_dim:
            return f"visual features are {v.shape[1]}-d, the extractor gives {visual_dim}-d"
        if a is not None:
            if a.ndim != 2 or a.shape[0] != n or a.dtype != np.float32:
                return f"audio features are {a.dtype} {a.shape} for {n} clips"
            if audio_dim > 0 and a.shape[1] != audio_dim:
                return f"audio features are {a.shape[1]}-d, the extractor gives {audio_dim}-d"
            if not np.isfinite(a).all():
                return "audio features hold NaN or infinite values"
        if not np.isfinite(v).all():
            return "visual features hold NaN or infinite values"
        if b.shape != (n, 2) or b.dtype != np.float64:
            return f"clip bounds are {b.dtype} {b.shape} for {n} clips"
        if not np.isfinite(b).all() or (b[:, 0] < 0).any() or not (b[:, 1] > b[:, 0]).all():
            return "clip bounds are not finite, ordered start < end times"
        if n > 1 and (np.diff(b[:, 0]) <= 0).any():
            return "clip bounds are not in time order"
        ok = isinstance(self.clip_seconds, (int, float)) and math.isfinite(self.clip_seconds)
        if not ok or self.clip_seconds <= 0:
            return f"clip length {self.clip_seconds!r} is not a positive number"
        return ""

    @classmethod
    def load_npz(cls, path: str | Path) -> ClipFeatures:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            audio = stored_features(z, "audio") if "audio" in z.files else None
            signals = {k[7:]: z[k] for k in z.files if k.startswith("signal_")}
            return cls(
                bounds=z["bounds"], visual=stored_features(z, "visual"), audio=audio,
                signals=signals, **meta,
            )


#: largest finite float16 magnitude: features beyond it are stored as float32
_FLOAT16_MAX = float(np.finfo(np.float16).max)


def _stored(x: np.ndarray, dtype) -> np.ndarray:
    x = np.asarray(x)
    if np.dtype(dtype) == np.float16 and x.size and np.isfinite(x).all():
        if float(np.abs(x).max()) <= _FLOAT16_MAX:
            return x.astype(np.float16)
    return np.asarray(x, np.float32)


def stored_features(npz, name: str) -> np.ndarray:
    """Feature array ``name`` of an open ``.npz``, as float32 (float16 entries widened)."""
    x = npz[name]
    return x.astype(np.float32) if x.dtype == np.float16 else x


@dataclass
class Segment:
    """A highlight segment of one source video, in seconds."""

    start: float
    end: float
    score: float = 0.0
    keep: bool = True

    @property
    def duration(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict, where: str = "segment") -> Segment:
        """Read a segment strictly (raises :class:`core.schema.SchemaError`)."""
        if type(d) is dict:  # the common, valid case in one comparison chain (large projects)
            s, e = d.get("start"), d.get("end")
            score, keep = d.get("score", 0.0), d.get("keep", True)
            if (type(s) in _NUMBER and type(e) in _NUMBER and type(score) in _NUMBER
                    and type(keep) is bool and 0 <= s < e <= sc.MAX_SECONDS
                    and -1e300 < score < 1e300):
                return cls(float(s), float(e), float(score), keep)
        d = sc.obj(d, where)
        start, end = sc.span(sc.get(d, "start", where), sc.get(d, "end", where), where)
        return cls(
            start=start,
            end=end,
            score=sc.number(d.get("score", 0.0), f"{where}.score"),
            keep=sc.boolean(d.get("keep", True), f"{where}.keep"),
        )


@dataclass
class VideoHighlights:
    """Scores and selected segments of one video: the ``NAME.highlights.json`` file."""

    path: str
    clip_seconds: float
    duration: float
    bounds: np.ndarray  # (n, 2) seconds
    score: np.ndarray  # (n,) model score in [0, 1]
    a_ph: np.ndarray | None  # (n,) audio pseudo-highlight score (None: no audio)
    v_ph: np.ndarray  # (n,) visual pseudo-highlight score
    av_ph: np.ndarray  # (n,) combined pseudo-highlight score
    pseudo_label: np.ndarray  # (n,) 0/1
    category: int
    segments: list[Segment] = field(default_factory=list)
    model: str = ""
    has_audio: bool = True
    # per-clip curve of every cue (core.scorers), by its plain-word name
    cues: dict[str, np.ndarray] = field(default_factory=dict)
    # shot cut times in seconds (None: not detected) and the window within which segment
    # edges were moved onto them (core.shotsnap)
    shot_cuts: np.ndarray | None = None
    shot_snap: float = 0.0

    @property
    def n_clips(self) -> int:
        return int(len(self.score))

    def to_dict(self) -> dict:
        clips = []
        for i in range(self.n_clips):
            clips.append(
                {
                    "index": i,
                    "start": round(float(self.bounds[i, 0]), 4),
                    "end": round(float(self.bounds[i, 1]), 4),
                    "score": float(self.score[i]),
                    "a_ph": None if self.a_ph is None else float(self.a_ph[i]),
                    "v_ph": float(self.v_ph[i]),
                    "av_ph": float(self.av_ph[i]),
                    "pseudo_label": int(self.pseudo_label[i]),
                }
            )
        from core.fsnames import printable, raw_hex

        raw = raw_hex(self.path)  # a name that is not UTF-8: printable + reversible form
        return {
            "schema": HIGHLIGHTS_SCHEMA,
            "source": printable(self.path),
            **({"source_raw": raw} if raw else {}),
            "clip_seconds": self.clip_seconds,
            "duration": self.duration,
            "category": int(self.category),
            "has_audio": self.has_audio,
            "model": self.model,
            "clips": clips,
            "segments": [s.to_dict() for s in self.segments],
            "cues": {k: [float(x) for x in v] for k, v in self.cues.items()},
            **({} if self.shot_cuts is None else {"shots": {
                "cuts": [round(float(c), 6) for c in self.shot_cuts],
                "snap_seconds": float(self.shot_snap)}}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> VideoHighlights:
        """Read a highlights dictionary strictly (raises :class:`core.schema.SchemaError`)."""
        d = sc.obj(d, "highlights")
        schema = sc.integer(sc.get(d, "schema", "highlights", HIGHLIGHTS_SCHEMA), "schema", 0)
        if schema > HIGHLIGHTS_SCHEMA:
            raise sc.SchemaError(f"highlights schema {schema} is newer than this AVHD "
                                 f"understands ({HIGHLIGHTS_SCHEMA}); update AVHD")
        clips = _read_clips(sc.array(sc.get(d, "clips", "highlights"), "clips"))
        a = clips["a_ph"]
        segments = sc.array(d.get("segments", []), "segments")
        from core.fsnames import from_raw_hex

        raw = d.get("source_raw")
        return cls(
            path=from_raw_hex(sc.string(raw, "source_raw")) if raw
            else sc.string(sc.get(d, "source", "highlights"), "source"),
            clip_seconds=sc.number(sc.get(d, "clip_seconds", "highlights"), "clip_seconds",
                                   1e-3, sc.MAX_SECONDS),
            duration=sc.seconds(sc.get(d, "duration", "highlights"), "duration"),
            bounds=np.array(clips["bounds"], float).reshape(-1, 2),
            score=np.array(clips["score"], float),
            a_ph=None if any(x is None for x in a) else np.array(a, float),
            v_ph=np.array(clips["v_ph"], float),
            av_ph=np.array(clips["av_ph"], float),
            pseudo_label=np.array(clips["pseudo_label"], int),
            category=sc.integer(d.get("category", 0), "category"),
            segments=[Segment.from_dict(s, f"segments[{i}]") for i, s in enumerate(segments)],
            model=sc.string(d.get("model", ""), "model"),
            has_audio=sc.boolean(d.get("has_audio", True), "has_audio"),
            cues=_read_cues(d.get("cues"), len(clips["score"])),
            **_read_shots(d.get("shots")),
        )

    def save(self, path: str | Path) -> Path:
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> VideoHighlights:
        """Read ``NAME.highlights.json`` (raises :class:`core.schema.SchemaError`, one line)."""
        name = Path(path).name
        try:
            return cls.from_dict(sc.read_json(path, "highlights file"))
        except sc.SchemaError as exc:
            msg = str(exc)
            raise sc.SchemaError(msg if name in msg else f"{name}: {msg}") from None


def _read_clips(clips: list) -> dict[str, list]:
    """The per-clip columns of a highlights file, each value checked."""
    out: dict[str, list] = {k: [] for k in ("bounds", "score", "a_ph", "v_ph", "av_ph",
                                            "pseudo_label")}
    for i, c in enumerate(clips):
        where = f"clips[{i}]"
        c = sc.obj(c, where)
        out["bounds"].append(sc.span(sc.get(c, "start", where), sc.get(c, "end", where), where))
        for k in ("score", "v_ph", "av_ph"):
            out[k].append(sc.number(sc.get(c, k, where), f"{where}.{k}"))
        a = sc.get(c, "a_ph", where, None)
        out["a_ph"].append(None if a is None else sc.number(a, f"{where}.a_ph"))
        out["pseudo_label"].append(sc.integer(sc.get(c, "pseudo_label", where), where, 0, 1))
    return out


def _read_cues(value, n_clips: int) -> dict[str, np.ndarray]:
    """The per-clip cue curves of a highlights file; a curve of the wrong length is dropped."""
    if value is None:
        return {}
    out = {}
    for name, curve in sc.obj(value, "cues").items():
        arr = np.array([sc.number(x, f"cues.{name}") for x in sc.array(curve, f"cues.{name}")])
        if len(arr) == n_clips:
            out[str(name)] = arr.astype(float)
    return out


def _read_shots(value) -> dict:
    """``shot_cuts``/``shot_snap`` of a highlights file (absent in files before shots)."""
    if value is None:
        return {}
    d = sc.obj(value, "shots")
    cuts = sc.array(sc.get(d, "cuts", "shots"), "shots.cuts")
    times = [sc.seconds(c, f"shots.cuts[{i}]") for i, c in enumerate(cuts)]
    if any(b <= a for a, b in zip(times, times[1:], strict=False)):
        raise sc.SchemaError("shots.cuts: the cut times are not in increasing order")
    return {"shot_cuts": np.array(times, np.float64),
            "shot_snap": sc.number(d.get("snap_seconds", 0.0), "shots.snap_seconds", 0.0,
                                   sc.MAX_SECONDS)}
