"""Reference embeddings of the text embedder, computed outside Node (test/fixtures/text-reference.json).

Python `tokenizers` + `onnxruntime` on the same ONNX file the service loads, with the
sentence-transformers recipe for all-MiniLM-L6-v2: WordPiece with [CLS]/[SEP], truncation at 256
word pieces, mean pooling over the attention mask, L2 normalisation. test/unit/text-parity.test.ts
checks that our TypeScript path (transformers.js) gives the same token ids and vectors.

Run by scripts/make-text-reference.sh (which makes the venv); argument: the model folder.
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 256

TEXTS = [
    "cat face",
    "kitty",
    "a face laughing so hard it cries",
    "Woman firefighter: medium-dark skin tone",
    "Café crème, naïve façade — déjà vu?",
    "UPPER lower MiXeD case, don't stop-believing!!!",
    "東京タワー and 北京",
    "grinning face 😀 with big eyes",
    "flag: United Kingdom",
    "x",
    "  leading and trailing spaces  ",
    "The emoji category \"Food & Drink\" has 135 emoji in 8 subcategories.",
    # Longer than the 256-token window: checks truncation keeps [SEP] last, as Python does.
    " ".join(["Marie Curie was a physicist and chemist who conducted pioneering research on radioactivity."] * 30),
]


def main(model_dir: str) -> None:
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    session = ort.InferenceSession(f"{model_dir}/onnx/model_quantized.onnx", providers=["CPUExecutionProvider"])
    out = []
    for text in TEXTS:
        enc = tok.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.array([enc.attention_mask], dtype=np.int64)
        types = np.array([enc.type_ids], dtype=np.int64)
        (hidden,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        vec = pooled[0] / np.linalg.norm(pooled[0])
        out.append({"text": text, "ids": enc.ids, "embedding": [round(float(x), 6) for x in vec]})
    json.dump(
        {
            "model": "all-MiniLM-L6-v2 (onnx/model_quantized.onnx from the langchain4j Maven jar)",
            "made_by": "scripts/make-text-reference.sh",
            "max_tokens": MAX_TOKENS,
            "texts": out,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
