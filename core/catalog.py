"""The course map: every topic, its group, its page file and a one-line promise.

Pure data (no torch, no streamlit) so the home page and the navigation load instantly.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("Language", "Vision", "Learning")


@dataclass(frozen=True)
class Topic:
    group: str  # one of GROUPS
    title: str  # navigation label
    file: str  # page script, relative to the repository root
    icon: str  # material icon shown in the navigation
    promise: str  # what a student gets, in one line
    notes: str  # the course chapters it covers

    @property
    def available(self) -> bool:
        return (ROOT / self.file).is_file()


TOPICS: tuple[Topic, ...] = (
    Topic("Language", "Attention", "app_pages/attention.py", ":material/visibility:",
          "Type a prompt and watch a real Transformer attend, mask, soften and predict the next token.",
          "attention, multi-head, causal mask, temperature, the MLP block"),
    Topic("Language", "Decoding", "app_pages/decoding.py", ":material/account_tree:",
          "Watch beam search grow its tree step by step, next to greedy and sampling.",
          "seq2seq, cross-attention, greedy, beam search, length penalty"),
    Topic("Language", "Sequence models", "app_pages/sequence_models.py", ":material/timeline:",
          "Step an RNN, GRU and LSTM cell by hand and compare them with an n-gram model.",
          "n-gram LM, RNN, GRU, LSTM"),
    Topic("Vision", "CNNs", "app_pages/cnns.py", ":material/grid_on:",
          "From LeNet to DenseNet: measure each network, open its blocks, see where it looks, train two live.",
          "LeNet, AlexNet, VGG, NiN, GoogLeNet, batch norm, ResNet, DenseNet"),
    Topic("Vision", "Detection & segmentation", "app_pages/detection.py", ":material/center_focus_strong:",
          "Upload a photo and see YOLO, DETR, Faster/Mask R-CNN, SSD and DeepLab draw on it.",
          "R-CNN family, SSD, YOLO, DETR, DeepLab"),
    Topic("Vision", "Detector internals", "app_pages/detector_internals.py", ":material/biotech:",
          "Open a detector up: grid cells, anchors, IoU, NMS and Hungarian matching.",
          "anchors, IoU, NMS, RoI Align, matching"),
    Topic("Vision", "Vision transformers", "app_pages/vision_transformers.py", ":material/view_module:",
          "Patches, tokens and attention in ViT; hide patches for MAE, shift Swin's windows, mask BERT's words.",
          "ViT, BERT-style pretraining, MAE, Swin"),
    Topic("Learning", "Linear regression", "app_pages/linear_regression.py", ":material/show_chart:",
          "Fit a line two ways: the normal equation in one shot, gradient descent step by step.",
          "normal equation, gradient descent, learning rate"),
    Topic("Learning", "Semi-supervised", "app_pages/semi_supervised.py", ":material/school:",
          "Train Mean Teacher and Soft Teacher live and toggle between them mid-run.",
          "Mean Teacher, FixMatch, STAC, Soft Teacher, box jittering"),
)


def slug(topic: Topic) -> str:
    return Path(topic.file).stem.replace("_", "-")
