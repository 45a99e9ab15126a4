"""Detection & segmentation: YOLOX, DETR, Faster/Mask R-CNN, SSD and DeepLab draw on your image.

The network runs once per (image, model, input size) (st.cache_data); thresholds, NMS, class filter
and opacity only re-run the cheap post-processing and the overlay. Beside this file: picture.py (the
scene or photo), panel.py (one model's result and its downloads).
"""
from contextlib import nullcontext

import streamlit as st

from app_pages.detection.panel import panel
from app_pages.detection.picture import pick
from app_pages.parts import ui
from core.vision import detect
from core.vision.types import Detections
from core.zoo import get_card, resolve

MAX_COMPARE = 4
SIZES = [256, 320, 384, 448, 512, 640, 800]


@ui.cached_model
def get_model(name: str, mode: str, input_size: int | None) -> detect.LoadedModel:
    return detect.load_model(name, mode, input_size)


@st.cache_data(show_spinner=False, max_entries=32)
def get_candidates(image_bytes: bytes, name: str, mode: str, input_size: int | None):
    """The network's raw output for one image (before threshold/NMS), keyed by the image bytes."""
    from core.vision.image import load_image

    return detect.predict(get_model(name, mode, input_size), detect.fit_image(load_image(image_bytes).rgb))


def load_and_run(name: str, image_bytes: bytes, mode: str, input_size: int | None):
    """(model, candidates) or (None, message). Slow models run under a status box."""
    res = resolve(get_card(name), mode)
    if res.source is None:  # say so at once: no status box for a model that cannot load
        return None, detect.missing_message(res)
    slow = get_card(name).extra.get("speed") == "slow" and res.source.kind != "bundled"
    box = st.status(f"Running {name} (slow on a CPU)...", expanded=False) if slow else st.spinner(f"Running {name}...")
    with box:
        try:
            with get_model.hold(name, mode, input_size) as model:  # the budget keeps it loaded while it runs
                with ui.heavy_slot(f"Running {name}") if slow else nullcontext():  # big models queue with training
                    raw = get_candidates(image_bytes, name, mode, input_size)
        except ValueError as e:  # ModelUnavailable included: a clear reason, e.g. fallback weights missing
            message = str(e) if isinstance(e, detect.ModelUnavailable) else f"{name}: {e}"
        except Exception as e:  # noqa: BLE001 - one broken model must not take the page down
            message = f"{name} failed: {type(e).__name__}: {e}"
        else:
            if slow:
                box.update(label=f"{name}: done in {raw.meta['ms']:.0f} ms", state="complete")
            return model, raw
    if slow:
        box.update(label=f"{name}: not available", state="error")
    return None, message


st.title("Detection & segmentation")
mode = ui.model_source()
if detect.source_kind(st.session_state.get("det_model") or detect.MODEL_NAMES[0], mode) == "bundled":
    st.markdown("Pick an image and a model: the boxes, labels and masks are what the network computes now. The "
                "pretrained checkpoints are not on this machine, so each model runs as its **ShapesWorld stand-in**: "
                "the same family of network, trained by KeyPoint on generated shapes (5 classes, not COCO). The page "
                "opens on a ShapesWorld scene, where the stand-ins are right; `python -m core.zoo download` fetches "
                "the real weights while online.")
else:
    st.markdown("Pick an image and a model: the boxes, labels and masks are what the network computes now, on "
                "your picture. YOLOX-Nano (0.9 M parameters) answers in tens of milliseconds; the ResNet-50 models "
                "take seconds on a CPU, so they run under a status box.")

image_label, image_bytes, rgb, on_scene = pick(mode)

c1, c2 = st.columns([1, 3])
compare = c1.toggle("Compare side by side", key="det_compare", bind="query-params")
label = lambda n: detect.model_label(n, mode)  # noqa: E731 - what will really be loaded, in the selector itself
if compare:
    names = c2.multiselect(f"Models (2 to {MAX_COMPARE})", detect.MODEL_NAMES, key="det_models", bind="query-params",
                           default=detect.compare_default(mode), max_selections=MAX_COMPARE, format_func=label)
    sizes = {n: None for n in names}
