#!/usr/bin/env bash
# Build the one-folder AVHD bundle (avhd + avhd-gui) with PyInstaller, then check it runs
# without the source tree and without Python on PATH.
#
#   packaging/build.sh [--reuse-venv] [--verify-only] [--no-timing]
#
# Everything goes under $AVHD_PKG_DIR (default /tmp/avhd-pkg):
#   src/   snapshot of the repository the bundle is built from
#   venv/  clean virtual environment (CPU torch, the project, PyInstaller)
#   build/ PyInstaller work folder (kept: later builds reuse it)
#   dist/avhd/  the bundle: avhd, avhd-gui, _internal/
# Environment: PYTHON (interpreter for the venv, default python3), AVHD_PKG_TORCH_INDEX
# (a --index-url for torch, e.g. https://download.pytorch.org/whl/cpu where the default index
# would give a CUDA build), AVHD_PKG_TIMING_RUNS (start-up timing repeats, default 3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${AVHD_PKG_DIR:-/tmp/avhd-pkg}"
PYTHON="${PYTHON:-python3}"
RUNS="${AVHD_PKG_TIMING_RUNS:-3}"
TORCH_VERSION="2.13.0"
PYINSTALLER_SPEC="pyinstaller>=6.10,<7"

reuse_venv=0 verify_only=0 timing=1
for arg in "$@"; do
    case "$arg" in
        --reuse-venv) reuse_venv=1 ;;
        --verify-only) verify_only=1 ;;
        --no-timing) timing=0 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "build.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done

SRC="$PKG/src" VENV="$PKG/venv" WORK="$PKG/build" DIST="$PKG/dist"
APP="$DIST/avhd"
case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) EXE=.exe BIN=Scripts ;; *) EXE= BIN=bin ;; esac

say() { printf '\n== %s\n' "$*"; }
fail() { echo "build.sh: FAILED: $*" >&2; exit 1; }

snapshot_source() {
    say "snapshot of $ROOT -> $SRC"
    rm -rf "$SRC"
    mkdir -p "$SRC"
    tar -C "$ROOT" -cf - \
        --exclude='./.git' --exclude='./.venv*' --exclude='./build' --exclude='./dist' \
        --exclude='*.egg-info' --exclude='__pycache__' --exclude='.pytest_cache' \
        --exclude='.ruff_cache' --exclude='./out' --exclude='./.whl' --exclude='./.gl' . \
        | tar -C "$SRC" -xf -
}

make_venv() {
    local py="$VENV/$BIN/python$EXE"
    if [[ $reuse_venv == 1 && -x $py ]]; then
        say "reusing $VENV (project reinstalled, dependencies kept)"
        "$py" -m pip install -q --no-deps --force-reinstall "$SRC"
        return
    fi
    say "clean virtual environment $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$py" -m pip install -q --upgrade pip
    # torch first and pinned: an unpinned torch (or one pulled in by the project) is a
    # multi-GB CUDA build on Linux.
    local torch_args=()
    [[ -n ${AVHD_PKG_TORCH_INDEX:-} ]] && torch_args=(--index-url "$AVHD_PKG_TORCH_INDEX")
    "$py" -m pip install -q "${torch_args[@]}" "torch==$TORCH_VERSION"
    "$py" -m pip install -q "$SRC" "$PYINSTALLER_SPEC"
    "$py" -c 'import torch; assert not torch.version.cuda, "a CUDA torch was installed"'
}

build_bundle() {
    say "PyInstaller ($("$VENV/$BIN/python$EXE" -m PyInstaller --version))"
    local t0=$SECONDS
    (cd "$SRC/packaging" && "$VENV/$BIN/python$EXE" -m PyInstaller --noconfirm \
        --log-level WARN --distpath "$DIST" --workpath "$WORK" avhd.spec)
    echo "built in $((SECONDS - t0)) s"
}

# --- verification: a copy of the bundle, empty environment, no Python on PATH ------------

png_check() {  # PNG -> "WxH distinct-colours", using the system Python only as a PNG reader
    /usr/bin/env -i /usr/bin/python3 -I - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4}[ctype]
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours = {r[i:i + 3] for r in rows[::4] for i in range(0, stride, bpp * 4)}
print(f"{w}x{h} {len(colours)}")
PY
}

