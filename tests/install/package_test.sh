#!/usr/bin/env bash
# Installing and packaging, as a desktop and apt see them:
#   1. `cmake --install` puts the executable, the ring, the .desktop entry
#      and the icons where a desktop looks (freedesktop paths), the entry
#      validates, and the installed voixer runs.
#   2. The installed tree still finds its assets after being moved: nothing
#      points back at the source or build tree (no path compiled in), and
#      fonts come from fontconfig.
#   3. `cpack -G DEB` makes voixer_<version>_<arch>.deb with its files at
#      those places and Depends on the shared libraries it links.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== install into a staging prefix"
cmake --install "$build" --prefix "$work/usr" --strip >/dev/null
for f in bin/voixer share/voixer/ring.wav share/voixer/voixer-256.png \
         share/applications/voixer.desktop \
         share/icons/hicolor/scalable/apps/voixer.svg \
         share/icons/hicolor/256x256/apps/voixer.png; do
  [ -f "$work/usr/$f" ] || fail "not installed: $f"
done
desktop-file-validate "$work/usr/share/applications/voixer.desktop" || fail "desktop entry invalid"
for key in Name=Voixer Exec=voixer Icon=voixer Terminal=false \
           'Categories=Network;Chat;InstantMessaging;'; do
  grep -qxF "$key" "$work/usr/share/applications/voixer.desktop" || fail "desktop entry lacks $key"
done
[ "$("$work/usr/bin/voixer" --version)" = "voixer $version" ] || fail "--version"

echo "== the installed tree, moved, finds its own files"
mv "$work/usr" "$work/elsewhere"
if strings "$work/elsewhere/bin/voixer" | grep -qF "$source_dir"; then
  fail "the executable names the source tree"
fi
paths=$("$work/elsewhere/bin/voixer" --paths)
echo "$paths"
echo "$paths" | grep -qx "ring sound: $work/elsewhere/share/voixer/ring.wav" || fail "ring not found"
font=$(fc-match -f '%{file}' 'DejaVu Sans')
echo "$paths" | grep -qx "font: $font" || fail "font is not fontconfig's ($font)"

echo "== the Debian package"
(cd "$build" && cpack -G DEB -B "$work/pkg" >/dev/null) || fail "cpack"
deb=$(ls "$work"/pkg/voixer_"$version"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no voixer_${version}_*.deb made"
info=$(dpkg-deb -I "$deb")
echo "$info" | grep -E '^ (Package|Version|Depends|Section):'
echo "$info" | grep -qx ' Package: voixer' || fail "package name"
echo "$info" | grep -qx " Version: $version" || fail "package version"
for dep in libsdl2 libopus libenet libglfw3 libsodium libspeexdsp fonts-dejavu; do
  echo "$info" | grep -E '^ Depends:' | grep -q "$dep" || fail "Depends lacks $dep"
done
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/voixer ./usr/share/applications/voixer.desktop \
         ./usr/share/icons/hicolor/256x256/apps/voixer.png ./usr/share/voixer/ring.wav; do
  echo "$contents" | grep -q " $f\$" || fail "the package lacks $f"
done
echo "install and package: all checks passed"
