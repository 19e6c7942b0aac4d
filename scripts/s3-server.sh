#!/usr/bin/env bash
# A real S3-compatible server for the tests of the S3 media store: moto's server mode (PyPI
# `moto[server]`, an HTTP server speaking the S3 REST API) in $STATE_DIR/venv-s3.
#   scripts/s3-server.sh install   # idempotent; quick when done
# The tests start and kill it themselves on a free loopback port (test/s3-server.ts).
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
VENV_DIR="$STATE_DIR/venv-s3"
PIN="moto[s3,server]==5.2.5"
log() { printf '[s3] %s\n' "$*" >&2; }
if [[ "${1:-install}" != install ]]; then echo "usage: $0 install" >&2; exit 2; fi
if [[ -x "$VENV_DIR/bin/moto_server" && "$(cat "$VENV_DIR/.pin" 2>/dev/null)" == "$PIN" ]]; then
  log "S3 test server present ($PIN)"; exit 0
fi
py=python3; command -v python3.11 >/dev/null 2>&1 && py=python3.11
log "installing $PIN into $VENV_DIR"
rm -rf "$VENV_DIR"
"$py" -m venv "$VENV_DIR"
"$VENV_DIR/bin/pip" install --quiet --disable-pip-version-check "$PIN"
echo "$PIN" > "$VENV_DIR/.pin"
log "installed: $("$VENV_DIR/bin/moto_server" --help >/dev/null 2>&1 && echo moto_server ok)"
