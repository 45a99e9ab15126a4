"""Masked autoencoder (He et al., 2021) on Hugging Face ViTMAE modules, with the mask in our hands.

The encoder runs on the visible patches only (the token count falls by the mask ratio, and so
does its cost); the decoder gets mask tokens in the hidden places and predicts every patch; the
loss is the mean squared error on the masked patches only. Any mask works: random at a ratio
(seeded) or the patches a user picks.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from core.vision.vit.patches import patchify


def random_mask(n_patches: int, ratio: float, gen: torch.Generator) -> torch.Tensor:
    """bool[n_patches], True = hidden; exactly round(ratio * n_patches) hidden, chosen uniformly."""
    if not 0.0 <= ratio < 1.0:
        raise ValueError("the mask ratio must be in [0, 1): the encoder needs at least one visible patch")
    n_mask = int(round(ratio * n_patches))
    n_mask = min(n_mask, n_patches - 1)
    order = torch.randperm(n_patches, generator=gen)
    mask = torch.zeros(n_patches, dtype=torch.bool)
    mask[order[:n_mask]] = True
    return mask


def mask_from_indices(n_patches: int, hidden: list[int]) -> torch.Tensor:
    """bool[n_patches] with the listed patch indices hidden (a user's own mask)."""
    mask = torch.zeros(n_patches, dtype=torch.bool)
    if hidden:
        mask[torch.as_tensor(sorted(set(hidden)), dtype=torch.long)] = True
    if mask.all():
        raise ValueError("leave at least one patch visible: the encoder needs something to see")
    return mask


def restore_ids(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """mask: bool[B, N] with the same hidden count per row -> (ids_keep [B, n_keep],
    ids_restore [B, N]): visible indices in raster order, and where each patch sits in
    [visible..., hidden...] (the decoder's unshuffle, as in the MAE code)."""
    ids_shuffle = torch.argsort(mask.to(torch.int8), dim=1, stable=True)  # visible first, raster order kept
    n_keep = int((~mask[0]).sum())
    return ids_shuffle[:, :n_keep], torch.argsort(ids_shuffle, dim=1)


def encode_visible(model, pixels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The MAE encoder on visible patches only. model: ViTMAEForPreTraining; pixels [B, 3, H, W];
    mask bool[B, N]. Returns the latent [B, 1 + n_keep, D] (CLS first)."""
    emb = model.vit.embeddings
    x = emb.patch_embeddings(pixels) + emb.position_embeddings[:, 1:, :]  # [B, N, D]
    ids_keep, _ = restore_ids(mask)
    x = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))  # [B, n_keep, D]
    cls = (emb.cls_token + emb.position_embeddings[:, :1, :]).expand(x.shape[0], -1, -1)
    h = torch.cat([cls, x], dim=1)  # [B, 1 + n_keep, D]
    for layer in model.vit.layers:
        h = layer(h, None)
    return model.vit.layernorm(h)


def targets(model, pixels: torch.Tensor) -> torch.Tensor:
    """What the decoder predicts: patch pixels [B, N, p*p*3], per-patch normalised when the
    checkpoint was trained with norm_pix_loss."""
    t = patchify(pixels, model.config.patch_size)
    if model.config.norm_pix_loss:
        t = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6) ** 0.5
    return t


def masked_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """pred, target [B, N, P]; mask bool[B, N]. Returns (per-patch MSE [B, N] with visible patches
    set to 0, the loss: mean over hidden patches only)."""
    per = ((pred - target) ** 2).mean(-1) * mask  # [B, N]
    return per, per.sum() / mask.sum().clamp(min=1)


@dataclass
class MaeResult:
    mask: torch.Tensor  # bool[B, N], True = hidden
    pred: torch.Tensor  # [B, N, p*p*3] the decoder's prediction for every patch
    per_patch_loss: torch.Tensor  # [B, N] MSE per hidden patch (0 on visible ones)
    loss: torch.Tensor  # scalar: mean over hidden patches
    visible_tokens: int  # tokens the encoder saw (CLS + visible patches)


def run_mae(model, pixels: torch.Tensor, mask: torch.Tensor) -> MaeResult:
    """Encoder on the visible patches, decoder on all, loss on the hidden ones."""
    mask = mask.expand(pixels.shape[0], -1) if mask.dim() == 1 else mask
    latent = encode_visible(model, pixels, mask)
    _, ids_restore = restore_ids(mask)
    pred = model.decoder(latent, ids_restore).logits  # [B, N, p*p*3]
    per, loss = masked_loss(pred, targets(model, pixels), mask)
    return MaeResult(mask, pred, per, loss, latent.shape[1])


def display_patches(model, pixels: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """Predictions back in pixel space [B, N, P]: a norm_pix_loss checkpoint predicts normalised
    patches, so they are rescaled with each true patch's mean and spread (as the MAE demo does)."""
    if not model.config.norm_pix_loss:
        return pred
    t = patchify(pixels, model.config.patch_size)
    return pred * (t.var(-1, keepdim=True) + 1e-6) ** 0.5 + t.mean(-1, keepdim=True)


def composite(model, pixels: torch.Tensor, result: MaeResult) -> torch.Tensor:
    """The reconstruction as the paper shows it: visible patches from the input, hidden ones from
    the decoder. Returns patches [B, N, P]."""
    t = patchify(pixels, model.config.patch_size)
    shown = display_patches(model, pixels, result.pred)
    return torch.where(result.mask.unsqueeze(-1), shown, t)
