#!/usr/bin/env bash
# Production package and install, the way a deployment gets it:
#   scripts/package.sh <dir>
# builds dist/ (scripts/build.sh), packs the package (`npm pack`: dist, schema, models,
# package.json), unpacks it into <dir>, adds the lockfile and runs `npm ci --omit=dev` there:
# only `dependencies` are installed, no dev tool (tsx, typescript, vitest) is present. Then
# `node <dir>/dist/main.js` runs the service. Used by the Dockerfile's build stage and by the
# production-install test (test/e2e/production.test.ts). npm's cache is used first
# (--prefer-offline), so after scripts/setup.sh nothing needs the network; otherwise only the npm
# registry is contacted. SKIP_BUILD=1 reuses an existing dist/.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: scripts/package.sh <target-dir>}"
cd "$REPO_DIR"
# onnxruntime-node's install script must never download anything (see scripts/setup.sh).
export ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip

[[ "${SKIP_BUILD:-}" == 1 && -f dist/main.js ]] || bash scripts/build.sh
packdir="$(mktemp -d)"
trap 'rm -rf "$packdir"' EXIT
tarball="$(npm pack --silent --pack-destination "$packdir" | tail -n1)"
mkdir -p "$target"
tar -xzf "$packdir/$tarball" -C "$target" --strip-components=1
# npm pack never includes package-lock.json; `npm ci` needs it to install exactly what CI tested.
cp package-lock.json "$target/"
( cd "$target" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error )
echo "[package] production install ready in $target ($(du -sh "$target" | cut -f1))" >&2
