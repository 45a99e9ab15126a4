"""Semi-supervised learning, trained live: Mean Teacher and FixMatch on toy classification;
end-to-end Mean Teacher vs Soft Teacher (+ box jittering) on ShapesWorld detection, with a toggle
that switches method mid-run; box jittering one pseudo-box at a time; STAC's three stages; and the
reproduction table next to the paper's COCO numbers."""
from __future__ import annotations

import streamlit as st

from app_pages.semi_supervised import shapes as shapes_tab, classification as ssl_classification, detection as ssl_detection, jittering as ssl_jittering, stac as ssl_stac
from app_pages.semi_supervised import reproduction as ssl_reproduction_tab


def main():
    st.title("Semi-supervised learning")
    tabs = st.tabs(["Classification", "Detection (end-to-end)", "Box jittering", "STAC", "Reproduction", "ShapesWorld"], key="ssl_tab", bind="query-params")
    with tabs[0]:
        ssl_classification.render()
    with tabs[1]:
        ssl_detection.render()
    with tabs[2]:
        ssl_jittering.render()
    with tabs[3]:
        ssl_stac.render()
    with tabs[4]:
        ssl_reproduction_tab.render()
    with tabs[5]:
        shapes_tab.render(key="ssl_shapes")


main()