verify_bundle() {
    [[ -x $APP/avhd$EXE && -x $APP/avhd-gui$EXE ]] || fail "no bundle in $APP"
    local tmp
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/avhd-verify.XXXXXX")"
    say "verify a copy of the bundle in $tmp (env -i, PATH without Python, cwd elsewhere)"
    cp -a "$APP" "$tmp/app"
    mkdir -p "$tmp/home" "$tmp/bin" "$tmp/cwd" "$tmp/out"
    # PATH: a few POSIX tools every desktop has (joblib runs cat), and no Python
    for tool in sh cat uname; do
        [[ -x /bin/$tool ]] && ln -s "/bin/$tool" "$tmp/bin/$tool"
    done
    local demo="$tmp/app/_internal/avhd_resources/demo"
    [[ -d $demo ]] || fail "the bundle has no avhd_resources/demo"
    run_app() {  # run_app PROGRAM ARGS...: in an empty environment, cwd outside both trees
        local prog=$1
        shift
        (cd "$tmp/cwd" && env -i PATH="$tmp/bin" HOME="$tmp/home" LANG=C.UTF-8 \
            QT_QPA_PLATFORM=offscreen "$tmp/app/$prog" "$@")
    }

    run_app avhd$EXE --version || fail "avhd --version"
    run_app avhd-gui$EXE --version || fail "avhd-gui --version"
    run_app avhd$EXE --version | grep -q "^torch: " || fail "avhd --version lacks torch"

    say "avhd find on the bundled demo (+ every timeline export and an mp4 reel)"
    local t0=$SECONDS
    run_app avhd$EXE find "$demo" --out "$tmp/out/find" --export edl --export fcp7 \
        --export fcpxml --export otio --export mp4 || fail "avhd find"
    echo "find + export: $((SECONDS - t0)) s"
    local n
    n=$(find "$tmp/out/find" -name '*.highlights.json' | wc -l)
    [[ $n -ge 5 ]] || fail "avhd find wrote $n highlights files, expected 5"
    for ext in edl xml fcpxml otio mp4; do
        local f
        f=$(find "$tmp/out/find" -name "*.$ext" -size +0 | head -1)
        [[ -n $f ]] || fail "no .$ext export"
        echo "  export ok: ${f#"$tmp/out/find/"}"
    done
    run_app avhd$EXE extract "$demo" --json "$tmp/out/extract.json" >/dev/null \
        || fail "avhd extract"
    grep -q '"yamnet"' "$tmp/out/extract.json" || fail "extract summary lacks yamnet"

    # five demo videos are too few to cluster; ten halves make find run UMAP (numba JIT)
    say "avhd find --direct on 10 halves of the demo videos (UMAP + K-means)"
    local ffmpeg clips="$tmp/out/halves" log="$tmp/out/halves.log"
    ffmpeg=$(find "$tmp/app/_internal/imageio_ffmpeg/binaries" -name 'ffmpeg*' -type f | head -1)
    [[ -x $ffmpeg ]] || fail "the bundled ffmpeg is missing or not executable"
    mkdir -p "$clips"
    for video in "$demo"/*.mp4; do
        local stem
        stem=$(basename "$video" .mp4)
        for start in 0 10; do
            "$ffmpeg" -v error -nostdin -ss "$start" -t 10 -i "$video" -c:v libx264 \
                -preset ultrafast -c:a aac "$clips/${stem}_$start.mp4" || fail "ffmpeg cut"
        done
    done
    t0=$SECONDS
    run_app avhd$EXE find "$clips" --direct --out "$tmp/out/halves-find" 2>&1 | tee "$log" \
        || fail "avhd find on the halves"
    echo "find --direct on 10 videos: $((SECONDS - t0)) s (first run: numba compiles UMAP)"
    grep -Eq 'K=[0-9]+ \(silhouette|K-means found no split' "$log" \
        || fail "find did not cluster the 10 videos"

    say "avhd-gui screenshot after Find highlights"
    local png="$tmp/out/find.png" info
    t0=$SECONDS
    run_app avhd-gui$EXE --open "$demo" --find --screenshot "$png" || fail "avhd-gui --find"
    echo "gui find + screenshot: $((SECONDS - t0)) s"
    info=$(png_check "$png") || fail "screenshot is not a readable PNG"
    echo "screenshot $png: $info (size, distinct colours), $(stat -c %s "$png") bytes"
    [[ ${info#* } -ge 16 ]] || fail "the screenshot looks blank ($info)"
    mkdir -p "$PKG/verify"
    cp "$png" "$PKG/verify/gui-find.png"

    [[ $timing == 1 ]] && time_startup "$tmp" "$demo"
    rm -rf "$tmp"
}

time_startup() {  # bundle vs python -m avhd_gui: --open DEMO --screenshot (no --find)
    local tmp=$1 demo=$2 py="$VENV/$BIN/python$EXE"
    say "time to first window ($RUNS runs each, alternating; best and median)"
    local -a tb=() tp=()
    now() { date +%s.%N; }
    for ((i = 1; i <= RUNS; i++)); do
        local t0 t1
        t0=$(now)
        (cd "$tmp/cwd" && env -i PATH="$tmp/bin" HOME="$tmp/home" LANG=C.UTF-8 \
            QT_QPA_PLATFORM=offscreen "$tmp/app/avhd-gui$EXE" --open "$demo" \
            --screenshot "$tmp/out/b$i.png" >/dev/null) || fail "bundle screenshot"
        t1=$(now); tb+=("$(echo "$t1 - $t0" | bc)")
        t0=$(now)
        # a developer's start: python -m avhd_gui in the source tree (the same venv)
        (cd "$SRC" && env -i PATH="$tmp/bin" HOME="$tmp/home" LANG=C.UTF-8 \
            QT_QPA_PLATFORM=offscreen "$py" -m avhd_gui --open "$demo" \
            --screenshot "$tmp/out/p$i.png" >/dev/null) || fail "python -m avhd_gui screenshot"
        t1=$(now); tp+=("$(echo "$t1 - $t0" | bc)")
        echo "  run $i: bundle ${tb[-1]} s, python -m avhd_gui ${tp[-1]} s"
    done
    stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f", a[1], a[int((NR+1)/2)]}'; }
    read -r bb bm <<<"$(stats "${tb[@]}")"
    read -r pb pm <<<"$(stats "${tp[@]}")"
    echo "bundle:            best $bb s, median $bm s"
    echo "python -m avhd_gui: best $pb s, median $pm s"
    echo "ratio bundle/python (median): $(echo "scale=2; $bm / $pm" | bc)"
}

mkdir -p "$PKG"
if [[ $verify_only == 0 ]]; then
    snapshot_source
    make_venv
    build_bundle
fi
say "bundle size"
du -sh "$APP"
verify_bundle
say "OK: $APP"
