"""Model cards for the Detection & segmentation page.

Every detector/segmenter lists its famous pretrained checkpoint first and, second, small weights
KeyPoint trained itself on ShapesWorld (same family of model, five shape classes), so the page
runs the same kind of network offline and says so.
"""
from __future__ import annotations

from core.vision.types import KIND_OF_TASK  # the task vocabulary lives with the vision types
from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

YOLOX_RELEASE = "https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0/"
TV_LICENSE = "BSD-3-Clause (torchvision code; weights trained on COCO / Pascal VOC)"


def shapes_source(family: str) -> Source:
    """The bundled ShapesWorld fallback of a family (yolo, ssd, frcnn, maskrcnn, detr, deeplab)."""
    return Source(kind="bundled", hub="assets", ref=f"assets/weights/shapes_{family}.safetensors")


def _shapes_note(family: str) -> str:
    """One line from the training record next to the bundled weights, when it is there."""
    path = REPO_ROOT / "assets" / "weights" / f"shapes_{family}.json"
    if not path.is_file():
        return f"Offline fallback: ShapesWorld `{family}` weights (5 shape classes), trained by KeyPoint."
    return "Offline fallback: ShapesWorld weights (5 shape classes). " + describe(read_record(path))


def _card(name: str, family: str, task: str, license: str, pretrained: Source, shapes: str, notes: str,
          **extra) -> ModelCard:
    return ModelCard(name=name, family=family, task=task, license=license,
                     sources=(pretrained, shapes_source(shapes)), notes=f"{notes} {_shapes_note(shapes)}",
                     page="detection", extra={"shapes": shapes, **extra})


def _tv(ref: str, size_mb: float) -> Source:
    return Source(kind="pretrained", hub="torchvision", ref=ref, size_mb=size_mb)


# Page order: the fast default first (the Detection page lists them in this order).
CARDS: list[ModelCard] = [
    _card("yolox-nano", "YOLO", "detection", "Apache-2.0",
          Source(kind="pretrained", hub="onnx", ref="yolox_nano.onnx", url=YOLOX_RELEASE + "yolox_nano.onnx",
                 sha256="e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd", size_mb=3.7),
          "yolo", "YOLOX-Nano (Megvii): anchor-free, 0.91M parameters, 416x416 input, COCO 80 classes, "
          "run through OpenCV DNN.", runner="yolox", input_size=416, speed="fast"),
    _card("fasterrcnn-mobilenet-320", "Faster R-CNN", "detection", TV_LICENSE,
          _tv("FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.DEFAULT", 74.2),
          "frcnn", "Faster R-CNN, MobileNetV3-Large FPN backbone at 320 px: the fast two-stage detector. COCO.",
          runner="torchvision", speed="fast"),
    _card("ssdlite320", "SSD", "detection", TV_LICENSE,
          _tv("SSDLite320_MobileNet_V3_Large_Weights.DEFAULT", 13.4),
          "ssd", "SSDlite, MobileNetV3-Large at 320x320: single-shot, default boxes on 6 feature maps. COCO.",
          runner="torchvision", speed="fast"),
    _card("deeplabv3-mobilenet", "DeepLab", "semantic segmentation", TV_LICENSE,
          _tv("DeepLabV3_MobileNet_V3_Large_Weights.DEFAULT", 42.3),
          "deeplab", "DeepLabV3, MobileNetV3-Large backbone, atrous spatial pyramid pooling; "
          "21 Pascal VOC classes (trained on a COCO subset).", runner="torchvision", speed="fast"),
    _card("yolox-tiny", "YOLO", "detection", "Apache-2.0",
          Source(kind="pretrained", hub="onnx", ref="yolox_tiny.onnx", url=YOLOX_RELEASE + "yolox_tiny.onnx",
                 size_mb=19.3),
          "yolo", "YOLOX-Tiny: 5.1M parameters, 416x416 input, COCO 80 classes.",
          runner="yolox", input_size=416, speed="fast"),
    _card("yolox-s", "YOLO", "detection", "Apache-2.0",
          Source(kind="pretrained", hub="onnx", ref="yolox_s.onnx", url=YOLOX_RELEASE + "yolox_s.onnx",
                 size_mb=35.9),
          "yolo", "YOLOX-S: 9.0M parameters, 640x640 input, COCO 80 classes.",
          runner="yolox", input_size=640, speed="medium"),
    _card("detr-resnet-50", "DETR", "detection", "Apache-2.0",
          Source(kind="pretrained", hub="hf", ref="facebook/detr-resnet-50", size_mb=167.0),
          "detr", "DETR with a ResNet-50 backbone (Facebook AI): a transformer decodes 100 object queries "
          "matched one-to-one to objects, so no NMS. COCO.", runner="detr", speed="slow"),
    _card("fasterrcnn-mobilenet", "Faster R-CNN", "detection", TV_LICENSE,
          _tv("FasterRCNN_MobileNet_V3_Large_FPN_Weights.DEFAULT", 74.2),
          "frcnn", "Faster R-CNN, MobileNetV3-Large FPN backbone at full resolution. COCO.",
          runner="torchvision", speed="medium"),
    _card("fasterrcnn-resnet50-v2", "Faster R-CNN", "detection", TV_LICENSE,
          _tv("FasterRCNN_ResNet50_FPN_V2_Weights.DEFAULT", 167.1),
          "frcnn", "Faster R-CNN v2, ResNet-50 FPN backbone (improved recipe, 46.7 box AP). COCO.",
          runner="torchvision", speed="slow"),
    _card("maskrcnn-resnet50-v2", "Mask R-CNN", "instance segmentation", TV_LICENSE,
          _tv("MaskRCNN_ResNet50_FPN_V2_Weights.DEFAULT", 177.6),
          "maskrcnn", "Mask R-CNN v2, ResNet-50 FPN: Faster R-CNN plus a mask head, one mask per object. COCO.",
          runner="torchvision", speed="slow"),
    _card("ssd300-vgg16", "SSD", "detection", TV_LICENSE,
          _tv("SSD300_VGG16_Weights.DEFAULT", 135.9),
          "ssd", "SSD300 with a VGG-16 backbone, the original single-shot detector. COCO.",
          runner="torchvision", speed="slow",
          load_peak_mb=660),  # torchvision builds the whole VGG-16 (528 MB) before keeping its features
    _card("deeplabv3-resnet50", "DeepLab", "semantic segmentation", TV_LICENSE,
          _tv("DeepLabV3_ResNet50_Weights.DEFAULT", 160.5),
          "deeplab", "DeepLabV3, ResNet-50 backbone; 21 Pascal VOC classes.", runner="torchvision", speed="slow"),
]

MODEL_NAMES = [c.name for c in CARDS]  # the Detection page's model list, in page order
_BY_NAME = {c.name: c for c in CARDS}


def kind_of(name: str) -> str:
    """"detect", "instance" or "segment" for the vision card `name`."""
    return KIND_OF_TASK[_BY_NAME[name].task]
