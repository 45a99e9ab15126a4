"""The MAE tab: hide patches (at random, or painted), let the encoder see the rest, and rebuild the hidden
ones; what hiding saves the encoder, and the loss on the hidden patches only."""
from __future__ import annotations

import streamlit as st
import torch

from app_pages.parts import export, present, ui
from app_pages.vision_transformers.picture import enlarge, model_and_picture
from core.runtime import torch_rng
from core.vision.vit.mae import encode_visible, masked_loss, random_mask, run_mae
from core.vision.vit.mae_view import mae_view
from core.vision.vit.pixels import draw_grid, model_side, resize_square, shade_patches
from core.viz import vit as vz


def _painted_or_picked(img, g: int, side: int):
    """MAE's hidden patches from paint on the picture (every patch the brush touches), or from a list when
    the canvas cannot load. None when nothing is painted yet."""
    from app_pages.parts import canvas
    from core.vision.draw.patches import paint_mask, painted_patches

    N = g * g
    if img is None:
        return None
    shown = draw_grid(enlarge(resize_square(img, side), 336), max(1, 336 // g))
    d = canvas.draw("mae_paint", mode="draw", background=shown, width=336, height=336, stroke="rgba(255, 60, 60, 0.6)",
                    stroke_width=22, image_data=True)
    if d is not None:
        st.caption("Paint over the picture: every patch your brush touches is hidden from the encoder "
                   "(the bin icon above the picture wipes the paint).")
    if d is None:
        centre = [r * g + c for r in range(g // 4, 3 * g // 4) for c in range(g // 4, 3 * g // 4)]
        return st.multiselect("Patches to hide (row, column)", list(range(N)), default=centre, key="mae_pick", bind="query-params",
                              format_func=lambda i: f"row {i // g}, col {i % g}")
    painted = paint_mask(d.image)
    if painted is None or not painted.any():
        st.info("Nothing painted yet: paint over a part of the picture to hide it.")
        return None
    return painted_patches(painted, g).tolist()


def render(mode: str) -> None:
    model, proc, _, img = model_and_picture(
        "mae", mode, "Offline: a small MAE KeyPoint trained on ShapesWorld pictures, because "
                     "`facebook/vit-mae-base` is not cached here. Same Hugging Face ViTMAE modules either way.")
    g = model_side(proc) // model.config.patch_size
    N = g * g
    how = st.radio("Which patches to hide", ["Random, at a ratio", "Paint them"], key="mae_how", bind="query-params", horizontal=True)
    if how == "Random, at a ratio":
        c1, c2 = st.columns(2)
        ratio = present.stepper("Mask ratio", [round(0.05 * i, 2) for i in range(20)], 0.75, key="mae_ratio", where=c1)
        mseed = c2.number_input("Mask seed", 0, 10**6, ui.seed(), key="mae_seed", bind="query-params")
        hidden = torch.nonzero(random_mask(N, ratio, torch_rng(int(mseed)))).flatten().tolist()
    else:
        hidden = _painted_or_picked(img, g, model_side(proc))
    mask = torch.zeros(N, dtype=torch.bool)
    mask[hidden or []] = True
    if img is None or hidden is None:
        return
    if mask.all():
        raise ValueError("leave at least one patch visible: the encoder needs something to see")
    v = mae_view(model, proc, img, mask)
    big = enlarge(v.image)
    cols = st.columns(4)
    cols[0].image(draw_grid(big, v.patch * big.shape[0] // v.image.shape[0]), caption="Input")
    cols[1].image(enlarge(shade_patches(v.image, v.patch, v.mask)), caption=f"What the encoder sees ({int(v.mask.sum())} of {N} hidden)")
    cols[2].image(enlarge(v.reconstruction), caption="Reconstruction (hidden patches from the decoder)")
    export.png(v.reconstruction, "mae-reconstruction", f"{int(v.mask.sum())}-of-{N}-hidden", label="PNG",
               where=cols[2])
    cols[3].image(enlarge(v.prediction), caption="The decoder's prediction for every patch")
    m1, m2, m3 = st.columns(3)
    m1.metric("Encoder tokens", f"{v.visible_tokens} of {v.all_tokens}")
    m2.metric("Encoder FLOPs (FlopCounterMode)", f"{v.flops_visible / 1e6:,.1f} M",
              f"{v.flops_visible / v.flops_all - 1:+.0%} vs all {v.flops_all / 1e6:,.1f} M", delta_color="inverse")
    m3.metric("Loss on hidden patches (MSE)", f"{v.loss:.4f}")
    # a width="content" chart in a tab that is hidden when it renders comes out zero-wide: use a column
    ui.chart(st.columns([2, 3])[0], vz.patch_loss_chart(v.patch_loss))
    st.caption("The loss counts hidden patches only: copying a visible patch earns nothing, so the "
               "encoder must understand the picture from the few it sees.")
    ui.show_code(random_mask, encode_visible, run_mae, masked_loss)
