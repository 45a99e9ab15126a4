"""The online path, proven offline (issue 17): real caches in the standard layouts (built by
tests/core/online_cache.py in a tmp folder), then each pretrained card resolves to "pretrained" and
runs end to end through the same code users get online: the zoo, the loaders, and the pages
(AppTest), in a fresh process whose TORCH_HOME / HF_HUB_CACHE / KEYPOINT_CACHE point there."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_ONNX = ROOT.parent / "shared" / "weights" / "yolox_nano.onnx"

CHECK = r"""
import json, sys
sys.path.insert(0, ".")
from core.zoo import get_card, resolve, sources
out = {}
for name in ["ssdlite320", "gpt2", "detr-resnet-50", "yolox-nano"]:
    res = resolve(get_card(name), "offline")
    out[name] = {"resolved": res.source.kind if res.source else None, "reason": res.reason}
src = get_card("yolox-nano").sources[0]
path = sources.onnx_path(src)
out["yolox-nano"]["path"] = str(path)
out["yolox-nano"]["sha_ok"] = bool(path) and sources.sha256_of(path) == src.sha256

# The loaders (what every page calls).
import numpy as np
import torch
from core.vision import detect
from core.vision.samples import load_sample
rgb = load_sample("astronaut")
for name in ["ssdlite320", "detr-resnet-50", "yolox-nano"]:
    m = detect.load_model(name, "offline")
    r = detect.predict(m, detect.fit_image(rgb))
    out[name]["loaded"] = m.resolution.source.kind
    out[name]["fallback"] = m.fallback
    out[name]["classes"] = len(m.class_names)
    out[name]["candidates"] = len(r)

from core.text.decoding.search import DecodeConfig, HFStepper, greedy
from core.text.lm.load import load_causal_lm
model, tok, res = load_causal_lm("gpt2", "offline")
ids = tok("The cat", return_tensors="pt")["input_ids"]
ref = model.generate(ids, max_new_tokens=6, do_sample=False, pad_token_id=tok.eos_token_id)[0, ids.shape[1]:].tolist()
tr = greedy(HFStepper(model, tok, "The cat", eos_token_id=-1), DecodeConfig(max_new_tokens=6))
out["gpt2"].update(loaded=res.source.kind, layers=model.config.n_layer, greedy_matches_generate=tr.best.tokens == ref)

# The pages, as a student opens them.
from streamlit.testing.v1 import AppTest
def badges(at):
    return " ".join(c.value for c in at.caption)
pages = {}
at = AppTest.from_file("app_pages/detection/page.py", default_timeout=240).run()
for name in ["ssdlite320", "detr-resnet-50", "yolox-nano"]:
    at.selectbox(key="det_model").set_value(name).run()
    pages[name] = {"exception": bool(at.exception), "pretrained_badge": f"**{name}** from pretrained" in badges(at),
                   "images": len(at.get("image"))}
at = AppTest.from_file("app_pages/attention/page.py", default_timeout=240).run()
at.selectbox(key="att_model").set_value("gpt2").run()
pages["gpt2"] = {"exception": bool(at.exception), "pretrained_badge": "**gpt2** from pretrained" in badges(at),
                 "images": 0}
out["pages"] = pages
print("RESULT " + json.dumps(out))
"""


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("KEYPOINT_ONNX_DIR", "HF_HOME", "HF_HUB_CACHE")}
    env.update(TORCH_HOME=str(tmp / "torch"), HF_HOME=str(tmp / "hf"), HF_HUB_CACHE=str(tmp / "hf" / "hub"),
               KEYPOINT_CACHE=str(tmp / "keypoint"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               KEYPOINT_OFFLINE="1", PYTHONPATH=str(ROOT))
    return env


@pytest.mark.slow
def test_pretrained_cards_resolve_and_run_from_standard_caches(tmp_path):
    if not SHARED_ONNX.is_file():
        pytest.skip("shared YOLOX weights not present")
    env = _env(tmp_path)
    built = subprocess.run([sys.executable, "tests/core/online_cache.py"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    ckpt = tmp_path / "torch" / "hub" / "checkpoints"
    assert [p.name for p in ckpt.iterdir()] == ["ssdlite320_mobilenet_v3_large_coco-a79551df.pth"]
    assert (tmp_path / "hf" / "hub" / "models--gpt2" / "snapshots").is_dir()
    run = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("RESULT "))[7:])
    for name in ["ssdlite320", "gpt2", "detr-resnet-50", "yolox-nano"]:
        assert out[name]["resolved"] == "pretrained", out[name]
        assert out[name]["loaded"] == "pretrained", out[name]
        page = out["pages"][name]
        assert not page["exception"] and page["pretrained_badge"], (name, page)
    assert out["yolox-nano"]["sha_ok"] and out["yolox-nano"]["path"].startswith(str(tmp_path))
    assert out["ssdlite320"]["classes"] == 91 and out["detr-resnet-50"]["classes"] >= 91  # COCO, not ShapesWorld
    assert not any(out[n]["fallback"] for n in ["ssdlite320", "detr-resnet-50", "yolox-nano"])
    assert out["gpt2"]["layers"] == 2 and out["gpt2"]["greedy_matches_generate"]


@pytest.mark.slow
def test_download_dry_run_lists_every_file_size_and_destination(tmp_path):
    from core.zoo.registry import all_cards

    env = _env(tmp_path)
    out = subprocess.run([sys.executable, "-m", "core.zoo", "download", "--dry-run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for card in all_cards().values():
        for src in (s for s in card.sources if s.kind == "pretrained"):
            line = next((ln for ln in text.splitlines() if ln.startswith(f"{card.name}: ")), "")
            assert src.ref in line and " MB" in line and " -> " in line, (card.name, line)
    assert str(tmp_path / "keypoint" / "onnx" / "yolox_nano.onnx") in text
    assert str(tmp_path / "torch" / "hub" / "checkpoints") in text
    assert str(tmp_path / "hf" / "hub" / "models--facebook--detr-resnet-50") in text
    assert "total" in text.splitlines()[-1]
