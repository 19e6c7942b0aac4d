#!/usr/bin/env python3
"""Generate a tiny, randomly initialised CLIP model for tests / offline fallback.

Run through scripts/make-tiny-clip.sh (which provides the pinned venv).

Outputs (all deterministic, fixed seeds):
  models/tiny-clip/                 transformers.js folder layout
    config.json                     CLIPConfig (tiny)
    tokenizer.json                  byte-level BPE trained here, CLIP-style
    tokenizer_config.json
    special_tokens_map.json
    preprocessor_config.json        CLIPImageProcessor, sized for the tiny model
    onnx/text_model.onnx            input_ids -> text_embeds, last_hidden_state
    onnx/vision_model.onnx          pixel_values -> image_embeds, last_hidden_state
  test/fixtures/images/*.png        small deterministic test images
  test/fixtures/clip-reference.json token ids + L2-normalised embeddings
                                    computed by the PyTorch implementation
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import (
    CLIPConfig,
    CLIPImageProcessor,
    CLIPModel,
    CLIPProcessor,
    CLIPTextModelWithProjection,
    CLIPTokenizerFast,
    CLIPVisionModelWithProjection,
)

SEED = 20240601
BOS = "<|startoftext|>"
EOS = "<|endoftext|>"
MAX_LEN = 77
IMAGE_SIZE = 32
PATCH_SIZE = 8
OPSET = 17
TARGET_VOCAB = 2048
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

# --------------------------------------------------------------------------
# Built-in training corpus for the tokenizer (no external data is used).
# --------------------------------------------------------------------------
CORPUS_SENTENCES = """
A photo of a cat sitting on a red sofa.
A photo of a dog running on the beach at sunset.
A diagram of a knowledge graph with nodes and edges.
The quick brown fox jumps over the lazy dog.
A black and white checkerboard pattern.
A smooth gradient from blue to green.
A solid red square on a white background.
An aerial view of a city with tall buildings and busy streets.
A bowl of fresh fruit: apples, bananas, oranges and grapes.
Two people walking in the park under the trees in autumn.
A screenshot of a GraphQL query returning JSON results.
The service embeds text and images into the same vector space.
Search for documents similar to this picture of a mountain lake.
A close-up of a flower with yellow petals and a green stem.
A car parked next to a house with a blue door.
The train arrives at the station at seven o'clock in the morning.
Children are playing football in the school yard.
A cup of coffee on a wooden table next to a laptop.
A map showing rivers, roads and small villages.
The sky is full of stars and the moon is bright tonight.
I'm sure we'll find it; they've said it's what you'd expect.
Numbers like 1, 2, 3, 42 and 2024 appear in many documents.
An old book with torn pages lies on the shelf.
A bird flying over the ocean waves.
Snow covers the roofs of the houses in the village.
A person riding a bicycle along the river.
The chart shows sales growing every quarter of the year.
A plate of pasta with tomato sauce and basil leaves.
A kitten sleeping in a basket of wool.
A yellow taxi waiting at a traffic light in the rain.
The museum exhibits paintings, sculptures and ancient coins.
A black horse standing in a green field near a fence.
Clouds over the hills, with sunlight breaking through.
An engineer writes code to index images and texts for retrieval.
Embeddings are normalised vectors compared with cosine similarity.
The model is tiny, random and only meant for tests.
A red, green and blue striped flag waving in the wind.
A portrait of a smiling woman wearing glasses.
A small boat on a calm lake surrounded by forest.
Fireworks light up the night sky over the harbour.
"""

CORPUS_WORDS = """
red orange yellow green blue purple violet pink brown black white grey gray
cat cats dog dogs bird birds fish horse horses cow sheep lion tiger bear
photo photos picture pictures image images drawing painting sketch diagram
house houses street streets city cities road roads bridge river rivers lake
mountain mountains forest forests tree trees flower flowers grass garden
sun sunset sunrise moon star stars sky cloud clouds rain snow wind storm
man woman men women child children person people boy girl baby family
car cars bus train plane boat ship bicycle bike truck taxi station airport
table chair sofa bed window door kitchen room wall floor roof lamp
apple banana orange grape lemon bread cheese pizza pasta coffee tea water
book books page pages paper document documents text texts letter word words
computer laptop phone screen keyboard code query queries graph graphs node
nodes edge edges search searching index indexing vector vectors embedding
embeddings similarity similar cosine model models tiny random test tests
square circle triangle line lines pattern gradient checkerboard stripes dots
big small large little tall short long wide narrow bright dark light heavy
running walking sitting standing flying swimming sleeping playing reading
""".split()


def build_corpus() -> list[str]:
    lines = [s.strip() for s in CORPUS_SENTENCES.strip().splitlines() if s.strip()]
    rng = random.Random(SEED)
    # Template sentences from the word list give the BPE merge learning more statistics.
    templates = [
        "a photo of a {} {}",
        "a {} {} next to the {}",
        "the {} and the {} are {}",
        "an image showing {} {} {}",
    ]
    for _ in range(600):
        t = rng.choice(templates)
        n = t.count("{}")
        lines.append(t.format(*[rng.choice(CORPUS_WORDS) for _ in range(n)]))
    return lines


# --------------------------------------------------------------------------
# Tokenizer: CLIP-style byte-level BPE with "</w>" end-of-word suffix.
# --------------------------------------------------------------------------
def bytes_to_unicode() -> list[str]:
    """GPT-2 / CLIP byte -> unicode mapping, in CLIP's vocab order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


