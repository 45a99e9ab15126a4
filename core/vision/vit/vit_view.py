"""Everything the ViT tab shows, from one forward pass with attentions: the patch embedding checked
against the strided convolution, the positional-embedding similarities, CLS attention and rollout
per layer, and the prediction."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.nn.rollout import rollout
from core.vision.vit.patches import cosine_similarity_map, embed_patches
from core.vision.vit.pixels import model_side, resize_square, to_pixels


@dataclass
class VitView:
    image: np.ndarray  # uint8[S, S, 3] the model's input (centre crop, resized)
    patch: int  # the model's patch size
    grid: int  # patches per side
    tokens: int  # sequence length: grid^2 + 1 (CLS)
    dim: int  # d_model
    top: list[tuple[str, float]]  # (class, probability), best first
    cls_attention: np.ndarray  # float[L, grid, grid] CLS row of each layer's head-average attention
    rollout: np.ndarray  # float[L, grid, grid] CLS row of the rollout through layers 1..l
    pos_similarity: np.ndarray  # float[N, N] cosine similarity of patch positional embeddings
    conv_vs_linear_err: float  # max |strided conv - (patchify @ W^T + b)| on this image


@torch.no_grad()
def vit_view(model, processor, image: np.ndarray, top_k: int = 5) -> VitView:
    """model: ViTForImageClassification (eager attention); image uint8[H, W, 3] any size."""
    side = model_side(processor)
    img = resize_square(image, side)
    x = to_pixels(img, processor).to(next(model.parameters()).device)  # [1, 3, S, S]
    proj = model.vit.embeddings.patch_embeddings.projection  # Conv2d(3, D, p, stride=p)
    seen: list[torch.Tensor] = []
    hook = proj.register_forward_hook(lambda mod, inp, out: seen.append(out))  # the model's own conv output
    try:
        out = model(pixel_values=x, output_attentions=True)
    finally:
        hook.remove()
    att = torch.stack(out.attentions)[:, 0].float().cpu()  # [L, H, T, T]
    p = model.config.patch_size
    g = side // p
    conv = seen[0].flatten(2).transpose(1, 2)  # [1, N, D]
    lin = embed_patches(x, proj.weight, proj.bias)  # [1, N, D]: flatten + one matrix product
    avg = att.mean(1)  # [L, T, T]
    roll = torch.stack([rollout(avg[: l + 1])[0, 1:] for l in range(len(avg))])  # [L, N]
    probs = out.logits[0].softmax(-1).cpu()
    k = min(top_k, len(probs))
    vals, idx = probs.topk(k)
    labels = model.config.id2label
    pos = model.vit.embeddings.position_embeddings[0, 1:].float().cpu()  # [N, D]
    return VitView(img, p, g, g * g + 1, model.config.hidden_size,
                   [(str(labels.get(int(i), int(i))), float(v)) for v, i in zip(vals, idx)],
                   avg[:, 0, 1:].reshape(-1, g, g).numpy(), roll.reshape(-1, g, g).numpy(),
                   cosine_similarity_map(pos).numpy(), float((conv - lin).abs().max()))
