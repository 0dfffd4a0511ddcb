"""Extraction on a local Ray cluster of 2 worker processes equals a local run."""

from __future__ import annotations

import numpy as np
import pytest
from synth import copy_as, make_text

from core.errors import Cancelled
from core.extract import extract_library
from core.features import get_audio, get_visual
from core.progress import CancelToken

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'avhd[ray]'")


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A local cluster of 2 workers whose cache (AVHD_CACHE_DIR, passed to them) is a temp dir."""
    from core.ray_extract import connect

    cache = tmp_path_factory.mktemp("ray-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AVHD_CACHE_DIR", str(cache))
        try:
            connect(None, num_workers=2)
        except Exception as exc:  # e.g. no shared memory in a sandbox
            pytest.skip(f"a local Ray cluster cannot start here: {exc}")
    yield cache  # the workers' cache (the driver's test cache is another one)
    ray.shutdown()


@pytest.mark.slow
def test_ray_extraction_equals_local(tmp_path, synth_media, ray_cluster):
    from core.ray_extract import extract_library_ray

    lib = tmp_path / "lib"
    copy_as(synth_media("a.mp4", duration=6), lib / "a.mp4")
    copy_as(synth_media("b.mp4", duration=4, video="smptebars"), lib / "b.mp4")
    copy_as(synth_media("silent.mp4", duration=3, audio=None), lib / "c.mov")
    make_text(lib / "bad.mp4")
    seen = []
    got = extract_library_ray(lib, "effnet-lite0", "yamnet", cache=True,
                              progress=lambda *a: seen.append(a))  # fmt: skip
    ref = extract_library(lib, get_visual(device="cpu"), get_audio(device="cpu"), cache=False)
    status = {r.name: (r.status, r.reason) for r in got.results}
    assert status == {r.name: (r.status, r.reason) for r in ref.results}
    assert status["bad.mp4"][0] == "failed" and "not a readable media file" in status["bad.mp4"][1]
    assert [s[:2] for s in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(got.features) == 3
    for g, r in zip(got.features, ref.features, strict=True):
        assert g.path == r.path and g.audio_missing == r.audio_missing
        np.testing.assert_array_equal(g.bounds, r.bounds)
        np.testing.assert_allclose(g.visual, r.visual, rtol=0, atol=1e-5)
        if r.audio is not None:
            np.testing.assert_allclose(g.audio, r.audio, rtol=0, atol=1e-5)
    # the workers wrote the shared content-keyed cache: a second run is all cache hits
    again = extract_library_ray(lib, "effnet-lite0", "yamnet", cache=True)
    assert [r.status for r in again.results if r.name != "bad.mp4"] == ["cached"] * 3


@pytest.mark.slow
def test_ray_cancel_stops_and_cancels_the_tasks(tmp_path, synth_media, ray_cluster):
    from core.ray_extract import extract_library_ray

    lib = tmp_path / "lib"
    for i in range(3):
        copy_as(synth_media("long.mp4", duration=12), lib / f"{i}.mp4")
    token = CancelToken()
    seen = []

    def progress(done, total, name):
        seen.append(done)
        token.cancel()  # after the first video is back

    with pytest.raises(Cancelled):
        extract_library_ray(lib, "effnet-lite0", "yamnet", cache=False, progress=progress,
                            cancel=token)  # fmt: skip
    assert seen == [1]


@pytest.mark.slow
def test_cli_extract_and_find_with_ray(tmp_path, synth_media, ray_cluster, capsys):
    from core import cli

    lib = tmp_path / "lib"
    copy_as(synth_media("a.mp4", duration=6), lib / "a.mp4")
    make_text(lib / "bad.mp4")
    assert cli.main(["extract", str(lib), "--ray", "--no-cache"]) == 3  # some files failed
    out = capsys.readouterr().out
    assert "1 processed, 0 cached, 0 skipped, 1 failed" in out
    assert cli.main(["find", str(lib), "--ray", "--direct", "--out", str(tmp_path / "o")]) == 3
    out = capsys.readouterr().out
    assert "1 video(s) scored, 1 failed" in out and (tmp_path / "o").is_dir()


@pytest.mark.slow
def test_ray_honours_glob_and_no_recursive_as_locally(tmp_path, synth_media, ray_cluster, capsys):
    from core import cli
    from core.ray_extract import extract_library_ray

    lib = tmp_path / "lib"
    copy_as(synth_media("a.mp4", duration=2), lib / "a.mp4")
    copy_as(synth_media("a.mp4", duration=2), lib / "b.mov")
    copy_as(synth_media("a.mp4", duration=2), lib / "sub" / "c.mp4")
    for glob, recursive, want in (("*.mp4", True, ["a.mp4", "c.mp4"]),
                                  (None, False, ["a.mp4", "b.mov"]),
                                  ("*.mp4", False, ["a.mp4"])):  # fmt: skip
        got = extract_library_ray(lib, "effnet-lite0", None, cache=False, glob=glob,
                                  recursive=recursive)  # fmt: skip
        local = extract_library(lib, get_visual(device="cpu"), None, cache=False, glob=glob,
                                recursive=recursive)  # fmt: skip
        assert sorted(r.name for r in got.results) == want
        assert [r.path for r in got.results] == [r.path for r in local.results]
    assert cli.main(["extract", str(lib), "--ray", "--no-cache", "--audio", "none",
                     "--glob", "*.mp4", "--no-recursive"]) == 0  # fmt: skip
    assert "1 file: 1 processed" in capsys.readouterr().out


@pytest.mark.slow
def test_ray_driver_keeps_handles_only_on_a_cache_it_shares(tmp_path, synth_media, ray_cluster,
                                                            monkeypatch):  # fmt: skip
    from core.ray_extract import extract_library_ray
    from core.streaming import CachedFeatures

    lib = tmp_path / "lib"
    copy_as(synth_media("a.mp4", duration=4), lib / "a.mp4")
    copy_as(synth_media("silent.mp4", duration=2, audio=None), lib / "b.mp4")
    private = extract_library_ray(lib, "effnet-lite0", "yamnet", in_memory=False)
    assert not any(isinstance(f, CachedFeatures) for f in private.features)  # not shared
    monkeypatch.setenv("AVHD_CACHE_DIR", str(ray_cluster))  # now the driver sees it too
    shared = extract_library_ray(lib, "effnet-lite0", "yamnet", in_memory=False)
    assert all(isinstance(f, CachedFeatures) for f in shared.features)
    assert [r.status for r in shared.results] == ["cached", "cached"]
    for p, h in zip(private.features, shared.features, strict=True):
        assert h.path == p.path and h.has_audio == (p.audio is not None)
        np.testing.assert_array_equal(h.visual, p.visual.astype(np.float16).astype(np.float32))
