"""One typed dataclass per pipeline artifact, each with a file round trip.

Times are seconds (floats) at the edges; inside, clips are addressed by index.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.fileio import write_atomic, write_json_atomic

HIGHLIGHTS_SCHEMA = 1


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

    @property
    def n_clips(self) -> int:
        return int(self.visual.shape[0])

    @property
    def name(self) -> str:
        return Path(self.path).name

    def save_npz(self, path: str | Path) -> Path:
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
            "visual": np.asarray(self.visual, np.float32),
            "meta": np.array(json.dumps(meta)),
        }
        if self.audio is not None:
            arrays["audio"] = np.asarray(self.audio, np.float32)
        for name, values in self.signals.items():
            arrays[f"signal_{name}"] = np.asarray(values, np.float32)

        def _write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        return write_atomic(path, _write)

    @classmethod
    def load_npz(cls, path: str | Path) -> ClipFeatures:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            audio = z["audio"] if "audio" in z.files else None
            signals = {k[7:]: z[k] for k in z.files if k.startswith("signal_")}
            return cls(
                bounds=z["bounds"], visual=z["visual"], audio=audio, signals=signals, **meta
            )


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
    def from_dict(cls, d: dict) -> Segment:
        return cls(
            start=float(d["start"]),
            end=float(d["end"]),
            score=float(d.get("score", 0.0)),
            keep=bool(d.get("keep", True)),
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
        return {
            "schema": HIGHLIGHTS_SCHEMA,
            "source": self.path,
            "clip_seconds": self.clip_seconds,
            "duration": self.duration,
            "category": int(self.category),
            "has_audio": self.has_audio,
            "model": self.model,
            "clips": clips,
            "segments": [s.to_dict() for s in self.segments],
            "cues": {k: [float(x) for x in v] for k, v in self.cues.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> VideoHighlights:
        clips = d["clips"]
        a = [c["a_ph"] for c in clips]
        return cls(
            path=d["source"],
            clip_seconds=float(d["clip_seconds"]),
            duration=float(d["duration"]),
            bounds=np.array([[c["start"], c["end"]] for c in clips], float).reshape(-1, 2),
            score=np.array([c["score"] for c in clips], float),
            a_ph=None if any(x is None for x in a) else np.array(a, float),
            v_ph=np.array([c["v_ph"] for c in clips], float),
            av_ph=np.array([c["av_ph"] for c in clips], float),
            pseudo_label=np.array([c["pseudo_label"] for c in clips], int),
            category=int(d.get("category", 0)),
            segments=[Segment.from_dict(s) for s in d.get("segments", [])],
            model=d.get("model", ""),
            has_audio=bool(d.get("has_audio", True)),
            cues={k: np.array(v, float) for k, v in (d.get("cues") or {}).items()},
        )

    def save(self, path: str | Path) -> Path:
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> VideoHighlights:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
