"""Patchify / unpatchify and the patch embedding written as a matrix product.

Patch vectors are laid out (row, column, channel) inside a patch, in raster order over the grid,
which is the layout Hugging Face's ViTMAE uses for its reconstruction targets.
"""
from __future__ import annotations

import torch


def grid_shape(height: int, width: int, patch: int) -> tuple[int, int]:
    """(rows, cols) of the patch grid; the image must divide evenly."""
    if height % patch or width % patch:
        raise ValueError(f"a {height}x{width} image does not split into {patch}x{patch} patches")
    return height // patch, width // patch


def patchify(x: torch.Tensor, patch: int) -> torch.Tensor:
    """x: [B, C, H, W] -> [B, N, patch*patch*C], N = (H/patch)(W/patch), raster order."""
    B, C, H, W = x.shape
    h, w = grid_shape(H, W, patch)
    x = x.reshape(B, C, h, patch, w, patch)  # [B, C, h, p, w, p]
    return x.permute(0, 2, 4, 3, 5, 1).reshape(B, h * w, patch * patch * C)


def unpatchify(tokens: torch.Tensor, patch: int, grid: tuple[int, int], channels: int = 3) -> torch.Tensor:
    """tokens: [B, N, patch*patch*C] -> [B, C, H, W] (the inverse of patchify)."""
    B = tokens.shape[0]
    h, w = grid
    x = tokens.reshape(B, h, w, patch, patch, channels)  # [B, h, w, p, p, C]
    return x.permute(0, 5, 1, 3, 2, 4).reshape(B, channels, h * patch, w * patch)


def conv_as_linear(weight: torch.Tensor) -> torch.Tensor:
    """A patch-embedding conv kernel [D, C, p, p] (stride p) as a matrix [D, p*p*C] acting on
    patchify's vectors: the same numbers, reordered to (row, column, channel)."""
    D = weight.shape[0]
    return weight.permute(0, 2, 3, 1).reshape(D, -1)


def embed_patches(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """The patch embedding as flatten + one linear map: [B, C, H, W] -> [B, N, D].
    Equal to conv2d(x, weight, bias, stride=p).flatten(2).transpose(1, 2) (tested)."""
    p = weight.shape[-1]
    out = patchify(x, p) @ conv_as_linear(weight).T  # [B, N, D]
    return out + bias if bias is not None else out


def cosine_similarity_map(pos: torch.Tensor) -> torch.Tensor:
    """pos: [N, D] positional embeddings of the N patches -> [N, N] cosine similarities."""
    p = torch.nn.functional.normalize(pos.float(), dim=-1)
    return p @ p.T
