"""Detection page benchmarks: the whole pipeline vs the bare network, and OpenCV DNN vs onnxruntime.

detect_<model>_ms: decode the image bytes, preprocess, forward, postprocess (threshold + NMS) and
draw the overlay, as the page does on a new image; baseline = the bare forward pass on an already
prepared input. Both are timed in alternation in the same run (median of N), so a busy machine
slows both alike. Models whose weights do not resolve here are reported as skipped.
"""
from __future__ import annotations

import io
import statistics
import time

import numpy as np

REPEATS = 15
WARMUP = 3
DEFAULT_MODELS = ["yolox-nano", "fasterrcnn-mobilenet-320", "ssdlite320", "deeplabv3-mobilenet"]


def sample_640x480_jpeg() -> bytes:
    """The motorcycle sample at 640x480, as JPEG bytes (what a phone upload looks like)."""
    import cv2
    from PIL import Image

    from core.vision.samples import load_sample

    rgb = cv2.resize(load_sample("motorcycle_left"), (640, 480), interpolation=cv2.INTER_AREA)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _alternate(a, b, repeats: int = REPEATS) -> tuple[float, float]:
    """Median ms of a() and b(), timed in alternation after a warm-up."""
    for _ in range(WARMUP):
        a(), b()
    ta, tb = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a()
        t1 = time.perf_counter()
        b()
        t2 = time.perf_counter()
        ta.append((t1 - t0) * 1000)
        tb.append((t2 - t1) * 1000)
    return statistics.median(ta), statistics.median(tb)


def _bare_forward(model, rgb: np.ndarray):
    """A zero-argument call of the bare network on an input prepared once, outside the timing."""
    from core.vision.pretrained.detr import DetrDetector
    from core.runtime import device
    from core.vision.image import to_tensor
    from core.vision.pretrained.torchvision_models import TorchvisionDetector, TorchvisionSegmenter
    from core.vision.pretrained.yolox import YoloxDetector, letterbox

    p = model.predictor
    if isinstance(p, YoloxDetector):
        blob, _ = letterbox(rgb, p.cfg.input_size)
        return lambda: p.forward(blob)
    if isinstance(p, TorchvisionDetector):
        x = to_tensor(rgb, device())
        return lambda: p.forward(x)
    if isinstance(p, (TorchvisionSegmenter, DetrDetector)):
        x = p.preprocess(rgb)
        return lambda: p.forward(x)
    return lambda: p.predict(rgb)  # ShapesWorld fallback: its predict is the smallest unit it exposes


def bench_detect(name: str) -> dict:
    from core.runtime import set_threads
    from core.vision import detect
    from core.vision.types import Detections
    from core.vision.image import load_image
    from core.viz.overlay import draw_detections, draw_segmentation

    set_threads()
    try:
        model = detect.load_model(name)
    except detect.ModelUnavailable as e:
        return {"value": 0.0, "unit": "ms", "baseline": None, "skipped": str(e)}
    data = sample_640x480_jpeg()
    rgb = load_image(data).rgb

    def pipeline():
        image = load_image(data).rgb
        result = detect.run_model(name, image, model=model)
        if isinstance(result, Detections):
            return draw_detections(image, result)
        return draw_segmentation(image, result)

    value, base = _alternate(pipeline, _bare_forward(model, rgb), repeats=REPEATS if model.kind == "detect" else 7)
    return {"value": value, "unit": "ms", "baseline": base, "source": model.resolution.source.kind,
            "image": "640x480 jpeg"}


def bench_yolox_cv2_vs_onnxruntime() -> dict:
    """The same YOLOX-Nano ONNX under OpenCV DNN (value) and onnxruntime (baseline, if installed)."""
    from core.runtime import set_threads
    from core.vision.image import load_image
    from core.vision.pretrained.yolox import YoloxDetector, letterbox
    from core.zoo import get_card, local_path, resolve

    threads = set_threads()
    res = resolve(get_card("yolox-nano"), "offline")
    if res.source is None or res.source.kind != "pretrained":
        return {"value": 0.0, "unit": "ms", "baseline": None, "skipped": "yolox_nano.onnx is not cached"}
    path = local_path(res.source)
    det = YoloxDetector(path)
    blob, _ = letterbox(load_image(sample_640x480_jpeg()).rgb, det.cfg.input_size)
    try:
        import onnxruntime as ort
    except ImportError:
        value, _ = _alternate(lambda: det.forward(blob), lambda: None)
        return {"value": value, "unit": "ms", "baseline": None,
                "note": "onnxruntime not installed: no baseline (pip install onnxruntime)"}
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle ORT threads must not
    # spin between its runs: they would steal the CPU from OpenCV's turn in the alternation
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0].name
    ref = sess.run(None, {inp: blob})[0][0]
    max_diff = float(np.abs(det.forward(blob) - ref).max())  # both runtimes must agree on the numbers
    value, base = _alternate(lambda: det.forward(blob), lambda: sess.run(None, {inp: blob}))
    return {"value": value, "unit": "ms", "baseline": base, "max_abs_diff": round(max_diff, 6),
            "onnxruntime": ort.__version__}


BENCHMARKS = {f"detect_{n.replace('-', '_')}_ms": (lambda n=n: bench_detect(n)) for n in DEFAULT_MODELS}
BENCHMARKS["yolox_nano_cv2_ms"] = bench_yolox_cv2_vs_onnxruntime


def bench_rcnn_vs_fast_rcnn() -> dict:
    """Fast R-CNN (value: the CNN once + RoI Pool per proposal) vs R-CNN (baseline: warp + CNN per proposal),
    on one ShapesWorld scene's selective-search proposals, same backbone (the ShapesWorld Faster R-CNN's)."""
    from core.runtime import set_threads
    from core.vision.internals.rcnn import time_rcnn_vs_fast
    from core.vision.internals.selective_search import selective_search
    from core.vision.shapes.generator import generate
    from core.vision.shapes.weights import load_shapes_model

    set_threads()
    image = generate(1, seed=0)[0].image
    boxes = selective_search(image).boxes
    backbone = load_shapes_model("frcnn").model.backbone
    runs = [time_rcnn_vs_fast(backbone, image, boxes) for _ in range(3)]
    fast = float(np.median([r.fast_ms for r in runs]))
    slow = float(np.median([r.rcnn_ms for r in runs]))
    return {"value": fast, "unit": "ms", "baseline": slow, "proposals": runs[0].proposals, "image": "ShapesWorld 128 px"}


BENCHMARKS["fast_rcnn_vs_rcnn_ms"] = bench_rcnn_vs_fast_rcnn
