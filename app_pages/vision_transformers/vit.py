"""The ViT tab: patches and tokens, where the CLS token looks (attention and rollout), and what the
positional embeddings learned."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.parts import present, ui
from app_pages.vision_transformers.picture import enlarge, model_and_picture
from core.nn.rollout import rollout
from core.vision.vit.patches import embed_patches, patchify
from core.vision.vit.pixels import draw_grid, heat_overlay, model_side, resize_square, token_strip
from core.vision.vit.vit_view import vit_view
from core.viz import vit as vz


def render(mode: str) -> None:
    model, proc, bundled, img = model_and_picture(
        "vit", mode, "Offline: a small ViT KeyPoint trained on ShapesWorld (5 shape classes), because "
                     "`google/vit-base-patch16-224` is not cached here. Same Hugging Face ViT code either way.")
    if img is None:
        return
    st.subheader("1 · Patches and tokens")
    p = st.segmented_control("Patch size", [8, 16, 32], default=16, key="vit_patch", bind="query-params") or 16
    img224 = resize_square(img, 224)
    g = 224 // p
    c1, c2 = st.columns([1, 2])
    c1.image(draw_grid(img224, p), caption=f"{g} × {g} = {g * g} patches of {p} × {p} px", width=260)
    c2.image(token_strip(img224, p, 12, scale=max(1, 32 // p)),
             caption=f"The token sequence: CLS (black: a learned vector) + {g * g} patches in raster order "
                     f"= {g * g + 1} tokens, each patch {p}·{p}·3 = {p * p * 3} numbers.")
    view = vit_view(model, proc, img)
    st.markdown(f"This model cuts its {model_side(proc)} px input into **{view.patch} px** patches: "
                f"{view.grid} × {view.grid} grid, **{view.tokens} tokens**, each projected to "
                f"{view.dim} numbers. The projection is one matrix on the flattened patch; it equals a "
                f"convolution with stride = kernel = patch size: largest difference on this image "
                f"**{view.conv_vs_linear_err:.1e}**.")
    st.dataframe(pd.DataFrame(view.top, columns=["class", "probability"]), hide_index=True, width=360)
    st.subheader("2 · Where the CLS token looks")
    ui.chart(st, vz.layer_maps(view.cls_attention, "CLS attention to each patch, per layer (head average)"),
             width="content")
    ui.chart(st, vz.layer_maps(view.rollout, "Attention rollout: CLS through layers 1…l (residual included)"),
             width="content")
    layer = present.stepper("Layer to overlay", range(1, len(view.rollout) + 1), len(view.rollout), key="vit_layer")
    o1, o2 = st.columns(2)
    o1.image(heat_overlay(enlarge(view.image), view.cls_attention[layer - 1]), caption=f"CLS attention, layer {layer}")
    o2.image(heat_overlay(enlarge(view.image), view.rollout[layer - 1]), caption=f"Rollout to layer {layer}")
    st.subheader("3 · What the positional embeddings learned")
    ui.chart(st, vz.pos_similarity_panels(view.pos_similarity, view.grid, step=1 if view.grid <= 8 else 2),
             width="content")
    st.caption("Nobody tells a ViT that the patches form a grid; a well-trained one (the pretrained ViT-B/16) "
               "ends up with each position most similar to its own row and column neighbours (the ViT "
               "paper's Figure 7)."
               + (" The small offline model trained for 8 CPU minutes: expect only a faint version (mostly "
                  "edge versus centre)." if bundled else "")
               + (" Larger grids show every other row and column." if view.grid > 8 else ""))
    ui.show_code(patchify, embed_patches, vit_view, rollout)
