"""The bundled small ViT, MAE and masked LM reach the held-out scores recorded in their card.json
(the same evaluation as the training scripts, on the same held-out data), minus a small margin."""
import json

import pytest
import torch

from core.zoo.sources import REPO_ROOT
from core.zoo.record import from_card

pytestmark = pytest.mark.slow


def _card(ref: str) -> dict:
    return json.loads((REPO_ROOT / ref / "card.json").read_text())


def test_bundled_vit_accuracy_floor():
    from core.vision.vit.load import load_vit
    from core.vision.vit.data import shapes_tensors
    from core.vision.vit.train_vit import accuracy

    card = _card("assets/vit/vit_shapes")
    model, proc, res = load_vit("offline")
    assert res.source.kind == "bundled" and model.config.patch_size == card["config"]["patch_size"]
    c = card["config"]
    x, y = shapes_tensors(c["val_n"], 1, c["image_size"], 1.0, c.get("zoom", False), c.get("fill", 0.55),
                          c.get("jitter", 0.0))
    acc = accuracy(model, x, y)
    assert acc >= from_card(card).held_out["accuracy"] - 0.03, acc
    assert acc > 0.5  # 5 classes: chance is 0.2


def test_bundled_mae_reconstruction_floor():
    from core.vision.vit.data import shapes_tensors
    from core.vision.vit.load import load_mae
    from core.vision.vit.train_mae import held_out

    card = _card("assets/vit/mae_shapes")
    model, proc, res = load_mae("offline")
    assert res.source.kind == "bundled"
    # the fixed sin-cos position embeddings are in the bundle (all zero: the MAE would be position-blind)
    assert model.vit.embeddings.position_embeddings.abs().sum() > 1 and model.decoder.decoder_pos_embed.abs().sum() > 1
    cfg = card["config"]
    x, _ = shapes_tensors(cfg["val_n"], 1, cfg["image_size"], cfg.get("texture", 1.0), cfg.get("zoom", False))
    score = held_out(model, x, cfg["mask_ratio"])
    assert score["masked_mse"] <= from_card(card).held_out["masked_mse"] + 0.003, score
    assert score["masked_mse"] < 0.8 * score["mean_colour_baseline_mse"]  # clearly better than the mean colour


def test_bundled_masked_lm_floor_and_readable_predictions():
    from core.text.bert.mlm import random_pool
    from core.text.bert.models import load_mlm
    from core.text.bert.train_mlm import encode, evaluate, make_pairs, probe
    from core.text.lm.corpus import CorpusConfig, generate

    card = _card("assets/mlm")
    model, tok, res, has_nsp = load_mlm("offline")
    assert res.source.kind == "bundled" and has_nsp
    cfg = card["config"]
    va, vb, vy = make_pairs(generate(CorpusConfig(n_docs=cfg["val_docs"], seed=1)), torch.Generator().manual_seed(1))
    score = evaluate(model, tok, encode(tok, va, vb, cfg["max_len"]), torch.tensor(vy),
                     torch.Generator().manual_seed(2), random_pool(tok))
    assert score["mlm_top1"] >= from_card(card).held_out["mlm_top1"] - 0.02, score
    assert score["nsp_accuracy"] >= from_card(card).held_out["nsp_accuracy"] - 0.02, score
    # the recorded fill-mask predictions (the bundle is stored in fp16, so compare the words, not 3 decimals)
    got = probe(model, tok)
    assert {k: next(iter(v)) for k, v in got.items()} == {k: next(iter(v)) for k, v in card["probes"].items()}
    assert all(not w.startswith("[") for v in got.values() for w in v)  # words, not special tokens
