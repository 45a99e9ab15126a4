"""Build real model caches, in the standard layouts the online path downloads into, under one
folder: the test of "better online" without a network (tests/core/test_online_path.py).

  TORCH_HOME/hub/checkpoints/<official file name>  a torchvision state dict: official keys, random values
  HF_HUB_CACHE/models--<org>--<name>/snapshots/<rev>/  written by save_pretrained from a tiny config of
                                                      the real architecture (GPT-2, DETR)
  KEYPOINT_CACHE/onnx/yolox_nano.onnx               the real file, checked against the card's SHA-256

Run as a script with those variables set (before torch/transformers are imported) to build them:
    python tests/core/online_cache.py
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_ONNX = ROOT.parent / "shared" / "weights" / "yolox_nano.onnx"
REV = "0123456789abcdef0123456789abcdef01234567"  # the snapshot folder name (a commit hash on the hub)


def hf_snapshot(repo_id: str) -> Path:
    """The folder huggingface_hub would fill for repo_id: models--org--name/{refs/main, snapshots/REV}."""
    repo = Path(os.environ["HF_HUB_CACHE"]) / ("models--" + repo_id.replace("/", "--"))
    snap = repo / "snapshots" / REV
    snap.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(REV)
    return snap


def build_torchvision(name: str = "ssdlite320") -> Path:
    """hub/checkpoints/<official name> for a torchvision card: the official keys, random values."""
    import torch

    from core.vision.pretrained import torchvision_models as tvm
    from core.zoo import get_card, sources

    src = get_card(name).sources[0]
    dest = sources.torchvision_file(src)
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = tvm.build(name, pretrained=False)  # same builder, same keys as the official checkpoint
    torch.save(model.state_dict(), dest)
    return dest


def build_gpt2() -> Path:
    """A GPT2LMHeadModel (2 layers, the bundled gpt-tiny's tokenizer) saved as the hub's `gpt2`."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    snap = hf_snapshot("gpt2")
    tok = AutoTokenizer.from_pretrained(ROOT / "assets" / "gpt_tiny")
    cfg = GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=32, n_layer=2, n_head=2,
                     bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(cfg).save_pretrained(snap)
    tok.save_pretrained(snap)
    return snap


def build_detr() -> Path:
    """A DetrForObjectDetection (timm ResNet-18 backbone, 1+1 layers, COCO's 91 label slots) saved as
    the hub's `facebook/detr-resnet-50`."""
    from transformers import DetrConfig, DetrForObjectDetection

    snap = hf_snapshot("facebook/detr-resnet-50")
    labels = {i: f"class{i}" for i in range(91)}
    labels[1] = "person"
    cfg = DetrConfig(use_timm_backbone=True, backbone="resnet18", use_pretrained_backbone=False, d_model=32,
                     encoder_layers=1, decoder_layers=1, encoder_ffn_dim=64, decoder_ffn_dim=64,
                     encoder_attention_heads=2, decoder_attention_heads=2, num_queries=20, num_labels=91,
                     id2label=labels)
    DetrForObjectDetection(cfg).save_pretrained(snap)
    return snap


def build_onnx() -> Path:
    """The real yolox_nano.onnx in the zoo's own download folder."""
    from core.zoo import sources

    dest = sources.onnx_download_dir() / "yolox_nano.onnx"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED_ONNX, dest)
    return dest


def build_all() -> dict[str, str]:
    out = {"ssdlite320": build_torchvision("ssdlite320"), "gpt2": build_gpt2(), "detr-resnet-50": build_detr()}
    if SHARED_ONNX.is_file():
        out["yolox-nano"] = build_onnx()
    return {k: str(v) for k, v in out.items()}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(build_all())
