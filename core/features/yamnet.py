"""YAMNet (AudioSet, 521 classes) as the default audio extractor: 1024-d clip embeddings.

The network is YAMNet's MobileNetV1 (tensorflow/models, research/audioset/yamnet) rebuilt in
torch; its batch norms are folded into the convolutions. The weights in
``resources/models/yamnet.pt`` come from the ONNX export by Qualcomm AI Hub (see
``tools/convert_yamnet.py`` and ``resources/models/NOTICE``): its weights are per-channel int8
and are stored that way, then run in float32 here (the ONNX model's 8-bit activations are not
emulated). The log-mel front end is :mod:`core.features.audio_frontend`.

A clip's embedding is the mean of the embeddings of the 0.96 s patches (hop 0.48 s) whose
centres fall inside the clip; a clip too short to hold a patch centre takes the patch whose
centre is nearest to its own.
"""

from __future__ import annotations

import csv
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from core.errors import FeatureError
from core.features import audio_frontend as fe
from core.features._clips import check_bounds, check_waveform
from core.features.base import AudioExtractor
from core.progress import CancelToken, ProgressFn, check_cancel, report
from core.resources import resource_path

MODELS_DIR = resource_path("models")
WEIGHTS_FILE = "yamnet.pt"
CLASS_MAP_FILE = "yamnet_class_map.csv"
WEIGHTS_FORMAT = "avhd-yamnet/1"
NUM_CLASSES = 521
#: AudioSet classes of an audience or a crowd reacting (the ``crowd`` audio event)
CROWD_CLASSES = (
    "Cheering", "Applause", "Clapping", "Crowd", "Laughter", "Belly laugh", "Shout", "Yell",
    "Whoop", "Children shouting", "Screaming", "Chatter", "Hubbub, speech noise, speech babble",
)
EMBEDDING_DIM = 1024
# (stride, output channels) of layer 1 (a full 3x3 conv) and layers 2-14 (depthwise-separable).
LAYERS = [(2, 32), (1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)]
LAYERS += [(1, 512)] * 5 + [(2, 1024), (1, 1024)]


def models_dir() -> Path:
    """Folder holding the bundled weights (``AVHD_MODELS_DIR`` overrides it)."""
    return Path(os.environ.get("AVHD_MODELS_DIR") or MODELS_DIR)


