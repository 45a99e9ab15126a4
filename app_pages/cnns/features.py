"""The Feature maps & Grad-CAM tab: a classifier's feature maps and Grad-CAM on a ShapesWorld image or a
photo (the digits LeNet reads drawn digits instead: digit.py)."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import export, ui


@ui.cached_model
def _classifier(card: str, mode: str):
    from core.vision.cnn.classifiers import load_classifier

    return load_classifier(card, mode)  # shared by every session: looks never change it


@st.cache_data(show_spinner=False)
def _shapes_samples():
    from core.vision.cnn.explore import shapes_samples

    return shapes_samples()


@st.cache_data(show_spinner=False, max_entries=16)
def _default_index(card: str, mode: str) -> int:
    from core.vision.cnn.explore import first_correct

    images, labels, _ = _shapes_samples()
    clf, _ = _classifier(card, mode)
    return first_correct(clf, images, labels) if not clf.imagenet else 0


@st.cache_data(show_spinner=False, max_entries=16)
def _layers(card: str, mode: str, shape: tuple) -> list[str]:
    from core.vision.cnn.looks import spatial_layers

    return spatial_layers(_classifier(card, mode)[0].model, shape)


def render():
    import numpy as np

    from core.vision.cnn.classifiers import CARD_NAMES
    from core.vision.cnn.looks import grad_cam, look, strongest_channels
    from core.viz import cnn as viz
    from core.zoo import get_card

    card = st.selectbox("Network", CARD_NAMES, key="cnn_fm_net", bind="query-params",
                        format_func=lambda n: f"{n} ({get_card(n).family})")
    mode = ui.model_source()
    with ui.friendly_errors("Loading the network"):
        clf, res = _classifier(card, mode)
        ui.source_badge(res)
        st.caption(f"Showing **{clf.label}**: {clf.size} x {clf.size} input, {len(clf.class_names)} classes"
                   + ("." if clf.imagenet or clf.card.get("data") == "digits" else " (no ImageNet weights on this "
                      "machine, so KeyPoint's own network of the same family, trained on its ShapesWorld shapes, stands in)."))
        if clf.card.get("data") == "digits":  # the digits LeNet reads digits, drawn or held out, never shapes
            from app_pages.cnns.digit import digit_panel

            digit_panel(card, mode, clf)
            return
        src = st.radio("Image", ["ShapesWorld (held out)", "Photo, upload or camera"], horizontal=True, key="cnn_fm_src", bind="query-params")
        if src.startswith("ShapesWorld"):
            images, labels, names = _shapes_samples()
            idx = st.slider("ShapesWorld image", 0, len(images) - 1, _default_index(card, mode), key="cnn_fm_idx", bind="query-params")
            rgb, truth, name = images[idx], names[labels[idx]], f"ShapesWorld image {idx}"
        else:
            name, _, rgb = ui.image_input("cnn_fm")
            truth = None
        if rgb is None:
            return
        try:
            x = clf.prepare(np.asarray(rgb))
        except ValueError as e:  # bad picture, not a bad network: name the file and the step
            st.warning(f"Preparing **{ui.shown(name)}** for {clf.label}: {e}. "
                       "Try a larger picture.")
            return
        layers = _layers(card, mode, tuple(x.shape[1:]))
        c1, c2 = st.columns(2)
        layer = c1.selectbox("Layer", layers, index=len(layers) - 1, key="cnn_fm_layer", bind="query-params",
                             help="The last feature map before pooling is where Grad-CAM is usually taken.")
        target = c2.selectbox("Grad-CAM for class", ["predicted"] + list(clf.class_names), key="cnn_fm_class", bind="query-params")
        lk = look(clf.model, x, layer, None if target == "predicted" else clf.class_names.index(target))
        shown = np.asarray(rgb)
        if max(shown.shape[:2]) < 256:  # small ShapesWorld images: enlarge for the eye (nearest neighbour)
            f = 256 // max(shown.shape[:2])
            shown = shown.repeat(f, 0).repeat(f, 1)
        i1, i2, i3 = st.columns(3)
        i1.image(shown, caption="input" + (f" (truth: {truth})" if truth else ""), width="stretch")
        cam_picture = viz.cam_overlay(shown, lk.cam)
        i2.image(cam_picture, width="stretch", caption=f"Grad-CAM for '{clf.class_names[lk.target]}' at {layer}")
        export.png(cam_picture, "gradcam", card, clf.class_names[lk.target], layer, label="Grad-CAM (PNG)", where=i2)
        ui.chart(i3, viz.topk_chart(lk.top, clf.class_names), width="stretch")
        C, h, w = lk.activations.shape
        chans = strongest_channels(lk.activations, 16)
        st.image(viz.feature_grid(lk.activations, chans), caption=f"{layer}: the 16 strongest of {C} channels, "
                 f"each {h} x {w} (white = high)")
    ui.show_code(look, grad_cam)
