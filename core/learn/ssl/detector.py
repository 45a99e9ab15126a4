"""The detector every semi-supervised detection loop trains (burn-in, Mean/Soft Teacher, STAC,
reproduction): ShapesWorld's tiny Faster R-CNN, its train mode with frozen BatchNorm, and its mAP."""
from __future__ import annotations

import torch
from torchvision.models.detection._utils import BalancedPositiveNegativeSampler

from core.learn.ssl.det_data import IMAGE_SIZE, DetSplit
from core.vision.coco import coco_map
from core.vision.shapes.models.faster_rcnn import build_tiny_faster_rcnn


def build_detector(num_classes: int = 6, image_size: int = IMAGE_SIZE, cfg=None) -> torch.nn.Module:
    """The project's tiny Faster R-CNN (core.vision.shapes.models.faster_rcnn) for image_size images;
    cfg a TinyRCNNConfig (None: its defaults)."""
    return build_tiny_faster_rcnn(num_classes=num_classes, mask=False, image_size=image_size, cfg=cfg)


class SeededSampler(BalancedPositiveNegativeSampler):
    """torchvision's positive/negative sampler (RPN anchors, RoI-head proposals), drawing its
    permutations from a private generator: the stock one calls torch.randperm on the process-global
    RNG, so two students training at once on a server would change each other's samples."""

    def __init__(self, batch_size_per_image: int, positive_fraction: float, generator: torch.Generator):
        super().__init__(batch_size_per_image, positive_fraction)
        self.generator = generator

    def __deepcopy__(self, memo):  # a copied model shares the generator; seed_samplers gives it its own
        return SeededSampler(self.batch_size_per_image, self.positive_fraction, self.generator)

    def __call__(self, matched_idxs: list) -> tuple[list, list]:
        pos_idx, neg_idx = [], []
        for m in matched_idxs:                                      # per image Tensor[A]: -1 ignore, 0 bg, >0 fg
            positive = torch.where(m >= 1)[0]
            negative = torch.where(m == 0)[0]
            num_pos = min(positive.numel(), int(self.batch_size_per_image * self.positive_fraction))
            num_neg = min(negative.numel(), self.batch_size_per_image - num_pos)
            perm1 = torch.randperm(positive.numel(), generator=self.generator)[:num_pos].to(m.device)
            perm2 = torch.randperm(negative.numel(), generator=self.generator)[:num_neg].to(m.device)
            pos_mask = torch.zeros_like(m, dtype=torch.uint8)
            neg_mask = torch.zeros_like(m, dtype=torch.uint8)
            pos_mask[positive[perm1]] = 1
            neg_mask[negative[perm2]] = 1
            pos_idx.append(pos_mask)
            neg_idx.append(neg_mask)
        return pos_idx, neg_idx


def seed_samplers(model, generator: torch.Generator):
    """Give the detector's two training samplers (RPN, RoI heads) a private generator, in place."""
    for part in (model.rpn, model.roi_heads):
        s = part.fg_bg_sampler
        part.fg_bg_sampler = SeededSampler(s.batch_size_per_image, s.positive_fraction, generator)
    return model


def train_mode(model, freeze_bn: bool = False):
    """model.train(), with BatchNorm layers optionally kept in eval mode ("norm_eval" in the released
    Soft Teacher configs): their running statistics stay those of the burn-in instead of drifting
    towards strongly augmented (cut-out, colour-jittered) batches. Their scale/shift still learn."""
    model.train()
    model._bn_frozen = freeze_bn
    if freeze_bn:
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
    return model


@torch.no_grad()
def predict(model, images: torch.Tensor, batch: int = 32) -> list:
    """Eval-mode detections per image: {"boxes", "scores", "labels" (1..C)}. Restores the mode."""
    was = model.training
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        out.extend(model(list(images[i:i + batch])))
    if was:
        train_mode(model, getattr(model, "_bn_frozen", False))
    return out


def evaluate(model, split: DetSplit) -> dict:
    return coco_map(predict(model, split.images), split.targets)
