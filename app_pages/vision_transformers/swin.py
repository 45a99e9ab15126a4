"""The Swin tab's picture: windows and shifted windows over an image, attention inside one window of a real
Swin, and patch merging on the real stage-1 tensor."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.parts import ui


@ui.cached_model
def _swin(seed: int):
    from core.vision.vit.swin_view import load_swin

    return load_swin(seed)


def _picture(side: int, seed: int) -> np.ndarray:
    from core.vision.vit.samples import shapes_image

    img, _ = shapes_image(seed, side, fill=0.4, jitter=0.2)
    return img


@st.cache_data(show_spinner="Running Swin on the picture…", max_entries=8)
def _trace(seed: int, pic_seed: int):
    from core.vision.vit.data import to_tensor
    from core.vision.vit.swin_view import swin_picture

    sw = _swin(seed)
    img = _picture(sw.side, pic_seed)
    return swin_picture(sw.model, to_tensor(img[None], sw.mean, sw.std), img)


def _attention_image(pic, block: int, window: int, head: int, query: int, scale: int) -> tuple[np.ndarray, float]:
    """The query's attention over its window painted on the picture (wrapped pieces where they came from);
    returns (image, share of its attention on patches the mask separates from it)."""
    from core.vision.vit.pixels import heat_overlay
    from core.vision.vit.swin import source_coords, wrap_regions

    H = pic.image.shape[0] // pic.patch
    M, s = pic.M, (pic.shift if block == 1 else 0)
    w = pic.weights[block][window, head, query]                      # [M*M]
    rows, cols = source_coords(H, H, s)
    reg = wrap_regions(H, H, s).numpy()
    nw = H // M
    wr, wc = divmod(window, nw)
    heat = np.zeros((H, H), np.float32)
    rr, cc = np.divmod(np.arange(M * M), M)
    r, c = wr * M + rr, wc * M + cc                                  # the window's cells on the shifted grid
    heat[rows[r, c].numpy(), cols[r, c].numpy()] = w
    other = reg[r, c] != reg[r[query], c[query]]
    big = pic.image.repeat(scale, 0).repeat(scale, 1)
    out = heat_overlay(big, heat, alpha=0.6)
    qy, qx = int(rows[r[query], c[query]]) * pic.patch * scale, int(cols[r[query], c[query]]) * pic.patch * scale
    step = pic.patch * scale
    out[qy:qy + step, [qx, qx + step - 1]] = (0, 255, 0)
    out[[qy, qy + step - 1], qx:qx + step] = (0, 255, 0)
    return out, float(w[other].sum())


def swin_on_picture() -> None:
    import altair as alt

    from core.viz.internals import spatial_map
    from core.vision.vit.swin_view import draw_windows, swin_picture, window_attention

    st.subheader("Swin on a picture")
    seed = ui.seed()
    sw = _swin(seed)
    (st.warning if sw.kind == "untrained" else st.caption)(f"Weights: {sw.note}.")
    pic = _trace(seed, seed)
    H = pic.image.shape[0] // pic.patch
    nW, L, heads = (H // pic.M) ** 2, pic.M * pic.M, pic.weights[0].shape[1]
    c1, c2, c3, c4 = st.columns(4)
    block = c1.radio("Block", [1, 0], format_func=lambda b: "shifted windows" if b else "windows", key="swin_blk",
                     bind="query-params", horizontal=True)
    window = c2.slider("Window", 0, nW - 1, nW - 1, key="swin_win", bind="query-params",
                       help="Opens on the last window: after the shift it holds pieces from all four corners.")
    query = c3.slider("Query patch in the window", 0, L - 1, 0, key="swin_qp", bind="query-params")
    head = c4.slider("Head", 0, heads - 1, 0, key="swin_head", bind="query-params")
    scale = max(1, 320 // pic.image.shape[0])
    a, b, c = st.columns(3)
    a.image(draw_windows(pic.image, pic.patch, pic.M, 0, scale), width="stretch",
            caption=f"Block 1: {nW} windows of {pic.M}×{pic.M} patches ({pic.patch} px each); attention stays inside")
    b.image(draw_windows(pic.image, pic.patch, pic.M, pic.shift, scale, pick=window), width="stretch",
            caption=f"Block 2: the windows moved by {pic.shift} patches; window {window} tinted (its pieces wrap "
                    "around the edges)")
    img, leak = _attention_image(pic, block, window, head, query, scale)
    c.image(img, width="stretch", caption=f"Where query patch {query} (green) of window {window} looks, head {head}, "
                                          f"{'shifted' if block else 'plain'} block")
    w = pic.weights[block][window, head, query].reshape(pic.M, pic.M)
    ui.chart(st, alt.hconcat(spatial_map(w, f"Query {query}'s weights, window {window} ({pic.M}×{pic.M}, after the roll)",
                                         size=160, legend_title="weight")), width="content")
    if block == 1:
        st.caption(f"Attention this query gives to patches of its window that only the roll brought next to it: "
                   f"**{leak:.2e}** (the −100 mask makes it vanish). Those patches sit on the far side of the picture.")
    st.markdown(f"**Patch merging on the real tensor.** Stage 1's output is a {H}×{H} grid of {pic.stage1.shape[-1]} "
                f"channels. Merging takes each 2×2 group x0 (top-left), x1 (below), x2 (right), x3 (diagonal), "
                f"concatenates them ({pic.merged.shape[-1]} channels on a {H // 2}×{H // 2} grid), normalises and "
                f"projects them with one linear layer to {pic.reduced.shape[-1]} channels, the model's own "
                "`features[2]` (the same numbers as torchvision's PatchMerging, tested).")
    ch = st.slider("Channel", 0, pic.stage1.shape[-1] - 1, 0, key="swin_ch", bind="query-params")
    C, R = pic.stage1.shape[-1], pic.reduced.shape[-1]
    dom = (float(pic.stage1[..., ch].min()), float(pic.stage1[..., ch].max()) + 1e-6)
    panels = [spatial_map(pic.stage1[..., ch], f"stage 1, channel {ch} ({H}×{H})", size=130, domain=dom)]
    panels += [spatial_map(pic.merged[..., i * C + ch], f"x{i} ({H // 2}×{H // 2})", size=80, domain=dom)
               for i in range(4)]
    ui.chart(st, alt.hconcat(*panels), width="content")
    ui.chart(st, alt.hconcat(spatial_map(pic.reduced[..., ch % R], f"After norm + linear: channel {ch % R} of {R}",
                                         size=130, legend_title="out")), width="content")
    if sw.kind != "untrained":
        p = np.exp(pic.logits - pic.logits.max())
        st.caption(f"The model's guess for this picture: **{sw.class_names[int(p.argmax())]}** "
                   f"({p.max() / p.sum():.0%}).")
    ui.show_code(window_attention, swin_picture, draw_windows)
