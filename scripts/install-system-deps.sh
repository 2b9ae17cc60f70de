#!/usr/bin/env bash
# Installs the Debian packages that building and testing Trygghetslogg needs.
# Idempotent: packages already present are skipped, so a warm machine pays nothing.
# Runs non-interactively (CI has no stdin); needs root or sudo for a cold machine.
set -euo pipefail

packages=(
  pkg-config
  # Dioxus desktop (the app's Linux build) links WebKitGTK, GTK and libxdo.
  libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev libssl-dev
  # The app's window tests run under a virtual X server, driven with xdotool,
  # screenshots taken with ImageMagick's import.
  xvfb xdotool imagemagick x11-utils
  # The coordinators' pages are tested in headless Chromium.
  chromium chromium-driver
  # The printed report and protocol are read back page by page (pdftotext).
  poppler-utils
  # Fonts so that screenshots show text.
  fonts-dejavu-core
  # The suites on PostgreSQL (scripts/postgres.sh starts a server of the
  # project's own on loopback, with TLS by a test authority openssl makes)
  # and two instances behind HAProxy.
  postgresql haproxy openssl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "system packages: all present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
