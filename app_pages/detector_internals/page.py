"""Detector internals: the small algorithms every detector is built from, one tab each, on real tensors.

The tabs live beside this file (basics, onestage, twostage, rcnn, sets, deeplab); every one runs on the picture chosen at the top
(a ShapesWorld scene, where the bundled models are right, or a photo).
"""
import streamlit as st

from app_pages.detector_internals import basics
from app_pages.detector_internals import deeplab
from app_pages.detector_internals import onestage
from app_pages.detector_internals import sets
from app_pages.detector_internals import twostage
from app_pages.parts import present, ui
from app_pages.detector_internals.common import picture

st.title("Detector internals")
st.markdown("A detector is a handful of small algorithms around a network. Each tab runs one of them for real, "
            "on the models' own intermediate tensors (KeyPoint's ShapesWorld detectors, bundled, so it all works "
            "offline); the tests check every algorithm against `torchvision` or SciPy.")
with ui.friendly_errors("The picture"):
    pic = picture()
TABS = {"IoU and GIoU": basics.iou_tab, "Non-maximum suppression": basics.nms_tab, "R-CNN": twostage.rcnn_tab,
        "RoI Pool vs RoI Align": basics.roi_tab, "Anchors and RPN": twostage.rpn_tab, "SSD default boxes": onestage.ssd_tab,
        "YOLO grid": onestage.yolo_tab, "DETR and Hungarian matching": sets.detr_tab, "DeepLab": deeplab.deeplab_tab,
        "Mask R-CNN": twostage.mask_tab}
# on_change="rerun": a tab switch reruns, so only the open tab's replay takes the arrow keys
for tab, (name, render) in zip(st.tabs(list(TABS), key="int_tab", bind="query-params", on_change="rerun"), TABS.items()):
    with tab, present.keyboard(tab.open), ui.friendly_errors(name):
        render() if name == "IoU and GIoU" else render(pic)
