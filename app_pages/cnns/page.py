"""CNNs: LeNet to DenseNet opened up. Layer tables (shapes, parameters, FLOPs, receptive fields), the
blocks (Inception, residual, dense, 1x1 conv, batch norm), feature maps and Grad-CAM on an image, and
two networks trained live side by side. One module per tab beside this file."""
from __future__ import annotations

import streamlit as st

from app_pages.cnns import architectures, blocks, features, training


def main():
    st.title("CNNs")
    st.markdown("From LeNet to DenseNet: measure the networks, open their blocks, see where they look, train two.")
    tabs = st.tabs(["Architectures", "Blocks", "Feature maps & Grad-CAM", "Live training"], key="cnn_tab", bind="query-params")
    with tabs[0]:
        architectures.render()
    with tabs[1]:
        blocks.render()
    with tabs[2]:
        features.render()
    with tabs[3]:
        training.render()


main()
