#!/usr/bin/env bash
# Installs headless Chromium from Debian's `chromium` package for the browser checks
# (test/helpers/browser.ts drives it through playwright-core; issue 10: never a browser download).
# Does nothing when `chromium` is already on PATH. Needs apt-get and root (or sudo).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 || {
  echo "tools: chromium is not on PATH and apt-get is missing: install Debian's chromium package" >&2
  exit 1
}
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "tools: chromium is not on PATH; run as root (or with sudo): apt-get install chromium" >&2
  exit 1
fi
echo "tools: installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "tools: $(chromium --version)"
