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
    notes: str  # what the page covers, tab by tab (the course chapters' ideas)

    @property
    def available(self) -> bool:
        return (ROOT / self.file).is_file()


TOPICS: tuple[Topic, ...] = (
    Topic("Language", "Attention", "app_pages/attention/page.py", ":material/visibility:",
          "Type a prompt and watch a real Transformer attend, mask, soften and predict the next token.",
          "Attention maps and rollout; one head step by step (Q, K, V, softmax, residual); the causal mask (what leaks"
          " without it) and temperature; the next token of an autoregressive model; multi-head (removing each head); "
          "the MLP and where the parameters are; the cost of context (T² vs the MLP); directions and superposition"),
    Topic("Language", "Decoding", "app_pages/decoding/page.py", ":material/account_tree:",
          "Watch beam search grow its tree step by step, next to greedy and sampling.",
          "Seq2seq translators (Transformer, GRU with and without attention) and an autoregressive GPT; greedy, beam "
          "search (its tree, its k·V cost per step) and sampling; the length penalty's direction; cross-attention; the"
          " beam-width study; teacher forcing vs free running; the fixed-context bottleneck"),
    Topic("Language", "Sequence models", "app_pages/sequence_models/page.py", ":material/timeline:",
          "Step an RNN, GRU and LSTM cell by hand and compare them with an n-gram model.",
          "n-gram language models (Markov models of order n−1); Zipf's law and table sizes; perplexity of every model;"
          " RNN, GRU and LSTM cells (latent-variable models: the hidden state h_t) and the GRU reset gate, notes vs "
          "PyTorch; deep and bidirectional RNNs trained to fill blanks; vanishing gradients and clipping; live "
          "training of RNN vs GRU vs LSTM"),
    Topic("Vision", "CNNs", "app_pages/cnns/page.py", ":material/grid_on:",
          "From LeNet to DenseNet: measure each network, open its blocks, see where it looks, train two live.",
          "Architectures measured (LeNet, AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet); their blocks opened (3×3 "
          "stacks, Inception, residual, dense, 1×1 convolutions, batch norm); feature maps and Grad-CAM; live training"
          " of two networks"),
    Topic("Vision", "Detection & segmentation", "app_pages/detection/page.py", ":material/center_focus_strong:",
          "Upload a photo and see YOLO, DETR, Faster/Mask R-CNN, SSD and DeepLab draw on it.",
          "YOLO, DETR, Faster/Mask R-CNN, SSD and DeepLab on your photo; semantic vs instance segmentation"),
    Topic("Vision", "Detector internals", "app_pages/detector_internals/page.py", ":material/biotech:",
          "Open a detector up: grid cells, anchors, IoU, NMS and Hungarian matching.",
          "IoU and GIoU; non-maximum suppression; R-CNN (selective search, the warped crops, per-class SVMs, box "
          "regression, vs Fast R-CNN); RoI Pool vs RoI Align; anchors and the RPN; SSD default boxes; the YOLO grid; "
          "DETR and Hungarian matching; DeepLab (v1, v2, v3, v3+ trained and compared; atrous rates, SPP on a real "
          "feature map vs ASPP); Mask R-CNN"),
    Topic("Vision", "Vision transformers", "app_pages/vision_transformers/page.py", ":material/view_module:",
          "Patches, tokens and attention in ViT; hide patches for MAE, shift Swin's windows, mask BERT's words.",
          "ViT (patches, tokens, CLS attention, rollout, positional embeddings); MAE (masking and reconstruction); "
          "Swin (windows and shifted windows on a picture, attention inside one window, patch merging, cost); BERT pre-training (embeddings, the 80/10/10 masking "
          "recipe, next-sentence pairs)"),
    Topic("Learning", "Linear regression", "app_pages/linear_regression/page.py", ":material/show_chart:",
          "Fit a line two ways: the normal equation in one shot, gradient descent step by step.",
          "One feature two ways (normal equation, gradient descent); least squares as a projection; your data: solving"
          " it well (conditioning, collinearity, solvers compared); gradient descent and its stable learning rate; "
          "cost as the problem grows"),
    Topic("Learning", "Semi-supervised", "app_pages/semi_supervised/page.py", ":material/school:",
          "Train Mean Teacher and Soft Teacher live and toggle between them mid-run.",
          "Classification (Mean Teacher, FixMatch); end-to-end detection (Soft Teacher); box jittering; STAC; the "
          "reproduction study; ShapesWorld"),
)


def slug(topic: Topic) -> str:
    """The page's URL path: its package's name (app_pages/linear_regression/page.py -> linear-regression)."""
    f = Path(topic.file)
    return (f.parent.name if f.name == "page.py" else f.stem).replace("_", "-")
