"""Swin Transformer's windows (Liu et al., 2021): partition, cyclic shift, the shifted-window
attention mask, patch merging, and the cost of global vs windowed attention.

Arrays are channels-last like torchvision's Swin: x [B, H, W, C] over the patch grid.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.progress import OnProgress

NEG = -100.0  # the value Swin adds to a masked logit (softmax sends it to ~0), as in the paper's code


def window_partition(x: torch.Tensor, M: int) -> torch.Tensor:
    """[B, H, W, C] -> [B * nW, M*M, C], windows in raster order, tokens raster order inside."""
    B, H, W, C = x.shape
    if H % M or W % M:
        raise ValueError(f"a {H}x{W} grid does not split into {M}x{M} windows")
    x = x.view(B, H // M, M, W // M, M, C).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(B * (H // M) * (W // M), M * M, C)


def window_ids(H: int, W: int, M: int) -> torch.Tensor:
    """long[H, W]: which window (raster index) each patch of the grid falls in."""
    r = torch.arange(H)[:, None] // M
    c = torch.arange(W)[None, :] // M
    return r * (W // M) + c


def cyclic_shift(x: torch.Tensor, s: int) -> torch.Tensor:
    """Roll the grid up and left by s patches: [B, H, W, ...] -> same shape. The patches that fall
    off the top/left re-enter at the bottom/right, so the shifted windows stay M x M and few."""
    return torch.roll(x, shifts=(-s, -s), dims=(1, 2))


def source_coords(H: int, W: int, s: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Where each position of the shifted grid came from: (row long[H, W], col long[H, W])."""
    r = (torch.arange(H)[:, None] + s) % H
    c = (torch.arange(W)[None, :] + s) % W
    return r.expand(H, W), c.expand(H, W)


def wrap_regions(H: int, W: int, s: int) -> torch.Tensor:
    """long[H, W] on the shifted grid: 0 for a patch still in place, +1 if it wrapped around
    vertically, +2 if horizontally. Two patches in one window may attend to each other only when
    they are in the same region (they were neighbours before the roll)."""
    src_r, src_c = source_coords(H, W, s)
    rows = torch.arange(H)[:, None].expand(H, W)
    cols = torch.arange(W)[None, :].expand(H, W)
    return (src_r < rows).long() + 2 * (src_c < cols).long()


def shifted_window_mask(H: int, W: int, M: int, s: int) -> torch.Tensor:
    """The additive attention mask of every shifted window: float[nW, M*M, M*M], 0 where query
    and key were neighbours before the shift, NEG where the roll brought them together."""
    reg = wrap_regions(H, W, s)[None, :, :, None].float()  # [1, H, W, 1]
    win = window_partition(reg, M)[..., 0]  # [nW, M*M]
    same = win[:, :, None] == win[:, None, :]  # [nW, M*M, M*M]
    return torch.where(same, 0.0, NEG)


def patch_merge(x: torch.Tensor, norm: torch.nn.Module, reduction: torch.nn.Module) -> torch.Tensor:
    """Swin's patch merging: each 2 x 2 group of patches -> one token. [B, H, W, C] ->
    concat of the four [B, H/2, W/2, 4C] -> norm -> linear 4C -> 2C: resolution halves, channels double."""
    x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
    return reduction(norm(x))


@dataclass
class Stage:
    stage: int  # 1..4
    grid: int  # patches per side
    channels: int  # C at this stage
    tokens: int  # grid * grid
    windows: int  # M x M windows covering the grid (a partial window is padded)


def stages(image: int = 224, patch: int = 4, C: int = 96, M: int = 7) -> list[Stage]:
    """Swin-T's four stages: patch 4 -> grid image/4 with C channels, then each patch merging
    halves the grid and doubles the channels."""
    out, g, c = [], image // patch, C
    for i in range(4):
        out.append(Stage(i + 1, g, c, g * g, (-(-g // M)) ** 2))
        g, c = g // 2, c * 2
    return out


def msa_macs(h: int, w: int, C: int) -> int:
    """Global multi-head self-attention on h x w tokens (Swin paper, eq. 1): 4hwC^2 + 2(hw)^2 C."""
    return 4 * h * w * C * C + 2 * (h * w) ** 2 * C


def wmsa_macs(h: int, w: int, C: int, M: int) -> int:
    """Window attention with M x M windows (Swin paper, eq. 2): 4hwC^2 + 2 M^2 hw C."""
    return 4 * h * w * C * C + 2 * M * M * h * w * C


def measured_flops(h: int, w: int, C: int, M: int | None, heads: int = 2, shift: int = 0) -> int:
    """FLOPs counted by torch's FlopCounterMode on torchvision's real ShiftedWindowAttention module
    over an h x w grid of C channels; M=None: one window covering the grid (global attention).
    FlopCounterMode counts a multiply-add as 2 FLOPs; the paper's formulas count multiply-adds."""
    from torch.utils.flop_counter import FlopCounterMode
    from torchvision.models.swin_transformer import ShiftedWindowAttention

    win = [h, w] if M is None else [M, M]
    mod = ShiftedWindowAttention(C, win, [shift, shift], heads).eval()
    x = torch.zeros(1, h, w, C)
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        mod(x)
    return int(fc.get_total_flops())


@dataclass
class CostRow:
    side: int  # patches per side (h = w)
    tokens: int  # h * w
    kind: str  # "global attention (MSA)" or "window attention (W-MSA)"
    formula_macs: int  # the paper's closed form
    measured_macs: int  # FlopCounterMode FLOPs / 2 on the real module (0 when not measured)


def cost_table(sides: list[int], C: int = 96, M: int = 7, measure_up_to: int = 28,
               on_progress: OnProgress | None = None) -> list[CostRow]:
    """Closed forms for each grid side, and FlopCounterMode on torchvision's module where the grid
    is small enough to run quickly (side <= measure_up_to; the global one is quadratic).
    on_progress(done, total) after each FlopCounterMode run (the closed forms cost nothing)."""
    runs = [(s, m) for s in sides if s <= measure_up_to for m in (None, M) if m is None or s % M == 0]
    measured = {}
    for i, (s, m) in enumerate(runs, start=1):
        measured[s, m] = measured_flops(s, s, C, m) // 2
        if on_progress:
            on_progress(i, len(runs))
    rows = []
    for s in sides:
        rows.append(CostRow(s, s * s, "global attention (MSA)", msa_macs(s, s, C), measured.get((s, None), 0)))
        rows.append(CostRow(s, s * s, "window attention (W-MSA)", wmsa_macs(s, s, C, M), measured.get((s, M), 0)))
    return rows
