"""One model's result on the Detection page: the picture with its boxes or masks, latency, count, weights
badge, what a ShapesWorld stand-in means, and the downloads (PNG, COCO JSON)."""
import streamlit as st

from app_pages.parts import export, ui
from core.vision import detect
from core.vision.types import Detections
from core.zoo import get_card


def overlay(rgb, result, opacity: float):
    from core.viz.overlay import draw_detections, draw_segmentation

    if isinstance(result, Detections):
        return draw_detections(rgb, result, mask_opacity=opacity)
    return draw_segmentation(rgb, result, opacity=opacity)


def shapes_demo(model, opacity: float) -> None:
    """The fallback model on a fresh ShapesWorld image (seeded by the sidebar seed)."""
    image, _ = detect.shapes_scene(model.name, ui.seed())
    result = detect.postprocess(detect.predict(model, image), detect.DEFAULT_SCORE_THR,
                                detect.DEFAULT_NMS_IOU if model.uses_nms else None)
    st.image(overlay(image, result, opacity), width=256,
             caption=f"ShapesWorld image, seed {ui.seed()} (change the seed in the sidebar for another)")


def panel(col, name: str, model, result, rgb, opacity: float, image_label: str, key: str, score_thr: float,
          on_scene: bool) -> None:
    """One model's picture with its latency, count, weights badge and downloads."""
    from core.vision.coco import coco_dataset
    from core.viz.overlay import legend_entries

    with col:
        st.markdown(f"**{name}**")
        img = overlay(rgb, result, opacity)
        ms = result.meta.get("ms", 0.0)
        if isinstance(result, Detections):
            count = f"{len(result)} object{'s' if len(result) != 1 else ''}"
        else:
            count = f"{sum(1 for n, _, _ in legend_entries(result) if n != result.class_names[0])} classes"
        st.image(img, width="stretch")
        st.caption(f":material/timer: {ms:.0f} ms · {count} · input {model.input_size or 'native'} px")
        ui.source_badge(model.resolution)
        if nothing := detect.nothing_found(result, score_thr):
            st.info(nothing)
        if model.fallback:
            what = "masks" if model.kind == "segment" else "boxes"
            if on_scene:
                st.info(f"ShapesWorld stand-in: KeyPoint's own {get_card(name).family} weights for the 5 ShapesWorld "
                        f"shapes ({', '.join(model.class_names[-5:])}), on the kind of scene they were trained on.")
            else:
                st.info(f"Offline fallback: these are KeyPoint's ShapesWorld weights for the {get_card(name).family} "
                        f"family; they know {len(model.class_names)} classes ({', '.join(model.class_names[:6])}), "
                        f"not COCO: on a photo its {what} mean little.")
                with st.expander("See it on the kind of image it was trained on"):
                    shapes_demo(model, opacity)
        stem = (image_label or "image").rsplit(".", 1)[0]
        row = st.container(horizontal=True)
        export.png(img, name, stem, score=score_thr, where=row, key=f"png_{key}")
        if isinstance(result, Detections):
            doc = coco_dataset(result, rgb.shape[1], rgb.shape[0], f"{stem}.png")
            export.json(doc, name, stem, score=score_thr, label="COCO JSON", where=row, key=f"json_{key}")
