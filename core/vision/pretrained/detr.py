"""DETR (facebook/detr-resnet-50) through transformers, behind `.predict(rgb) -> Detections`.

DETR predicts a fixed set of N queries, each a class distribution (C classes + "no object") and
one box (cx, cy, w, h) relative to the image. Training matched queries one-to-one with objects
(Hungarian matching), so there are no duplicates to suppress: DETR needs no NMS.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.runtime import device, seeded
from core.vision.boxes import box_convert
from core.vision.types import Detections, Runner
from core.vision.image import to_tensor
from core.vision.pretrained.torchvision_models import IMAGENET_MEAN, IMAGENET_STD


@dataclass
class DetrInput:
    shortest_edge: int = 512  # the checkpoint was trained at 800; 512 keeps a CPU interactive
    longest_edge: int = 853  # cap on the other side, same 800:1333 proportion
    score_floor: float = 0.05  # queries whose best real class is below this are dropped


def class_names_of(config) -> list[str]:
    """id2label as a dense list (COCO ids have gaps: fill them with "N/A")."""
    id2label = {int(k): v for k, v in config.id2label.items()}
    n = max(config.num_labels, max(id2label, default=-1) + 1)
    return [id2label.get(i, "N/A") for i in range(n)]


def boxes_to_pixels(pred_boxes: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(cx, cy, w, h) in 0..1 (Tensor[N, 4]) -> (x1, y1, x2, y2) in image pixels (Tensor[N, 4])."""
    xyxy = box_convert(pred_boxes, "cxcywh", "xyxy")
    return xyxy * torch.tensor([width, height, width, height], dtype=xyxy.dtype, device=xyxy.device)


def postprocess(logits: torch.Tensor, pred_boxes: torch.Tensor, height: int, width: int,
                score_floor: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's queries -> (boxes f32[K, 4], scores f32[K], labels i64[K]) with score >= floor.

    logits (Tensor[N, C + 1]): the last column is "no object", left out of the max, as in the paper.
    """
    prob = F.softmax(logits.float(), -1)[:, :-1]  # [N, C]
    scores, labels = prob.max(-1)
    boxes = boxes_to_pixels(pred_boxes.float(), height, width)
    keep = scores >= score_floor
    return (boxes[keep].cpu().numpy().astype(np.float32), scores[keep].cpu().numpy().astype(np.float32),
            labels[keep].cpu().numpy().astype(np.int64))


class DetrDetector:
    """A DetrForObjectDetection (pretrained or a tiny random one) with our own pre/post-processing."""

    def __init__(self, model, name: str = "detr", cfg: DetrInput | None = None):
        self.model = model.eval().to(device())
        self.name = name
        self.cfg = cfg or DetrInput()
        self.class_names = class_names_of(model.config)

    @classmethod
    def from_pretrained(cls, ref: str = "facebook/detr-resnet-50", cfg: DetrInput | None = None) -> "DetrDetector":
        from transformers import DetrForObjectDetection

        from core.zoo import hf_load_kwargs

        # The checkpoint holds the backbone weights too: nothing is fetched from timm.
        model = DetrForObjectDetection.from_pretrained(ref, **hf_load_kwargs(ref))
        return cls(model, name=ref.split("/")[-1], cfg=cfg)

    def preprocess(self, rgb: np.ndarray) -> torch.Tensor:
        """uint8[H, W, 3] -> float32[1, 3, h, w]: resized (shorter side, capped) and ImageNet-normalised."""
        h, w = rgb.shape[:2]
        r = min(self.cfg.shortest_edge / min(h, w), self.cfg.longest_edge / max(h, w))
        x = F.interpolate(to_tensor(rgb, device())[None], size=(max(1, round(h * r)), max(1, round(w * r))),
                          mode="bilinear", align_corners=False, antialias=True)
        mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    @torch.inference_mode()
    def forward(self, x: torch.Tensor):
        """The bare model: float32[1, 3, h, w] -> outputs with logits[1, N, C+1], pred_boxes[1, N, 4]."""
        return self.model(pixel_values=x)

    def predict(self, rgb: np.ndarray) -> Detections:
        out = self.forward(self.preprocess(rgb))
        h, w = rgb.shape[:2]
        boxes, scores, labels = postprocess(out.logits[0], out.pred_boxes[0], h, w, self.cfg.score_floor)
        boxes = np.clip(boxes, 0, [w, h, w, h]).astype(np.float32)
        order = np.argsort(-scores, kind="stable")
        return Detections(boxes[order], scores[order], labels[order], self.class_names,
                          meta={"model": self.name, "nms": False})


def tiny_random_detr(num_labels: int = 5, num_queries: int = 10, seed: int = 0) -> DetrDetector:
    """A small random DETR with a timm ResNet-18 backbone (random, nothing downloaded), for tests."""
    from transformers import DetrConfig, DetrForObjectDetection

    cfg = DetrConfig(use_timm_backbone=True, backbone="resnet18", use_pretrained_backbone=False,
                     d_model=32, encoder_layers=1, decoder_layers=1, encoder_ffn_dim=64, decoder_ffn_dim=64,
                     encoder_attention_heads=2, decoder_attention_heads=2, num_queries=num_queries,
                     num_labels=num_labels, id2label={i: f"class{i}" for i in range(num_labels)})
    with seeded(seed):  # Hugging Face's own init cannot take a generator
        model = DetrForObjectDetection(cfg)
    return DetrDetector(model, name="detr-tiny-random", cfg=DetrInput(64, 96, 0.0))


def _load(card, source, where, extra, input_size) -> DetrDetector:
    return DetrDetector.from_pretrained(where, DetrInput(shortest_edge=input_size or DetrInput.shortest_edge))


# Set prediction: one query per object, nothing to suppress.
RUNNER = Runner("detr", load=_load, input_size=lambda card: DetrInput.shortest_edge, uses_nms=False)
