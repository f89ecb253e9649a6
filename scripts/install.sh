#!/usr/bin/env bash
# Set up camrec on a fresh Debian/Ubuntu machine: system packages, then the Python package.
#   bash scripts/install.sh          runtime + training + test tools (what the README's commands need)
#   bash scripts/install.sh --user   skip apt (no root); font-based tests then fail, nothing else
set -euo pipefail
cd "$(dirname "$0")/.."

# Fonts give the printed digits the CNN trains on and the held-out-font accuracy test;
# xvfb/xdotool/imagemagick run real windows in the GUI tests.
APT_PACKAGES=(
  fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf fonts-comic-neue
  fonts-humor-sans fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-cantarell
  fonts-crosextra-carlito fonts-crosextra-caladea fonts-lato fonts-hack fonts-inconsolata
  fonts-urw-base35 fonts-roboto-unhinted fonts-roboto-slab fonts-open-sans fonts-opendin fonts-b612
  fonts-go fonts-croscore fonts-sil-andika fonts-league-spartan fonts-klee fonts-kristi
  fonts-jetbrains-mono fonts-bwht
  xvfb xdotool imagemagick
)

if [[ "${1:-}" != "--user" ]]; then
  if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
  echo "camrec install: apt packages (${#APT_PACKAGES[@]})" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
fi

echo "camrec install: python package with the train and dev extras" >&2
python3 -m pip install -q -e ".[train,dev]"
python3 -m camrec --version
