"""One entry point for every detector and segmenter on the Detection page.

    model = load_model("yolox-nano", mode="offline")     # resolve weights, build, once per process
    raw = predict(model, rgb)                             # the network: candidates before NMS
    dets = postprocess(raw, score_thr=0.3, nms_iou=0.45)  # cheap: threshold, class-wise NMS, classes
    # or, in one go:  run_model("yolox-nano", rgb, "offline")

The split is why the page's sliders feel instant: `predict` is cached per image and model,
`postprocess` and the overlay rerun on every slider move without touching the network.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from core.runtime import Timer
from core.vision.boxes import batched_nms
from core.vision.types import Detections, Segmentation
from core.zoo import Resolution, get_card, local_path, resolve
from core.zoo.cards_vision import MODEL_NAMES, kind_of  # noqa: F401  (MODEL_NAMES: the page's list, from the cards)

NO_NMS = {"detr"}  # set prediction: one query per object, nothing to suppress
DEFAULT_SCORE_THR = 0.3  # YOLOX demo default: shows the sure objects, hides most clutter
DEFAULT_NMS_IOU = 0.45  # YOLOX and SSD default


MAX_SIDE = 1024  # the detectors resize to <= 853-1333 px anyway; bigger only costs time and mask memory


def fit_image(rgb: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Downscale (area filter) so the longer side is at most max_side; smaller images pass unchanged."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    import cv2

    r = max_side / max(h, w)
    return cv2.resize(rgb, (max(1, round(w * r)), max(1, round(h * r))), interpolation=cv2.INTER_AREA)


class ModelUnavailable(ValueError):
    """No weights could be loaded; the message says why and what to run."""


@dataclass
class LoadedModel:
    name: str  # card name, e.g. "yolox-nano"
    resolution: Resolution  # which source the zoo picked, and why
    predictor: object  # has .predict(rgb) -> Detections | Segmentation and .class_names
    kind: str  # "detect", "instance" or "segment"
    uses_nms: bool  # False for DETR and segmenters: the NMS slider does not apply
    input_size: int | None  # what the network sees (shorter side, or square side for YOLOX/SSD)
    fallback: bool  # True when running the bundled ShapesWorld weights

    @property
    def class_names(self) -> list[str]:
        return list(self.predictor.class_names)


def _load_shapes(family: str):
    from core.vision.shapes.weights import load_shapes_model

    try:
        return load_shapes_model(family)
    except (OSError, FileNotFoundError, KeyError) as e:
        raise ModelUnavailable(f"the bundled ShapesWorld `{family}` weights could not be loaded ({e})") from None


def _load_pretrained(name: str, res: Resolution, input_size: int | None):
    card, src = res.card, res.source
    runner = card.extra["runner"]
    if runner == "yolox":
        from core.vision.pretrained.yolox import YoloxConfig, YoloxDetector
        from core.zoo import sources

        path = local_path(src) or sources.download(src)
        return YoloxDetector(path, YoloxConfig(input_size=card.extra["input_size"]))
    if runner == "detr":
        from core.vision.pretrained.detr import DetrDetector, DetrInput

        return DetrDetector.from_pretrained(src.ref, DetrInput(shortest_edge=input_size or 512))
    from core.vision.pretrained import torchvision_models as tvm

    return tvm.load(name, pretrained=True, input_size=input_size)


def default_input_size(name: str) -> int | None:
    card = get_card(name)
    if card.extra["runner"] == "yolox":
        return card.extra["input_size"]
    if card.extra["runner"] == "detr":
        return 512
    from core.vision.pretrained.torchvision_models import SPECS

    return SPECS[name].input_size


def missing_message(res: Resolution) -> str:
    """Why a card has no weights here, and the one command that fetches them."""
    name = res.card.name
    return f"{name}: {res.reason}. Fetch the real weights while online with `python -m core.zoo download {name}`."


def load_model(name: str, mode: str | None = None, input_size: int | None = None) -> LoadedModel:
    """Resolve the weights of card `name` (pretrained, else bundled ShapesWorld) and build it."""
    card = get_card(name)
    res = resolve(card, mode)  # type: ignore[arg-type]
    family = card.extra["shapes"]
    if res.source is None:
        raise ModelUnavailable(missing_message(res))
    if res.source.kind == "bundled":
        predictor = _load_shapes(family)
        size = getattr(predictor, "image_size", None)  # ShapesWorld models see a square of this side
    else:
        size = input_size or default_input_size(name)
        predictor = _load_pretrained(name, res, size)
    kind = kind_of(name)
    return LoadedModel(name, res, predictor, kind, uses_nms=kind != "segment" and family not in NO_NMS,
                       input_size=size, fallback=res.source.kind == "bundled")


def predict(model: LoadedModel, rgb: np.ndarray) -> Detections | Segmentation:
    """Run the network once: candidates (before the page's threshold and NMS), with meta["ms"]."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image [H, W, 3], got {rgb.dtype}{list(rgb.shape)}")
    with Timer() as t:
        out = model.predictor.predict(np.ascontiguousarray(rgb))
    out.meta = {**out.meta, "model": model.name, "ms": t.ms, "source": model.resolution.source.kind,
                "input_size": model.input_size}
    return out


def postprocess(result: Detections | Segmentation, score_thr: float = DEFAULT_SCORE_THR,
                nms_iou: float | None = DEFAULT_NMS_IOU, classes: set[str] | None = None) -> Detections | Segmentation:
    """Threshold, class-wise NMS (when nms_iou is given) and class filter; segmentations pass through."""
    if isinstance(result, Segmentation):
        return result
    dets = result.filter(score_thr)
    if nms_iou is not None and len(dets):
        k = batched_nms(dets.boxes, dets.scores, dets.labels, nms_iou)
        dets = replace(dets, boxes=dets.boxes[k], scores=dets.scores[k], labels=dets.labels[k],
                       masks=None if dets.masks is None else dets.masks[k], meta=dict(dets.meta))
    return dets.filter(0.0, classes) if classes is not None else dets


def run_model(name: str, rgb: np.ndarray, mode: str | None = None, score_thr: float = DEFAULT_SCORE_THR,
              nms_iou: float | None = DEFAULT_NMS_IOU, classes: set[str] | None = None, input_size: int | None = None,
              model: LoadedModel | None = None) -> Detections | Segmentation:
    """Load (unless given), predict, postprocess. NMS is skipped for models that do not use it."""
    model = model or load_model(name, mode, input_size)
    return postprocess(predict(model, rgb), score_thr, nms_iou if model.uses_nms else None, classes)
