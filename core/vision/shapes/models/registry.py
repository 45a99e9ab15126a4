"""Every ShapesWorld model family by name. The registry imports the models; the models import
only `family.py` (the adapter type), so there is no import circle."""
from __future__ import annotations

from core.vision.shapes.models import deeplab, detr, faster_rcnn, ssd, yolov1
from core.vision.shapes.models.family import Family

FAMILIES = ("frcnn", "maskrcnn", "yolo", "ssd", "detr", "deeplab", "deeplab_v1", "deeplab_v2", "deeplab_v3")
DEEPLABS = {"v1": "deeplab_v1", "v2": "deeplab_v2", "v3": "deeplab_v3", "v3+": "deeplab"}  # variant -> family


def get_family(name: str) -> Family:
    """The adapter for a family name (see FAMILIES)."""
    if name in ("frcnn", "maskrcnn"):
        return faster_rcnn.family(mask=name == "maskrcnn")
    if name in DEEPLABS.values():
        return deeplab.family({f: v for v, f in DEEPLABS.items()}[name])
    makers = {"yolo": yolov1.family, "ssd": ssd.family, "detr": detr.family}
    if name not in makers:
        raise ValueError(f"unknown family {name!r}; choose one of {', '.join(FAMILIES)}")
    return makers[name]()
