#!/usr/bin/env bash
# What Doppel needs at run and test time on Debian 12, installing only what is missing; works as root
# (CI) and as a user with sudo.
# - Debian packages: OpenCvSharp's runtime links GTK 3; chromium renders the HTML reports in tests;
#   the charts draw text with DejaVu Sans; postgresql (Debian's 15) is the server engine the storage
#   tests start themselves (initdb into a temporary folder; the system cluster is not used).
# - Azurite (npm, pinned in tools/azurite/package-lock.json), the Azure Blob emulator the blob tests
#   start on 127.0.0.1, installed into tools/azurite/node_modules, never globally.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pkg in libgtk-3-0 chromium fonts-dejavu-core postgresql; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  # Debian's postgresql package starts a system cluster on install where it can; the tests never use it.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# npm ci replaces node_modules from the lock file, so run it only when the lock changed since the last install.
azurite=tools/azurite
stamp="$azurite/node_modules/.doppel-lock.sha256"
lock_sum=$(sha256sum "$azurite/package-lock.json" | cut -d' ' -f1)
if [ ! -x "$azurite/node_modules/.bin/azurite-blob" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  (cd "$azurite" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi
