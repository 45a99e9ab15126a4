"""`python -m bench.peak_models`: load every pretrained-size model the pages offer, once, in the order a
class would try them, through the app's own loaders and the process-wide model budget; print JSON
with the peak RSS (VmHWM), the floor (RSS before the first model) and the budget's evictions.

No network and no checkpoints: every pretrained source reports "cached", and the one step that
would read weights builds the same real-size architecture at random instead (transformers
`from_config` with the checkpoint's configuration; torchvision's builders with their weights enum,
so the real class count, and the state-dict read skipped). Everything else is the app's code:
core.zoo resolve/load_with_fallback, core.text.lm.load, core.text.decoding.seq2seq_model, core.vision.vit.load,
core.text.bert.models, core.vision.detect, core.vision.cnn.classifiers, core.zoo.budget.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (page, loader as the page calls it, card) in the order a class tries them: page by page as the
# sidebar lists them, the default first, then the bigger checkpoints each page offers.
CLASS_ORDER = [
    ("attention", "load_model", "gpt2"), ("attention", "load_model", "distilgpt2"),
    ("attention", "load_model", "bert-base-uncased"),
    ("decoding", "load_translator", "opus-mt-en-de"), ("decoding", "load_causal_lm", "gpt2"),
    ("detection", "load_model", "yolox-nano"), ("detection", "load_model", "detr-resnet-50"),
    ("detection", "load_model", "fasterrcnn-mobilenet-320"), ("detection", "load_model", "fasterrcnn-resnet50-v2"),
    ("detection", "load_model", "maskrcnn-resnet50-v2"), ("detection", "load_model", "ssd300-vgg16"),
    ("detection", "load_model", "ssdlite320"), ("detection", "load_model", "deeplabv3-resnet50"),
    ("detection", "load_model", "deeplabv3-mobilenet"), ("detection", "load_model", "fasterrcnn-mobilenet"),
    ("cnns", "load_classifier", "cnn-resnet18"), ("cnns", "load_classifier", "cnn-alexnet"),
    ("cnns", "load_classifier", "cnn-vgg11"), ("cnns", "load_classifier", "cnn-googlenet"),
    ("cnns", "load_classifier", "cnn-densenet121"),
    ("vision_transformers", "load_vit", "vit-base-patch16-224"), ("vision_transformers", "load_mae", "vit-mae-base"),
    ("vision_transformers", "load_mlm", "bert-base-uncased-mlm"),
    ("vision_transformers", "load_embedding_model", "bert-base-uncased"),
]


def status_mb(field: str) -> float:
    return int(Path("/proc/self/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def real_configs() -> dict:
    """The published checkpoints' architectures (their config.json values), built without weights."""
    from transformers import BertConfig, DetrConfig, GPT2Config, MarianConfig, ViTConfig, ViTMAEConfig

    return {
        "gpt2": GPT2Config(),  # 12 layers, 768 wide, 50257 tokens: 124 M parameters
        "distilgpt2": GPT2Config(n_layer=6),
        "bert-base-uncased": BertConfig(),  # 12 layers, 768 wide, 30522 tokens
        "Helsinki-NLP/opus-mt-en-de": MarianConfig(vocab_size=58101, decoder_vocab_size=58101, d_model=512,
                                                   encoder_layers=6, decoder_layers=6, encoder_ffn_dim=2048,
                                                   decoder_ffn_dim=2048, pad_token_id=58100,
                                                   decoder_start_token_id=58100, max_position_embeddings=512),
        "facebook/detr-resnet-50": DetrConfig(use_pretrained_backbone=False, num_labels=91),
        "google/vit-base-patch16-224": ViTConfig(num_labels=1000),
        "facebook/vit-mae-base": ViTMAEConfig(),
    }


def patch_weights_reading() -> None:
    """Every pretrained source is 'cached'; reading its weights builds the real-size model at random."""
    import torch
    import torchvision.models._api as tv_api
    from transformers import AutoImageProcessor, AutoTokenizer, PreTrainedModel, ViTImageProcessor
    from transformers.models.auto.auto_factory import _BaseAutoModelClass

    from core.zoo import sources
    from core.zoo.sources import local_path

    configs = real_configs()
    real_is_local = sources.is_local
    sources.is_local = lambda src: src.kind == "pretrained" or real_is_local(src)
    tokenizers = {"gpt2": "assets/gpt_tiny", "distilgpt2": "assets/gpt_tiny",
                  "Helsinki-NLP/opus-mt-en-de": "assets/seq2seq_dates"}
    minilm = str(local_path(next(s for s in __import__("core.zoo", fromlist=["get_card"]).get_card("minilm").sources)))

    real_model = PreTrainedModel.from_pretrained.__func__
    real_auto = _BaseAutoModelClass.from_pretrained.__func__

    def from_config(cls, where, *args, **kw):
        config = configs.get(str(where))
        if config is None:  # a bundled folder: the real read
            real = real_auto if issubclass(cls, _BaseAutoModelClass) else real_model
            return real(cls, where, *args, **kw)
        model = cls.from_config(config) if issubclass(cls, _BaseAutoModelClass) else cls._from_config(config)
        model.eval()
        return (model, {"missing_keys": []}) if kw.get("output_loading_info") else model

    PreTrainedModel.from_pretrained = classmethod(from_config)
    from transformers import AutoModel, AutoModelForCausalLM

    for auto in (_BaseAutoModelClass, AutoModel, AutoModelForCausalLM):
        auto.from_pretrained = classmethod(from_config)
    real_tok = AutoTokenizer.from_pretrained.__func__

    def tokenizer(cls, where, *a, **kw):  # a small local tokenizer stands in (tokenizers hold a few MB)
        local = tokenizers.get(str(where))
        if local is None and "bert" in str(where):
            local = minilm + ("/model" if Path(minilm, "model").is_dir() else "")
        return real_tok(cls, str(ROOT / local) if local and not local.startswith("/") else (local or where))

    AutoTokenizer.from_pretrained = classmethod(tokenizer)
    AutoImageProcessor.from_pretrained = classmethod(lambda cls, where, *a, **kw: ViTImageProcessor())

    class RandomInit(dict):
        """Stands for a checkpoint's state dict: load_state_dict keeps the random initialisation."""

    tv_api.WeightsEnum.get_state_dict = lambda self, *a, **k: RandomInit()
    real_load = torch.nn.Module.load_state_dict

    def load_state_dict(self, state, *a, **kw):
        if isinstance(state, RandomInit):
            return torch.nn.modules.module._IncompatibleKeys([], [])
        return real_load(self, state, *a, **kw)

    torch.nn.Module.load_state_dict = load_state_dict


def loader(page: str, fn: str, card: str):
    """The call the page's cached loader makes (app_pages/*.py), as a zero-argument function."""
    if fn == "load_model" and page == "attention":
        from core.text.lm.load import load_model
        return lambda: load_model(card, "auto")
    if fn == "load_causal_lm":
        from core.text.lm.load import load_causal_lm
        return lambda: load_causal_lm(card, "auto")
    if fn == "load_translator":
        from core.text.decoding.seq2seq_model import load_translator
        return lambda: load_translator(card, "auto")
    if fn == "load_model":
        from core.vision.detect import load_model
        return lambda: load_model(card, "auto", None)
    if fn == "load_classifier":
        from core.vision.cnn.classifiers import load_classifier
        return lambda: load_classifier(card, "auto")
    if fn in ("load_vit", "load_mae"):
        from core.vision.vit import load as vit_load
        return lambda: getattr(vit_load, fn)("auto")
    from core.text.bert import models
    return lambda: getattr(models, fn)("auto")


def main() -> None:
    import streamlit  # noqa: F401 - the server's floor: the same libraries a page would have
    import torchvision.models.detection  # noqa: F401
    import transformers  # noqa: F401

    from app_pages.parts.ui import _expected_bytes
    from core.zoo.budget import MB, ModelBudget

    patch_weights_reading()
    budget = ModelBudget.from_env()
    floor = status_mb("VmRSS")
    steps = []
    t0 = time.perf_counter()
    only = [c for c in os.environ.get("KEYPOINT_PEAK_ONLY", "").split(",") if c]  # a quick check of some
    for page, fn, card in [o for o in CLASS_ORDER if not only or o[2] in only]:
        key = f"{page}/page.py:{fn}({card!r}, 'auto')"
        event = budget.get(key, loader(page, fn, card), _expected_bytes((card,)))[1]  # keep no reference:
        size = next(e.bytes for e in budget.entries() if e.key == key)  # a page drops its model after the run
        steps.append({"card": card, "page": page, "event": event, "model_mb": round(size / MB, 1),
                      "rss_mb": round(status_mb("VmRSS")), "peak_mb": round(status_mb("VmHWM")), "budget_used_mb": round(budget.used() / MB)})
    print(json.dumps({"peak_mb": round(status_mb("VmHWM")), "floor_mb": round(floor),
                      "end_mb": round(status_mb("VmRSS")), "budget_mb": round(budget.budget / MB),
                      "models": len(steps), "evictions": len(budget.evictions), "wall_s": round(time.perf_counter() - t0),
                      "steps": steps}))


if __name__ == "__main__":
    sys.exit(main())
