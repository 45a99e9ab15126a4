"""Draw a digit for the digits LeNet (CNNs page, Feature maps tab): a black square and a white brush, the
drawing brought to the training data's form (core.vision.draw.digit), then what the network sees, its 10
probabilities, every layer's feature maps and Grad-CAM."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import canvas, ui
from core.zoo.record import from_card

SIDE = 280  # canvas pixels; a digit drawn at full height is ~200 px, the brush 18 px (~3 px at NIST's 32)
BRUSH = 18


@st.cache_data(show_spinner=False)
def _held_out():
    from core.vision.draw.digit import held_out_digits

    return held_out_digits()


@st.cache_data(show_spinner="Drawing the held-out digits through the same road...")
def _drawn_like_acc(_model, card: str, mode: str) -> float:  # keyed by card and mode (_model is not hashed)
    from core.vision.draw.digit import drawn_like_accuracy

    digits, labels = _held_out()
    return drawn_like_accuracy(_model, digits, labels)


def _enlarge(a: np.ndarray, px: int = 196) -> np.ndarray:
    f = max(1, px // a.shape[0])
    return a.repeat(f, 0).repeat(f, 1)


def _sample_strip(digits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """One held-out digit per class, side by side at the network's scale (8 x 8 enlarged 4x)."""
    firsts = [int(np.flatnonzero(labels == c)[0]) for c in range(10)]
    tiles = [np.pad(_enlarge(digits[i], 48), ((0, 0), (0, 6)), constant_values=1.0) for i in firsts]
    return np.concatenate(tiles, axis=1)[:, :-6]


def _input(drawing: "canvas.Drawing | None", sample_rgba: np.ndarray | None) -> np.ndarray | None:
    """The canvas's ink, plus the sample's when one is behind it (the student may add strokes to it)."""
    layers = [a for a in ((drawing.image if drawing else None), sample_rgba) if a is not None]
    if not layers:
        return None
    if len(layers) == 2 and layers[0].shape[:2] != layers[1].shape[:2]:
        return layers[1]
    out = layers[0].copy()
    for a in layers[1:]:
        out = np.maximum(out, a)
    return out


def digit_panel(card: str, mode: str, clf) -> None:
    from core.vision.cnn.looks import grad_cam, look, spatial_layers
    from core.vision.draw.digit import layer_outputs, prepare_drawing, render_digit, to_bitmap
    from core.viz import cnn as viz
    from core.viz.drawing import class_probs_chart

    digits, labels = _held_out()
    st.image(_sample_strip(digits, labels), caption="The digits it learnt from (held-out ones, 8 x 8 each, "
             "one per class). Draw yours on the black square: it is cropped, centred and counted in 4 x 4 blocks "
             "the way these were made.", width="content", clamp=True)
    ss = st.session_state
    ss.setdefault("cnn_digit_n", 0)  # bumping it gives a fresh, empty canvas
    ss.setdefault("cnn_digit_sample", 0)  # index of the held-out digit behind the canvas, or None
    b1, b2, _ = st.columns([1, 1, 3])
    if b1.button("Clear", key="cnn_digit_clear", icon=":material/ink_eraser:"):
        ss["cnn_digit_n"] += 1
        ss["cnn_digit_sample"] = None
    if b2.button("Try a sample", key="cnn_digit_try", icon=":material/casino:"):
        ss["cnn_digit_n"] += 1
        nxt = ss["cnn_digit_sample"]
        ss["cnn_digit_sample"] = 0 if nxt is None else (nxt + 1) % len(digits)
    idx = ss["cnn_digit_sample"]
    sample = render_digit(digits[idx], SIDE, 200) if idx is not None else None
    left, right = st.columns([1, 1])
    with left:
        d = canvas.draw(f"cnn_digit_canvas_{ss['cnn_digit_n']}", mode="draw", width=SIDE, height=SIDE,
                        stroke="#ffffff", stroke_width=BRUSH, background_color="#000000", image_data=True,
                        background=sample[..., :3] if sample is not None else None)
        if d is None:  # no canvas here: held-out digits only
            idx = st.slider("Held-out digit", 0, len(digits) - 1, idx or 0, key="cnn_digit_idx", bind="query-params")
            sample = render_digit(digits[idx], SIDE, 200)
        st.caption(f"Behind the brush: held-out digit #{idx} (truth **{labels[idx]}**)." if idx is not None
                   else "Draw a digit with the mouse (or a finger); it is read when you lift the pen.")
    drawn = prepare_drawing(_input(d, sample), clf.size)
    if drawn is None:
        right.info("Nothing drawn yet: draw a digit on the black square, or press **Try a sample**.")
        return
    x = drawn.x  # [1, 1, 28, 28]
    lk = look(clf.model, x, "6")  # Grad-CAM at the last convolutional stage (16 x 10 x 10)
    seen = (x[0, 0].numpy() * 0.25 + 0.5).clip(0, 1)  # back to [0, 1] for the eye
    with right:
        pred = int(lk.probs.argmax())
        st.metric("LeNet reads", pred, f"{lk.probs[pred]:.0%} sure", delta_color="off")
        if drawn.note:
            st.warning(drawn.note)
        st.altair_chart(class_probs_chart(lk.probs, clf.class_names), width="stretch")
    c1, c2, c3 = st.columns(3)
    c1.image(_enlarge(drawn.bitmap.astype(np.float32), 192), caption="1. cropped to the ink, longer side 32 px, "
             "centred, black or white (NIST's bitmap)", width="stretch", clamp=True)
    c2.image(_enlarge(drawn.digit8, 192), caption="2. inked pixels per 4 x 4 block / 16: the 8 x 8 digit",
             width="stretch", clamp=True)
    c3.image(_enlarge(seen, 196), caption=f"3. what the network sees: 8 x 8 upsampled to {clf.size} x {clf.size}",
             width="stretch", clamp=True)
    g1, g2 = st.columns([1, 2])
    rgb = (np.stack([_enlarge(seen, 196)] * 3, axis=-1) * 255).astype(np.uint8)
    g1.image(viz.cam_overlay(rgb, lk.cam), width="stretch",
             caption=f"Grad-CAM for '{pred}' at layer 6 (after the second convolution): where the evidence is")
    layers = spatial_layers(clf.model, (1, clf.size, clf.size))
    outs = layer_outputs(clf.model, x, layers)
    with g2:
        for name in layers:
            a = outs[name]
            kind = type(clf.model.get_submodule(name)).__name__
            st.image(viz.feature_grid(a, list(range(a.shape[0])), cols=8, cell=44), clamp=True,
                     caption=f"layer {name} ({kind}): {a.shape[0]} maps of {a.shape[1]} x {a.shape[2]}")
    held = from_card(clf.card)  # the bundled digits LeNet's TrainingRecord
    st.caption(f"Held-out {held.metric} on the card: **{held.value:.1%}** of {held.n_held_out} digits it never saw")
    st.caption(f"The same 300 digits drawn on this canvas (three sizes and places) and read back through the "
               f"steps above: **{_drawn_like_acc(clf.model, card, mode):.1%}**. Mouse drawings are thinner "
               "and rounder than the pen strokes of 1998; a wobbly 7 may read as a 1.")
    ui.show_code(prepare_drawing, to_bitmap, grad_cam)