CLIP_SPLIT_REGEX = (
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""
)


def clip_normalizer():
    # Same as openai/clip-vit-base-patch32's tokenizer.json.
    return normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])


def clip_pre_tokenizer():
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(CLIP_SPLIT_REGEX), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )


def learn_bpe_merges(word_counts: dict[str, int], max_merges: int, min_frequency: int) -> list[tuple[str, str]]:
    """Classic BPE merge learning (Sennrich et al. / CLIP), deterministic.

    The `tokenizers` BpeTrainer gives the same kind of result but breaks ties
    between equally frequent pairs in hash-map order, which changes from run to
    run; here ties go to the lexicographically smallest pair, so the generated
    tokenizer.json is byte-identical on every run.
    """
    # Symbols: byte-level characters, the last one carrying the "</w>" suffix.
    words = {tuple(w[:-1]) + (w[-1] + "</w>",): c for w, c in word_counts.items() if w}
    merges: list[tuple[str, str]] = []
    while len(merges) < max_merges:
        pairs: dict[tuple[str, str], int] = {}
        for w, c in words.items():
            for pair in zip(w, w[1:]):
                pairs[pair] = pairs.get(pair, 0) + c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < min_frequency:
            break
        merges.append(best)
        a, b = best
        new_words: dict[tuple[str, ...], int] = {}
        for w, c in words.items():
            out: list[str] = []
            i = 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            key = tuple(out)
            new_words[key] = new_words.get(key, 0) + c
        words = new_words
    return merges


