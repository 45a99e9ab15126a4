"""Swin on a picture: the window attention recomputed from a real torchvision Swin block equals the block's
own output (windows and shifted windows), patch merging on the real stage-1 tensor equals torchvision's
PatchMerging, and the bundled small Swin holds its held-out accuracy."""
import json

import numpy as np
import pytest
import torch

from core.runtime import seeded
from core.vision.vit.swin_view import draw_windows, swin_picture, window_attention
from core.vision.vit.train_swin import OUT, SwinConfig, build


@pytest.fixture(scope="module")
def model():
    torch.set_num_threads(1)
    with seeded(0, "swin-test"):
        m = build(SwinConfig()).eval()
    return m


@pytest.mark.parametrize("block", [0, 1])
def test_window_attention_reproduces_the_block_output(model, block):
    attn = model.features[1][block].attn
    x = torch.randn(1, 16, 16, 32, generator=torch.Generator().manual_seed(block))
    with torch.no_grad():
        w, out = window_attention(attn, x)
        ref = attn(x)
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)
    assert w.shape == (16, 2, 16, 16)
    torch.testing.assert_close(w.sum(-1), torch.ones(16, 2, 16))
    if block == 1:  # shifted: the last window mixes four regions, so some keys get (almost) no weight
        assert (w[-1] < 1e-20).any() and not (w[0] < 1e-20).any()
    else:
        assert attn.shift_size == [0, 0] and (w > 0).all()


def test_swin_picture_merges_patches_like_torchvision(model):
    from core.vision.vit.data import to_tensor
    from core.vision.vit.samples import shapes_image

    img, _ = shapes_image(3, 64, fill=0.4)
    pic = swin_picture(model, to_tensor(img[None]), img)
    assert pic.stage1.shape == (16, 16, 32) and pic.merged.shape == (8, 8, 128) and pic.reduced.shape == (8, 8, 64)
    np.testing.assert_array_equal(pic.merged[2, 3, :32], pic.stage1[4, 6])      # x0: top-left of the 2x2 group
    np.testing.assert_array_equal(pic.merged[2, 3, 32:64], pic.stage1[5, 6])    # x1: below it
    np.testing.assert_array_equal(pic.merged[2, 3, 64:96], pic.stage1[4, 7])    # x2: right of it
    with torch.no_grad():
        ref = model.features[2](torch.from_numpy(pic.stage1)[None])[0].numpy()
    np.testing.assert_allclose(pic.reduced, ref, rtol=1e-5, atol=1e-6)
    assert set(pic.weights) == {0, 1} and pic.M == 4 and pic.shift == 2 and pic.patch == 4


def test_draw_windows_marks_the_shifted_partition():
    img = np.zeros((64, 64, 3), np.uint8)
    plain = draw_windows(img, 4, 4, 0, scale=2)
    shifted = draw_windows(img, 4, 4, 2, scale=2, pick=15)
    assert plain.shape == (128, 128, 3)
    assert (plain[32, :] == 255).all() and (shifted[16, :, 0] == 255).all()  # lines at 4 and at 2 patches
    assert shifted[:8, :8].any() and shifted[-8:, -8:].any()  # the last shifted window wraps to every corner


def test_bundled_swin_card_and_accuracy_floor():
    from safetensors.torch import load_file

    from core.vision.vit.data import shapes_tensors
    from core.vision.vit.train_swin import accuracy

    card = json.loads((OUT / "card.json").read_text())
    assert card["training"]["held_out"]["accuracy"] >= 0.6 and card["training"]["steps"] > 100
    with seeded(0, "swin-test"):
        m = build(SwinConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in card["config"].items()}))
    m.load_state_dict(load_file(OUT / "model.safetensors"))
    xv, yv = shapes_tensors(300, 1, 64, 1.0, True, 0.4, 0.25)  # the card's held-out set (seed 1)
    assert accuracy(m, xv, yv) >= 0.6  # chance is 0.2


def test_load_swin_says_untrained_when_nothing_is_there(tmp_path, monkeypatch):
    import core.vision.vit.train_swin as ts
    from core.vision.vit.swin_view import load_swin

    monkeypatch.setattr(ts, "OUT", tmp_path / "none")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    a, b = load_swin(7), load_swin(7)
    assert a.kind == "untrained" and "UNTRAINED" in a.note
    for p, q in zip(a.model.parameters(), b.model.parameters()):  # same seed, same random init
        assert torch.equal(p, q)
    assert not torch.equal(next(iter(load_swin(8).model.parameters())), next(iter(a.model.parameters())))


def test_load_swin_takes_torchvision_swin_t_when_its_weights_are_cached(tmp_path, monkeypatch):
    """A stand-in for the cached ImageNet file (random weights of the same architecture): the loader picks
    swin_t, and the picture runs through its 56 x 56 grid, 7 x 7 windows shifted by 3."""
    from torchvision.models import swin_t

    from core.vision.vit.data import to_tensor
    from core.vision.vit.samples import shapes_image
    from core.vision.vit.swin_view import SWIN_T_FILE, load_swin

    (tmp_path / "checkpoints").mkdir()
    with seeded(1, "fake-swin_t"):
        torch.save(swin_t(weights=None).state_dict(), tmp_path / "checkpoints" / SWIN_T_FILE)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    sw = load_swin(0)
    assert sw.kind == "pretrained" and sw.side == 224 and len(sw.class_names) == 1000
    img, _ = shapes_image(2, sw.side, fill=0.4)
    pic = swin_picture(sw.model, to_tensor(img[None], sw.mean, sw.std), img)
    assert (pic.M, pic.shift, pic.patch) == (7, 3, 4) and pic.weights[1].shape == (64, 3, 49, 49)
    assert pic.stage1.shape == (56, 56, 96) and pic.reduced.shape == (28, 28, 192)
