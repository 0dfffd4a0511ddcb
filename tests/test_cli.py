"""The ``avhd`` command line: parsing before work, option checks, conventions, exit codes.

Each test names the problem of issue 16 it covers; every one failed on the old CLI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from synth import make_text, make_video

from core import cli, features
from core.commands import _common

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "av", "opentimelineio", "numpy", "imageio_ffmpeg", "core.pipeline")
FAST = ["--visual", "test-colorhist", "--audio", "test-bandenergy", "--device", "cpu"]


@pytest.fixture(autouse=True)
def _test_extractors(test_extractors):
    """Every test here may name the small extractors (tests/conftest.py)."""


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli-lib")
    make_video(root / "a.mp4", duration=6, video="smptebars", audio="sine:880")
    make_video(root / "b.mp4", duration=6, video="color:red", audio="noise")
    (root / "sub").mkdir()
    make_video(root / "sub" / "c.mov", duration=6, video="rgbtestsrc", audio="tones:300,600")
    make_text(root / "broken.mp4")
    return root


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    return exc.value.code


def _modules_after(argv: list[str]) -> tuple[int, list[str], str]:
    """Exit code, heavy modules loaded and stderr of ``avhd ARGV`` in a fresh interpreter."""
    code = (
        "import sys\nfrom core.cli import main\n"
        "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n    rc = e.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', ','.join(heavy), file=sys.stderr)\nsys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY")][-1]
    return proc.returncode, [m for m in line[6:].split(",") if m], proc.stderr


# "Every command imports torch, av and OTIO and runs the ffmpeg binary before parsing
# arguments (--version is computed while building the parser)"
@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["--version"],
        ["find", "--help"],
        ["find", "nowhere", "--top", "0"],
        ["export", "x.json", "--format", "mp5"],
        ["train", "--help"],
        ["score", "x.mp4", "--model", "m.pt", "--padding", "-1"],
        ["bench", "--help"],
    ],
)
def test_parsing_loads_no_engine_module(argv):
    rc, heavy, err = _modules_after(argv)
    assert rc in (0, 2), err
    assert heavy == [] or argv == ["bench", "--help"] and "torch" not in heavy, heavy


def test_version_is_computed_only_when_asked(monkeypatch, capsys):
    def boom(full=True):
        raise AssertionError("computed while building the parser")

    monkeypatch.setattr(cli, "_versions", boom)
    cli.build_parser().parse_args(["find", "x"])  # no --version: nothing computed
    monkeypatch.setattr(cli, "_versions", lambda full=True: f"full={full}")
    assert _exit_code(["--version"]) == 0 and capsys.readouterr().out == "full=False\n"
    assert _exit_code(["-v", "--version"]) == 0 and capsys.readouterr().out == "full=True\n"


# "Options are checked after the work: --export mp5, --top 2 and --target-seconds -5 fail
# only after the whole run; --padding -2 --min-segment -3 is accepted ...; --top 0 exits 0"
@pytest.mark.parametrize(
    "options, message",
    [
        (["--export", "mp5"], "unknown export format 'mp5'"),
        (["--top", "2"], "argument --top: must be a fraction in (0, 1], got 2"),
        (["--top", "0"], "argument --top: must be a fraction in (0, 1], got 0"),
        (["--target-seconds", "-5"], "argument --target-seconds: must be greater than 0"),
        (["--target-seconds", "0"], "argument --target-seconds: must be greater than 0"),
        (["--padding", "-2", "--min-segment", "3"], "argument --padding: must be 0 or more"),
        (["--min-segment", "-3"], "argument --min-segment: must be greater than 0"),
        (["--epochs", "0"], "argument --epochs: must be 1 or more"),
        (["--seed", "-1"], "argument --seed: must be an integer from 0"),
        (["--seed", "x"], "argument --seed: not an integer: 'x'"),
        (["--clip-seconds", "0"], "argument --clip-seconds: must be greater than 0"),
        (["--frames-per-clip", "0"], "argument --frames-per-clip: must be 1 or more"),
        (["--blend", "1.5"], "argument --blend: must be between 0 and 1"),
        (["--progress", "fancy"], "argument --progress: invalid choice"),
    ],
)
def test_find_refuses_bad_values_before_any_work(library, monkeypatch, capsys, options, message):
    import core.pipeline

    def no_work(*a, **k):
        raise AssertionError("the run started")

    monkeypatch.setattr(core.pipeline, "find_highlights", no_work)
    assert _exit_code(["find", str(library), *FAST, *options]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["export", "x.json", "--crossfade", "-1"], "--crossfade: must be 0 or more"),
        (["export", "x.json", "--fps", "0"], "--fps: must be greater than 0"),
        (["export", "x.json", "--size", "big"], "--size: must be WIDTHxHEIGHT"),
        (["score", "x.mp4", "--model", "m.pt", "--top", "1.5"], "--top: must be a fraction"),
        (["train", "x", "--out", "m.pt", "--epochs", "-3"], "--epochs: must be 1 or more"),
        (["bench", "youtube", "--jobs", "0"], "--jobs: must be 1 or more"),
        (["bench", "youtube", "--ph-top", "0"], "--ph-top: must be a fraction"),
        (["bench", "youtube", "--seeds", "0", "-2"], "--seeds: must be an integer from 0"),
    ],
)
def test_other_commands_refuse_bad_values(capsys, argv, message):
    assert _exit_code(argv) == 2
    assert message in capsys.readouterr().err


# "no -q/-v, no log file"; "--debug works only before the subcommand"
def test_global_options_before_or_after_the_command(library, tmp_path, capsys):
    log = tmp_path / "run.log"
    out = tmp_path / "out"
    argv = ["find", str(library / "a.mp4"), "--direct", *FAST, "--out", str(out)]
    assert cli.main(["-q", *argv, "--log", str(log), "--progress", "none"]) == 0
    text = log.read_text(encoding="utf-8")
    assert "INFO core: avhd -q find" in text and "DEBUG core: options: {" in text
    captured = capsys.readouterr()
    assert captured.err == "" and "1 video(s) scored" in captured.out  # -q: no progress
    assert cli.main(["-v", *argv]) == 0 and cli.main([*argv, "-vv"]) == 0
    missing = ["find", str(tmp_path / "nothing-here"), *FAST]
    assert cli.main(missing) == 1
    assert "no such file or folder" in capsys.readouterr().err
    from core.errors import AvhdError

    with pytest.raises(AvhdError, match="no such file or folder"):  # traceback: --debug
        cli.main([*missing, "--debug"])


# "progress bars appear only on a terminal, so a run in a pipe prints nothing until the
# end; the find bar counts files only and sits at 0/7 through a 10-minute film"
def test_plain_and_json_progress_in_a_pipe_count_seconds_of_footage(library, tmp_path, capsys):
    argv = ["find", str(library), "--direct", *FAST, "--out", str(tmp_path / "o")]
    cli.main([*argv, "--progress", "json"])
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    footage = [e for e in events if e["stage"] == "footage"]
    assert footage and {e["unit"] for e in footage} == {"s"}
    assert {"a.mp4", "b.mp4", "c.mov"} <= {e["item"] for e in footage}
    assert max(e["total"] for e in footage) == pytest.approx(6.0)
    assert [e["done"] for e in footage if e["item"] == "a.mp4"][-1] == pytest.approx(6.0)
    assert {"extract", "categories", "pseudo", "score"} <= {e["stage"] for e in events}
    cli.main([*argv, "--progress", "plain"])
    lines = capsys.readouterr().err.splitlines()
    assert "[footage] 6/6 s a.mp4" in lines and any(x.startswith("[extract] ") for x in lines)


# "a run where 5 of 9 files failed exits 0"
def test_exit_status_3_when_some_files_failed_and_1_when_none_was_usable(library, tmp_path):
    out = tmp_path / "o"
    assert cli.main(["find", str(library), "--direct", *FAST, "--out", str(out)]) == 3
    one = ["--out", str(tmp_path / "one")]  # a folder of its own: o holds the library's results
    assert cli.main(["find", str(library / "a.mp4"), "--direct", *FAST, *one]) == 0
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    make_text(only_bad / "x.mp4")
    assert cli.main(["find", str(only_bad), "--direct", *FAST]) == 1
    assert cli.main(["extract", str(library), *FAST]) == 3


# "extract has --glob/--no-recursive/--audio none, find does not"
def test_find_selects_files_like_extract(library, tmp_path, capsys):
    out = tmp_path / "o"
    argv = ["find", str(library), "--direct", *FAST, "--out", str(out)]
    assert cli.main([*argv, "--glob", "*.mov"]) == 0
    assert "c.mov" in capsys.readouterr().out and not (out / "a.highlights.json").exists()
    assert cli.main([*argv, "--no-recursive", "--glob", "[ab].mp4"]) == 0
    assert "2 video(s) scored, 0 failed" in capsys.readouterr().out
    names = sorted(p.name for p in out.glob("*.highlights.json"))  # c.mov kept from the first run
    assert [n.split(".")[0] for n in names] == ["a", "b", "sub__c"], names
    for name in ("extract", "find", "train"):
        opts = _options(name)
        assert {"--glob", "--no-recursive"} <= set(opts), name


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(name: str) -> dict[str, argparse.Action]:
    return {s: a for a in _subparsers()[name]._actions for s in a.option_strings}


# "help texts are missing for --min-segment, --padding, --preset, ...; no examples;
# defaults not shown"
def test_every_option_has_help_defaults_and_examples():
    for name, parser in _subparsers().items():
        for action in parser._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        assert "examples:\n  avhd " + name in parser.epilog, name
        assert "exit status:" in parser.epilog, name
    text = _subparsers()["find"].format_help()
    for shown in ("shortest segment kept, in seconds (default: 2.0)",
                  "seconds added before and after each segment (default: 0.0)",
                  "(default: default)", "(default: bimodal)", "(default: 0)"):  # fmt: skip
        assert shown in " ".join(text.split()), shown


def test_cli_defaults_are_the_engines():
    """The option defaults spelled out in core.commands (so parsing needs no engine import)
    give exactly FindConfig(); the names listed are the engine's registries."""
    from core.model import VARIANTS
    from core.pipeline import FindConfig
    from core.training import LOSSES, PRESETS

    for argv in (["find", "x"], ["train", "x", "--out", "m.pt"]):
        args = cli.build_parser().parse_args(argv)
        assert _common.config_from_args(args) == FindConfig(), argv
    assert set(_common.VARIANT_NAMES) == set(VARIANTS)
    assert set(_common.PRESET_NAMES) == set(PRESETS)
    assert set(_common.LOSS_NAMES) == set(LOSSES)
    assert set(_common.VISUAL_NAMES) == set(features.visual_names()) - {"test-colorhist"}
    assert set(_common.AUDIO_NAMES) == set(features.audio_names()) - {"test-bandenergy"}
    from core.device import DEVICES
    from core.export import format_names

    assert list(_common.EXPORT_FORMATS) == format_names()
    assert _common.DEVICE_NAMES == DEVICES
    assert FindConfig().top_fraction == _common.DEFAULT_TOP


def test_usage_errors_exit_2_without_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "core.cli", "find"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "the following arguments are required: folder" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "core.cli"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2 and "examples:" in proc.stderr


def test_interrupted_and_cancelled_runs_exit_130(library, monkeypatch, capsys):
    import core.pipeline
    from core.errors import Cancelled

    for exc, said in ((KeyboardInterrupt(), "avhd: interrupted"), (Cancelled("x"), "cancelled")):
        def stop(*a, _exc=exc, **k):
            raise _exc

        monkeypatch.setattr(core.pipeline, "find_highlights", stop)
        assert cli.main(["find", str(library), *FAST]) == 130
        assert said in capsys.readouterr().err


def test_an_unexpected_error_is_one_line_without_debug(library, monkeypatch, capsys):
    import core.pipeline

    def bug(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(core.pipeline, "find_highlights", bug)
    assert cli.main(["find", str(library), *FAST]) == 1
    err = capsys.readouterr().err
    assert err == (
        "avhd: error: unexpected ZeroDivisionError: division by zero (run with --debug "
        "for the traceback)\n"
    )
    with pytest.raises(ZeroDivisionError):
        cli.main(["find", str(library), *FAST, "--debug"])
