#!/usr/bin/env bash
# Debian packages Doppel needs at run and test time. OpenCvSharp's runtime links GTK 3; chromium
# renders the HTML reports in tests; the charts draw text with DejaVu Sans. Installs only what is missing.
set -euo pipefail
need=()
for pkg in libgtk-3-0 chromium fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
