"""Options shared by ``find``, ``train``, ``score`` and ``extract``.

Nothing here imports torch, PyAV, OpenTimelineIO or NumPy: a command line is parsed (and a
bad value refused with exit status 2) before any engine module is loaded. The defaults below
are :class:`core.pipeline.FindConfig`'s; ``tests/test_cli.py`` checks that a command line
without options gives exactly ``FindConfig()``, and that the names listed here are the
engine's registries.
"""

from __future__ import annotations

import argparse

from core.commands._types import (
    choice,
    fraction,
    non_negative_float,
    positive_float,
    positive_int,
    seed,
    unit_interval,  # noqa: F401 - also imported from here by older callers
)

# The engine's registries, spelled out so that parsing needs no engine import (checked by
# tests/test_cli.py against core.features, core.model.VARIANTS and core.training.PRESETS).
VISUAL_NAMES = ("effnet-lite0",)
AUDIO_NAMES = ("panns-cnn14", "yamnet")
VARIANT_NAMES = ("bimodal", "audio", "visual", "early", "late", "large")
PRESET_NAMES = ("default", "large", "tvsum", "youtube")
DEVICE_NAMES = ("auto", "cpu", "cuda")
LOSS_NAMES = ("bce", "pairwise", "listwise")


def odd_or_zero(text: str) -> int:
    """argparse type: 0 or an odd kernel size."""
    value = int(text)
    if value < 0 or (value and value % 2 == 0):
        raise argparse.ArgumentTypeError(f"must be 0 or an odd number, got {text}")
    return value


def add_network_options(p, default: str | int | None = "model") -> None:
    """``--loss`` and ``--context`` of the network (``default=None``: the recipe's value)."""
    p.add_argument(
        "--loss",
        choices=LOSS_NAMES,
        default="bce" if default == "model" else default,
        help="network training loss: bce per clip (default), pairwise (logistic on the "
        "clip pairs of one window) or listwise (softmax over the window)",
    )
    p.add_argument(
        "--context",
        type=odd_or_zero,
        default=0 if default == "model" else default,
        metavar="K",
        help="temporal context: a residual 1-D convolution over K neighbouring clips before "
        "attention (odd K; default 0 = none)",
    )
    p.add_argument(
        "--centre",
        action="store_const",
        const=True,
        default=False if default == "model" else default,
        help="network inputs minus their window's mean clip (the whole video unless it is "
        "longer than the window): the network sees how each clip differs from the rest",
    )
EXPORT_FORMATS = ("mp4", "mov", "mkv", "otio", "edl", "fcp7", "fcpxml", "csv", "json", "chapters")
DEFAULT_TOP = 0.2
DEFAULT_CUE = "auto"  # core.scoring.DEFAULT_CUE (tests/test_cli.py checks they agree)


def _visual_names() -> list[str]:
    from core.features import visual_names  # the registry (extensible): read when used

    return visual_names()


