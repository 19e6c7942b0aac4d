#!/usr/bin/env bash
# Generates the tiny, randomly initialised CLIP test model in models/tiny-clip/
# plus PyTorch reference embeddings in test/fixtures/ (see scripts/make_tiny_clip.py).
#
# Usage: scripts/make-tiny-clip.sh            (from anywhere; paths are repo-relative)
#
# Idempotent: the Python venv in .state/venv-model is created once and only
# re-installed when the pinned requirement list below changes; the generator
# is deterministic (fixed seeds), so re-running rewrites byte-identical
# model/tokenizer/fixture files (ONNX files are re-exported but equivalent).
#
# About torch on CPU: PyPI's Linux x86_64 torch wheels are CUDA builds whose
# shared libraries are linked against the nvidia-* wheels (libcudart, cublas,
# cudnn, ...), so `pip install --no-deps torch` does NOT import
# ("ValueError: libcublas.so.*[0-9] not found"). CPU-only wheels exist only on
# the PyTorch download server, which is not reachable here. We therefore
# install torch from PyPI with its nvidia-* dependencies (~2.8 GB on disk;
# no GPU is needed or used at run time; triton is skipped since nothing here
# compiles kernels). Where PyTorch's own CPU wheel index is reachable, pointing
# PIP_EXTRA_INDEX_URL at it and dropping the nvidia-* pins gives a ~200 MB install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.state/venv-model"
PY_BIN="${PYTHON:-python3}"

# Pinned versions (keep in sync with the README in models/tiny-clip/).
REQS="torch==2.5.1
nvidia-cublas-cu12==12.4.5.8
nvidia-cuda-cupti-cu12==12.4.127
nvidia-cuda-nvrtc-cu12==12.4.127
nvidia-cuda-runtime-cu12==12.4.127
nvidia-cudnn-cu12==9.1.0.70
nvidia-cufft-cu12==11.2.1.3
nvidia-curand-cu12==10.3.5.147
nvidia-cusolver-cu12==11.6.1.9
nvidia-cusparse-cu12==12.3.1.170
nvidia-nccl-cu12==2.21.5
nvidia-nvjitlink-cu12==12.4.127
nvidia-nvtx-cu12==12.4.127
filelock==3.16.1
typing-extensions==4.12.2
sympy==1.13.1
mpmath==1.3.0
networkx==3.4.2
jinja2==3.1.4
markupsafe==3.0.2
fsspec==2024.10.0
transformers==4.57.6
tokenizers==0.22.2
huggingface-hub==0.36.2
safetensors==0.6.2
regex==2024.11.6
pyyaml==6.0.2
packaging==24.2
tqdm==4.67.1
requests==2.32.3
charset-normalizer==3.4.0
idna==3.10
urllib3==2.2.3
certifi==2024.8.30
hf-xet==1.1.10
onnx==1.17.0
protobuf==5.29.5
onnxruntime==1.20.1
coloredlogs==15.0.1
humanfriendly==10.0
flatbuffers==24.3.25
numpy==2.1.3
pillow==11.0.0"

STAMP="$VENV/.requirements.txt"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$REQS" ]; then
  echo "[make-tiny-clip] creating venv in $VENV" >&2
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$PY_BIN" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
  printf '%s\n' "$REQS" > "$VENV/requirements.txt"
  # --no-deps + a complete pinned list: reproducible, and it lets us leave out
  # triton (torch's optional GPU kernel compiler, ~200 MB).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --only-binary=:all: --no-deps -r "$VENV/requirements.txt"
  "$VENV/bin/python" -m pip check >&2 || echo "[make-tiny-clip] (pip check complaints about triton are expected)" >&2
  "$VENV/bin/python" -c "import torch, transformers, onnx, onnxruntime, tokenizers, PIL; print('[make-tiny-clip] torch', torch.__version__, 'cuda available:', torch.cuda.is_available(), '| transformers', transformers.__version__, '| onnx', onnx.__version__, '| ort', onnxruntime.__version__)" >&2
  printf '%s' "$REQS" > "$STAMP"
fi

cd "$ROOT"
# Keep everything on the CPU and deterministic.
export CUDA_VISIBLE_DEVICES=""
export PYTHONHASHSEED=0
export TOKENIZERS_PARALLELISM=false
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
"$VENV/bin/python" "$ROOT/scripts/make_tiny_clip.py" "$@"
