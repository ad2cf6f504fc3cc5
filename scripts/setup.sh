#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system libraries, a virtualenv in .venv, and
# hdr-live installed into it in editable mode. Safe to run again: it skips what is already done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# libxcb-*/libxkbcommon-x11-0: what PyQt6's xcb platform plugin loads (the live window).
apt_pkgs=(libgl1 libegl1 libusb-1.0-0 libglib2.0-0 xvfb
          libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
          libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
          libxkbcommon-x11-0)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$py" -m venv .venv
fi

extras="learn,synth,ui,ray,dev"
stamp=".venv/.hdr-live-setup"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1) $extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing hdr-live[$extras] into .venv (first run takes a few minutes)"
  # (pip's notes about this machine's unused local index folders are filtered out)
  quiet_pip() { .venv/bin/python -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither" >&2); }
  quiet_pip --upgrade pip wheel setuptools
  # torch first, by exact version, so that pip takes the CPU build from local disk.
  quiet_pip "torch==2.13.0"
  quiet_pip -e ".[$extras]"
  echo "$want" > "$stamp"
fi