else:
    name = c2.selectbox("Model", detect.MODEL_NAMES, index=0, key="det_model", bind="query-params", format_func=label)
    names = [name]
    default = detect.default_input_size(name)
    sizes = {name: None}
    if default is not None and get_card(name).extra["runner"] != "yolox" and detect.source_kind(name, mode) == "pretrained":
        sizes[name] = st.select_slider("Input size (shorter side, pixels): smaller is faster, larger finds "
                                       "small objects", SIZES, value=default, key=f"det_size_{name}", bind="query-params")

s1, s2, s3 = st.columns(3)
score_thr = s1.slider("Score threshold", 0.05, 0.95, detect.DEFAULT_SCORE_THR, 0.05, key="det_score", bind="query-params",
                      help="Hide detections the model is less sure of.")
nms_iou = s2.slider("NMS IoU", 0.1, 0.9, detect.DEFAULT_NMS_IOU, 0.05, key="det_nms", bind="query-params",
                    help="Two boxes of the same class overlapping more than this: keep only the higher score. "
                         "DETR and DeepLab do not use NMS.")
opacity = s3.slider("Mask opacity", 0.0, 1.0, 0.5, 0.05, key="det_opacity", bind="query-params")

if image_bytes is None or rgb is None:
    st.stop()
if max(rgb.shape[:2]) > detect.MAX_SIDE:
    rgb = detect.fit_image(rgb)  # the same pixels the models see (get_candidates does the same)
    st.caption(f"Working at {rgb.shape[1]}x{rgb.shape[0]} pixels (the detectors shrink larger images anyway).")
if compare and len(names) < 2:
    st.info("Choose at least two models to compare.")
    st.stop()

runs = {n: load_and_run(n, image_bytes, mode, sizes[n]) for n in names}
available = sorted({c for m, r in runs.values() if m is not None and isinstance(r, Detections)
                    for c in m.class_names if c not in ("N/A", "__background__")})
if "det_classes" in st.session_state:  # keep only choices the current models still know
    st.session_state["det_classes"] = [c for c in st.session_state["det_classes"] if c in available]
chosen = st.multiselect("Show only these classes (empty: all)", available, key="det_classes", bind="query-params")
classes = set(chosen) or None

cols = st.columns(len(names))
for i, (n, (model, raw)) in enumerate(runs.items()):
    if model is None:
        cols[i].warning(raw)
        continue
    result = detect.postprocess(raw, score_thr, nms_iou if model.uses_nms else None, classes)
    panel(cols[i], n, model, result, rgb, opacity, image_label, key=f"{i}_{n}", score_thr=score_thr, on_scene=on_scene)
    if not compare and isinstance(result, Detections):
        from app_pages.parts import gt_check

        with ui.friendly_errors("Judging against your ground truth"):
            gt_check.section(rgb, result, n)

st.subheader("Semantic vs instance segmentation")
st.markdown("**Semantic** segmentation (DeepLab) gives every pixel a class, so two objects of one class side by side "
            "become one region; **instance** segmentation (Mask R-CNN) gives each object its own mask, so you can "
            "count and tell them apart.")
if st.toggle("Run DeepLab and Mask R-CNN side by side (Mask R-CNN takes a few seconds)", key="det_semantic", bind="query-params"):
    from core.viz.overlay import encode_png

    pair = ["deeplabv3-mobilenet", "maskrcnn-resnet50-v2"]
    real = all(detect.source_kind(n, mode) == "pretrained" for n in pair)
    with ui.friendly_errors("The comparison picture"):
        pair_rgb, pair_caption = detect.semantic_vs_instance_image(real, ui.seed())
        st.caption(pair_caption)
        pair_bytes = encode_png(pair_rgb)
        pcols = st.columns(2)
        for i, n in enumerate(pair):
            model, raw = load_and_run(n, pair_bytes, mode, None)
            if model is None:
                pcols[i].warning(raw)
                continue
            result = detect.postprocess(raw, score_thr, nms_iou if model.uses_nms else None, None)
            panel(pcols[i], n, model, result, pair_rgb, opacity, pair_caption, key=f"sem_{n}", score_thr=score_thr,
                  on_scene=not real)

from core.vision import boxes  # noqa: E402 - only for "show the code"
from core.vision.pretrained import yolox  # noqa: E402

ui.show_code(yolox.letterbox, yolox.decode, boxes.nms, detect.postprocess)
