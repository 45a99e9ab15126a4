"""Train the bundled small Swin (torchvision's SwinTransformer, a tiny config) on ShapesWorld classification
and save it to assets/vit/swin_shapes/ (model.safetensors + card.json).

    nice -n 10 python -m core.vision.vit.train_swin                   # ~7 minutes on one CPU thread
    nice -n 10 python -m core.vision.vit.train_swin --resume          # go on from the saved bundle
    python -m core.vision.vit.train_swin --budget-s 20 --out /tmp/s   # a quick smoke run

The page shows its window attention (core.vision.vit.swin_view); torchvision's swin_t replaces it when
its ImageNet weights are cached.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, budget_parser, drive, fit
from core.runtime import seed_everything
from core.vision.shapes.generator import CLASSES
from core.vision.vit.data import MEAN, STD, flipped_batch, shapes_tensors
from core.zoo.record import TrainingRecord, describe, record_now, write_card

OUT = Path(__file__).resolve().parents[3] / "assets" / "vit" / "swin_shapes"


@dataclass
class SwinConfig:
    image_size: int = 64      # input side in pixels
    patch: int = 4            # 4 x 4 pixel patches -> a 16 x 16 grid
    dim: int = 32             # C of stage 1 (Swin-T: 96)
    depths: tuple = (2, 2)    # blocks per stage: in each pair, the second uses shifted windows
    heads: tuple = (2, 4)     # attention heads per stage
    window: int = 4           # M: 4 x 4 patches per window -> 16 windows at stage 1


@dataclass
class TrainConfig(FitConfig):
    steps: int = 100000           # upper bound (the budget usually stops first)
    budget_s: float = 420.0       # wall-time budget for the optimisation loop
    lr: float = 2e-3              # peak AdamW learning rate
    warmup_steps: int = 100       # linear warm-up, then cosine over the time budget
    train_n: int = 4000           # ShapesWorld training images (seed 0)
    val_n: int = 500              # held-out images (seed 1)
    batch_size: int = 32          # images per step
    weight_decay: float = 0.05    # AdamW weight decay
    fill: float = 0.4             # the shape's share of the crop side
    jitter: float = 0.25          # the crop centre moves up to this fraction of the side


def build(cfg: SwinConfig = SwinConfig()) -> torch.nn.Module:
    """torchvision's SwinTransformer (v1: the swin_t code path) at a tiny size, 5 ShapesWorld classes."""
    from torchvision.models.swin_transformer import SwinTransformer

    return SwinTransformer(patch_size=[cfg.patch, cfg.patch], embed_dim=cfg.dim, depths=list(cfg.depths),
                           num_heads=list(cfg.heads), window_size=[cfg.window, cfg.window],
                           stochastic_depth_prob=0.0, num_classes=len(CLASSES))


@torch.no_grad()
def accuracy(model, x: torch.Tensor, y: torch.Tensor, bs: int = 250) -> float:
    model.eval()
    return sum((model(x[i:i + bs]).argmax(-1) == y[i:i + bs]).sum().item() for i in range(0, len(x), bs)) / len(x)


def train(cfg: TrainConfig, model, x: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> Iterator[StepEvent]:
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    def step_fn(step: int) -> torch.Tensor:
        model.train()
        idx, xb = flipped_batch(x, cfg.batch_size, gen)  # [B], [B, 3, S, S]
        return torch.nn.functional.cross_entropy(model(xb), y[idx])

    return fit(cfg, opt, step_fn)


def main(argv=None) -> TrainingRecord:
    from safetensors.torch import load_file, save_file

    p = budget_parser(__doc__, TrainConfig.budget_s, OUT)
    p.add_argument("--resume", action="store_true", help="start from the bundle in --out (steps add up)")
    argv = list(argv) if argv is not None else __import__("sys").argv[1:]
    args = p.parse_args(argv)
    cfg, mcfg = TrainConfig(budget_s=args.budget_s), SwinConfig()
    torch.set_num_threads(1)
    t_all = time.time()
    gen = seed_everything(cfg.seed)
    model = build(mcfg)
    before = {"steps": 0, "wall_time_s": 0.0, "command": ""}
    if args.resume and (args.out / "model.safetensors").exists():
        import json

        model.load_state_dict(load_file(args.out / "model.safetensors"))
        before = json.loads((args.out / "card.json").read_text())["training"]
        gen.manual_seed(cfg.seed + before["steps"])  # new batches, not the first run's again
    x, y = shapes_tensors(cfg.train_n, 0, mcfg.image_size, 1.0, True, cfg.fill, cfg.jitter)  # [N, 3, 64, 64]
    xv, yv = shapes_tensors(cfg.val_n, 1, mcfg.image_size, 1.0, True, cfg.fill, cfg.jitter)
    last = drive(train(cfg, model, x, y, gen))
    acc = accuracy(model, xv, yv)
    record = record_now(1, command="nice -n 10 python -m core.vision.vit.train_swin" + " ".join([""] + argv),
                        data=f"core.vision.shapes.classification.classification_set: {cfg.train_n} images (seed 0) "
                             f"for training, {cfg.val_n} (seed 1) held out; 5 classes {list(CLASSES)}; cropped "
                             "around the shape (off-centre)",
                        steps=before["steps"] + last.step, wall_time_s=round(before["wall_time_s"] + last.elapsed, 1),
                        metric="accuracy", value=round(acc, 4), n_held_out=cfg.val_n, held_out={"accuracy": round(acc, 4)},
                        seed=cfg.seed, final_loss=round(last.loss, 4), total_wall_s=round(time.time() - t_all, 1),
                        note=(f"resumed from a bundle of {before['steps']} steps ({before['command']}); the learning-rate "
                              "schedule restarts (warm-up, cosine) on each resume" if before["steps"] else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, args.out / "model.safetensors")
    write_card(args.out / "card.json", record, name="swin-shapes", config=asdict(mcfg), train_config=asdict(cfg),
               params=sum(p.numel() for p in model.parameters()), mean=MEAN, std=STD,
               license="same as KeyPoint (trained by the project on ShapesWorld)")
    print(describe(record), flush=True)
    return record


if __name__ == "__main__":
    main()
