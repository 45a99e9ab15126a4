"""The Swin tab's mechanics on a grid of numbered patches: the cyclic shift and its attention mask, patch
merging through Swin-T's four stages, and the cost of global against window attention."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from app_pages.parts import present, progress, ui
from core.vision.vit.swin import (cost_table, cyclic_shift, msa_macs, patch_merge, shifted_window_mask, stages,
                                  window_ids, wmsa_macs, wrap_regions)
from core.viz import vit as vz


@st.cache_data(show_spinner=False)
def _cost_rows(sides: tuple[int, ...], _on_progress=None):
    """C = 96, M = 7, once per server; _on_progress(done, total) per FlopCounterMode run (a leading _ keeps
    it out of the cache key)."""
    return cost_table(list(sides), 96, 7, on_progress=_on_progress)


def render() -> None:
    st.subheader("How the shift and the mask work")
    c1, c2, c3 = st.columns(3)
    M = c1.select_slider("Window size M", [2, 3, 4, 7], value=4, key="swin_m", bind="query-params")
    k = c2.slider("Windows per side", 2, 4, 2, key="swin_k", bind="query-params")
    H = M * k
    s = M // 2
    nW = k * k
    w = present.stepper("Window to inspect", range(nW), nW - 1, key="swin_w", where=c3)
    ids = window_ids(H, H, M).numpy()
    raster = np.arange(H * H).reshape(H, H)
    rolled = cyclic_shift(torch.from_numpy(raster)[None, ..., None], s)[0, ..., 0].numpy()
    a, b, c = st.columns(3)
    ui.chart(a, vz.window_chart(ids, raster, f"{nW} windows of {M}×{M}, {H}×{H} grid"))
    ui.chart(b, vz.window_chart(ids, rolled, f"Rolled by ⌊M/2⌋ = {s} patches", highlight=w))
    ui.chart(c, vz.mask_chart(shifted_window_mask(H, H, M, s)[w].numpy(), f"Attention mask of window {w}"))
    st.caption("Shifting the grid and keeping the same windows lets patches that sat in different windows "
               "meet, without more windows. Patches that wrapped around from the far edge were not neighbours, "
               "so the mask adds −100 to their logits (zero after softmax). Last window: the most wrapped.")
    st.subheader("Patch merging through Swin-T's four stages")
    st.dataframe(pd.DataFrame([vars(x) for x in stages()]), hide_index=True)
    ui.chart(st, vz.stages_chart(pd.DataFrame([{"stage": x.stage, "patches per side": x.grid,
                                                "channels": x.channels} for x in stages()])))
    st.caption("Each merge concatenates 2 × 2 neighbours (4C numbers) and projects them to 2C: the grid halves, "
               "the channels double, like a CNN's pyramid.")
    st.subheader("Cost: global vs window attention")
    sides = [7, 14, 21, 28, 42, 56, 84, 112]
    with progress.bar("Counting FLOPs on torchvision's attention modules", unit="modules") as bar:
        rows = _cost_rows(tuple(sides), _on_progress=bar)
    df = pd.DataFrame([{"tokens": r.tokens, "kind": r.kind, "multiply-adds": v, "source": src}
                       for r in rows for v, src in ((r.formula_macs, "formula"), (r.measured_macs, "FlopCounterMode"))
                       if v > 0])
    ui.chart(st, vz.cost_chart(df))
    st.caption("C = 96, M = 7 (Swin-T's first stage). 4hwC² + 2(hw)²C grows with the square of the patch count; "
               "4hwC² + 2M²hwC only linearly. FlopCounterMode runs torchvision's `ShiftedWindowAttention` and "
               "lands on the formula (it counts a multiply-add as 2 FLOPs).")
    ui.show_code(cyclic_shift, wrap_regions, shifted_window_mask, patch_merge, msa_macs, wmsa_macs)
