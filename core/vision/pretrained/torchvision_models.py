"""torchvision's detectors and segmenters behind `.predict(rgb) -> Detections | Segmentation`.

Faster R-CNN, Mask R-CNN and SSD take a list of 0..1 float images and do their own resizing and
normalisation (GeneralizedRCNNTransform / SSD's transform), so we hand them the image as is.
DeepLab takes a normalised batch and returns logits at the input size; we resize back ourselves.

For a random-init model (tests), pass weights=None: we then also pass weights_backbone=None,
because torchvision would otherwise download the ImageNet backbone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.runtime import device
from core.vision.image import to_tensor
from core.vision.types import KIND_OF_TASK, SEGMENT, Detections, Runner, Segmentation
from core.zoo import get_card

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class TVSpec:
    builder: str  # function name in torchvision.models.detection / .segmentation
    weights: str  # weights enum of the pretrained checkpoint
    input_size: int | None  # default shorter side fed to the model; None = fixed by the architecture
    nms_kw: str | None  # the builder's keyword for its internal NMS IoU (None: no NMS)


SPECS: dict[str, TVSpec] = {
    "fasterrcnn-mobilenet-320": TVSpec("fasterrcnn_mobilenet_v3_large_320_fpn",
                    "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.DEFAULT", 320, "box_nms_thresh"),
    "fasterrcnn-mobilenet": TVSpec("fasterrcnn_mobilenet_v3_large_fpn",
                    "FasterRCNN_MobileNet_V3_Large_FPN_Weights.DEFAULT", 640, "box_nms_thresh"),
    "fasterrcnn-resnet50-v2": TVSpec("fasterrcnn_resnet50_fpn_v2",
                    "FasterRCNN_ResNet50_FPN_V2_Weights.DEFAULT", 512, "box_nms_thresh"),
    "maskrcnn-resnet50-v2": TVSpec("maskrcnn_resnet50_fpn_v2",
                    "MaskRCNN_ResNet50_FPN_V2_Weights.DEFAULT", 512, "box_nms_thresh"),
    "ssdlite320": TVSpec("ssdlite320_mobilenet_v3_large",
                    "SSDLite320_MobileNet_V3_Large_Weights.DEFAULT", None, "nms_thresh"),
    "ssd300-vgg16": TVSpec("ssd300_vgg16",
                    "SSD300_VGG16_Weights.DEFAULT", None, "nms_thresh"),
    "deeplabv3-mobilenet": TVSpec("deeplabv3_mobilenet_v3_large",
                    "DeepLabV3_MobileNet_V3_Large_Weights.DEFAULT", 384, None),
    "deeplabv3-resnet50": TVSpec("deeplabv3_resnet50",
                    "DeepLabV3_ResNet50_Weights.DEFAULT", 384, None),
}

INTERNAL_NMS = 0.7  # the model's own NMS is set loose; ours runs after it at the page's IoU
MAX_MASKS = 30  # instance masks kept per image, at most (each is a full-size float map) ...
MASK_BUDGET_MB = 48  # ... and fewer on big images, so a cached result stays small


def categories(spec: TVSpec) -> list[str]:
    """Class names from the weights' metadata (static: reading it downloads nothing)."""
    from torchvision.models import get_weight

    return list(get_weight(spec.weights).meta["categories"])


def build(name: str, pretrained: bool = True, input_size: int | None = None, **kwargs) -> torch.nn.Module:
    """The torchvision model `name` in eval mode on device(). pretrained=False: random weights,
    nothing downloaded. kwargs go to the builder (e.g. box_score_thresh=0.0 in tests)."""
    import torchvision.models.detection as det
    import torchvision.models.segmentation as seg
    from torchvision.models import get_weight

    spec, kind = SPECS[name], KIND_OF_TASK[get_card(name).task]
    fn = getattr(seg if kind == "segment" else det, spec.builder)
    if kind != "segment":
        kwargs.setdefault(spec.nms_kw, INTERNAL_NMS)
        if spec.input_size is not None:
            size = input_size or spec.input_size
            kwargs.setdefault("min_size", size)
            kwargs.setdefault("max_size", round(size * 5 / 3))  # torchvision's 800/1333 aspect cap
    if pretrained:
        model = fn(weights=get_weight(spec.weights), **kwargs)
    else:
        extra = {"aux_loss": False} if kind == "segment" else {}
        model = fn(weights=None, weights_backbone=None, num_classes=len(categories(spec)), **extra, **kwargs)
    return model.eval().to(device())


