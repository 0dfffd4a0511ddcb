"""Run an extractor's torch network in onnxruntime (one intra-op thread per session).

The ONNX file is exported from the torch module at first use, with the legacy TorchScript
exporter (``dynamo=False``, no ``onnxscript`` needed, works offline), into
``cache_root()/models/NAME-KEY.onnx``. ``KEY`` hashes the weights digest, the input shape,
the export format version and the torch and onnx versions, so new weights or a new exporter
make a new file; the file is written atomically (temp file, then rename) and a file that
onnxruntime cannot load is exported again.

Why one thread: extraction already runs the frame decoder, the audio decoder and both
networks at the same time; one intra-op thread per session keeps the process at about one
busy thread per core (torch's default pool of one thread per core, in two threads at once,
burns 3x the CPU on a loaded 2-core machine for the same work).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from core.errors import FeatureError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnx")
#: Bumped when what is exported (graph inputs/outputs, pre-processing inside it) changes.
EXPORT_VERSION = "1"
OPSET = 17
#: torch.onnx keeps global export state: two exports at once (the visual network in the
#: caller's thread, YAMNet in the audio thread) must not overlap.
_EXPORT_LOCK = threading.Lock()


def onnx_available() -> bool:
    """True when onnxruntime (to run) and onnx (to export) can be imported.

    A build without them (e.g. a frozen app that leaves them out) uses the torch path.
    """
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnx", "onnxruntime"))


def resolve_backend(name: str, device: str) -> str:
    """``torch`` or ``onnx`` for ``auto|torch|onnx`` on a resolved ``device``.

    ``auto`` is ONNX on the CPU when onnxruntime is importable, torch otherwise (and on
    CUDA, where the batched torch path is used).
    """
    if name not in BACKENDS:
        raise FeatureError(f"unknown backend {name!r}; valid: {', '.join(BACKENDS)}")
    if name == "auto":
        return "onnx" if device == "cpu" and onnx_available() else "torch"
    if name == "onnx":
        if device != "cpu":
            raise FeatureError("backend 'onnx' runs on the CPU only; use --backend torch on cuda")
        if not onnx_available():
            raise FeatureError("backend 'onnx' needs: pip install onnxruntime onnx")
    return name


def model_dir() -> Path:
    from core.cache import cache_root

    return cache_root() / "models"


def export_key(name: str, weights_digest: str, example_shape: tuple[int, ...]) -> str:
    from importlib.metadata import version

    import torch

    text = "|".join(
        [name, weights_digest, str(tuple(example_shape)), EXPORT_VERSION, str(OPSET),
         torch.__version__, version("onnx")]
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _export(module, example, path: Path, inputs: list[str], outputs: list[str]) -> None:
    import warnings

    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".onnx.part", dir=path.parent)
    os.close(fd)
    axes = {n: {0: "n"} for n in inputs + outputs}
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module, (example,), tmp, dynamo=False, input_names=inputs,
                output_names=outputs, dynamic_axes=axes, opset_version=OPSET,
            )  # fmt: skip
        os.replace(tmp, path)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise FeatureError(f"cannot export {path.stem} to ONNX: {exc}") from exc


class OnnxNet:
    """An onnxruntime session over a torch module exported once into the model cache."""

    def __init__(
        self,
        name: str,
        module,
        example,
        weights_digest: str,
        inputs: list[str],
        outputs: list[str],
        threads: int = 1,
    ) -> None:
        import onnxruntime as ort

        self.path = model_dir() / f"{name}-{export_key(name, weights_digest, example.shape)}.onnx"
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        with _EXPORT_LOCK:
            if not self.path.is_file():
                log.info("exporting %s to %s", name, self.path)
                _export(module.eval(), example, self.path, inputs, outputs)
            try:
                self.session = ort.InferenceSession(
                    str(self.path), opts, providers=["CPUExecutionProvider"]
                )
            except Exception:  # a foreign or damaged file under our name: export again
                log.warning("cannot load %s; exporting it again", self.path)
                _export(module.eval(), example, self.path, inputs, outputs)
                self.session = ort.InferenceSession(
                    str(self.path), opts, providers=["CPUExecutionProvider"]
                )
        self.input = inputs[0]

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {self.input: np.ascontiguousarray(x)})
