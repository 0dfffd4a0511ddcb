"""Learning from edits in an editing session (the app): features, fingerprints, plain words.

:mod:`core.feedback` turns edits into clip labels and re-scores a library from them; this
module adds what a long-running session needs around it, through that module's public
functions only:

* :func:`cached_features`: the clip features of a library's videos from the feature cache
  (the ones a Find run stored), never extracting: a video whose features are not there is
  left out, with the reason;
* :func:`feedback_hash`: a short fingerprint of a library's feedback (the model file and
  the app's undo states record it);
* :func:`describe_learning`: the status line, in plain words, including why a head the
  guard rejected was not used;
* :func:`targets_with_feedback`: :func:`core.feedback.targets_with_feedback` plus the
  fingerprint of the labels used, for the model file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np

from core.feedback import VideoFeedback

log = logging.getLogger(__name__)


def feedback_hash(feedback: dict[str, VideoFeedback]) -> str:
    """12 hex digits over every video's key and labels ("" when there is no feedback)."""
    if not feedback:
        return ""
    h = hashlib.sha256(b"avhd-feedback-v1")
    for key in sorted(feedback):
        labels = np.nan_to_num(np.asarray(feedback[key].labels, np.float64), nan=-1.0)
        h.update(str(key).encode("utf-8", "surrogateescape") + b"\0")
        h.update(labels.astype("<i1").tobytes() + b"\1")
    return h.hexdigest()[:12]


def cached_features(paths: list[str], cfg, cancel=None) -> tuple[dict, dict[str, str]]:
    """``({path: (visual, audio)}, {path: why not})`` from the feature cache for ``cfg``
    (a :class:`core.pipeline.FindConfig`: extractors, clip length, frames per clip).

    Nothing is extracted: this is what a Find run with the same settings stored.
    """
    from core.cache import FeatureCache, content_fingerprint, feature_key
    from core.errors import AvhdError
    from core.features import get_audio, get_visual
    from core.progress import check_cancel

    if not cfg.use_cache:
        return {}, {p: "the feature cache is turned off" for p in paths}
    visual = get_visual(cfg.visual, device=cfg.device, backend=cfg.backend)
    audio = get_audio(cfg.audio, device=cfg.device, backend=cfg.backend) if cfg.audio else None
    store = FeatureCache()
    found, missing = {}, {}
    for path in paths:
        check_cancel(cancel)
        try:
            key = feature_key(content_fingerprint(path), visual, audio, cfg.clip_seconds,
                              cfg.frames_per_clip)
        except AvhdError as exc:
            missing[path] = str(exc)
            continue
        feats = store.get(key, path=path, visual=visual, audio=audio)
        if feats is None:
            missing[path] = "its features are not in the cache (run Find Highlights)"
        else:
            found[path] = (feats.visual, feats.audio)
    return found, missing


@dataclass
class LearningSummary:
    """What one learning step used and whether its head was used (for the status bar)."""

    videos: int
    edits: int
    used: bool
    reason: str = ""  # the guard's reason in plain words when not used
    hash: str = ""

    def text(self) -> str:
        """``Learned from 14 edits in 3 videos`` or why the learning was not used."""
        if not self.videos:
            return "Scores are label-free (no hand edits to learn from)"
        v = "video" if self.videos == 1 else "videos"
        e = "edit" if self.edits == 1 else "edits"
        if self.used:
            return f"Learned from {self.edits} {e} in {self.videos} {v}"
        # the point first: the status bar shortens this line ("Not used: 3 edits in 1
        # video – it…"; it read "…in 1 video no…"), the tooltip has it whole
        return (f"Not used: {self.edits} {e} in {self.videos} {v} – {self.reason}; "
                "the label-free scores are kept")


def _reason(info: dict) -> str:
    cv = str(info.get("cv", ""))
    if "two reviewed" in cv or info.get("videos", 0) < 2:
        return "it needs edits in at least two videos to check that it helps"
    if cv == "no pairs":
        return "the edits mark no clip as better than another"
    if "no held-out" in cv:
        return "the edits hold no kept and no discarded clips to check it on"
    return ("on the edited videos it ranked the kept clips worse than the label-free "
            "scores")


def describe_learning(learning, feedback: dict[str, VideoFeedback]) -> LearningSummary:
    """The summary of a :class:`core.feedback.Learning` made from ``feedback``."""
    head = learning.head
    used = bool(head.used) and learning.videos > 0
    return LearningSummary(
        videos=int(learning.videos), edits=int(learning.edits), used=used,
        reason="" if used else _reason(dict(head.info or {})), hash=feedback_hash(feedback))


def targets_with_feedback(targets: list[np.ndarray], paths: list[str], project_path) -> tuple:
    """:func:`core.feedback.targets_with_feedback`, and ``feedback_hash`` in what the model
    file records (the labels of the library's videos that were used)."""
    from core import feedback as fb

    out, learned = fb.targets_with_feedback(targets, paths, project_path)
    project, feedback = fb.project_feedback(project_path)
    keys = {project.key(p) for p in paths}
    learned["feedback_hash"] = feedback_hash({k: v for k, v in feedback.items() if k in keys})
    return out, learned
