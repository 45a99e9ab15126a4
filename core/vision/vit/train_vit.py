"""Train the bundled small ViT on ShapesWorld classification and save it to assets/vit/vit_shapes/.

    nice -n 10 python -m core.vision.vit.train_vit                 # ~8 minutes on one CPU thread
    python -m core.vision.vit.train_vit --budget-s 20 --out /tmp/v  # a quick smoke run

A Hugging Face ViTForImageClassification (ViTConfig + save_pretrained), so the page runs the bundled
model and google/vit-base-patch16-224 through one code path (eager attention, output_attentions).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, budget_parser, drive, fit
from core.runtime import seed_everything
from core.vision.shapes.generator import CLASSES
from core.zoo.record import TrainingRecord, record_now
from core.vision.vit.data import flipped_batch, save_shapes_bundle, shapes_tensors

OUT = Path(__file__).resolve().parents[3] / "assets" / "vit" / "vit_shapes"


@dataclass
class TrainConfig(FitConfig):
    steps: int = 100000  # upper bound (the budget usually stops first)
    budget_s: float = 480.0  # wall-time budget for the optimisation loop
    lr: float = 3e-3  # peak AdamW learning rate
    warmup_steps: int = 100  # linear warm-up, then cosine over the time budget
    image_size: int = 48  # input side in pixels
    patch_size: int = 8  # 6 x 6 grid of patches -> 36 tokens + CLS
    hidden_size: int = 64  # d_model
    layers: int = 3  # transformer blocks
    heads: int = 4  # attention heads (head dim 16)
    mlp: int = 128  # MLP hidden size
    zoom: bool = True  # crop around the shape (about 40% of the side) instead of shrinking the whole picture
    fill: float = 0.4  # the shape's share of the crop side
    jitter: float = 0.25  # the crop centre moves up to this fraction of the side: shapes sit anywhere
    train_n: int = 4000  # ShapesWorld training images (seed 0)
    val_n: int = 500  # held-out images (seed 1)
    batch_size: int = 32  # images per step
    weight_decay: float = 0.05  # AdamW weight decay


def build(cfg: TrainConfig):
    from transformers import ViTConfig, ViTForImageClassification

    conf = ViTConfig(image_size=cfg.image_size, patch_size=cfg.patch_size, num_channels=3,
                     hidden_size=cfg.hidden_size, num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads,
                     intermediate_size=cfg.mlp, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                     num_labels=len(CLASSES), id2label=dict(enumerate(CLASSES)),
                     label2id={c: i for i, c in enumerate(CLASSES)})
    conf._attn_implementation = "eager"
    return ViTForImageClassification(conf)


@torch.no_grad()
def accuracy(model, x: torch.Tensor, y: torch.Tensor, bs: int = 250) -> float:
    model.eval()
    hits = sum((model(pixel_values=x[i:i + bs]).logits.argmax(-1) == y[i:i + bs]).sum().item()
               for i in range(0, len(x), bs))
    return hits / len(x)


def setup(cfg: TrainConfig):
    """(model, gen, (x, y) training tensors, (xv, yv) held-out tensors) for a command-line run: the
    global generator seeded (the model's init draws from it), then the run's own generator."""
    gen = seed_everything(cfg.seed)
    x, y = shapes_tensors(cfg.train_n, 0, cfg.image_size, 1.0, cfg.zoom, cfg.fill, cfg.jitter)  # [N, 3, 48, 48]
    xv, yv = shapes_tensors(cfg.val_n, 1, cfg.image_size, 1.0, cfg.zoom, cfg.fill, cfg.jitter)
    return build(cfg), gen, (x, y), (xv, yv)


def train(cfg: TrainConfig, model, x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> Iterator[StepEvent]:
    """Train `model` in place on core.learn.engine.fit: random batches with horizontal flips."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def step_fn(step: int) -> torch.Tensor:
        model.train()
        idx, xb = flipped_batch(x, cfg.batch_size, gen)  # [B], [B, 3, S, S]
        return torch.nn.functional.cross_entropy(model(pixel_values=xb).logits, y[idx])

    return fit(cfg, opt, step_fn)


def main(argv=None) -> TrainingRecord:
    args = budget_parser(__doc__, TrainConfig.budget_s, OUT).parse_args(argv)
    cfg = TrainConfig(budget_s=args.budget_s)
    torch.set_num_threads(1)
    t_all = time.time()
    model, gen, (x, y), (xv, yv) = setup(cfg)
    last = drive(train(cfg, model, x, y, gen))
    step, wall = last.step, last.elapsed
    acc = accuracy(model, xv, yv)
    record = record_now(1, command="python -m core.vision.vit.train_vit" + " ".join([""] + (argv or [])),
                        data=f"core.vision.shapes.classification.classification_set: {cfg.train_n} images (seed 0) "
                             f"for training, {cfg.val_n} (seed 1) held out; 5 classes {list(CLASSES)}; "
                             f"{'cropped around the shape (off-centre)' if cfg.zoom else 'whole pictures'}",
                        steps=step, wall_time_s=round(wall, 1), metric="accuracy", value=round(acc, 4),
                        n_held_out=cfg.val_n, held_out={"accuracy": round(acc, 4)}, seed=cfg.seed,
                        final_loss=round(last.loss, 4), total_wall_s=round(time.time() - t_all, 1))
    save_shapes_bundle(model, args.out, record, "vit-shapes", cfg)
    return record


if __name__ == "__main__":
    main()
