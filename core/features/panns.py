"""PANNs Cnn14 (AudioSet, 32 kHz) as an audio extractor: 2048-d clip embeddings.

The architecture follows ``Cnn14`` in PANNs' ``models.py`` (qiuqiangkong/audioset_tagging_cnn):
a log-mel front end (1024-point periodic-Hann STFT every 320 samples, reflect-padded and
centred, power spectrum, 64 Slaney mel bands 50-14000 Hz, ``10 log10``), a BatchNorm over mel
bands, six VGG-style conv blocks, max+mean pooling over time and ``fc1``; the embedding is
``fc1``'s ReLU output (PANNs' ``embedding``). Each clip is embedded on its own, as the
checkpoint was trained on clips: shorter than 1 s it is zero-padded to 1 s, longer than 10 s
it is cut into equal pieces of at most 10 s whose embeddings are averaged.

Weights are not bundled (327 MB, CC BY 4.0). They come from, in order: the ``checkpoint``
argument, ``AVHD_PANNS_CHECKPOINT``, the user cache, or a download from ``AVHD_PANNS_URL``
(default: Zenodo record 3987831, ``Cnn14_mAP=0.431.pth``) checked against
``AVHD_PANNS_CHECKSUM`` (default: Zenodo's published md5). See :mod:`core.features.download`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.errors import FeatureError
from core.features import download as dl
from core.features._clips import check_bounds, check_waveform
from core.features.base import AudioExtractor
from core.progress import CancelToken, ProgressFn, check_cancel, report

SAMPLE_RATE = 32000
WINDOW = 1024
HOP = 320
MEL_BANDS = 64
FMIN, FMAX = 50.0, 14000.0
NUM_CLASSES = 527
MIN_CLIP_SECONDS = 1.0
#: Longer clips are cut into equal pieces of at most this length (the training clips were
#: 10 s) whose embeddings are averaged.
MAX_PIECE_SECONDS = 10.0

DEFAULT_URL = "https://zenodo.org/records/3987831/files/Cnn14_mAP%3D0.431.pth?download=1"
#: md5 Zenodo publishes for Cnn14_mAP=0.431.pth (327,428,481 bytes).
DEFAULT_CHECKSUM = "md5:541141fa2ee191a88f24a3219fff024e"
DEFAULT_FILENAME = "Cnn14_mAP=0.431.pth"


def slaney_mel_matrix(sr: int = SAMPLE_RATE, n_fft: int = WINDOW, n_mels: int = MEL_BANDS,
                      fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """``(n_fft // 2 + 1, n_mels)`` filters as ``librosa.filters.mel(...).T`` (Slaney scale
    and area normalisation), the matrix torchlibrosa stores as ``logmel_extractor.melW``."""
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0

    def hz_to_mel(f):
        f = np.asarray(f, np.float64)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz)
                        / logstep, f / f_sp)

    def mel_to_hz(m):
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)),
                        f_sp * m)

    fft_freqs = np.linspace(0.0, sr / 2.0, n_fft // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights.T.astype(np.float32)


def build_cnn14(width: int = 64, classes: int = NUM_CLASSES):
    """PANNs Cnn14 with its state-dict key names (minus the STFT conv kernels).

    ``width`` is the first block's channel count (64 in Cnn14; blocks double it, the
    embedding has ``32 * width`` dims). :class:`PannsCnn14` reads it from the checkpoint;
    smaller widths exist only to keep tests light.
    """
    import torch
    from torch import nn
    from torch.nn import functional as F

    class ConvBlock(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, x, pool: int):
            x = F.relu(self.bn1(self.conv1(x)))
            x = F.relu(self.bn2(self.conv2(x)))
            return F.avg_pool2d(x, pool) if pool > 1 else x

    class LogMel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.melW = nn.Parameter(torch.from_numpy(slaney_mel_matrix()), requires_grad=False)
            window = torch.hann_window(WINDOW, periodic=True)
            self.register_buffer("window", window, persistent=False)

        def forward(self, wav):
            spec = torch.stft(wav, WINDOW, HOP, WINDOW, self.window, center=True,
                              pad_mode="reflect", return_complex=True).abs() ** 2
            mel = spec.transpose(1, 2) @ self.melW  # (B, T, mel)
            return 10.0 * torch.log10(torch.clamp(mel, min=1e-10))

    class Cnn14(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.logmel_extractor = LogMel()
            self.bn0 = nn.BatchNorm2d(MEL_BANDS)
            chans = [1] + [width * 2**k for k in range(6)]
            for k in range(6):
                setattr(self, f"conv_block{k + 1}", ConvBlock(chans[k], chans[k + 1]))
            self.fc1 = nn.Linear(chans[-1], chans[-1])
            self.fc_audioset = nn.Linear(chans[-1], classes)

        def forward(self, wav):
            """``(B, samples)`` 32 kHz -> (embedding ``(B, 32*width)``, clip-wise logits)."""
            x = self.logmel_extractor(wav).unsqueeze(1)  # (B, 1, T, mel)
            x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
            for k in range(6):
                x = getattr(self, f"conv_block{k + 1}")(x, 2 if k < 5 else 1)
            x = x.mean(dim=3)
            x = x.max(dim=2).values + x.mean(dim=2)
            emb = F.relu(self.fc1(x))
            return emb, self.fc_audioset(emb)

    return Cnn14()


def load_checkpoint_state(path: Path, verified: Callable[[], bool]) -> dict:
    """The ``model`` state dict of a PANNs checkpoint (or of a bare state dict).

    Reads with ``weights_only=True``. PANNs' released checkpoints also pickle numpy objects,
    which that refuses; such a file is read fully only when ``verified()`` says its bytes
    match the expected checksum.
    """
    import pickle

    import torch

    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if not verified():
            raise FeatureError(
                f"{path} holds more than tensors and does not match the expected checksum; "
                "re-save it as torch.save({'model': state_dict}) or give its checksum "
                "(AVHD_PANNS_CHECKSUM=md5:... or sha256:...)") from exc
        blob = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise FeatureError(f"cannot read PANNs checkpoint {path}: {exc}") from exc
    state = blob.get("model", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict) or "fc1.weight" not in state:
        raise FeatureError(f"{path} is not a PANNs Cnn14 checkpoint (no model.fc1.weight)")
    return {k: v for k, v in state.items() if not k.startswith("spectrogram_extractor.")}


class PannsCnn14(AudioExtractor):
    """PANNs Cnn14 clip embeddings (2048-d, 32 kHz input)."""

    NAME = "panns-cnn14"
    VERSION = "1"
    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        device: str = "auto",
        batch_size: int = 8,
        checkpoint: str | os.PathLike | None = None,
        url: str | None = None,
        checksum: str | None = None,
        download: bool = True,
        progress: ProgressFn | None = None,
    ) -> None:
        from core.device import resolve_device

        if batch_size < 1:
            raise FeatureError(f"batch_size must be >= 1, got {batch_size}")
        self.device = resolve_device(device)
        self.batch_size = int(batch_size)
        path, self.checksum, verified = self._locate(checkpoint, url, checksum, download,
                                                     progress)
        state = load_checkpoint_state(path, verified)
        try:  # the checkpoint fixes the width (64 in the released Cnn14) and class count
            width = int(state["conv_block1.conv1.weight"].shape[0])
            net = build_cnn14(width=width, classes=int(state["fc_audioset.weight"].shape[0]))
            missing, unexpected = net.load_state_dict(state, strict=False)
        except (KeyError, RuntimeError) as exc:
            raise FeatureError(f"{path} does not match Cnn14: {str(exc)[:300]}") from exc
        missing = [k for k in missing if k != "logmel_extractor.melW"]
        if missing or unexpected:
            raise FeatureError(
                f"{path} does not match Cnn14: missing {missing[:4]}, unexpected {unexpected[:4]}")
        self.checkpoint_path = path
        self.dim = int(net.fc1.weight.shape[0])
        self.net = net.eval().to(self.device)

    @staticmethod
    def _locate(checkpoint, url, checksum, download, progress):
        """Find or fetch the checkpoint -> (path, identity for the cache key, verified())."""
        given = checkpoint or os.environ.get("AVHD_PANNS_CHECKPOINT")
        checksum = checksum or os.environ.get("AVHD_PANNS_CHECKSUM") or DEFAULT_CHECKSUM
        expected = dl.parse_checksum(checksum)
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise FeatureError(f"PANNs checkpoint {path} does not exist")
            algo = expected[0] if expected else "sha256"
            actual = dl.file_digest(path, algo)
            matches = expected is not None and actual == expected[1]
            return path, f"{algo}:{actual}", lambda: matches
        url = url or os.environ.get("AVHD_PANNS_URL") or DEFAULT_URL
        name = DEFAULT_FILENAME if url == DEFAULT_URL else dl.url_filename(url, "Cnn14.pth")
        target = dl.models_cache_dir() / dl.tagged_name(name, expected, url)
        if not target.is_file():
            if not download or os.environ.get("AVHD_OFFLINE"):
                raise FeatureError(_missing_message(url, checksum, target, "downloads are off"))
            try:
                dl.download(url, target, expected, progress=progress, label="PANNs Cnn14")
            except dl.NetworkError as exc:
                raise FeatureError(_missing_message(url, checksum, target, str(exc))) from exc
        identity = f"{expected[0]}:{expected[1]}" if expected else f"url:{url}"
        # A cached file was checked when downloaded, but may have been put there by hand.
        return target, identity, lambda: bool(
            expected and dl.file_digest(target, expected[0]) == expected[1])

    def params(self) -> dict:
        return {"sample_rate": self.sample_rate, "checkpoint": self.checksum}

    def embed_clips(
        self,
        waveform: np.ndarray,
        bounds: np.ndarray,
        progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """``(len(bounds), dim)`` float32: Cnn14's embedding of each clip's samples."""
        import torch

        waveform = check_waveform(waveform)
        bounds = check_bounds(bounds)
        clip, starts, lengths = _pieces(bounds)
        emb_sum = np.zeros((len(bounds), self.dim), np.float64)
        # Same-length pieces share batches; the batch shrinks for long pieces (~80 s of audio).
        order = np.lexsort((starts, lengths))
        i = 0
        with torch.inference_mode():
            while i < len(order):
                length = lengths[order[i]]
                cap = max(1, min(self.batch_size, int(80 * SAMPLE_RATE // length)))
                group = [order[i]]
                while (len(group) < cap and i + len(group) < len(order)
                       and lengths[order[i + len(group)]] == length):
                    group.append(order[i + len(group)])
                check_cancel(cancel)
                batch = np.zeros((len(group), length), np.float32)
                for row, k in enumerate(group):
                    seg = waveform[starts[k] : starts[k] + length]
                    batch[row, : len(seg)] = seg
                emb, _ = self.net(torch.from_numpy(batch).to(self.device))
                np.add.at(emb_sum, clip[group], emb.double().cpu().numpy())
                i += len(group)
                report(progress, i, len(order), "PANNs Cnn14 audio features")
        counts = np.bincount(clip, minlength=len(bounds))[:, None]
        return (emb_sum / np.maximum(counts, 1)).astype(np.float32)


def _pieces(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split clips into pieces of at most ``MAX_PIECE_SECONDS`` (equal lengths within a clip)
    and at least ``MIN_CLIP_SECONDS`` -> (clip index, start sample, length) per piece."""
    min_len = int(round(MIN_CLIP_SECONDS * SAMPLE_RATE))
    max_len = int(round(MAX_PIECE_SECONDS * SAMPLE_RATE))
    clip, starts, lengths = [], [], []
    for k, (start, end) in enumerate(bounds):
        s0 = int(round(start * SAMPLE_RATE))
        total = max(int(round(end * SAMPLE_RATE)) - s0, min_len)
        n = -(-total // max_len)
        piece = -(-total // n)
        for j in range(n):
            clip.append(k)
            starts.append(s0 + j * piece)
            lengths.append(piece)
    return (np.array(clip, np.int64), np.array(starts, np.int64), np.array(lengths, np.int64))


def _missing_message(url: str, checksum: str, target: Path, reason: str) -> str:
    return (
        f"the PANNs Cnn14 checkpoint is not available ({reason}). Download {url} "
        f"(checksum {checksum}) yourself and set AVHD_PANNS_CHECKPOINT=PATH (or pass "
        f"checkpoint=PATH), or save it as {target}; or use the bundled 'yamnet' audio extractor"
    )
