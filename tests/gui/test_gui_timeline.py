"""Timeline widget, its decimation and the shared playhead (no pipeline needed)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from avhd_gui.decimate import line_polyline, step_polyline, visible_range
from avhd_gui.models import Playhead
from avhd_gui.timeline import TimelineWidget, timeline_colors
from core.artifacts import Segment, VideoHighlights


def make_highlights(n: int = 40, clip: float = 0.5, a_scale: float = 1.0,
                    audio: bool = True) -> VideoHighlights:
    rng = np.random.default_rng(1)
    t = np.arange(n) * clip
    bounds = np.stack([t, t + clip], 1)
    score = rng.uniform(0, 1, n)
    return VideoHighlights(
        path="/videos/x.mp4", clip_seconds=clip, duration=n * clip, bounds=bounds,
        score=score, a_ph=rng.uniform(-1, 1, n) * a_scale if audio else None,
        v_ph=rng.uniform(0, 1, n), av_ph=rng.uniform(0, 1, n),
        pseudo_label=(score > 0.5).astype(int), category=0,
        segments=[Segment(2.0, 4.0, 0.9), Segment(10.0, 12.5, 0.8)],
    )


@pytest.fixture
def timeline(qtbot):
    tl = TimelineWidget(Playhead())
    qtbot.addWidget(tl)
    tl.resize(900, 240)
    tl.show()
    return tl


def test_timeline_holds_clips_curves_and_segments(timeline):
    vh = make_highlights(40)
    timeline.set_highlights(vh)
    assert timeline.n_clips == 40
    x, y = timeline.curve_data("score")
    assert len(x) == 40 and np.allclose(y, vh.score)
    assert np.allclose(x, vh.bounds.mean(1))
    assert set(timeline.visible_curves()) == {"score", "a_ph", "v_ph", "pseudo", "segments"}
    assert len(timeline.segments) == 2
    assert timeline.vb.viewRange()[0] == pytest.approx([0, 20.0])
    # A-PH in [-1, 1] is shown scaled to [0, 1]; V-PH already in range is unchanged
    _, a = timeline.curve_data("a_ph")
    assert a.min() == pytest.approx(0) and a.max() == pytest.approx(1)
    assert "rescaled" in timeline.toggles["a_ph"].toolTip()
    assert timeline.toggles["a_ph"].text() == "Audio"  # under "Cue:", no jargon
    assert "audio part of the cue" in timeline.toggles["a_ph"].toolTip()
    assert np.allclose(timeline.curve_data("v_ph")[1], vh.v_ph)
    assert "rescaled" not in timeline.toggles["v_ph"].toolTip()


def test_curves_toggle_and_report(timeline, qtbot):
    timeline.set_highlights(make_highlights())
    with qtbot.waitSignal(timeline.curve_toggled) as blocker:
        timeline.toggles["a_ph"].click()
    assert blocker.args == ["a_ph", False]
    assert "a_ph" not in timeline.visible_curves()
    timeline.set_curve_visible("av_ph", True)
    assert "av_ph" in timeline.visible_curves()


def test_video_without_audio_has_no_a_ph_curve(timeline):
    timeline.set_highlights(make_highlights(audio=False))
    assert len(timeline.curve_data("a_ph")[1]) == 0
    assert "a_ph" not in timeline.visible_curves()
    assert "none" in timeline.toggles["a_ph"].text()


def test_hover_text_names_clip_and_scores(timeline):
    vh = make_highlights(40, clip=0.5)
    timeline.set_highlights(vh)
    text = timeline.tooltip_at(3.2)  # clip 7 (index 6): 3.0-3.5 s
    assert "clip 7 of 40" in text
    assert f"score {100 * vh.score[6]:.0f}%" in text
    assert f"visual cue {100 * vh.v_ph[6]:.0f}%" in text and "audio cue" in text
    assert "PH" not in text  # no jargon
    assert timeline.tooltip_at(25.0) == ""
    assert timeline.clip_at(0.0) == 0 and timeline.clip_at(19.9) == 39


def test_any_cue_of_the_file_is_drawn_on_demand_with_its_plain_words(timeline):
    from core.scorers import DESCRIPTIONS

    vh = make_highlights(40)
    rng = np.random.default_rng(3)
    vh.cues = {"loudness": rng.uniform(-60, -10, 40), "activity": rng.uniform(5, 9, 40),
               "motion": rng.uniform(0.0, 0.2, 40)}
    timeline.set_highlights(vh)
    box = timeline.cue_box
    assert box.isEnabled()
    assert [box.itemText(i) for i in range(box.count())][1:] == ["activity", "motion",
                                                                 "loudness"]  # registry order
    assert box.itemData(3, Qt.ItemDataRole.ToolTipRole) == DESCRIPTIONS["loudness"]
    assert "cue" not in timeline.visible_curves()  # nothing extra until one is chosen
    assert timeline.show_cue("loudness")
    _, y = timeline.curve_data("cue")
    assert y.min() == pytest.approx(0) and y.max() == pytest.approx(1)  # dB, rescaled
    assert np.argmax(y) == np.argmax(vh.cues["loudness"])
    assert "cue" in timeline.visible_curves()
    assert "how loud" in box.toolTip()
    assert timeline.show_cue("motion")  # a small range is spread over the plot too
    assert timeline.curve_data("cue")[1].max() == pytest.approx(1)
    assert timeline.show_cue("loudness")
    assert f"loudness {100 * y[6]:.0f}%" in timeline.tooltip_at(3.2)
    other = make_highlights(20)
    other.cues = {"loudness": np.linspace(-40, -20, 20)}
    timeline.set_highlights(other)  # the next video keeps the choice where it has the cue
    assert box.currentData() == "loudness" and len(timeline.curve_data("cue")[1]) == 20
    timeline.set_highlights(make_highlights(20))  # an older file: no cues
    assert not box.isEnabled() and "cue" not in timeline.visible_curves()
    assert not timeline.show_cue("loudness")
    timeline.set_highlights(vh)  # the choice comes back with a video that has it
    assert box.currentData() == "loudness"


def test_playhead_sync_both_ways(timeline):
    ph = timeline.playhead
    timeline.set_highlights(make_highlights())
    ph.duration = 20.0
    ph.set_position(7.5)
    assert timeline.line.value() == pytest.approx(7.5)
    moves = []
    ph.moved.connect(lambda s, src: moves.append((s, src)))
    timeline.line.setValue(12.0)
    timeline.line.sigDragged.emit(timeline.line)  # as a mouse drag does
    assert ph.position == pytest.approx(12.0)
    assert moves[-1][1] is timeline  # written by the timeline, which ignores its echo


def test_keyboard_zoom_and_fit(timeline, qtbot):
    timeline.set_highlights(make_highlights(40, clip=0.5))
    timeline.plot.setFocus()
    qtbot.keyClick(timeline.plot, Qt.Key.Key_Plus)
    (x0, x1), _ = timeline.vb.viewRange()
    assert x1 - x0 == pytest.approx(10.0, rel=0.01)
    qtbot.keyClick(timeline.plot, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    (y0, _y1), _ = timeline.vb.viewRange()
    assert y0 == pytest.approx(x0 + 2.0, rel=0.05)
    qtbot.keyClick(timeline.plot, Qt.Key.Key_0)
    assert timeline.vb.viewRange()[0] == pytest.approx([0, 20.0])


def test_colours_follow_the_palette(timeline):
    light, dark = QPalette(), QPalette()
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    light.setColor(QPalette.ColorRole.Text, QColor("#000000"))
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    for pal in (light, dark):
        pal.setColor(QPalette.ColorRole.Highlight, QColor("#3070d0"))
    cl, cd = timeline_colors(light), timeline_colors(dark)
    assert cl["background"] == QColor("#ffffff") and cd["background"] == QColor("#202020")
    # curves are light on a dark base and dark on a light base
    assert cd["score"].lightness() > cl["score"].lightness()
    timeline.setPalette(dark)
    assert timeline.plot.backgroundBrush().color() == QColor("#202020")


def test_decimation_keeps_extremes_and_limits_points():
    n = 10_000
    t = np.arange(n, dtype=float)
    bounds = np.stack([t, t + 1], 1)
    y = np.sin(t / 50.0)
    y[4321] = 5.0
    x, v = step_polyline(bounds, y, 0, n, 500)
    assert len(x) <= 2 * 502 and v.max() == 5.0
    x, v = line_polyline(bounds, y, 0, n, 500)
    assert len(x) <= 2 * 502 and v.max() == 5.0 and v.min() == pytest.approx(-1, abs=1e-3)
    # zoomed in: exact steps of the visible clips (plus one each side)
    x, v = step_polyline(bounds, y, 100, 110, 500)
    i0, i1 = visible_range(bounds, 100, 110)
    assert i0 <= 99 and i1 >= 111 and i1 - i0 <= 14  # the clips in view, and neighbours
    assert np.allclose(x, bounds[i0:i1].reshape(-1)) and np.allclose(v[::2], y[i0:i1])


def test_ten_thousand_clips_draw(timeline):
    import time

    rng = np.random.default_rng(0)
    n = 10_000
    t = np.arange(n, dtype=float)
    vh = VideoHighlights("/v.mp4", 1.0, float(n), np.stack([t, t + 1], 1), rng.random(n),
                         rng.random(n), rng.random(n), rng.random(n), rng.integers(0, 2, n), 0,
                         [Segment(s, s + 3) for s in range(0, n, 10)])
    timeline.resize(1280, 260)
    t0 = time.thread_time()
    timeline.set_highlights(vh)
    img = timeline.plot.grab().toImage()
    cpu_ms = (time.thread_time() - t0) * 1000
    assert timeline.n_clips == n and not img.isNull()
    # drawn as at most a few points per pixel, whatever the clip count
    assert len(timeline.items["score"].getData()[0]) <= 2 * 1280 + 4
    assert cpu_ms < 500  # the benchmark (bench/timeline.py) checks the 50 ms budget
