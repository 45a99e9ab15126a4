"""Train the bundled small MAE on ShapesWorld images and save it to assets/vit/mae_shapes/.

    nice -n 10 python -m core.vision.vit.train_mae                 # ~8 minutes on one CPU thread
    python -m core.vision.vit.train_mae --budget-s 20 --out /tmp/m  # a quick smoke run

A Hugging Face ViTMAEForPreTraining (ViTMAEConfig + save_pretrained), so the page runs it and
facebook/vit-mae-base through one code path (core.vision.vit.mae). 75% of patches are hidden per
image; the loss is the pixel MSE on the hidden patches only. The held-out score is that loss on
images of another seed, next to a baseline that paints every hidden patch the mean visible colour.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, budget_parser, drive, fit
from core.runtime import seed_everything
from core.zoo.record import TrainingRecord, record_now
from core.vision.vit.data import flipped_batch, save_shapes_bundle, shapes_tensors
from core.vision.vit.mae import masked_loss, random_mask, run_mae, targets

OUT = Path(__file__).resolve().parents[3] / "assets" / "vit" / "mae_shapes"


@dataclass
class TrainConfig(FitConfig):
    steps: int = 100000  # upper bound (the budget usually stops first)
    budget_s: float = 480.0  # wall-time budget for the optimisation loop
    lr: float = 2e-3  # peak AdamW learning rate
    warmup_steps: int = 100  # linear warm-up, then cosine over the time budget
    image_size: int = 64  # input side in pixels
    patch_size: int = 8  # 8 x 8 grid -> 64 patches, 16 visible at 75%
    hidden_size: int = 64  # encoder d_model
    layers: int = 2  # encoder blocks
    heads: int = 4  # encoder heads
    mlp: int = 128  # encoder MLP size
    dec_hidden: int = 48  # decoder d_model (the MAE decoder is narrower than the encoder)
    dec_layers: int = 1  # decoder blocks
    dec_heads: int = 4  # decoder heads
    dec_mlp: int = 96  # decoder MLP size
    mask_ratio: float = 0.75  # hidden fraction of patches during training
    texture: float = 0.0  # ShapesWorld background texture (0: flat backgrounds, so the loss is about the shape)
    zoom: bool = True  # crop around the shape (it fills about half the picture) instead of shrinking it whole
    train_n: int = 4000  # ShapesWorld training images (seed 0)
    val_n: int = 200  # held-out images (seed 1)
    batch_size: int = 32  # images per step


def build(cfg: TrainConfig):
    from transformers import ViTMAEConfig, ViTMAEForPreTraining

    conf = ViTMAEConfig(image_size=cfg.image_size, patch_size=cfg.patch_size, hidden_size=cfg.hidden_size,
                        num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads, intermediate_size=cfg.mlp,
                        decoder_hidden_size=cfg.dec_hidden, decoder_num_hidden_layers=cfg.dec_layers,
                        decoder_num_attention_heads=cfg.dec_heads, decoder_intermediate_size=cfg.dec_mlp,
                        mask_ratio=cfg.mask_ratio, norm_pix_loss=False, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    conf._attn_implementation = "eager"
    model = ViTMAEForPreTraining(conf)
    # The fixed 2-D sin-cos position embeddings: a fresh model built from a config skips this step in
    # transformers 5 (they stay all zero, and an MAE that cannot tell where a patch is only learns
    # the mean colour). Set them here and freeze them, as the MAE paper does.
    emb = model.vit.embeddings
    emb.patch_embeddings.projection._is_hf_initialized = False
    emb.initialize_weights()
    model.decoder.initialize_weights(emb.patch_embeddings.num_patches)
    emb.position_embeddings.requires_grad_(False)
    model.decoder.decoder_pos_embed.requires_grad_(False)
    return model


def batch_masks(b: int, n: int, ratio: float, gen: torch.Generator) -> torch.Tensor:
    return torch.stack([random_mask(n, ratio, gen) for _ in range(b)])  # bool[b, n]


@torch.no_grad()
def held_out(model, x: torch.Tensor, ratio: float, seed: int = 123) -> dict:
    """Masked-patch MSE of the model and of the mean-visible-colour baseline (same masks)."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    n = (x.shape[-1] // model.config.patch_size) ** 2
    mask = batch_masks(len(x), n, ratio, gen)
    r = run_mae(model, x, mask)
    t = targets(model, x)  # [B, N, P]
    P = t.shape[-1]
    vis = (~mask).unsqueeze(-1).float()
    colour = (t.view(len(x), n, -1, 3) * vis.unsqueeze(-1)).sum((1, 2)) / (vis.sum(1) * (P // 3))  # [B, 3]
    base = colour.unsqueeze(1).unsqueeze(2).expand(-1, n, P // 3, -1).reshape(len(x), n, P)
    _, base_loss = masked_loss(base, t, mask)
    return {"masked_mse": round(r.loss.item(), 4), "mean_colour_baseline_mse": round(base_loss.item(), 4)}


def setup(cfg: TrainConfig):
    """(model, gen, training images, held-out images) for a command-line run: the global generator
    seeded (the model's init draws from it), then the run's own generator (batches, flips, masks)."""
    gen = seed_everything(cfg.seed)
    x, _ = shapes_tensors(cfg.train_n, 0, cfg.image_size, cfg.texture, cfg.zoom)  # [N, 3, 64, 64]
    xv, _ = shapes_tensors(cfg.val_n, 1, cfg.image_size, cfg.texture, cfg.zoom)
    return build(cfg), gen, x, xv


def train(cfg: TrainConfig, model, x: torch.Tensor, gen: torch.Generator) -> Iterator[StepEvent]:
    """Train `model` in place on core.learn.engine.fit: flipped random batches, a fresh mask per image."""
    n = (cfg.image_size // cfg.patch_size) ** 2
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.05)

    def step_fn(step: int) -> torch.Tensor:
        model.train()
        _, xb = flipped_batch(x, cfg.batch_size, gen)  # [B, 3, S, S]
        return run_mae(model, xb, batch_masks(len(xb), n, cfg.mask_ratio, gen)).loss

    return fit(cfg, opt, step_fn)


def main(argv=None) -> TrainingRecord:
    args = budget_parser(__doc__, TrainConfig.budget_s, OUT).parse_args(argv)
    cfg = TrainConfig(budget_s=args.budget_s)
    torch.set_num_threads(1)
    t_all = time.time()
    model, gen, x, xv = setup(cfg)
    last = drive(train(cfg, model, x, gen))
    step, wall = last.step, last.elapsed
    score = held_out(model, xv, cfg.mask_ratio)
    record = record_now(1, command="python -m core.vision.vit.train_mae" + " ".join([""] + (argv or [])),
                        data=f"core.vision.shapes.classification.classification_set: {cfg.train_n} images (seed 0) "
                             f"for training, {cfg.val_n} (seed 1) held out; background texture {cfg.texture}, "
                             f"{'cropped around the shape' if cfg.zoom else 'whole pictures'}",
                        steps=step, wall_time_s=round(wall, 1), metric="masked_mse", value=score["masked_mse"],
                        n_held_out=cfg.val_n, held_out=score, seed=cfg.seed, final_loss=round(last.loss, 4),
                        total_wall_s=round(time.time() - t_all, 1))
    save_shapes_bundle(model, args.out, record, "mae-shapes", cfg)
    return record


if __name__ == "__main__":
    main()