def train_tokenizer(out_dir: Path) -> CLIPTokenizerFast:
    corpus = build_corpus()

    # 1) Pre-tokenize the corpus with the tokenizers library, using exactly the
    #    normalizer and pre-tokenizer of the final tokenizer, then learn merges.
    normalizer = clip_normalizer()
    pre_tokenizer = clip_pre_tokenizer()
    word_counts: dict[str, int] = {}
    for line in corpus:
        for piece, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line)):
            word_counts[piece] = word_counts.get(piece, 0) + 1
    merges = learn_bpe_merges(word_counts, max_merges=TARGET_VOCAB - 512 - 2, min_frequency=2)

    # 2) Re-lay the vocab in CLIP's order: 256 byte symbols, the same with
    #    "</w>", then one token per merge, then the two specials last (so the
    #    EOS has the highest id, as in the real CLIP vocab). Every byte has a
    #    "</w>" form, so no input ever maps to the unk token.
    base = bytes_to_unicode()
    vocab: dict[str, int] = {}
    for s in base + [b + "</w>" for b in base]:
        vocab.setdefault(s, len(vocab))
    kept_merges = []
    for a, b in merges:
        if a not in vocab or b not in vocab:
            raise RuntimeError(f"merge parts missing from vocab: {a!r} {b!r}")
        kept_merges.append((a, b))
        vocab.setdefault(a + b, len(vocab))
    bos_id = vocab.setdefault(BOS, len(vocab))
    eos_id = vocab.setdefault(EOS, len(vocab))

    # 3) Assemble the final tokenizer exactly like CLIP's tokenizer.json.
    tok = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=kept_merges,
            unk_token=EOS,
            end_of_word_suffix="</w>",
            continuing_subword_prefix="",
            fuse_unk=False,
            byte_fallback=False,
        )
    )
    tok.normalizer = clip_normalizer()
    tok.pre_tokenizer = clip_pre_tokenizer()
    tok.post_processor = processors.RobertaProcessing(
        sep=(EOS, eos_id), cls=(BOS, bos_id), trim_offsets=False, add_prefix_space=False
    )
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)
    tok.add_special_tokens([BOS, EOS])

    with tempfile.TemporaryDirectory() as td:
        path = Path(td) / "tokenizer.json"
        tok.save(str(path))
        fast = CLIPTokenizerFast(
            tokenizer_file=str(path),
            bos_token=BOS,
            eos_token=EOS,
            unk_token=EOS,
            pad_token=EOS,
            model_max_length=MAX_LEN,
        )
        fast.save_pretrained(str(out_dir))
    # Keep only what transformers.js and transformers need.
    for extra in ("vocab.json", "merges.txt"):
        p = out_dir / extra
        if p.exists():
            p.unlink()
    return CLIPTokenizerFast.from_pretrained(str(out_dir))


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------
def make_config(tokenizer: CLIPTokenizerFast) -> CLIPConfig:
    text_config = dict(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        projection_dim=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=MAX_LEN,
        hidden_act="quick_gelu",
        layer_norm_eps=1e-5,
        initializer_range=0.02,
        initializer_factor=1.0,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    vision_config = dict(
        hidden_size=32,
        intermediate_size=64,
        projection_dim=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_channels=3,
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        hidden_act="quick_gelu",
        layer_norm_eps=1e-5,
        initializer_range=0.02,
        initializer_factor=1.0,
    )
    return CLIPConfig(text_config=text_config, vision_config=vision_config, projection_dim=32)


def make_image_processor() -> CLIPImageProcessor:
    return CLIPImageProcessor(
        do_resize=True,
        size={"shortest_edge": IMAGE_SIZE},
        # PIL.Image.LANCZOS. The real openai/clip-vit-base-patch32 config uses 3
        # (BICUBIC), but transformers.js (Node) implements bilinear/bicubic with
        # sharp's affine() interpolator: no antialiasing when downscaling and the
        # last output row/column blends with a black background. It therefore
        # cannot reproduce PIL's bicubic for any downscaled image (cosine 0.998
        # on noise-50x40.png, solid colours off by up to 13/255 on the edge row).
        # For LANCZOS transformers.js uses sharp.resize(kernel 'lanczos3'), a
        # proper antialiased convolution like PIL's, so both sides agree to a
        # few grey levels. See models/tiny-clip/README.md.
        resample=1,
        do_center_crop=True,
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=CLIP_MEAN,
        image_std=CLIP_STD,
        do_convert_rgb=True,
    )


class TextWrapper(torch.nn.Module):
    def __init__(self, model: CLIPTextModelWithProjection):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        out = self.model(input_ids=input_ids, return_dict=True)
        return out.text_embeds, out.last_hidden_state


class VisionWrapper(torch.nn.Module):
    def __init__(self, model: CLIPVisionModelWithProjection):
        super().__init__()
        self.model = model

    def forward(self, pixel_values):
        out = self.model(pixel_values=pixel_values, return_dict=True)
        return out.image_embeds, out.last_hidden_state


def export_onnx(text_model, vision_model, onnx_dir: Path) -> None:
    onnx_dir.mkdir(parents=True, exist_ok=True)
    dummy_ids = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7]], dtype=torch.long)
    common = dict(opset_version=OPSET, do_constant_folding=True, export_params=True)
    if "dynamo" in torch.onnx.export.__code__.co_varnames:
        common["dynamo"] = False  # legacy TorchScript exporter
    torch.onnx.export(
        TextWrapper(text_model),
        (dummy_ids,),
        str(onnx_dir / "text_model.onnx"),
        input_names=["input_ids"],
        output_names=["text_embeds", "last_hidden_state"],
        dynamic_axes={
            "input_ids": {0: "batch_size", 1: "sequence_length"},
            "text_embeds": {0: "batch_size"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"},
        },
        **common,
    )
    dummy_px = torch.zeros(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    torch.onnx.export(
        VisionWrapper(vision_model),
        (dummy_px,),
        str(onnx_dir / "vision_model.onnx"),
        input_names=["pixel_values"],
        output_names=["image_embeds", "last_hidden_state"],
        dynamic_axes={
            "pixel_values": {0: "batch_size"},
            "image_embeds": {0: "batch_size"},
            "last_hidden_state": {0: "batch_size"},
        },
        **common,
    )
    import onnx

    for name in ("text_model.onnx", "vision_model.onnx"):
        m = onnx.load(str(onnx_dir / name))
        onnx.checker.check_model(m)
        # Strip the producer's local file paths / doc strings for reproducibility.
        for node in m.graph.node:
            node.doc_string = ""
        onnx.save(m, str(onnx_dir / name))


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------
REFERENCE_TEXTS = [
    "a photo of a cat",
    "A photo of a DOG running on the beach!",
    "graphql knowledge service",
    "a red square",
    "",
    "It's 2024; we'll see what they've done — déjà vu, naïve café. 123 + 456 = 579",
    # Long text: more than 77 tokens, to check truncation.
    " ".join(
        [
            "this is a deliberately long description of a picture that keeps going",
            "on and on with many words about cats dogs trees rivers mountains clouds",
            "cars trains boats houses streets cities people children books computers",
            "so that the tokenizer has to truncate it at the model maximum length of",
            "seventy seven tokens including the start and end of text special tokens",
            "and everything after that point is simply dropped by the tokenizer",
        ]
    ),
]


def make_images(img_dir: Path) -> list[str]:
    img_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    images: dict[str, Image.Image] = {}

    # Exactly the model input size (no resize, no crop).
    images["solid-red-32x32.png"] = Image.new("RGB", (32, 32), (220, 30, 40))
    y, x = np.mgrid[0:32, 0:32]
    grad = np.stack([x * 255 / 31, y * 255 / 31, np.full_like(x, 128)], axis=-1)
    images["gradient-32x32.png"] = Image.fromarray(np.round(grad).astype(np.uint8), "RGB")
    checker = (((x // 4) + (y // 4)) % 2 * 255).astype(np.uint8)
    images["checker-32x32.png"] = Image.fromarray(np.stack([checker] * 3, axis=-1), "RGB")

    # Larger and non-square: resize (shortest edge -> 32) + centre crop.
    images["solid-blue-64x48.png"] = Image.new("RGB", (64, 48), (20, 60, 200))
    y, x = np.mgrid[0:48, 0:64]
    grad = np.stack([x * 255 / 63, np.full_like(x, 64), y * 255 / 47], axis=-1)
    images["gradient-64x48.png"] = Image.fromarray(np.round(grad).astype(np.uint8), "RGB")
    y, x = np.mgrid[0:96, 0:64]
    checker = (((x // 16) + (y // 16)) % 2 * 255).astype(np.uint8)
    images["checker-64x96.png"] = Image.fromarray(np.stack([checker, 255 - checker, checker], axis=-1), "RGB")
    noise = rng.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)
    images["noise-50x40.png"] = Image.fromarray(noise, "RGB")

    for name, im in images.items():
        im.save(img_dir / name, format="PNG", optimize=False, compress_level=9)
    return sorted(images)


def l2n(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def rnd(v) -> list[float]:
    return [float(f"{x:.7g}") for x in np.asarray(v, dtype=np.float64).ravel()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=str(Path(__file__).resolve().parent.parent), help="repository root")
    args = ap.parse_args()
    root = Path(args.root)
    model_rel = "models/tiny-clip"
    model_dir = root / model_rel
    fixtures = root / "test" / "fixtures"
    img_dir = fixtures / "images"

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    random.seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)

    # Fresh output folder (keep README.md, which is hand-written).
    readme = (model_dir / "README.md").read_text() if (model_dir / "README.md").exists() else None
    if model_dir.exists():
        shutil.rmtree(model_dir)
    model_dir.mkdir(parents=True)
    if readme is not None:
        (model_dir / "README.md").write_text(readme)

    tokenizer = train_tokenizer(model_dir)
    print(f"[tiny-clip] tokenizer: vocab={len(tokenizer)} bos={tokenizer.bos_token_id} eos={tokenizer.eos_token_id}")

    config = make_config(tokenizer)
    torch.manual_seed(SEED)
    model = CLIPModel(config).eval()
    # config.json as transformers.js expects it (model_type "clip"); no weights file
    # in safetensors/bin form is kept: the ONNX files are the artefact.
    config.architectures = ["CLIPModel"]
    config.save_pretrained(str(model_dir))

    processor_img = make_image_processor()
    processor_img.save_pretrained(str(model_dir))

    # Sub-models sharing the same random weights.
    with tempfile.TemporaryDirectory() as td:
        model.save_pretrained(td, safe_serialization=True)
        text_model = CLIPTextModelWithProjection.from_pretrained(td, attn_implementation="eager").eval()
        vision_model = CLIPVisionModelWithProjection.from_pretrained(td, attn_implementation="eager").eval()

    export_onnx(text_model, vision_model, model_dir / "onnx")

    # Reload everything from disk, exactly as a user would.
    tokenizer = CLIPTokenizerFast.from_pretrained(str(model_dir))
    image_processor = CLIPImageProcessor.from_pretrained(str(model_dir))
    processor = CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer)

    texts_out = []
    with torch.no_grad():
        for text in REFERENCE_TEXTS:
            n_untruncated = len(tokenizer(text)["input_ids"])
            enc = processor(text=[text], return_tensors="pt", truncation=True, max_length=MAX_LEN)
            ids = enc["input_ids"][0].tolist()
            emb = text_model(input_ids=enc["input_ids"]).text_embeds[0].numpy()
            texts_out.append(
                {
                    "text": text,
                    "input_ids": ids,
                    "num_tokens_untruncated": n_untruncated,
                    "truncated": n_untruncated > MAX_LEN,
                    "text_embeds": rnd(l2n(emb)),
                }
            )

        image_names = make_images(img_dir)
        images_out = []
        for name in image_names:
            with Image.open(img_dir / name) as im:
                im = im.convert("RGB")
                size = list(im.size)
                enc = processor(images=[im], return_tensors="pt")
            emb = vision_model(pixel_values=enc["pixel_values"]).image_embeds[0].numpy()
            images_out.append({"file": name, "width": size[0], "height": size[1], "image_embeds": rnd(l2n(emb))})

    # Cross-check the ONNX exports against PyTorch (same inputs) with onnxruntime.
    try:
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        ts = ort.InferenceSession(str(model_dir / "onnx" / "text_model.onnx"), so, providers=["CPUExecutionProvider"])
        vs = ort.InferenceSession(str(model_dir / "onnx" / "vision_model.onnx"), so, providers=["CPUExecutionProvider"])
        worst = 1.0
        for t in texts_out:
            e = ts.run(["text_embeds"], {"input_ids": np.array([t["input_ids"]], dtype=np.int64)})[0][0]
            worst = min(worst, float(np.dot(l2n(e), t["text_embeds"])))
        for i in images_out:
            with Image.open(img_dir / i["file"]) as im:
                px = image_processor(images=[im.convert("RGB")], return_tensors="np")["pixel_values"]
            e = vs.run(["image_embeds"], {"pixel_values": px.astype(np.float32)})[0][0]
            worst = min(worst, float(np.dot(l2n(e), i["image_embeds"])))
        print(f"[tiny-clip] onnxruntime(python) vs torch: worst cosine {worst:.7f}")
        if worst < 0.9999:
            raise SystemExit("ONNX export does not match PyTorch")
    except ImportError:
        print("[tiny-clip] onnxruntime not installed; skipped ONNX cross-check")

    import tokenizers
    import transformers

    ref = {
        "description": "Reference outputs of the PyTorch CLIP implementation (transformers) for the tiny random "
        "CLIP in models/tiny-clip. Embeddings are L2-normalised and rounded to 7 significant digits. "
        "Generated by scripts/make-tiny-clip.sh; do not edit by hand.",
        "model": model_rel,
        "generator": {
            "seed": SEED,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "pillow": Image.__version__,
        },
        "max_length": MAX_LEN,
        "image_size": IMAGE_SIZE,
        "projection_dim": config.projection_dim,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "texts": texts_out,
        "images_dir": "test/fixtures/images",
        "images": images_out,
    }
    fixtures.mkdir(parents=True, exist_ok=True)
    (fixtures / "clip-reference.json").write_text(json.dumps(ref, indent=1, ensure_ascii=False) + "\n")

    total = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    print(f"[tiny-clip] wrote {model_dir} ({total / 1024:.0f} KiB) and {fixtures / 'clip-reference.json'}")
    for t in texts_out:
        print(f"[tiny-clip]   text tokens={len(t['input_ids'])} (untruncated {t['num_tokens_untruncated']}) {t['text'][:40]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
