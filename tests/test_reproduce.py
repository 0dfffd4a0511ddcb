"""bench/reproduce.py: the results document is rebuilt from the rows' summary files."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "reproduce.py"


@pytest.fixture(scope="module")
def reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["reproduce"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _summary(mean, std, domains, seconds=12.0, collapsed=()):
    stats = {"mean": mean, "std": std, "min": mean - std, "max": mean + std, "n": 3}
    return {
        "command": "avhd bench youtube --recipe paper --seeds 0 1 2",
        "seconds": seconds,
        "seeds": [0, 1, 2],
        "summary": {
            "headline": stats,
            "runs": 3,
            "collapsed": list(collapsed),
            "domains": {d: {"mean": v, "std": 0.0, "n": 3} for d, v in domains.items()},
        },
    }


def test_slugs_are_unique_per_distinct_command(reproduce):
    seen = {}
    for table in reproduce.TABLES:
        for row in table.rows:
            key = (row.benchmark, tuple(row.args))
            assert seen.setdefault(row.slug, key) == key, row.slug


def test_report_keeps_hand_written_text_and_marks_missing_rows(reproduce, tmp_path):
    paper = reproduce.Row("paper", "youtube", ["--recipe", "paper"])
    out = tmp_path / "out"
    (out / paper.slug).mkdir(parents=True)
    (out / paper.slug / "summary.json").write_text(
        json.dumps(_summary(52.02, 1.04, {"dog": 54.4, "surfing": 42.2}, collapsed=["s1"]))
    )
    doc = tmp_path / "results.md"
    old = f"{reproduce.BEGIN}\nSTALE-TEXT\n{reproduce.END}"
    doc.write_text(f"# Intro\n\nkept\n\n{old}\n\ntail kept\n")
    reproduce.write_report(out, doc)
    text = doc.read_text()
    assert text.startswith("# Intro\n\nkept\n") and text.endswith("\n\ntail kept\n")
    assert "STALE-TEXT" not in text
    line = next(x for x in text.splitlines() if x.startswith("| paper | YouTube mAP"))
    assert "52.02 ± 1.04 (n=3) **collapsed in 1/3 runs**" in line and "| 68.30 |" in line
    assert "| 12 s |" in line and "`avhd bench youtube --recipe paper --seeds 0 1 2`" in line
    missing = [x for x in text.splitlines() if "not run yet" in x]
    rows = [r for t in reproduce.TABLES for r in t.rows]
    assert len(missing) == sum(r.slug != paper.slug for r in rows)
    assert "| random scores | YouTube mAP | not run yet |" in text
    assert "| row | dog | surfing | mean |" in text and "| paper | 54.4 | 42.2 | 52.02 |" in text


def test_a_row_recorded_with_other_settings_is_stale(reproduce, tmp_path):
    """A summary whose recorded configuration is not what the row's command runs today (a
    recipe default changed since) is neither reported nor reused."""
    row = reproduce.Row("paper PH", "youtube", ["--recipe", "paper", "--scorer", "direct"])
    assert reproduce.expected_config(row)["similarity"] == "cosine"
    (tmp_path / row.slug).mkdir()
    summary = _summary(50.0, 0.1, {"dog": 50.0})
    path = tmp_path / row.slug / "summary.json"
    for similarity, state in (("cosine", "ok"), ("dot", "stale")):
        summary["config"] = {**reproduce.expected_config(row), "similarity": similarity}
        path.write_text(json.dumps(summary))
        assert reproduce.load_summary(row, tmp_path)[1] == state
    assert reproduce.load_summary(reproduce.Row("x", "tvsum", []), tmp_path) == (None, "missing")


def test_rerunning_some_tables_keeps_the_other_tables_rows(reproduce, tmp_path):
    """``--tables direct`` rewrites that table only: the headline rows (and their per-domain
    line) that are not in this output folder keep what the document said."""
    paper = reproduce.Row("paper", "youtube", ["--recipe", "paper"])
    first = tmp_path / "first"
    (first / paper.slug).mkdir(parents=True)
    (first / paper.slug / "summary.json").write_text(
        json.dumps(_summary(52.02, 1.04, {"dog": 54.4, "surfing": 42.2})))
    doc = tmp_path / "results.md"
    doc.write_text(f"# Intro\n\n{reproduce.BEGIN}\n{reproduce.END}\n\ntail\n")
    reproduce.write_report(first, doc)
    direct = next(t for t in reproduce.TABLES if t.name == "direct").rows[1]
    second = tmp_path / "second"  # a new folder: only the direct row was rerun
    (second / direct.slug).mkdir(parents=True)
    summary = _summary(61.16, 0.09, {"dog": 59.0, "surfing": 60.0})
    summary["command"] = "avhd bench youtube --recipe avhd-direct --seeds 0 1 2"
    (second / direct.slug / "summary.json").write_text(json.dumps(summary))
    reproduce.write_report(second, doc, ["direct"])
    text = doc.read_text()
    assert text.startswith("# Intro\n") and text.endswith("\n\ntail\n")
    lines = text.splitlines()
    assert any(x.startswith("| paper | YouTube mAP | 52.02 ± 1.04 (n=3)") for x in lines)
    assert any(x.startswith(f"| {direct.label} | YouTube mAP | 61.16 ± 0.09 (n=3)")
               for x in lines)
    assert "| paper | 54.4 | 42.2 | 52.02 |" in text  # per-domain line of the kept row
    # a kept table stays as it was, even where it shares a row with a rerun table
    clusters = text.split("### Number of pseudo-categories K")[1].split("###")[0]
    assert "61.16" not in clusters and "not run yet" in clusters
    assert text.count("### Headline") == 1 and text.count(reproduce.BEGIN) == 1
    reproduce.write_report(second, doc)  # a full rewrite reports what the folder holds
    assert "| paper | YouTube mAP | not run yet |" in doc.read_text()
