from core._version import __version__
from core.cli import main
from core.versions import component_versions, extractor_versions


def test_versions_name_every_component(capsys):
    v = component_versions()
    assert v["avhd"] == __version__
    assert v["torch"].startswith("2.")
    assert extractor_versions() == {"effnet-lite0": "1", "yamnet": "1", "panns-cnn14": "1"}
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert f"avhd: {__version__}\n" in out and "extractor yamnet: v1" in out
