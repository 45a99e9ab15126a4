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
from core.vision.pretrained import detr, torchvision_models, yolox
from core.vision.shapes import weights as shapes_weights
from core.vision.types import SEGMENT, Detections, Runner, Segmentation
from core.zoo import Resolution, get_card, resolve
from core.zoo.cards_vision import MODEL_NAMES, kind_of  # noqa: F401  (MODEL_NAMES: the page's list, from the cards)
from core.zoo.load import load_with_fallback

# Every detector family the page runs, by the cards' extra["runner"]. Each declares how it loads, its
# default input size and whether it needs NMS next to its predictor (core.vision.pretrained.*), and
# the bundled ShapesWorld stand-ins theirs in core.vision.shapes.weights. Adding a family: README.
RUNNERS: dict[str, Runner] = {r.name: r for r in (yolox.RUNNER, torchvision_models.RUNNER, detr.RUNNER)}
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


def runner_for(card, source) -> Runner:
    """The runner of `card` for this source: its family's (the card's extra["runner"]) for pretrained
    weights, the ShapesWorld stand-in's for the bundled fallback."""
    if source.kind == "bundled":
        return shapes_weights.runner(card.extra["shapes"])
    return RUNNERS[card.extra["runner"]]


def default_input_size(name: str) -> int | None:
    """What the card's pretrained network sees by default (the page's input-size control starts here)."""
    card = get_card(name)
    return RUNNERS[card.extra["runner"]].input_size(card)


def missing_message(res: Resolution) -> str:
    """Why a card has no weights here, and the one command that fetches them."""
    name = res.card.name
    return f"{name}: {res.reason}. Fetch the real weights while online with `python -m core.zoo download {name}`."


def load_model(name: str, mode: str | None = None, input_size: int | None = None) -> LoadedModel:
    """Resolve the weights of card `name` (pretrained, else bundled ShapesWorld) and build it, through the
    zoo's one load loop: a source that fails to load falls back to the next, and the Models page lists it."""
    card = get_card(name)
    res = resolve(card, mode)  # type: ignore[arg-type]
    if res.source is None:
        raise ModelUnavailable(missing_message(res))

    def load_one(source, where, extra):
        runner = runner_for(card, source)
        return runner, runner.load(card, source, where, extra, input_size or runner.input_size(card))

    try:
        (runner, predictor), res = load_with_fallback(name, mode, load_one, detail=True)
    except ValueError as e:
        raise ModelUnavailable(f"{e}. The offline fallback is KeyPoint's ShapesWorld `{card.extra['shapes']}` "
                               "model in assets/weights/.") from None
    fallback = res.source.kind == "bundled"
    kind = kind_of(name)
    size = getattr(predictor, "image_size", None) if fallback else input_size or runner.input_size(card)
    uses_nms = kind != SEGMENT and getattr(predictor, "uses_nms", runner.uses_nms)
    return LoadedModel(name, res, predictor, kind, uses_nms=uses_nms, input_size=size, fallback=fallback)


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


# ---- what the Detection page says about each model, and the pictures it opens on ----

SCENE_ZOOM = 3  # ShapesWorld scenes are shown 3x (nearest): the stand-ins' own resize gives back the 128 px scene


def source_kind(name: str, mode: str | None = None) -> str | None:
    """"pretrained", "bundled" (the ShapesWorld stand-in) or None (nothing loadable) for card `name`."""
    src = resolve(get_card(name), mode).source  # type: ignore[arg-type]
    return None if src is None else src.kind


def model_label(name: str, mode: str | None = None) -> str:
    """The selector's words for a model: what will really be loaded."""
    card, kind = get_card(name), source_kind(name, mode)
    if kind == "bundled":
        return f"{name} ({card.family}, ShapesWorld stand-in)"
    if kind is None:
        return f"{name} ({card.family}, not available)"
    return f"{name} ({card.family}, {card.extra.get('speed', '')})"


def compare_default(mode: str | None = None, names: list[str] = MODEL_NAMES) -> list[str]:
    """Two models to compare by default: the first model and the next one that resolved the same way
    (two real checkpoints, or two ShapesWorld stand-ins), so the comparison is like for like."""
    first = source_kind(names[0], mode)
    same = [n for n in names[1:] if source_kind(n, mode) == first and kind_of(n) == kind_of(names[0])]
    return [names[0], (same or names[1:])[0]]


def shapes_scene(name: str, seed: int):
    """A ShapesWorld scene of the setting `name`'s stand-in was trained on -> (uint8[3S, 3S, 3], the ShapesSample)."""
    from core.vision.shapes.generator import generate
    from core.vision.shapes.models.registry import get_family

    sample = generate(1, seed=seed, cfg=get_family(get_card(name).extra["shapes"]).data)[0]
    return np.repeat(np.repeat(sample.image, SCENE_ZOOM, 0), SCENE_ZOOM, 1), sample


def semantic_vs_instance_image(pretrained: bool, seed: int = 0) -> tuple[np.ndarray, str]:
    """A picture where semantic and instance segmentation differ: two people side by side for the real
    models (the astronaut photo next to its mirror image), else a ShapesWorld scene with two or more
    shapes of one class (the first such seed from `seed` on). -> (uint8[H, W, 3], caption)."""
    if pretrained:
        from core.vision.samples import load_sample

        a = load_sample("astronaut")
        return np.ascontiguousarray(np.concatenate([a, a[:, ::-1]], axis=1)), \
            "Two people: the astronaut photo beside its mirror image"
    from core.vision.shapes.generator import CLASSES, ShapesConfig, generate

    for s in range(seed, seed + 200):
        sample = generate(1, seed=s, cfg=ShapesConfig(easy=True, min_shapes=3))[0]
        counts = np.bincount(sample.labels, minlength=len(CLASSES))
        if counts.max() >= 2:
            return np.repeat(np.repeat(sample.image, SCENE_ZOOM, 0), SCENE_ZOOM, 1), \
                f"ShapesWorld seed {s}: {counts.max()} shapes of class {CLASSES[int(counts.argmax())]}"
    raise ValueError("no ShapesWorld scene with two shapes of one class in 200 seeds")


def nothing_found(result: Detections | Segmentation, score_thr: float) -> str | None:
    """The sentence to show when a model found nothing at this threshold (None when it found something)."""
    if isinstance(result, Detections):
        return None if len(result) else f"No object above {score_thr:.2f}: lower the threshold."
    if (result.classes != 0).any():
        return None
    return "Every pixel is background: no class was found in this picture."
