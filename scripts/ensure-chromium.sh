#!/usr/bin/env bash
# Headless Chromium for the browser test (tests/ui/): Debian's package, never a browser download.
# Idempotent: does nothing when /usr/bin/chromium is there. Needs root (or sudo) to install.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
