from core._version import __version__
from core.cli import main
from core.versions import component_versions, extractor_versions


def test_versions_name_every_component(capsys):
    v = component_versions()
    assert v["avhd"] == __version__
    assert v["torch"].startswith("2.")
    assert extractor_versions() == {"effnet-lite0": "1", "yamnet": "1", "panns-cnn14": "1"}
    for argv in (["--version"], ["-v", "--version"]):
        try:
            main(argv)
        except SystemExit as exc:
            assert exc.code == 0
    quick, full = capsys.readouterr().out.split(f"avhd: {__version__}\n")[1:]
    assert "torch: 2." in quick and "extractor" not in quick  # read from metadata, instant
    assert "extractor yamnet: v1" in full and "ffmpeg: " in full
