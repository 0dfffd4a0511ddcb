"""Training the highlight network on (pseudo-)labels, checkpoints, and prediction.

Adam on one of :data:`LOSSES` against the labels (pseudo-highlights, or real labels in
supervised mode): ``bce`` = binary cross-entropy per clip (the method); ``pairwise`` = a
logistic loss on every pair of clips of one window whose labels differ (the higher-labelled
clip should score higher); ``listwise`` = cross-entropy between the window's labels,
normalised to sum to one, and the softmax of its scores. The two ranking losses only compare
clips of one window, which is all a per-video ranking metric reads. Features are
standardised per dimension with statistics from the training library, which the checkpoint
keeps. Long videos are cut into windows of ``max_clips``
clips for training and scoring, so memory stays bounded on libraries of any size.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from core._version import __version__
from core.device import resolve_device
from core.errors import ModelError
from core.fileio import write_atomic
from core.model import HighlightNet, ModelConfig, build_model
from core.progress import CancelToken, ProgressFn, check_cancel, report

log = logging.getLogger(__name__)

CHECKPOINT_FORMAT = 1
#: Prediction spread below this on the training clips means the model collapsed to a constant.
COLLAPSE_STD = 1e-3

VideoFeatures = tuple[np.ndarray, np.ndarray | None]


@dataclass
class TrainConfig:
    """Optimisation settings; the named presets are in :data:`PRESETS`."""

    epochs: int = 30
    lr: float = 1e-3
    batch_size: int = 8
    weight_decay: float = 1e-4
    seed: int = 0
    device: str = "auto"
    max_clips: int = 512
    grad_clip: float = 1.0
    loss: str = "bce"  # one of LOSSES

    def to_dict(self) -> dict:
        return asdict(self)


LOSSES = ("bce", "pairwise", "listwise")


def window_loss(
    logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor, kind: str = "bce"
) -> tuple[torch.Tensor, int]:
    """The loss of a batch of windows ``(B, T)`` and the count it is a mean over.

    ``bce``: mean over real clips. ``pairwise``: mean over ordered pairs ``(i, j)`` of one
    window with ``label_i > label_j`` of ``log(1 + exp(s_j - s_i))``. ``listwise``: mean over
    windows with a positive label sum of ``-sum_i p_i log softmax(s)_i``, ``p = y / sum(y)``.
    Padded clips never enter. A batch with nothing to compare gives 0 (with a gradient).
    """
    if kind == "bce":
        n = int(mask.sum())
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits[mask], labels[mask], reduction="sum"
        )
        return loss / max(n, 1), n
    if kind == "pairwise":
        ok = mask[:, :, None] & mask[:, None, :]
        better = ok & (labels[:, :, None] > labels[:, None, :])
        diff = logits[:, :, None] - logits[:, None, :]
        n = int(better.sum())
        loss = torch.nn.functional.softplus(-diff[better]).sum()
        return loss / max(n, 1), n
    if kind == "listwise":
        y = torch.where(mask, labels.clamp(min=0.0), torch.zeros_like(labels))
        tot = y.sum(1)
        keep = tot > 0
        n = int(keep.sum())
        logp = torch.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=1)
        logp = torch.where(mask, logp, torch.zeros_like(logp))
        p = y / tot.clamp(min=1e-12)[:, None]
        loss = -(p * logp).sum(1)[keep].sum()
        return loss / max(n, 1), n
    raise ModelError(f"unknown loss {kind!r}; valid: {', '.join(LOSSES)}")


#: Named presets. ``tvsum``/``youtube``/``large`` carry the published settings.
PRESETS: dict[str, TrainConfig] = {
    "default": TrainConfig(epochs=10, lr=1e-3),
    "tvsum": TrainConfig(epochs=20, lr=2.5e-3),
    "youtube": TrainConfig(epochs=100, lr=5e-3),
    "large": TrainConfig(epochs=10, lr=5e-4),
}


def preset(name: str, **overrides) -> TrainConfig:
    """A copy of the preset ``name`` with ``overrides`` applied."""
    if name not in PRESETS:
        raise ModelError(f"unknown training preset {name!r}; valid: {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides)


@dataclass
class Checkpoint:
    """A self-describing trained model (STYLE rule 6)."""

    model_cfg: ModelConfig
    train_cfg: TrainConfig
    state_dict: dict
    visual_extractor: str
    audio_extractor: str
    norm: dict[str, np.ndarray]  # visual_mean, visual_std, audio_mean, audio_std
    history: list[float] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # library size, date, collapse flag, labels kind
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # e.g. pseudo-categories

    @property
    def collapsed(self) -> bool:
        return bool(self.info.get("collapsed", False))

    def build(self, device: str = "cpu") -> HighlightNet:
        model = build_model(self.model_cfg)
        model.load_state_dict(self.state_dict)
        return model.to(device).eval()

    def check_features(self, visual_extractor: str, audio_extractor: str, dv: int, da: int) -> None:
        """Refuse features of another extractor or dimension, with a clear message."""
        mc = self.model_cfg
        if visual_extractor != self.visual_extractor or audio_extractor != self.audio_extractor:
            raise ModelError(
                f"model was trained on {self.visual_extractor}+{self.audio_extractor} features, "
                f"got {visual_extractor}+{audio_extractor}; re-extract with those extractors "
                "or train a new model"
            )
        if dv != mc.visual_dim or da != mc.audio_dim:
            raise ModelError(
                f"model expects {mc.visual_dim}-d visual and {mc.audio_dim}-d audio features, "
                f"got {dv}-d and {da}-d"
            )

    def to_dict(self) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "avhd_version": __version__,
            "model_cfg": self.model_cfg.to_dict(),
            "train_cfg": self.train_cfg.to_dict(),
            "state_dict": {k: v.detach().cpu() for k, v in self.state_dict.items()},
            "visual_extractor": self.visual_extractor,
            "audio_extractor": self.audio_extractor,
            "norm": {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in self.norm.items()},
            "history": [float(x) for x in self.history],
            "info": self.info,
            "arrays": {
                k: torch.from_numpy(np.array(v)) for k, v in self.arrays.items()
            },
        }

    def save(self, path: str | Path) -> Path:
        """Write the checkpoint atomically. It is serialised in memory first, so a full disk
        or a read-only folder is a plain ``OSError`` (torch's writer reports neither)."""
        buf = io.BytesIO()
        torch.save(self.to_dict(), buf)
        data = buf.getvalue()
        return write_atomic(path, lambda tmp: tmp.write_bytes(data))

    @classmethod
    def load(cls, path: str | Path) -> Checkpoint:
        """Read a checkpoint (``weights_only``: no code is unpickled)."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"model file not found: {path}")
        try:
            d = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any read failure is a bad model file
            raise ModelError(f"cannot read model file {path}: {exc}") from exc
        if not isinstance(d, dict) or d.get("format") != CHECKPOINT_FORMAT:
            raise ModelError(f"{path} is not an AVHD model (format {CHECKPOINT_FORMAT})")
        return cls(
            model_cfg=ModelConfig.from_dict(d["model_cfg"]),
            train_cfg=TrainConfig(**d["train_cfg"]),
            state_dict=d["state_dict"],
            visual_extractor=d["visual_extractor"],
            audio_extractor=d["audio_extractor"],
            norm={k: v.numpy() for k, v in d["norm"].items()},
            history=list(d.get("history", [])),
            info=dict(d.get("info", {})),
            arrays={k: v.numpy() for k, v in d.get("arrays", {}).items()},
        )


def _stats(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate(arrays, axis=0).astype(np.float64)
    return x.mean(0).astype(np.float32), np.maximum(x.std(0), 1e-6).astype(np.float32)


def norm_stats(videos: list[VideoFeatures], audio_dim: int) -> dict[str, np.ndarray]:
    """Per-dimension mean/std of the library's visual and audio features."""
    vm, vs = _stats([v for v, _ in videos])
    audios = [a for _, a in videos if a is not None]
    if audios:
        am, as_ = _stats(audios)
    else:
        am, as_ = np.zeros(audio_dim, np.float32), np.ones(audio_dim, np.float32)
    return {"visual_mean": vm, "visual_std": vs, "audio_mean": am, "audio_std": as_}


def _normalise(v: np.ndarray, a: np.ndarray | None, norm: dict, da: int) -> tuple:
    v = (np.asarray(v, np.float32) - norm["visual_mean"]) / norm["visual_std"]
    if a is None:  # missing audio: the library mean, i.e. zeros after standardising
        a = np.zeros((len(v), da), np.float32)
    else:
        a = (np.asarray(a, np.float32) - norm["audio_mean"]) / norm["audio_std"]
    return v.astype(np.float32), a.astype(np.float32)


def _windows(n: int, max_clips: int) -> list[slice]:
    if n <= max_clips:
        return [slice(0, n)]
    k = -(-n // max_clips)
    edges = np.linspace(0, n, k + 1).round().astype(int)
    return [slice(int(s), int(e)) for s, e in zip(edges[:-1], edges[1:], strict=True)]


def _batch(items: list[tuple[np.ndarray, ...]], device: str) -> tuple[torch.Tensor, ...]:
    t = max(len(it[0]) for it in items)
    b = len(items)
    dv, da = items[0][0].shape[1], items[0][1].shape[1]
    vis = torch.zeros(b, t, dv)
    aud = torch.zeros(b, t, da)
    mask = torch.zeros(b, t, dtype=torch.bool)
    lab = torch.zeros(b, t)
    for i, it in enumerate(items):
        n = len(it[0])
        vis[i, :n] = torch.from_numpy(it[0])
        aud[i, :n] = torch.from_numpy(it[1])
        mask[i, :n] = True
        if len(it) > 2:
            lab[i, :n] = torch.from_numpy(np.asarray(it[2], np.float32))
    return vis.to(device), aud.to(device), mask.to(device), lab.to(device)


def train(
    videos: list[VideoFeatures],
    labels: list[np.ndarray],
    model_cfg: ModelConfig,
    train_cfg: TrainConfig | None = None,
    *,
    visual_extractor: str = "",
    audio_extractor: str = "",
    init: Checkpoint | None = None,
    info: dict | None = None,
    categories: list[int] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Checkpoint:
    """Train a network on per-clip labels (0/1 or soft) and return its checkpoint.

    Args:
        videos: ``(visual, audio or None)`` features per video.
        labels: per-video label arrays (pseudo-highlights, or real labels for the
            supervised upper bound).
        model_cfg: architecture; ignored (taken from ``init``) when fine-tuning.
        train_cfg: optimisation settings (default: the ``default`` preset).
        init: a checkpoint to fine-tune from (its normalisation statistics are kept).
        info: extra facts stored in the checkpoint (e.g. ``{"labels": "pseudo"}``).
        categories: each video's category index, for a model with ``category_heads``.
    """
    cfg = train_cfg or PRESETS["default"]
    if int(cfg.epochs) < 1:  # nothing would be learnt: refuse before any model exists
        raise ModelError(f"training needs at least 1 epoch, got {cfg.epochs}")
    if cfg.loss not in LOSSES:
        raise ModelError(f"unknown loss {cfg.loss!r}; valid: {', '.join(LOSSES)}")
    if len(videos) != len(labels) or not videos:
        raise ModelError("training needs at least one video and one label array per video")
    device = resolve_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    if init is not None:
        model_cfg = init.model_cfg
        norm = init.norm
    else:
        norm = norm_stats(videos, model_cfg.audio_dim)
    cats = _check_categories(model_cfg, categories, len(videos))
    model = build_model(model_cfg)
    if init is not None:
        model.load_state_dict(init.state_dict)
    model.to(device)
    items, item_cats = [], []
    for (v, a), y, c in zip(videos, labels, cats, strict=True):
        if len(y) != len(v):
            raise ModelError(f"labels ({len(y)}) and features ({len(v)}) differ in length")
        vn, an = _normalise(v, a, norm, model_cfg.audio_dim)
        for w in _windows(len(vn), cfg.max_clips):
            items.append((vn[w], an[w], np.asarray(y, np.float32)[w]))
            item_cats.append(c)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    history: list[float] = []
    n_batches = -(-len(items) // cfg.batch_size)
    total = cfg.epochs * n_batches
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(items))
        ep_loss, ep_n = 0.0, 0
        for bi in range(n_batches):
            check_cancel(cancel)
            idx = order[bi * cfg.batch_size : (bi + 1) * cfg.batch_size]
            vis, aud, mask, lab = _batch([items[i] for i in idx], device)
            cat = torch.tensor([item_cats[i] for i in idx], device=device)
            logits = model(vis, aud, mask, cat)
            loss, n = window_loss(logits, lab, mask, cfg.loss)
            opt.zero_grad()
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            ep_loss += float(loss.detach()) * n
            ep_n += n
            report(
                progress,
                epoch * n_batches + bi + 1,
                total,
                f"train: epoch {epoch + 1}/{cfg.epochs}",
            )
        history.append(ep_loss / max(ep_n, 1))
        log.debug("epoch %d loss %.4f", epoch + 1, history[-1])
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    ckpt = Checkpoint(
        model_cfg=model_cfg,
        train_cfg=cfg,
        state_dict=state,
        visual_extractor=visual_extractor,
        audio_extractor=audio_extractor,
        norm=norm,
        history=history,
        info={
            **(info or {}),
            "n_videos": len(videos),
            "n_clips": int(sum(len(v) for v, _ in videos)),
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "train_seconds": round(time.perf_counter() - t0, 2),
            "fine_tuned": init is not None,
        },
    )
    preds = predict_many(ckpt, videos, device=device, categories=categories)
    spread = float(np.std(np.concatenate(preds)))
    ckpt.info["train_score_std"] = spread
    ckpt.info["collapsed"] = spread < COLLAPSE_STD
    if ckpt.collapsed:
        log.warning("model collapsed to a constant output (score std %.2g)", spread)
    return ckpt


def _check_categories(cfg: ModelConfig, categories: list[int] | None, n: int) -> list[int]:
    """Each video's head index (all 0 for a one-head model), checked against the model."""
    if cfg.category_heads < 2:
        return [0] * n
    if categories is None or len(categories) != n:
        raise ModelError(f"a model with {cfg.category_heads} category heads needs one "
                         "category per video")
    bad = [c for c in categories if not 0 <= int(c) < cfg.category_heads]
    if bad:
        raise ModelError(f"category {bad[0]} out of range for {cfg.category_heads} heads")
    return [int(c) for c in categories]


def predict_many(
    ckpt: Checkpoint,
    videos: list[VideoFeatures],
    device: str = "auto",
    cancel: CancelToken | None = None,
    categories: list[int] | None = None,
) -> list[np.ndarray]:
    """Clip scores in [0, 1] for each video (windowed like training); ``categories``: each
    video's head, for a model with ``category_heads``."""
    dev = resolve_device(device)
    model = ckpt.build(dev)
    da = ckpt.model_cfg.audio_dim
    cats = _check_categories(ckpt.model_cfg, categories, len(videos))
    out = []
    for (v, a), c in zip(videos, cats, strict=True):
        check_cancel(cancel)
        vn, an = _normalise(v, a, ckpt.norm, da)
        parts = []
        cat = torch.tensor([c], device=dev)
        for w in _windows(len(vn), ckpt.train_cfg.max_clips):
            vis, aud, mask, _ = _batch([(vn[w], an[w])], dev)
            parts.append(model.scores(vis, aud, mask, cat)[0].cpu().numpy())
        out.append(np.concatenate(parts) if parts else np.zeros(0, np.float32))
    return out


def predict(
    ckpt: Checkpoint, visual: np.ndarray, audio: np.ndarray | None, device: str = "auto"
) -> np.ndarray:
    """Clip scores in [0, 1] for one video."""
    return predict_many(ckpt, [(visual, audio)], device=device)[0]
