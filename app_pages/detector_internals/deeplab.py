"""Detector internals, DeepLab tab: v1 -> v2 -> v3 -> v3+ trained on ShapesWorld and compared on the picture,
then the pieces: atrous receptive fields, SPP vs ASPP on the real feature map, ASPP's branches."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import ui
from app_pages.detector_internals.common import Picture, shapes_model, zoom
from core.viz.internals import maps_grid, spatial_map

# variant -> (bundled family, what its head is)
VARIANTS = {"v1": ("deeplab_v1", "atrous backbone + classifier"),
            "v2": ("deeplab_v2", "ASPP-v2: per-rate class scores, summed"),
            "v3": ("deeplab_v3", "ASPP + image pooling + BN, no decoder"),
            "v3+": ("deeplab", "v3 + decoder with stride-4 features")}


@st.cache_data(show_spinner=False, max_entries=16)
def _compare(image: np.ndarray, truth: np.ndarray | None):
    from core.vision.internals.deeplab import compare

    return compare({v: shapes_model(fam).model for v, (fam, _) in VARIANTS.items()}, image, truth)


@st.cache_data(show_spinner=False, max_entries=16)
def _aspp(image: np.ndarray):
    from core.vision.internals.deeplab import aspp_trace

    return aspp_trace(shapes_model("deeplab").model, image)


@st.cache_data(show_spinner=False, max_entries=16)
def _backbone_map(image: np.ndarray):
    from core.vision.internals.deeplab import backbone_map

    return backbone_map(shapes_model("deeplab").model, image)


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _variants_view(pic: Picture) -> None:
    """The four trained variants on the same picture, with this picture's scores and their cards' held-out ones."""
    from core.vision.internals.deeplab import compare
    from core.vision.shapes.generator import CLASSES
    from core.vision.types import Segmentation
    from core.viz.overlay import draw_segmentation

    st.markdown("**DeepLab v1 → v2 → v3 → v3+**: four networks on one backbone (stride 8, last stage atrous), "
                "each trained on ShapesWorld with the same command, data and steps; only the head differs.")
    views = _compare(pic.square, pic.gt_semantic)
    big, rows, names = zoom(pic.square), [], ["background"] + list(CLASSES)
    for col, view in zip(st.columns(4), views):
        fam, head = VARIANTS[view.variant]
        m = shapes_model(fam)
        held = m.card["training"]["held_out"]
        here = "" if view.miou is None else f"this picture: mIoU {view.miou:.2f}, boundary F1 {view.boundary_f1:.2f}; "
        seg = Segmentation(np.kron(view.classes, np.ones((3, 3), np.int64)), names)
        col.image(draw_segmentation(big, seg), width="stretch",
                  caption=f"{view.variant} ({head}): {here}held-out mIoU {held['miou']:.2f}, boundary F1 "
                          f"{held['boundary_f1']:.2f}. Weights: {m.weights.name}")
        rec = m.card["training"]
        rows.append({"variant": view.variant, "head": head, "mIoU here": _round(view.miou),
                     "boundary F1 here": _round(view.boundary_f1), "held-out mIoU": round(held["miou"], 3),
                     "held-out boundary F1": round(held["boundary_f1"], 3), "parameters": m.card["params"],
                     "steps": rec["steps"], "training (s)": rec["wall_time_s"], "weights": f"assets/weights/{m.weights.name}",
                     "held-out images": rec["n_held_out"], "command": rec["command"]})
    st.dataframe(rows, hide_index=True)
    order = {k: " > ".join(f"{r['variant']} {r[k]:.2f}" for r in sorted(rows, key=lambda r: -r[k]))
             for k in ("held-out mIoU", "held-out boundary F1")}
    st.markdown(f"Held-out mIoU: {order['held-out mIoU']}. Held-out boundary F1: {order['held-out boundary F1']}.")
    st.caption(("Scores here are against this scene's true class map. " if pic.gt_semantic is not None else
                "A photo has no true class map, so only the held-out scores are shown. ") +
               f"Held-out: {rows[-1]['held-out images']} ShapesWorld images "
               "none of them trained on (each bundle's card). Boundary F1: predicted class edges within one pixel "
               "of the true ones. Without the decoder (v1–v3) the picture is stride-8 scores upsampled: soft edges. One run "
               "each (seed 0, from scratch, 680 steps), so a small gap may not survive another seed; the papers' gains "
               "came with ImageNet-pretrained ResNets on PASCAL VOC.")
    ui.show_code(compare)


def _spp_view(pic: Picture) -> None:
    """SPP on the real map ASPP reads, and why its vector has one length for every picture size."""
    import altair as alt

    from core.vision.internals.atrous import spp_grids
    from core.vision.internals.prepare import square

    st.markdown("**SPP vs ASPP**: spatial pyramid pooling max-pools any map to 1×1, 2×2 and 4×4 grids, a vector of "
                "fixed length for any image size (for a fully connected head); ASPP keeps the map and looks at it "
                "through parallel atrous convs plus an image-level pooling branch. Below: SPP on the real map "
                "ASPP reads (the ShapesWorld DeepLab's backbone on this picture, stride 8).")
    fmap = _backbone_map(pic.square)                                     # [C, 16, 16]
    C, h, w = fmap.shape
    busiest = int(fmap.reshape(C, -1).std(1).argmax())
    ch = st.slider("Channel", 0, C - 1, busiest, key="int_spp_ch", bind="query-params",
                   help=f"Opens on channel {busiest}, the one whose values vary most over this picture.")
    grids = spp_grids(fmap)
    dom = (float(fmap[ch].min()), float(fmap[ch].max()) + 1e-6)
    panels = [spatial_map(fmap[ch], f"channel {ch}: {h}×{w} map", size=180, domain=dom, legend_title="activation")]
    panels += [spatial_map(g[ch], f"SPP {lv}×{lv}: max per bin", size=180, domain=dom, legend_title="activation")
               for lv, g in grids.items()]
    ui.chart(st, alt.hconcat(*panels), width="content")
    rows, aspp_out = [], shapes_model("deeplab").model.cfg.aspp_channels
    for side in (96, 128, 200):
        m = _backbone_map(square(pic.rgb, side)[0])
        rows.append({"input (px)": f"{side}×{side}", "feature map": "×".join(map(str, m.shape)),
                     "SPP vector": f"{m.shape[0]} × (1 + 4 + 16) = {sum(g.size for g in spp_grids(m).values())}",
                     "ASPP output": f"{aspp_out}×{m.shape[1]}×{m.shape[2]}"})
    st.dataframe(rows, hide_index=True)
    st.caption("Each row runs the backbone on the picture resized to that side: the map grows with the picture, "
               "SPP's vector does not (bins get larger instead); ASPP's output keeps the map's size.")


def deeplab_tab(pic: Picture) -> None:
    from core.vision.internals.atrous import receptive_field, spp_grids, taps
    from core.vision.internals.deeplab import aspp_trace

    _variants_view(pic)
    st.markdown("**Atrous convolution**: a 3 × 3 kernel with rate r reads 9 pixels r apart, so it sees 2r + 1 "
                "pixels per side with the same 9 weights, and the map keeps its resolution.")
    rates = (1, 6, 12, 18)
    ui.chart(st, maps_grid({f"rate {r}: {receptive_field([(3, r, 1)])} px": taps(3, r, 41).astype(float)
                            for r in rates}, columns=4, size=150, scheme="greys", legend_title="tap"),
             width="content")
    st.caption("Where one output pixel reads on a 41 × 41 grid (closed form 1 + 2r; tested against autograd).")
    _spp_view(pic)
    tr = _aspp(pic.square)
    st.markdown(f"**ASPP's branches** on the picture (the ShapesWorld DeepLabv3+, stride 8, rates {tr.rates}): "
                "the mean of each branch's channels.")
    ui.chart(st, maps_grid({n: v.mean(0) for n, v in tr.branches.items()}, columns=5, size=120,
                           legend_title="mean activation"), width="content")
    ui.show_code(aspp_trace, receptive_field, spp_grids)