class TorchvisionDetector:
    """Faster R-CNN, Mask R-CNN or SSD: `.predict(rgb)` returns candidates after the model's own
    loose NMS (INTERNAL_NMS); the caller's NMS and threshold run on top, without the network."""

    def __init__(self, name: str, model: torch.nn.Module, class_names: list[str]):
        self.name, self.model, self.class_names = name, model, class_names
        self.spec = SPECS[name]

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> dict:
        """The bare model: float32[3, H, W] -> dict(boxes[N, 4], scores[N], labels[N], masks?[N, 1, H, W])."""
        return self.model([x])[0]

    def predict(self, rgb: np.ndarray) -> Detections:
        out = self.forward(to_tensor(rgb, device()))
        scores = out["scores"].float().cpu().numpy()
        keep = np.argsort(-scores, kind="stable")
        masks = None
        if "masks" in out:
            budget = int(MASK_BUDGET_MB * 2**20 // (rgb.shape[0] * rgb.shape[1] * 4))
            keep = keep[:max(1, min(MAX_MASKS, budget))]
            masks = np.zeros((0,) + rgb.shape[:2], np.float32)
            if len(keep):
                masks = out["masks"][torch.from_numpy(keep), 0].float().cpu().numpy()  # [K, H, W] in 0..1
        return Detections(out["boxes"].float().cpu().numpy()[keep].reshape(-1, 4),
                          scores[keep], out["labels"].cpu().numpy()[keep].astype(np.int64),
                          self.class_names, masks, meta={"model": self.name, "nms": True})


class TorchvisionSegmenter:
    """DeepLabV3: `.predict(rgb)` -> Segmentation at the image's own size."""

    def __init__(self, name: str, model: torch.nn.Module, class_names: list[str], input_size: int | None = None):
        self.name, self.model, self.class_names = name, model, class_names
        self.input_size = input_size or SPECS[name].input_size

    def preprocess(self, rgb: np.ndarray) -> torch.Tensor:
        """uint8[H, W, 3] -> float32[1, 3, h, w], shorter side = input_size, ImageNet-normalised."""
        x = to_tensor(rgb, device())[None]
        h, w = rgb.shape[:2]
        r = self.input_size / min(h, w)
        x = F.interpolate(x, size=(max(1, round(h * r)), max(1, round(w * r))), mode="bilinear",
                          align_corners=False, antialias=True)
        mean = torch.tensor(IMAGENET_MEAN, device=x.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=x.device).view(1, 3, 1, 1)
        return (x - mean) / std

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The bare model: float32[1, 3, h, w] -> logits float32[1, C, h, w]."""
        return self.model(x)["out"]

    def predict(self, rgb: np.ndarray) -> Segmentation:
        logits = self.forward(self.preprocess(rgb))  # [1, C, h, w]
        logits = F.interpolate(logits, size=rgb.shape[:2], mode="bilinear", align_corners=False)
        classes = logits[0].argmax(0).cpu().numpy().astype(np.int64)  # [H, W]
        return Segmentation(classes, self.class_names, None, meta={"model": self.name, "input_size": self.input_size})


def load(name: str, pretrained: bool = True, input_size: int | None = None, **kwargs):
    """Build `name` and wrap it in the right predictor."""
    spec = SPECS[name]
    model = build(name, pretrained, input_size, **kwargs)
    if KIND_OF_TASK[get_card(name).task] == SEGMENT:
        return TorchvisionSegmenter(name, model, categories(spec), input_size)
    return TorchvisionDetector(name, model, categories(spec))


def _load(card, source, where, extra, input_size):
    """torchvision's weights enum (`source.ref`) through its own cache (TORCH_HOME)."""
    return load(card.name, pretrained=True, input_size=input_size)


RUNNER = Runner("torchvision", load=_load, input_size=lambda card: SPECS[card.name].input_size, uses_nms=True)