def _audio_names() -> list[str]:
    from core.features import audio_names

    return audio_names()


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Which files of a folder are read (the same on every command that reads a folder)."""
    g = p.add_argument_group("input files")
    g.add_argument(
        "--glob",
        metavar="PAT",
        default=None,
        help="only files whose name matches PAT, e.g. '*.mp4' (default: every video file)",
    )
    g.add_argument(
        "--no-recursive",
        dest="recursive",
        action="store_false",
        help="do not look in sub-folders (default: sub-folders are searched)",
    )


def add_extract_options(p: argparse.ArgumentParser, audio_none: bool = False) -> None:
    g = p.add_argument_group("features")
    g.add_argument(
        "--visual",
        default="effnet-lite0",
        type=choice(_visual_names, "visual extractor"),
        metavar="NAME",
        help=f"visual feature extractor (built in: {', '.join(VISUAL_NAMES)})",
    )
    names = ", ".join(AUDIO_NAMES) + (", or none (visual only)" if audio_none else "")
    audio = (lambda: [*_audio_names(), "none"]) if audio_none else _audio_names
    g.add_argument(
        "--audio",
        default="yamnet",
        type=choice(audio, "audio extractor"),
        metavar="NAME",
        help=f"audio feature extractor (built in: {names})",
    )
    g.add_argument(
        "--device",
        default="auto",
        choices=DEVICE_NAMES,
        help="torch device; auto = CUDA when available, else CPU",
    )
    g.add_argument(
        "--backend",
        default="auto",
        choices=("auto", "torch", "onnx"),
        help="network runtime; auto = onnxruntime on the CPU when it is installed, else torch",
    )
    g.add_argument(
        "--clip-seconds",
        type=positive_float,
        default=2.0,
        metavar="S",
        help="clip length in seconds: the unit that is scored and selected",
    )
    g.add_argument(
        "--frames-per-clip",
        type=positive_int,
        default=1,
        metavar="K",
        help="frames sampled per clip for the visual feature (their mean)",
    )
    g.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the feature cache"
    )
    g.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="extract on a Ray cluster, one task per video (no address: a local Ray instance)",
    )


def add_method_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("method")
    g.add_argument(
        "--preset",
        default="default",
        choices=PRESET_NAMES,
        help="training preset (epochs, learning rate); tvsum/youtube = the published settings",
    )
    g.add_argument(
        "--variant",
        default="bimodal",
        choices=VARIANT_NAMES,
        help="network: bimodal (the method), one modality, early/late fusion or large",
    )
    add_network_options(g)
    g.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="train N epochs (default: the preset's)",
    )
    g.add_argument(
        "--seed", type=seed, default=0, help="random seed of clustering and training"
    )
    g.add_argument(
        "--similarity",
        default="dot",
        choices=["dot", "cosine", "pearson"],
        help="pseudo-highlight similarity: dot = mean inner product; the paper: cosine",
    )
    g.add_argument(
        "--cue",
        default=DEFAULT_CUE,
        metavar="CUE",
        help="cue(s) ranking the clips; join with + to fuse ranks: "
        "auto (default), recurrence, neighbours, centred, contrast, activity, atypicality, "
        "novelty, motion, loudness, crowd (the paper: recurrence with --similarity cosine "
        "--ph-modality av)",
    )
    g.add_argument(
        "--ph-modality",
        default="visual",
        choices=["av", "audio", "visual"],
        help="features the cues use: av (both), audio or visual (default; the paper: av)",
    )
    g.add_argument(
        "--targets",
        default="soft",
        choices=["soft", "hard"],
        help="network training targets: soft = each clip's pseudo-highlight rank "
        "in its video; hard = the paper's top-50 %% 0/1 pseudo-labels",
    )
    g.add_argument(
        "--blend",
        type=unit_interval,
        default=0.5,
        metavar="W",
        help="weight of the pseudo-highlight ranks in a trained model's scores, 0 to 1 "
        "(0 = the network alone, as in the paper)",
    )


def add_selection_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("selection")
    t = g.add_mutually_exclusive_group()
    t.add_argument(
        "--top",
        type=fraction,
        default=None,
        metavar="FRACTION",
        help=f"select this fraction of each video, in (0, 1] (default: {DEFAULT_TOP})",
    )
    t.add_argument(
        "--target-seconds",
        type=positive_float,
        default=None,
        metavar="N",
        help="select N seconds of each video instead of a fraction",
    )
    g.add_argument(
        "--min-segment",
        type=positive_float,
        default=2.0,
        metavar="S",
        help="shortest segment kept, in seconds",
    )
    g.add_argument(
        "--padding",
        type=non_negative_float,
        default=0.0,
        metavar="S",
        help="seconds added before and after each segment",
    )
    g.add_argument(
        "--merge-gap",
        type=non_negative_float,
        default=0.0,
        metavar="S",
        help="join segments at most S seconds apart into one (default: 0, only touching ones)",
    )
    g.add_argument(
        "--shot-snap",
        type=non_negative_float,
        default=0.5,
        metavar="S",
        help="detect shot cuts (PySceneDetect, cached) and move segment edges within S "
        "seconds of a cut onto it (default: 0.5; 0: no shot detection)",
    )


_CONFIG_FIELDS = (
    "visual",
    "audio",
    "device",
    "backend",
    "ray",
    "clip_seconds",
    "frames_per_clip",
    "preset",
    "variant",
    "loss",
    "context",
    "centre",
    "epochs",
    "seed",
    "similarity",
    "cue",
    "ph_modality",
    "targets",
    "blend",
    "min_segment",
    "padding",
    "merge_gap",
    "shot_snap",
    "target_seconds",
    "glob",
    "recursive",
)


def config_from_args(args: argparse.Namespace):
    """The :class:`core.pipeline.FindConfig` that the options describe."""
    from core.pipeline import FindConfig

    cfg = FindConfig()
    for name in _CONFIG_FIELDS:
        if hasattr(args, name) and hasattr(cfg, name):
            setattr(cfg, name, getattr(args, name))
    if getattr(args, "top", None) is not None:
        cfg.top_fraction = args.top
    cfg.use_cache = not getattr(args, "no_cache", False)
    return cfg


def progress_for(args: argparse.Namespace, clip_seconds: float | None = None):
    """The progress display the global ``--progress``/``--quiet`` options ask for."""
    from core.commands._progress import ProgressDisplay

    mode = "none" if getattr(args, "quiet", False) else getattr(args, "progress", "auto")
    return ProgressDisplay(mode, clip_seconds=clip_seconds)


class StageBars:
    """Kept for callers of the old name: the progress display in ``bar``/``auto`` mode."""

    def __new__(cls, enabled: bool = True):
        from core.commands._progress import ProgressDisplay

        return ProgressDisplay("auto" if enabled else "none")
