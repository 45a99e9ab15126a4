"""torchvision's Faster R-CNN / Mask R-CNN with a tiny backbone sized for ShapesWorld.

The detector is torchvision's own (GeneralizedRCNN: transform -> backbone -> rpn -> roi_heads);
only the parts are small: a 5-conv backbone to a single stride-4 feature map of 64 channels,
anchors of 16..48 px (the shapes' sizes at 128 px), a 256-wide box head, and fewer proposals.
Nothing is downloaded.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn
from torchvision.models.detection import FasterRCNN, MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.ops import MultiScaleRoIAlign

from core.vision.types import DETECT, INSTANCE
from core.vision.shapes.generator import CLASSES
from core.vision.shapes.generator import ShapesConfig
from core.vision.shapes.models.family import Family, rcnn_loss, rcnn_predict


@dataclass
class TinyRCNNConfig:
    channels: int = 64                          # backbone output channels (= RPN / RoI input)
    stride: int = 4                             # feature stride, 4 or 8 (8: ~2x faster, worse on class)
    anchor_sizes: tuple = (16, 24, 32, 48)      # anchor sides in px: the shapes are 16..44 px
    aspect_ratios: tuple = (0.75, 1.0, 1.33)    # shapes are nearly square in their boxes
    box_head: int = 256                         # width of the two-layer box head
    proposals_train: int = 300                  # RPN proposals kept after NMS while training
    proposals_test: int = 100                   # ... and at test time


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyBackbone(nn.Module):
    """image float[B, 3, H, W] -> {"0": float[B, C, H/s, W/s]}, s = 4 or 8 (torchvision's backbone contract).

    Stride 4, not the usual 16 or 32: a 7x7 RoIAlign on a stride-8 map blurred triangles into
    stars (first run: mAP@.5 0.68, mostly class confusions). Dilated convs widen the view
    instead of further downsampling.
    """

    def __init__(self, channels: int = 64, stride: int = 4):
        super().__init__()
        if stride not in (4, 8):
            raise ValueError("stride must be 4 or 8")
        self.stem = _conv(3, 24, 2)                 # /2
        self.layer1 = _conv(24, 48, 2)              # /4
        self.layer2 = _conv(48, channels, stride // 4)  # /4 or /8
        self.context = nn.Sequential(nn.Conv2d(channels, channels, 3, 1, 2, dilation=2), nn.ReLU(inplace=True),
                                     nn.Conv2d(channels, channels, 3, 1, 4, dilation=4))  # sees ~40 px
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> "OrderedDict[str, torch.Tensor]":
        x = self.layer2(self.layer1(self.stem(x)))
        x = x + torch.relu(self.context(x))  # residual: trains quickly from scratch
        return OrderedDict([("0", x)])


def build_tiny_faster_rcnn(num_classes: int = len(CLASSES) + 1, mask: bool = False, image_size: int = 128,
                           cfg: TinyRCNNConfig | None = None) -> FasterRCNN:
    """A FasterRCNN (or MaskRCNN when mask=True) for `image_size` images; class 0 is background.

    Inputs: list of float[3, H, W] in [0, 1]; targets {"boxes": float[N, 4] xyxy, "labels": int64[N]
    in 1..num_classes-1, "masks": uint8[N, H, W] for Mask R-CNN}.
    """
    cfg = cfg or TinyRCNNConfig()
    backbone = TinyBackbone(cfg.channels, cfg.stride)
    anchors = AnchorGenerator(sizes=(tuple(cfg.anchor_sizes),), aspect_ratios=(tuple(cfg.aspect_ratios),))
    box_pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)
    common = dict(
        min_size=image_size, max_size=image_size,
        image_mean=[0.5, 0.5, 0.5], image_std=[0.25, 0.25, 0.25],
        rpn_anchor_generator=anchors, box_roi_pool=box_pool,
        box_head=TwoMLPHead(cfg.channels * 7 * 7, cfg.box_head),
        box_predictor=FastRCNNPredictor(cfg.box_head, num_classes),
        rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=cfg.proposals_train,
        rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=cfg.proposals_test,
        rpn_batch_size_per_image=128, box_batch_size_per_image=64,  # few objects per image
        box_detections_per_img=30, box_score_thresh=0.05,
    )
    if not mask:
        return FasterRCNN(backbone, num_classes=None, **common)
    mask_pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=14, sampling_ratio=2)
    return MaskRCNN(backbone, num_classes=None, mask_roi_pool=mask_pool,
                    mask_head=MaskRCNNHeads(cfg.channels, (64, 64), 1),
                    mask_predictor=MaskRCNNPredictor(64, 64, num_classes), **common)


@torch.no_grad()
def init_tiny_rcnn(model: FasterRCNN, generator: torch.Generator) -> FasterRCNN:
    """Re-draw the tiny Faster R-CNN's initial weights from `generator`, exactly as building it after
    torch.manual_seed would (tested): in the order build_tiny_faster_rcnn constructs the parts (backbone,
    box head, box predictor, then torchvision's RPNHead, whose convs are then re-drawn N(0, 0.01) with zero
    bias by its own __init__). A private generator makes the start the same for every student at once."""
    from core.private_init import init_weights

    if isinstance(model, MaskRCNN):
        raise NotImplementedError("init_tiny_rcnn covers Faster R-CNN only (Mask R-CNN's heads init differently)")
    for part in (model.backbone, model.roi_heads.box_head, model.roi_heads.box_predictor, model.rpn.head):
        init_weights(part, generator)
    for layer in model.rpn.head.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.normal_(layer.weight, std=0.01, generator=generator)
            nn.init.constant_(layer.bias, 0)
    return model


def family(mask: bool = False) -> Family:
    """The training adapter: Faster R-CNN, or Mask R-CNN with mask=True."""

    return Family(name="maskrcnn" if mask else "frcnn", task=INSTANCE if mask else DETECT,
                  build=lambda: build_tiny_faster_rcnn(mask=mask),
                  loss=lambda m, s: rcnn_loss(m, s, with_masks=mask), predict=rcnn_predict,
                  data=ShapesConfig(easy=True), batch=8, lr=1e-3)
