#!/usr/bin/env bash
# Recomputes test/fixtures/text-reference.json (the text embedder's parity reference) with Python
# tokenizers + onnxruntime on the ONNX file scripts/text-model.sh installs. Not needed for tests
# (the fixture is committed); a venv of ~100 MB in .state/venv-textref.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_DIR"
STATE_DIR="${STATE_DIR:-$REPO_DIR/.state}"
VENV="$STATE_DIR/venv-textref"
bash scripts/text-model.sh install
if [[ ! -x "$VENV/bin/python" ]]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q tokenizers==0.23.3 onnxruntime==1.32.0 numpy==2.4.6
"$VENV/bin/python" scripts/text_reference.py "$(bash scripts/text-model.sh path)" > test/fixtures/text-reference.json
echo "wrote test/fixtures/text-reference.json" >&2
