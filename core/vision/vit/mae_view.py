"""Everything the MAE tab shows for one image and one mask: what the encoder sees (tokens and
FLOPs measured with FlopCounterMode), the decoder's reconstruction, the loss per hidden patch."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.vision.vit.mae import composite, display_patches, encode_visible, run_mae
from core.vision.vit.patches import unpatchify
from core.vision.vit.pixels import from_pixels, model_side, resize_square, to_pixels


def encoder_flops(model, pixels: torch.Tensor, mask: torch.Tensor) -> int:
    """FLOPs of the MAE encoder on the visible patches of `mask` (bool[N]), by FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        encode_visible(model, pixels, mask[None])
    return int(fc.get_total_flops())


def flops_ratio(model, pixels: torch.Tensor, mask: torch.Tensor) -> tuple[int, int]:
    """(encoder FLOPs on the visible patches, encoder FLOPs with nothing hidden)."""
    none = torch.zeros_like(mask)
    return encoder_flops(model, pixels, mask), encoder_flops(model, pixels, none)


@dataclass
class MaeView:
    image: np.ndarray  # uint8[S, S, 3] the input
    patch: int  # patch size
    grid: int  # patches per side
    mask: np.ndarray  # bool[N] True = hidden
    visible_tokens: int  # tokens the encoder ran on (CLS + visible patches)
    all_tokens: int  # tokens a plain ViT would run on (CLS + every patch)
    flops_visible: int  # encoder FLOPs on the visible patches (FlopCounterMode)
    flops_all: int  # encoder FLOPs with nothing hidden
    reconstruction: np.ndarray  # uint8[S, S, 3] visible patches from the input, hidden ones predicted
    prediction: np.ndarray  # uint8[S, S, 3] the decoder's prediction for every patch
    patch_loss: np.ndarray  # float[grid, grid] MSE on each hidden patch, NaN on visible ones
    loss: float  # mean over hidden patches (what MAE trains on)


@torch.no_grad()
def mae_view(model, processor, image: np.ndarray, mask: torch.Tensor) -> MaeView:
    """model: ViTMAEForPreTraining; image uint8[H, W, 3]; mask bool[N] (True = hidden)."""
    side = model_side(processor)
    img = resize_square(image, side)
    x = to_pixels(img, processor)  # [1, 3, S, S]
    p = model.config.patch_size
    g = side // p
    if mask.numel() != g * g:
        raise ValueError(f"the mask has {mask.numel()} patches; this model has {g * g}")
    r = run_mae(model, x, mask)
    fv, fa = flops_ratio(model, x, mask)
    recon = from_pixels(unpatchify(composite(model, x, r), p, (g, g)), processor)
    pred = from_pixels(unpatchify(display_patches(model, x, r.pred), p, (g, g)), processor)
    per = r.per_patch_loss[0].numpy().copy()
    per[~mask.numpy()] = np.nan
    return MaeView(img, p, g, mask.numpy(), r.visible_tokens, g * g + 1, fv, fa, recon, pred,
                   per.reshape(g, g), float(r.loss))
