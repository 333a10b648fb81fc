#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Voixer needs, only those missing.
# Fast and silent when everything is already there.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libasio-dev doctest-dev libsodium-dev
  libimgui-dev libglfw3-dev libgl-dev libgl1-mesa-dri libsdl2-dev
  libopus-dev libenet-dev libspeexdsp-dev libsqlite3-dev libfontconfig-dev liburing-dev
  xvfb xauth x11-utils xdotool imagemagick sox espeak-ng fonts-dejavu-core python3
  dpkg-dev desktop-file-utils fontconfig binutils iproute2
  libnotify-dev dbus-daemon dbus-bin libstb-dev
  libx11-dev libxi-dev
  pulseaudio pulseaudio-utils
  gdb  # the tests print a hung test case's stacks with it (tests/hang_watchdog.cpp)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "voixer: installing ${#missing[@]} packages with apt-get (the first run takes a minute or two): ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
