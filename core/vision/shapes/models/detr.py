"""A tiny DETR (Carion et al. 2020): detection as set prediction, for ShapesWorld.

    image -> CNN (stride 16) -> + learned 2-D positions -> transformer encoder
          -> decoder with Q learned object queries -> per query: class (incl. "no object") + box

No anchors and no NMS: training pairs each ground-truth object with exactly one query by the
Hungarian algorithm on a cost of class probability, L1 box distance and generalised IoU
(core.vision.matcher, the one matcher: the Detector internals page shows this same one);
unmatched queries learn "no object". Boxes are (cx, cy, w, h)
normalised to [0, 1], as in the paper. Every decoder layer is supervised (auxiliary losses),
which is what makes DETR train at all in a few minutes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.vision.boxes import box_convert, elementwise_giou
from core.vision.matcher import match, matching_cost
from core.vision.types import DETECT, Detections
from core.vision.shapes.generator import CLASSES, ShapesConfig
from core.vision.image import normalise, to_tensor
from core.vision.shapes.models.family import Family, model_device, stack_images


@dataclass
class DETRConfig:
    image_size: int = 128        # input side in pixels
    num_classes: int = len(CLASSES)  # real classes; index num_classes means "no object"
    d_model: int = 96            # transformer width
    heads: int = 4               # attention heads
    enc_layers: int = 2          # encoder layers
    dec_layers: int = 3          # decoder layers (each one supervised)
    ffn: int = 192               # feed-forward width
    queries: int = 12            # object queries: more than the most shapes in an image
    eos_coef: float = 0.1        # weight of the "no object" class in the CE (most queries are empty)
    cost_class: float = 1.0      # matcher / loss weights, the paper's 1 : 5 : 2
    cost_bbox: float = 5.0
    cost_giou: float = 2.0


def _conv(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyDETR(nn.Module):
    """image float[N, 3, H, W] -> {"logits": [L, N, Q, C+1], "boxes": [L, N, Q, 4] cxcywh in [0, 1]} (L decoder layers)."""

    def __init__(self, cfg: DETRConfig | None = None):
        super().__init__()
        self.cfg = cfg = cfg or DETRConfig()
        d = cfg.d_model
        self.backbone = nn.Sequential(_conv(3, 32, 2), _conv(32, 48, 2), _conv(48, 64, 2), _conv(64, 96, 2),
                                      _conv(96, 96, 1))
        self.input_proj = nn.Conv2d(96, d, 1)
        side = cfg.image_size // 16
        self.row_embed = nn.Parameter(torch.empty(side, d // 2))  # learned positions (DETR's "learned" variant)
        self.col_embed = nn.Parameter(torch.empty(side, d // 2))
        layer = dict(d_model=d, nhead=cfg.heads, dim_feedforward=cfg.ffn, dropout=0.0, batch_first=True)
        self.encoder = nn.ModuleList([nn.TransformerEncoderLayer(**layer) for _ in range(cfg.enc_layers)])
        self.decoder = nn.ModuleList([nn.TransformerDecoderLayer(**layer) for _ in range(cfg.dec_layers)])
        self.dec_norm = nn.LayerNorm(d)
        self.query_embed = nn.Parameter(torch.empty(cfg.queries, d))
        self.class_head = nn.Linear(d, cfg.num_classes + 1)
        self.box_head = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.init_parameters(None)  # None: the global generator (training scripts); pages pass their own

    @torch.no_grad()
    def init_parameters(self, generator: torch.Generator | None) -> None:
        """The parameters this module owns itself (positions, queries) start as N(0, 0.1²);
        `core.private_init.init_weights` calls this with a private generator."""
        for p in (self.row_embed, self.col_embed, self.query_embed):
            nn.init.normal_(p, std=0.1, generator=generator)

    def forward(self, x: torch.Tensor) -> dict:
        f = self.input_proj(self.backbone(normalise(x)))        # [N, d, h, w]
        N, d, h, w = f.shape
        pos = torch.cat([self.col_embed[None, :w].expand(h, w, -1),
                         self.row_embed[:h, None].expand(h, w, -1)], dim=-1).reshape(1, h * w, d)
        memory = f.flatten(2).transpose(1, 2)                       # [N, h*w, d] one token per cell
        for layer in self.encoder:
            memory = layer(memory + pos)                            # positions re-added at every layer, as DETR does
        query_pos = self.query_embed[None].expand(N, -1, -1)         # [N, Q, d]
        tgt = torch.zeros_like(query_pos)
        logits, boxes = [], []
        for layer in self.decoder:
            tgt = layer(tgt + query_pos, memory + pos)
            out = self.dec_norm(tgt)
            logits.append(self.class_head(out))
            boxes.append(torch.sigmoid(self.box_head(out)))
        return {"logits": torch.stack(logits), "boxes": torch.stack(boxes)}


@torch.no_grad()
def hungarian_match(logits: torch.Tensor, boxes: torch.Tensor, tgt_labels: torch.Tensor, tgt_boxes: torch.Tensor,
                    cfg: DETRConfig) -> tuple[np.ndarray, np.ndarray]:
    """One image. logits [Q, C+1], boxes [Q, 4] cxcywh; targets labels [M], boxes [M, 4] cxcywh.

    Returns (query indices, target indices) minimising the total matching cost.
    """
    weights = (cfg.cost_class, cfg.cost_bbox, cfg.cost_giou)
    return match(matching_cost(logits.softmax(-1), boxes, tgt_labels, tgt_boxes, weights))


def set_loss(logits: torch.Tensor, boxes: torch.Tensor, targets: list[dict], cfg: DETRConfig) -> tuple[torch.Tensor, dict]:
    """One decoder layer's loss. logits [N, Q, C+1], boxes [N, Q, 4]; targets: [{"labels": [M], "boxes": [M, 4] cxcywh}].

    CE over all queries (no-object down-weighted by eos_coef), L1 + GIoU over matched pairs.
    """
    N, Q, _ = logits.shape
    cls_target = torch.full((N, Q), cfg.num_classes, dtype=torch.long)
    src, tgt = [], []
    for n, t in enumerate(targets):
        q, k = hungarian_match(logits[n], boxes[n], t["labels"], t["boxes"], cfg)
        cls_target[n, q] = t["labels"][k]
        src.append(boxes[n, q])
        tgt.append(t["boxes"][k])
    weight = torch.ones(cfg.num_classes + 1)
    weight[-1] = cfg.eos_coef
    ce = F.cross_entropy(logits.reshape(N * Q, -1), cls_target.reshape(-1), weight=weight)
    src, tgt = torch.cat(src), torch.cat(tgt)
    n_boxes = max(1, tgt.shape[0])
    l1 = F.l1_loss(src, tgt, reduction="sum") / n_boxes
    giou = elementwise_giou(box_convert(src, "cxcywh", "xyxy"), box_convert(tgt, "cxcywh", "xyxy"))  # matched pairs
    giou_loss = (1 - giou).sum() / n_boxes
    total = cfg.cost_class * ce + cfg.cost_bbox * l1 + cfg.cost_giou * giou_loss
    return total, {"ce": float(ce.detach()), "l1": float(l1.detach()), "giou": float(giou_loss.detach())}


def to_targets(samples, size: int) -> list[dict]:
    """ShapesSamples -> DETR targets: labels [M] and boxes [M, 4] cxcywh normalised by the image size."""
    return [{"labels": torch.from_numpy(s.labels),
             "boxes": box_convert(torch.from_numpy(s.boxes).reshape(-1, 4), "xyxy", "cxcywh") / size}
            for s in samples]


def decode(out: dict, cfg: DETRConfig, score_thresh: float = 0.05) -> list[Detections]:
    """Last decoder layer -> Detections: each query's best real class; no NMS (the set loss removes duplicates)."""
    probs = out["logits"][-1].softmax(-1)[..., :-1]                 # [N, Q, C]
    scores, labels = probs.max(-1)
    boxes = box_convert(out["boxes"][-1], "cxcywh", "xyxy") * cfg.image_size
    dets = []
    for s, l, b in zip(scores, labels, boxes):
        keep = s > score_thresh
        order = s[keep].argsort(descending=True)
        dets.append(Detections(boxes=b[keep][order].numpy().astype(np.float32),
                               scores=s[keep][order].numpy().astype(np.float32),
                               labels=l[keep][order].numpy().astype(np.int64), class_names=list(CLASSES)))
    return dets


def family():
    """The training adapter (see core.vision.shapes.models.family.Family)."""

    def loss(model, samples):
        out = model(to_tensor(stack_images(samples)))
        targets = to_targets(samples, model.cfg.image_size)
        total, parts = 0.0, {}
        for i in range(out["logits"].shape[0]):                     # every decoder layer (auxiliary losses)
            li, parts = set_loss(out["logits"][i], out["boxes"][i], targets, model.cfg)
            total = total + li
        return total, parts                                          # parts: the last layer's

    def predict(model, images):
        with torch.no_grad():
            out = model(to_tensor(images, model_device(model)))
            return decode({k: v.cpu() for k, v in out.items()}, model.cfg)

    return Family(name="detr", task=DETECT, build=lambda: TinyDETR(), loss=loss, predict=predict,
                  data=ShapesConfig(easy=True), batch=16, lr=5e-4, uses_nms=False)
