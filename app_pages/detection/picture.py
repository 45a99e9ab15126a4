"""The Detection page's picture: a ShapesWorld scene (where the stand-in models are right) or a photo."""
import numpy as np
import streamlit as st

from app_pages.parts import ui
from core.vision import detect


def pick(mode: str) -> tuple[str, bytes | None, np.ndarray | None, bool]:
    """A ShapesWorld scene, or a photo (ui.image_input: sample / upload / camera) -> (label, bytes, RGB, is a scene).

    Opens on a ShapesWorld scene when the chosen model resolves to its ShapesWorld stand-in (where it is
    right), on a photo when it has its real weights."""
    from core.viz.overlay import encode_png

    first = st.session_state.get("det_model") or detect.MODEL_NAMES[0]
    scene_first = detect.source_kind(first, mode) == "bundled"
    options = ["ShapesWorld scene", "Photo (sample, upload or camera)"]
    c1, c2 = st.columns([3, 2])
    choice = c1.radio("Picture", options, index=0 if scene_first else 1, key="det_source", bind="query-params", horizontal=True)
    if choice == options[0]:
        seed = int(c2.number_input("Scene seed", 0, 99_999, ui.seed(), key="det_scene_seed", bind="query-params"))
        rgb, _ = detect.shapes_scene(first, seed)
        return f"shapesworld_{seed}.png", encode_png(rgb), rgb, True
    label, raw, rgb = ui.image_input("det")
    if raw is None and st.session_state.get("det_mode") == "Camera":
        st.caption(":material/photo_camera: Camera: allow the browser to use your camera, then press *Take photo*; "
                   "or pick *ShapesWorld scene* above.")
    return label, raw, rgb, False
