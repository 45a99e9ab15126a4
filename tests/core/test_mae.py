"""MAE masking and loss: exact ratios, our visible-only encoder + decoder equal to Hugging Face's
ViTMAEForPreTraining given the same mask, loss on hidden patches only, FLOPs saved."""
import pytest
import torch

from core.vision.vit.mae import masked_loss, mask_from_indices, random_mask, restore_ids, run_mae
from core.vision.vit.mae_view import flops_ratio


def _tiny_mae(image=32, patch=8, norm_pix=False):
    from transformers import ViTMAEConfig, ViTMAEForPreTraining

    c = ViTMAEConfig(image_size=image, patch_size=patch, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, decoder_hidden_size=16, decoder_num_hidden_layers=1,
                     decoder_num_attention_heads=2, decoder_intermediate_size=32, norm_pix_loss=norm_pix)
    c._attn_implementation = "eager"
    torch.manual_seed(0)
    return ViTMAEForPreTraining(c).eval()


@pytest.mark.parametrize("n,ratio", [(16, 0.75), (64, 0.75), (196, 0.75), (196, 0.5), (64, 0.9), (49, 0.0)])
def test_random_mask_hides_exactly_the_ratio(n, ratio):
    g = torch.Generator().manual_seed(3)
    for _ in range(5):
        m = random_mask(n, ratio, g)
        assert int(m.sum()) == round(ratio * n)
    a = random_mask(n, ratio, torch.Generator().manual_seed(1))
    assert torch.equal(a, random_mask(n, ratio, torch.Generator().manual_seed(1)))  # seeded


def test_mask_choices_are_uniform():
    g = torch.Generator().manual_seed(0)
    counts = sum(random_mask(16, 0.75, g).float() for _ in range(2000))
    assert (counts / 2000 - 0.75).abs().max() < 0.05


def test_bad_masks_are_refused():
    with pytest.raises(ValueError):
        random_mask(16, 1.0, torch.Generator())
    with pytest.raises(ValueError):
        mask_from_indices(4, [0, 1, 2, 3])
    assert mask_from_indices(4, [2, 2, 0]).tolist() == [True, False, True, False]


@pytest.mark.parametrize("norm_pix", [False, True])
def test_our_mae_equals_hugging_face_with_the_same_mask(norm_pix):
    m = _tiny_mae(norm_pix=norm_pix)
    x = torch.randn(2, 3, 32, 32)
    g = torch.Generator().manual_seed(0)
    mask = torch.stack([random_mask(16, 0.75, g) for _ in range(2)])
    with torch.no_grad():
        ours = run_mae(m, x, mask)
        noise = mask.float() + torch.arange(16) / 100  # HF keeps the lowest-noise patches, in that order
        ref = m(pixel_values=x, noise=noise)
    assert torch.equal(ref.mask.bool(), mask)
    assert torch.allclose(ours.pred, ref.logits, atol=1e-5)
    assert torch.allclose(ours.loss, ref.loss, atol=1e-6)
    assert ours.visible_tokens == 1 + 4


def test_restore_ids_unshuffles():
    mask = torch.tensor([[True, False, True, False, False]])
    keep, restore = restore_ids(mask)
    assert keep.tolist() == [[1, 3, 4]]
    shuffled = torch.cat([keep, torch.tensor([[0, 2]])], 1)
    assert torch.equal(torch.gather(shuffled, 1, restore), torch.arange(5)[None])


def test_loss_counts_hidden_patches_only():
    torch.manual_seed(0)
    pred, target = torch.randn(1, 6, 12), torch.randn(1, 6, 12)
    mask = torch.tensor([[True, False, False, True, False, True]])
    per, loss = masked_loss(pred, target, mask)
    assert torch.allclose(loss, ((pred - target) ** 2).mean(-1)[mask].mean())
    assert (per[~mask] == 0).all()
    pred2 = pred.clone()
    pred2[~mask] += 100.0  # anything at the visible patches: the loss does not move
    assert torch.allclose(masked_loss(pred2, target, mask)[1], loss)


def test_encoder_runs_on_visible_patches_only_and_saves_flops():
    m = _tiny_mae(image=64, patch=8)  # 64 patches
    x = torch.randn(1, 3, 64, 64)
    mask = random_mask(64, 0.75, torch.Generator().manual_seed(0))
    fv, fa = flops_ratio(m, x, mask)

    def expected(T, N=64, D=32, I=64, P=8 * 8 * 3, layers=2):  # FLOPs = 2 x multiply-adds
        embed = 2 * N * P * D  # every patch is embedded, then only the visible ones go on
        block = 2 * T * (4 * D * D + 2 * D * I) + 2 * 2 * T * T * D  # q k v o + MLP, QK^T and AV
        return embed + layers * block

    assert fv == expected(17) and fa == expected(65)  # CLS + 16 visible of 64, vs CLS + all 64
    assert fv / fa < 0.36
    r = run_mae(m, x, mask)
    assert r.visible_tokens == 17 and r.pred.shape == (1, 64, 8 * 8 * 3)


def test_training_model_has_sin_cos_positions():
    """A ViTMAE built from a config in transformers 5 keeps all-zero position embeddings unless they
    are set: the training script sets the MAE paper's fixed 2-D sin-cos ones, frozen."""
    from core.vision.vit.train_mae import TrainConfig, build

    m = build(TrainConfig())
    pos = m.vit.embeddings.position_embeddings[0, 1:]  # [64, D]
    assert pos.abs().sum() > 1 and not pos.requires_grad
    assert m.decoder.decoder_pos_embed.abs().sum() > 1 and not m.decoder.decoder_pos_embed.requires_grad
    sim = torch.nn.functional.normalize(pos, dim=-1) @ torch.nn.functional.normalize(pos, dim=-1).T
    assert sim[0, 1] > sim[0, 63]  # a neighbour is more alike than the far corner
