#!/usr/bin/env bash
# Install a built AVHD bundle for one user (or system-wide with PREFIX=/usr/local, as root):
# the bundle folder, avhd/avhd-gui links on PATH, the menu entry and the icon set.
#
#   packaging/linux/install.sh [BUNDLE_DIR]      (default /tmp/avhd-pkg/dist/avhd)
#   PREFIX=~/.local (default)  ->  PREFIX/lib/avhd, PREFIX/bin, PREFIX/share/...
#   packaging/linux/install.sh --uninstall
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ICONS="$HERE/../icons"
PREFIX="${PREFIX:-$HOME/.local}"
SIZES="16 24 32 48 64 128 256 512"

if [[ ${1:-} == --uninstall ]]; then
    rm -rf "$PREFIX/lib/avhd"
    rm -f "$PREFIX/bin/avhd" "$PREFIX/bin/avhd-gui" "$PREFIX/share/applications/avhd.desktop"
    rm -f "$PREFIX/share/icons/hicolor/scalable/apps/avhd.svg"
    for s in $SIZES; do rm -f "$PREFIX/share/icons/hicolor/${s}x${s}/apps/avhd.png"; done
    echo "removed AVHD from $PREFIX"
    exit 0
fi

BUNDLE="${1:-${AVHD_PKG_DIR:-/tmp/avhd-pkg}/dist/avhd}"
[[ -x $BUNDLE/avhd-gui && -x $BUNDLE/avhd ]] || {
    echo "install.sh: no AVHD bundle in $BUNDLE (run packaging/build.sh first)" >&2
    exit 1
}

mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications"
rm -rf "$PREFIX/lib/avhd"
cp -a "$BUNDLE" "$PREFIX/lib/avhd"
ln -sfn "$PREFIX/lib/avhd/avhd" "$PREFIX/bin/avhd"
ln -sfn "$PREFIX/lib/avhd/avhd-gui" "$PREFIX/bin/avhd-gui"
for s in $SIZES; do
    install -Dm644 "$ICONS/avhd-$s.png" "$PREFIX/share/icons/hicolor/${s}x${s}/apps/avhd.png"
done
install -Dm644 "$ICONS/avhd.svg" "$PREFIX/share/icons/hicolor/scalable/apps/avhd.svg"
# absolute Exec/TryExec: PREFIX/bin may not be on the desktop session's PATH
sed -e "s|^Exec=avhd-gui|Exec=$PREFIX/bin/avhd-gui|" \
    -e "s|^TryExec=avhd-gui|TryExec=$PREFIX/bin/avhd-gui|" \
    "$HERE/avhd.desktop" >"$PREFIX/share/applications/avhd.desktop"
command -v update-desktop-database >/dev/null \
    && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null \
    && gtk-update-icon-cache -qtf "$PREFIX/share/icons/hicolor" || true
echo "installed AVHD into $PREFIX (menu entry: $PREFIX/share/applications/avhd.desktop)"
