"""The Blocks tab: VGG's 3x3 stacks, Inception's paths, residual and dense blocks, the 1x1 convolution
and batch normalization, each measured or checked against PyTorch."""
from __future__ import annotations

import streamlit as st

from app_pages.parts import ui


def render():
    import pandas as pd

    from core.vision.cnn import blocks, opened
    from core.viz import cnn as viz

    st.subheader("Stacks of 3x3 convolutions against one large kernel (VGG)")
    st.dataframe(opened.stacks_vs_large_kernel(), hide_index=True)
    st.caption("64 channels on a 56 x 56 map, measured by the layer table: the same receptive field for fewer "
               "parameters and FLOPs, and a ReLU after every 3x3.")
    st.subheader("Inception: four paths, one concatenation")
    paths = opened.inception_paths()
    c1, c2 = st.columns(2)
    c1.dataframe(paths, hide_index=True, width="stretch")
    ui.chart(c2, viz.paths_chart(paths[:-1], "channels", "path", "Channels per path (3a, 192 in, 28 x 28)",
                                    "output channels"), width="stretch")
    st.subheader("Residual block: when the shortcut needs a 1x1 convolution")
    cases = opened.residual_cases()
    st.dataframe(pd.DataFrame([c.__dict__ for c in cases]).rename(columns={
        "in_shape": "input", "out_shape": "output", "identity_fits": "x can be added as it is"}), hide_index=True)
    st.subheader("Dense block: channels grow, the transition halves them")
    d1, d2 = st.columns(2)
    n = d1.slider("Layers in the block", 1, 12, 4, key="cnn_dense_layers", bind="query-params")
    growth = d2.slider("Growth rate (channels per layer)", 4, 64, 32, 4, key="cnn_dense_growth", bind="query-params")
    dense = opened.dense_growth(n, 64, growth, size=28)
    c1, c2 = st.columns(2)
    c1.dataframe(dense, hide_index=True, width="stretch")
    ui.chart(c2, viz.paths_chart(dense, "channels", "stage", "Channels through the block", "channels"),
                    width="stretch")
    st.subheader("A 1x1 convolution is a fully connected layer at every pixel")
    one = opened.conv1x1_vs_linear()
    x, yc, yl = one["pixel"]
    st.dataframe({"pixel (0, 0) in": [f"{v:.3f}" for v in x.tolist()][:4] + ["..."],
                  "1x1 conv out": [f"{v:.4f}" for v in yc.tolist()] + [""],
                  "nn.Linear out": [f"{v:.4f}" for v in yl.tolist()] + [""]}, hide_index=True)
    st.caption(f"Over all 2 x 5 x 5 pixels, the largest difference is {one['max_abs_diff']:.2e} (float rounding).")
    st.subheader("Batch normalization, written out, against nn.BatchNorm2d")
    st.dataframe(opened.batchnorm_vs_torch(), hide_index=True)
    ui.show_code(blocks.Inception.forward, blocks.Residual.forward, blocks.DenseBlock.forward, blocks.transition,
                 blocks.BatchNorm2d.forward, opened.conv1x1_vs_linear)
