#!/usr/bin/env bash
# Debian's Chromium for the browser tests (driven by playwright-core with executablePath; no browser
# is ever downloaded by a test tool). Idempotent: apt runs only when /usr/bin/chromium is missing.
# CHROMIUM_PATH points the tests at another Chromium/Chrome binary instead (then nothing is installed).
set -euo pipefail
log() { printf '[setup] %s\n' "$*" >&2; }
if [[ -n "${CHROMIUM_PATH:-}" ]]; then log "CHROMIUM_PATH set: using $CHROMIUM_PATH"; exit 0; fi
if [[ -x /usr/bin/chromium ]]; then log "chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo unknown version))"; exit 0; fi
if ! command -v apt-get >/dev/null; then log "chromium is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH"; exit 1; fi
sudo=""; if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
log "installing Debian's chromium (apt-get)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
log "chromium installed: $(/usr/bin/chromium --version 2>/dev/null)"
