"""The worker of a learning step (:mod:`avhd_gui.learning`): features from the cache the
first time, then :class:`core.feedback.LibraryLearner` on the edits, off the main thread."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.errors import AvhdError, Cancelled
from core.progress import CancelToken, check_cancel

log = logging.getLogger(__name__)


@dataclass
class LearnJob:
    """What a worker needs: read-only copies made in the main thread."""

    paths: list[str]
    config: object  # a FindConfig, or a function making one (in the worker)
    priors: dict[str, np.ndarray]
    feedback: dict
    hash: str
    learner: object = None
    generation: int = 0
    index: int = 0


@dataclass
class LearnOutcome:
    job: LearnJob
    learner: object
    learning: object  # core.feedback.Learning, or None
    missing: dict[str, str] = field(default_factory=dict)
    #: the hand-edited videos' scores under the same head (their curves, and the ranking
    #: of a library reel, then compare like with like; their segments stay as edited)
    edited: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0


def build_learner(job: LearnJob, cancel: CancelToken | None = None):
    """``(LibraryLearner or None, {path: why left out})`` for the job's videos (cache only)."""
    from core.feedback import LibraryLearner
    from core.feedback_session import cached_features

    config = job.config() if callable(job.config) else job.config
    feats, missing = cached_features(job.paths, config, cancel)
    for path, (visual, _audio) in list(feats.items()):
        if path in job.priors and len(visual) != len(job.priors[path]):
            missing[path] = "its cached features do not match its scores (run Find Highlights)"
            del feats[path]
    dims = {a.shape[1] for _v, a in feats.values() if a is not None}
    if len(dims) == 1:  # a video without sound: silent audio features (zeros)
        da = dims.pop()
        feats = {p: (v, a if a is not None else np.zeros((len(v), da), np.float32))
                 for p, (v, a) in feats.items()}
    check_cancel(cancel)
    return (LibraryLearner(feats) if len(feats) >= 2 else None), missing


class LearnWorker(QObject):
    """One learning step: features from the cache (first time), the head, the new scores."""

    finished = Signal(object)  # LearnOutcome
    errored = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, job: LearnJob) -> None:
        super().__init__()
        self.job = job
        self.token = CancelToken()

    @Slot()
    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            learner, missing = self.job.learner, {}
            if learner is None:
                learner, missing = build_learner(self.job, self.token)
            check_cancel(self.token)
            learning, edited = None, {}
            if learner is not None:
                from core.feedback import apply_head

                priors = {k: v for k, v in self.job.priors.items() if k in learner.z}
                learning = learner.learn(priors, self.job.feedback)
                edited = {k: apply_head(learning.head, learner.z[k], priors[k])
                          for k in self.job.feedback if k in priors}
            self.finished.emit(LearnOutcome(self.job, learner, learning, missing=missing,
                                            edited=edited, seconds=time.perf_counter() - t0))
        except Cancelled:
            self.cancelled.emit()
        except (AvhdError, OSError, ValueError, TypeError) as exc:
            self.errored.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - learning must never take the app down
            log.warning("learning stopped on an unexpected error", exc_info=True)
            self.errored.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.done.emit()
