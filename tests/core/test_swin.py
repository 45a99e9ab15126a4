"""Swin windows against torchvision.models.swin_transformer: the shifted-window attention mask it
builds, its PatchMerging, and FLOPs of its ShiftedWindowAttention vs the paper's closed forms."""
import pytest
import torch
import torch.nn.functional as F

from core.vision.vit.swin import (NEG, cyclic_shift, measured_flops, msa_macs, patch_merge, shifted_window_mask,
                                  stages, window_ids, window_partition, wmsa_macs)


def torchvision_mask(H: int, W: int, M: int, s: int) -> torch.Tensor:
    """The mask torchvision's shifted_window_attention adds, read off the softmax input: with zero
    q/k weights and zero position bias every logit is 0, so the softmax sees exactly the mask."""
    from torchvision.models import swin_transformer as sw

    seen = []
    orig = F.softmax

    def spy(x, *a, **k):
        seen.append(x.detach().clone())
        return orig(x, *a, **k)

    C = 4
    F.softmax = spy
    try:
        sw.shifted_window_attention(torch.randn(1, H, W, C), torch.zeros(3 * C, C), torch.eye(C),
                                    torch.zeros(1, 1, M * M, M * M), [M, M], 1, [s, s], training=False)
    finally:
        F.softmax = orig
    return seen[0][:, 0]  # [nW, M*M, M*M]


@pytest.mark.parametrize("H,W,M", [(8, 8, 4), (14, 14, 7), (12, 8, 4), (6, 6, 2), (9, 9, 3), (56, 56, 7)])
def test_shifted_window_mask_equals_torchvision(H, W, M):
    s = M // 2
    ours = shifted_window_mask(H, W, M, s)
    ref = torchvision_mask(H, W, M, s)
    assert ours.shape == ref.shape
    assert torch.equal(ours, ref)
    assert (ours[0] == 0).all()  # the top-left window never wraps
    assert (ours[-1] == NEG).any()  # the bottom-right one mixes four regions


def test_window_partition_and_ids():
    x = torch.arange(64.0).view(1, 8, 8, 1)
    w = window_partition(x, 4)
    assert w.shape == (4, 16, 1)
    assert w[1, :4, 0].tolist() == [4, 5, 6, 7]  # window 1 is the top-right one, raster inside
    ids = window_ids(8, 8, 4)
    assert ids[0, 5] == 1 and ids[5, 0] == 2 and ids[7, 7] == 3
    assert torch.equal(cyclic_shift(x, 2)[0, 0, 0], x[0, 2, 2])


def test_patch_merge_equals_torchvision():
    from torchvision.models.swin_transformer import PatchMerging

    torch.manual_seed(0)
    pm = PatchMerging(8).eval()
    x = torch.randn(2, 6, 6, 8)
    with torch.no_grad():
        assert torch.allclose(patch_merge(x, pm.norm, pm.reduction), pm(x), atol=1e-6)
    assert pm(x).shape == (2, 3, 3, 16)


@pytest.mark.parametrize("h,C,M", [(14, 32, 7), (8, 16, 4), (28, 24, 7)])
def test_window_attention_flops_match_closed_form_and_flop_counter(h, C, M):
    assert measured_flops(h, h, C, M) == 2 * wmsa_macs(h, h, C, M)  # FlopCounterMode: 2 FLOPs per multiply-add
    assert measured_flops(h, h, C, M, shift=M // 2) == 2 * wmsa_macs(h, h, C, M)  # the shift costs no matmuls
    assert measured_flops(h, h, C, None) == 2 * msa_macs(h, h, C)  # one window over everything = global


def test_quadratic_vs_linear():
    C, M = 96, 7
    assert msa_macs(112, 112, C) / msa_macs(56, 56, C) > 10  # 4x the tokens: the (hw)^2 term grows 16x
    assert abs(wmsa_macs(112, 112, C, M) / wmsa_macs(56, 56, C, M) - 4) < 1e-9  # linear


def test_swin_t_stages():
    st = stages(224, 4, 96, 7)
    assert [s.grid for s in st] == [56, 28, 14, 7]
    assert [s.channels for s in st] == [96, 192, 384, 768]
    assert [s.windows for s in st] == [64, 16, 4, 1]