def build_network():
    """The YAMNet torch module (random weights): ``forward(patches)`` -> (embeddings, logits).

    ``patches`` is ``(B, 96, 64)`` log-mel; ``embeddings`` ``(B, 1024)``; ``logits``
    ``(B, 521)``, whose sigmoid is YAMNet's per-class score.
    """
    import torch
    from torch import nn
    from torch.nn import functional as F

    class Conv(nn.Module):
        """3x3 conv (+ folded BN) and ReLU with TensorFlow ``SAME`` padding."""

        def __init__(self, cin: int, cout: int, stride: int, groups: int = 1) -> None:
            super().__init__()
            self.stride = stride
            self.conv = nn.Conv2d(cin, cout, 3, stride, padding=1 if stride == 1 else 0,
                                  groups=groups)

        def forward(self, x):
            if self.stride == 2:  # SAME on even sizes pads only after (bottom/right)
                x = F.pad(x, (0, 1, 0, 1))
            return F.relu(self.conv(x))

    class Separable(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.depthwise = Conv(cin, cin, stride, groups=cin)
            self.pointwise = nn.Conv2d(cin, cout, 1)

        def forward(self, x):
            return F.relu(self.pointwise(self.depthwise(x)))

    class YamnetNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            layers: list[nn.Module] = []
            cin = 1
            for i, (stride, cout) in enumerate(LAYERS):
                layers.append(Conv(cin, cout, stride) if i == 0 else Separable(cin, cout, stride))
                cin = cout
            self.layers = nn.Sequential(*layers)
            self.classifier = nn.Linear(EMBEDDING_DIM, NUM_CLASSES)

        def forward(self, patches: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            x = self.layers(patches.unsqueeze(1))
            emb = x.mean(dim=(2, 3))
            return emb, self.classifier(emb)

    return YamnetNet()


def load_state_dict(path: str | os.PathLike) -> dict:
    """Read ``yamnet.pt`` (int8 weights + per-channel scales) into a float32 state dict."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise FeatureError(
            f"YAMNet weights not found at {path}; they ship in resources/models "
            "(rebuild them with tools/convert_yamnet.py)"
        )
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file
        raise FeatureError(f"cannot read YAMNet weights {path}: {exc}") from exc
    if not isinstance(blob, dict) or blob.get("format") != WEIGHTS_FORMAT:
        raise FeatureError(f"{path} is not an AVHD YAMNet weights file ({WEIGHTS_FORMAT})")
    state = {k: v.float() for k, v in blob["float"].items()}
    for name, q in blob["int8"].items():
        scale = blob["scales"][name].float()
        state[name] = q.float() * scale.reshape(-1, *([1] * (q.dim() - 1)))
    return state


def forward_w8a8(net, patches, act_scales: dict[str, float]):
    """Run ``net`` with the ONNX export's 8-bit activations emulated (for verification only).

    ``act_scales`` maps ``layers.K`` (full conv or separable-block output),
    ``layers.K.depthwise`` and ``embedding`` to the uint8 scale (zero point 0) that the
    export applies after each ReLU and after the pooling. Returns (embeddings, logits).
    """
    import torch

    def fake_quant(x, scale):
        return torch.clamp(torch.round(x / scale), 0, 255) * scale

    hooks = []
    for name, module in net.named_modules():
        if name in act_scales:
            scale = act_scales[name]
            hooks.append(module.register_forward_hook(
                lambda _m, _i, out, s=scale: fake_quant(out, s)))
    try:
        x = net.layers(patches.unsqueeze(1))
    finally:
        for h in hooks:
            h.remove()
    emb = fake_quant(x.mean(dim=(2, 3)), act_scales["embedding"])
    return emb, net.classifier(emb)


class YAMNet(AudioExtractor):
    """YAMNet clip embeddings (1024-d, 16 kHz input)."""

    NAME = "yamnet"
    VERSION = "1"
    dim = EMBEDDING_DIM
    sample_rate = fe.SAMPLE_RATE

    def __init__(self, device: str = "auto", batch_size: int = 64,
                 weights: str | os.PathLike | None = None, backend: str = "auto") -> None:
        import torch

        from core.device import resolve_device
        from core.features.onnx_backend import resolve_backend

        if batch_size < 1:
            raise FeatureError(f"batch_size must be >= 1, got {batch_size}")
        self.device = resolve_device(device)
        self.batch_size = int(batch_size)
        self._weights_path = Path(weights) if weights else models_dir() / WEIGHTS_FILE
        state = load_state_dict(self._weights_path)
        net = build_network()
        net.load_state_dict(state)
        self.net = net.eval().to(self.device)
        self._torch = torch
        self._weights_digest = _state_digest(state)
        self.backend = resolve_backend(backend, self.device)
        self._session = None  # made at first use: a run served by the cache needs none

    @property
    def _onnx(self):
        if self.backend == "onnx" and self._session is None:
            from core.features.onnx_backend import OnnxNet

            example = self._torch.zeros((2, fe.PATCH_FRAMES, fe.MEL_BANDS))
            self._session = OnnxNet("yamnet", self.net, example, self._weights_digest,
                                    ["patches"], ["embedding", "logits"])  # fmt: skip
        return self._session

    def params(self) -> dict:
        """Sample rate and a digest of the weights (enter the cache key)."""
        return {"sample_rate": self.sample_rate, "weights": self._weights_digest}

    @cached_property
    def class_names(self) -> list[str]:
        """The 521 AudioSet display names, in output order."""
        path = self._weights_path.with_name(CLASS_MAP_FILE)
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        names = [row["display_name"] for row in sorted(rows, key=lambda r: int(r["index"]))]
        if len(names) != NUM_CLASSES:
            raise FeatureError(f"{path} lists {len(names)} classes, expected {NUM_CLASSES}")
        return names

    def embed_patches(
        self,
        patches: np.ndarray,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the network on ``(N, 96, 64)`` log-mel patches -> (embeddings, logits).

        The logits are YAMNet's AudioSet class head (sigmoid = class score) on either backend.
        """
        torch = self._torch
        n = patches.shape[0]
        emb = np.empty((n, EMBEDDING_DIM), np.float32)
        logits = np.empty((n, NUM_CLASSES), np.float32)
        if self._onnx is not None:
            for i in range(0, n, self.batch_size):
                check_cancel(cancel)
                x = np.asarray(patches[i : i + self.batch_size], np.float32)
                emb[i : i + len(x)], logits[i : i + len(x)] = self._onnx.run(x)
                report(progress, min(i + self.batch_size, n), n, "YAMNet audio features")
            return emb, logits
        with torch.inference_mode():
            for i in range(0, n, self.batch_size):
                check_cancel(cancel)
                x = torch.tensor(patches[i : i + self.batch_size])  # copies read-only views
                e, lg = self.net(x.to(self.device, torch.float32))
                emb[i : i + len(x)] = e.cpu().numpy()
                logits[i : i + len(x)] = lg.cpu().numpy()
                report(progress, min(i + self.batch_size, n), n, "YAMNet audio features")
        return emb, logits

    def classify(self, waveform: np.ndarray) -> np.ndarray:
        """Per-class scores (sigmoid, ``(521,)``) averaged over the patches of ``waveform``."""
        _, logits = self.embed_patches(fe.log_mel_patches(check_waveform(waveform)))
        return (0.5 + 0.5 * np.tanh(logits / 2)).mean(axis=0).astype(np.float32)  # sigmoid

    def embed_clips(
        self,
        waveform: np.ndarray,
        bounds: np.ndarray,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """``(len(bounds), 1024)`` float32: mean patch embedding per clip (see module doc)."""
        waveform = check_waveform(waveform)
        bounds = check_bounds(bounds)
        if len(bounds) == 0:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        return self.embed_clips_and_events(waveform, bounds, progress, cancel)[0]

    def embed_clips_and_events(
        self,
        waveform: np.ndarray,
        bounds: np.ndarray,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """:meth:`embed_clips` and, from the same run of YAMNet's own AudioSet head, per
        clip ``crowd``: the mean over the clip's patches of the highest score among the
        crowd-type classes (:data:`CROWD_CLASSES`: cheering, applause, laughter, ...)."""
        waveform = check_waveform(waveform)
        bounds = check_bounds(bounds)
        if len(bounds) == 0:
            return np.zeros((0, EMBEDDING_DIM), np.float32), {"crowd": np.zeros(0, np.float32)}
        members = patches_for_clips(bounds, fe.patch_count(waveform.shape[0]))
        needed = np.unique(np.concatenate(members))
        patches = fe.log_mel_patches(waveform)[needed]
        emb, logits = self.embed_patches(patches, progress=progress, cancel=cancel)
        crowd_idx = [self.class_names.index(c) for c in CROWD_CLASSES]
        crowd = (0.5 + 0.5 * np.tanh(logits[:, crowd_idx] / 2)).max(axis=1)  # sigmoid
        rows = [np.searchsorted(needed, m) for m in members]
        clips = np.stack([emb[r].mean(axis=0) for r in rows])
        return clips, {"crowd": np.array([crowd[r].mean() for r in rows], np.float32)}


def _state_digest(state: dict) -> str:
    """Short sha256 of a state dict's tensor values (file bytes vary between saves)."""
    import hashlib

    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(state[name].numpy().tobytes())
    return h.hexdigest()[:16]


def patch_centres(n_patches: int) -> np.ndarray:
    """Centre time (seconds) of each patch of the padded waveform."""
    return np.arange(n_patches) * fe.PATCH_HOP_SECONDS + fe.PATCH_SPAN_SECONDS / 2


def patches_for_clips(bounds: np.ndarray, n_patches: int) -> list[np.ndarray]:
    """Indices of the patches whose centres lie in each ``[start, end)`` clip (at least one)."""
    centres = patch_centres(n_patches)
    lo = np.searchsorted(centres, bounds[:, 0], side="left")
    hi = np.searchsorted(centres, bounds[:, 1], side="left")
    out = []
    for (start, end), a, b in zip(bounds, lo, hi, strict=True):
        if b > a:
            out.append(np.arange(a, b))
        else:
            out.append(np.array([int(np.argmin(np.abs(centres - (start + end) / 2)))]))
    return out
