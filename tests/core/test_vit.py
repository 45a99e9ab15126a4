"""ViT pieces against references: patchify (Hugging Face ViTMAE's own patchify), the patch
embedding (torch's strided conv2d and HF ViT's embedding module), rollout per layer, the page view."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.vision.vit.patches import conv_as_linear, cosine_similarity_map, embed_patches, patchify, unpatchify


def _tiny_vit(image=32, patch=8):
    from transformers import ViTConfig, ViTForImageClassification

    c = ViTConfig(image_size=image, patch_size=patch, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=64, num_labels=3)
    c._attn_implementation = "eager"
    torch.manual_seed(0)
    return ViTForImageClassification(c).eval()


@pytest.mark.parametrize("p", [4, 8, 16, 32])
def test_patchify_round_trip(p):
    x = torch.randn(2, 3, 64, 96)
    t = patchify(x, p)
    assert t.shape == (2, (64 // p) * (96 // p), p * p * 3)
    assert torch.equal(unpatchify(t, p, (64 // p, 96 // p)), x)


def test_patchify_matches_hugging_face_mae_and_raster_order():
    from transformers import ViTMAEConfig, ViTMAEForPreTraining

    m = ViTMAEForPreTraining(ViTMAEConfig(image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=1,
                                          num_attention_heads=2, intermediate_size=16, decoder_hidden_size=16,
                                          decoder_num_hidden_layers=1, decoder_num_attention_heads=2,
                                          decoder_intermediate_size=16))
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(patchify(x, 8), m.patchify(x))
    # token 5 of a 4 x 4 grid is row 1, column 1: its first pixel is x[:, :, 8, 8]
    assert torch.equal(patchify(x, 8)[:, 5, :3], x[:, :, 8, 8])


def test_patchify_rejects_uneven_image():
    with pytest.raises(ValueError, match="does not split"):
        patchify(torch.zeros(1, 3, 30, 32), 8)


def test_patch_embedding_equals_strided_convolution():
    torch.manual_seed(0)
    w, b = torch.randn(24, 3, 8, 8), torch.randn(24)
    x = torch.randn(2, 3, 32, 48)
    conv = F.conv2d(x, w, b, stride=8).flatten(2).transpose(1, 2)  # [B, N, D]
    assert torch.allclose(embed_patches(x, w, b), conv, atol=1e-5)
    assert conv_as_linear(w).shape == (24, 8 * 8 * 3)


def test_patch_embedding_equals_hugging_face_vit_module():
    m = _tiny_vit()
    x = torch.randn(1, 3, 32, 32)
    proj = m.vit.embeddings.patch_embeddings.projection
    with torch.no_grad():
        ref = m.vit.embeddings.patch_embeddings(x)
        assert torch.allclose(embed_patches(x, proj.weight, proj.bias), ref, atol=1e-5)


def test_cosine_similarity_map():
    pos = torch.randn(16, 8)
    s = cosine_similarity_map(pos)
    assert torch.allclose(s.diagonal(), torch.ones(16), atol=1e-6)
    assert torch.allclose(s, F.cosine_similarity(pos[:, None], pos[None], dim=-1), atol=1e-6)


def test_vit_view_uses_the_models_own_attentions():
    from transformers import ViTImageProcessor

    from core.nn.rollout import rollout
    from core.vision.vit.pixels import resize_square, to_pixels
    from core.vision.vit.vit_view import vit_view

    m = _tiny_vit()
    proc = ViTImageProcessor(size={"height": 32, "width": 32}, image_mean=[0.5] * 3, image_std=[0.5] * 3)
    img = (np.random.default_rng(0).random((50, 70, 3)) * 255).astype(np.uint8)
    v = vit_view(m, proc, img)
    assert v.tokens == 17 and v.grid == 4 and v.conv_vs_linear_err < 1e-5
    with torch.no_grad():
        att = torch.stack(m(pixel_values=to_pixels(resize_square(img, 32), proc), output_attentions=True).attentions)[:, 0]
    assert np.allclose(v.cls_attention[1], att[1].mean(0)[0, 1:].reshape(4, 4).numpy(), atol=1e-5)
    assert np.allclose(v.rollout[-1], rollout(att)[0, 1:].reshape(4, 4).numpy(), atol=1e-5)
    assert abs(sum(p for _, p in v.top) - 1) < 1e-5  # 3 classes: the top-5 is all of them


def test_resize_note_says_what_resize_square_did():
    """The sentence shown under a student's picture agrees with what resize_square really does."""
    from core.vision.vit.pixels import resize_note, resize_square

    one = np.array([[[200, 30, 10]]], np.uint8)  # 1 x 1
    out = resize_square(one, 224)
    assert out.shape == (224, 224, 3) and (out == one[0, 0]).all()  # one flat block: no detail added
    note = resize_note(one.shape, 224, 16)
    assert "1 × 1 px" in note and "blown up 224×" in note and "single flat colour" in note
    wide = np.zeros((100, 300, 3), np.uint8)
    assert resize_square(wide, 64).shape == (64, 64, 3)
    note = resize_note(wide.shape, 64, 8)
    assert "centre-cropped from 300 × 100 to 100 × 100" in note and "sides" in note and "shrunk" in note
    assert resize_note((224, 224, 3), 224, 16) is None
