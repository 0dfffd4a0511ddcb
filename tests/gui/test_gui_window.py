"""Main window and library: opening folders, probing, settings, drag and drop, player."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from avhd_gui.library import LibraryModel, VideoState, format_time, scan_folder
from avhd_gui.mainwindow import MainWindow
from avhd_gui.player import MULTIMEDIA_ERROR
from avhd_gui.settings import Target
from core.artifacts import Segment


def test_scan_folder_is_recursive_and_sorted(library_folder):
    names = [str(Path(p).relative_to(library_folder)) for p in scan_folder(library_folder)]
    assert names == ["a.mp4", "b.mp4", "bad.mp4", "sub/c.mp4"]


def test_open_folder_lists_videos_with_thumbnail_duration_and_state(opened):
    lib = opened.library
    assert lib.rowCount() == 4
    by_name = {it.name: it for it in lib.items()}
    assert set(by_name) == {"a.mp4", "b.mp4", "bad.mp4", "sub/c.mp4"}
    assert by_name["a.mp4"].duration == pytest.approx(6.0, abs=0.1)
    assert by_name["b.mp4"].duration == pytest.approx(8.0, abs=0.1)
    for name in ("a.mp4", "b.mp4", "sub/c.mp4"):
        item = by_name[name]
        assert item.state is VideoState.NEW and item.fps == pytest.approx(25)
        assert item.thumbnail is not None and item.thumbnail.width() == 128
    bad = by_name["bad.mp4"]
    assert bad.state is VideoState.FAILED and "not a readable" in bad.reason
    row = lib.row_of(bad.path)
    assert "not a readable" in lib.data(lib.index(row), Qt.ItemDataRole.ToolTipRole)
    assert lib.data(lib.index(row), Qt.ItemDataRole.DecorationRole) is not None
    text = lib.data(lib.index(lib.row_of(by_name["a.mp4"].path)), Qt.ItemDataRole.DisplayRole)
    assert text == "a.mp4\n0:06 · new"
    # the failure is listed in the problems panel, and the rest was not blocked
    assert list(opened.problems.reasons()) == [bad.path]
    # the first video is selected and loaded
    assert opened.current_path == by_name["a.mp4"].path
    assert opened.playhead.duration == pytest.approx(6.0, abs=0.1)


def test_folder_is_remembered_in_the_given_settings_only(opened, settings):
    folder = opened.library.folder
    assert settings.last_folder() == folder
    assert settings.recent_folders()[0] == folder
    assert Path(settings.qs.fileName()).parent != Path.home() / ".config"


def test_recent_folders_are_capped_and_deduplicated(settings, tmp_path):
    for i in range(10):
        settings.add_recent_folder(str(tmp_path / f"f{i}"))
    settings.add_recent_folder(str(tmp_path / "f5"))
    recent = settings.recent_folders()
    assert len(recent) == 8 and recent[0].endswith("f5") and len(set(recent)) == 8


def test_geometry_and_state_are_restored(qtbot, settings):
    win = MainWindow(settings)
    qtbot.addWidget(win)
    win.resize(760, 520)  # within the offscreen screen (800x600)
    win.show()
    win.library_dock.hide()
    size = win.size()
    assert size.height() == 520
    win.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.size() == size
    assert again.library_dock.isHidden()
    again.close()


def test_target_is_stored_in_settings(window, settings):
    window.target.set_target(Target(mode="seconds", seconds=45))
    assert settings.target() == Target(mode="seconds", fraction=0.2, seconds=45.0)


def test_drop_a_folder_opens_it(window, qtbot, library_folder):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(library_folder))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.probe_finished, timeout=20_000):
        window.dropEvent(event)
    assert window.library.rowCount() == 4


def test_missing_folder_is_reported_not_raised(window, tmp_path):
    assert window.open_folder(str(tmp_path / "nope")) is False
    assert "no such" in window.statusBar().currentMessage()


def test_selecting_a_video_loads_player_and_timeline(opened, qtbot):
    lib = opened.library
    b = lib.find("b.mp4")
    opened.library_panel.select(b.path)
    assert opened.current_path == b.path
    assert opened.player.path == b.path
    assert opened.playhead.duration == pytest.approx(8.0, abs=0.1)
    # not scored yet: the time axis still spans the video so the playhead can scrub
    assert opened.timeline.vb.viewRange()[0][1] == pytest.approx(8.0, abs=0.1)
    assert "Find Highlights" in opened.timeline.placeholder.text()
    bad = lib.find("bad.mp4")
    opened.library_panel.select(bad.path)
    assert opened.player.path is None and opened.timeline.n_clips == 0


@pytest.mark.skipif(bool(MULTIMEDIA_ERROR), reason=f"QtMultimedia: {MULTIMEDIA_ERROR}")
def test_player_shows_frames_steps_and_follows_the_playhead(opened, qtbot):
    player = opened.player
    a = opened.library.find("a.mp4")
    if not player._first_frame:
        qtbot.waitSignal(player.frame_shown, timeout=10_000).wait()
    assert player.view.image() is not None and player.media.error() == player.media.Error.NoError
    # timeline scrub -> playhead -> player seeks
    opened.playhead.set_position(3.0, opened.timeline)
    qtbot.waitUntil(lambda: abs(player.media.position() - 3000) < 100, timeout=5000)
    # frame step moves one frame at the file's rate
    player.step(1)
    assert opened.playhead.position == pytest.approx(3.0 + 1 / a.fps, abs=1e-6)
    # segment jumps
    player.set_segments([Segment(1.0, 2.0), Segment(4.0, 5.0)])
    player.jump_segment(1)
    assert opened.playhead.position == pytest.approx(4.0)
    player.jump_segment(-1)
    assert opened.playhead.position == pytest.approx(1.0)
    # play for a moment with no audio device: no error, the playhead advances
    player.toggle_play()
    qtbot.waitUntil(lambda: opened.playhead.position > 1.2, timeout=5000)
    player.toggle_play()
    assert player.media.error() == player.media.Error.NoError
    assert opened.timeline.line.value() == pytest.approx(opened.playhead.position, abs=0.05)


def test_library_model_reselects_state_after_cancel():
    lib = LibraryModel()
    lib.set_folder("/x", ["/x/a.mp4", "/x/b.mp4"])
    lib.set_state("/x/b.mp4", VideoState.FAILED, "broken")
    lib.mark_running(lib.paths())
    # a failed file keeps its state and reason while the run retries it
    assert [it.state for it in lib.items()] == [VideoState.EXTRACTING, VideoState.FAILED]
    lib.restore_running()
    assert [it.state for it in lib.items()] == [VideoState.NEW, VideoState.FAILED]
    assert lib.item("/x/b.mp4").reason == "broken"


def test_format_time():
    assert format_time(None) == "–"
    assert format_time(65.25, fraction=True) == "1:05.25"
    assert format_time(3725) == "1:02:05"
    assert np.isclose(float(format_time(0.5, fraction=True).split(".")[1]), 50)


def test_settings_dialog_round_trip(qtbot, settings):
    from avhd_gui.settings import ModelOptions
    from avhd_gui.settings_dialog import SettingsDialog, preset_names
    from core.features import audio_names, visual_names

    opts = settings.model_options()
    dlg = SettingsDialog(opts, None)
    qtbot.addWidget(dlg)
    assert [dlg.visual.itemText(i) for i in range(dlg.visual.count())] == visual_names()
    assert [dlg.audio.itemText(i) for i in range(dlg.audio.count())] == audio_names()
    assert dlg.device.currentText() == "auto"
    assert set(preset_names()) >= {"default"}
    dlg.device.setCurrentText("cpu")
    dlg.audio.setCurrentText(audio_names()[-1])
    dlg.clip_seconds.setValue(1.5)
    edited = dlg.options()
    assert edited == ModelOptions(visual=opts.visual, audio=audio_names()[-1], device="cpu",
                                  preset=opts.preset, clip_seconds=1.5)
    settings.set_model_options(edited)
    assert settings.model_options() == edited
    # the default scores by the cues (issue 12: the network does not beat its own labels)
    assert edited.scoring == "direct" and not dlg.preset.isEnabled()
    dlg.scoring.setCurrentIndex(dlg.scoring.findData("model"))
    assert dlg.preset.isEnabled()  # training, so a training preset
    assert dlg.options().scoring == "model"
    settings.set_model_options(dlg.options())
    assert settings.model_options().scoring == "model"
