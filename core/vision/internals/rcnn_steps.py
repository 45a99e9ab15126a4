"""R-CNN's three steps after selective search (Girshick et al. 2014), on ShapesWorld, for real.

    proposal --warp--> crop [S, S, 3] --CNN--> feature f
        1. per-class linear SVMs:   score_c = w_c . f + b_c          (scikit-learn's LinearSVC, one per class)
        2. box regression:          t = W f  (ridge), then the proposal moves by t

The CNN is the bundled ShapesWorld Faster R-CNN's backbone (R-CNN used an ImageNet AlexNet); its map
is max-pooled to a 2x2 grid, so the feature still knows roughly where in the crop the object sits
(the paper regresses from pool5, a 6x6 grid, for the same reason).

SVM labels as in the paper: the ground-truth boxes are the positives of their class, proposals with
IoU < 0.3 to every object are the negatives (in between: not used). Regression learns from proposals
with IoU >= 0.6 to an object (the paper's threshold), towards that object.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from core.vision.boxes import box_iou, elementwise_iou
from core.vision.image import normalise, to_tensor

WARP = 64          # R-CNN's crop side here (the paper: 227 for AlexNet)
POS_IOU = 0.6      # a proposal trains the box regressor when it overlaps an object this much
NEG_IOU = 0.3      # a proposal is background for the SVMs below this IoU with every object


@dataclass
class RcnnConfig:
    scenes: int = 10          # ShapesWorld training scenes (selective search on each, ~0.5 s per scene)
    warp: int = WARP          # crop side, pixels
    svm_c: float = 0.1        # LinearSVC's C (the paper's 0.001 was for 4096-d AlexNet features)
    ridge: float = 100.0      # ridge penalty lambda of the box regressor (the paper: 1000 on pool5)


def warp_crops(image: np.ndarray, boxes: np.ndarray, size: int = WARP) -> np.ndarray:
    """R-CNN's warp: each box cut out and resized to size x size, whatever its aspect ratio.
    image uint8[H, W, 3]; boxes float[K, 4] xyxy pixels -> uint8[K, size, size, 3]."""
    import cv2

    H, W = image.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(np.clip(np.asarray(boxes).reshape(-1, 4), 0, [W, H, W, H]).round().astype(int)):
        crop = image[y1:max(y2, y1 + 1), x1:max(x2, x1 + 1)]
        out[i] = cv2.resize(np.ascontiguousarray(crop), (size, size), interpolation=cv2.INTER_LINEAR)
    return out


@torch.no_grad()
def crop_features(backbone, crops: np.ndarray) -> np.ndarray:
    """crops uint8[K, S, S, 3] -> float32[K, C * 4]: the backbone's map, max-pooled to 2 x 2, flattened."""
    if len(crops) == 0:
        return np.zeros((0, 0), np.float32)
    x = normalise(to_tensor(crops))                     # [K, 3, S, S]
    fmap = backbone(x)["0"]                             # [K, C, S/4, S/4]
    return torch.nn.functional.adaptive_max_pool2d(fmap, 2).flatten(1).numpy()


def encode(gt: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R-CNN's regression targets (appendix C): gt, p float[K, 4] xyxy -> t float[K, 4] = (tx, ty, tw, th)
    tx = (gx - px) / pw,  ty = (gy - py) / ph,  tw = log(gw / pw),  th = log(gh / ph), (x, y) box centres."""
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    gw, gh = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    px, py = p[:, 0] + 0.5 * pw, p[:, 1] + 0.5 * ph
    gx, gy = gt[:, 0] + 0.5 * gw, gt[:, 1] + 0.5 * gh
    return np.stack([(gx - px) / pw, (gy - py) / ph, np.log(gw / pw), np.log(gh / ph)], axis=1)


def decode(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """The inverse of `encode`: move proposals p float[K, 4] xyxy by t float[K, 4] -> boxes float[K, 4] xyxy."""
    pw, ph = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1]
    px, py = p[:, 0] + 0.5 * pw, p[:, 1] + 0.5 * ph
    cx, cy = px + pw * t[:, 0], py + ph * t[:, 1]
    w, h = pw * np.exp(t[:, 2]), ph * np.exp(t[:, 3])
    return np.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], axis=1)


@dataclass
class Labelled:
    """Proposals of some scenes with what R-CNN's training needs. boxes float[K, 4]; feats float[K, D];
    cls int[K] (-1 background, c class, -2 unused); gt float[K, 4] the best-overlapping object; iou float[K]."""

    boxes: np.ndarray
    feats: np.ndarray
    cls: np.ndarray
    gt: np.ndarray
    iou: np.ndarray


def label_proposals(backbone, scenes, warp: int = WARP, add_gt: bool = True) -> Labelled:
    """Selective search on every ShapesWorld scene, each proposal labelled by its IoU with the ground truth."""
    from core.vision.internals.selective_search import selective_search

    parts = []
    for s in scenes:
        props = selective_search(s.image).boxes
        boxes = np.concatenate([s.boxes, props]) if add_gt else props
        iou = box_iou(boxes, s.boxes)                                  # [K, M]
        best, j = iou.max(1), iou.argmax(1)
        cls = np.where(best >= 0.999 if add_gt else np.zeros(len(best), bool), s.labels[j], -2)
        cls = np.where(best < NEG_IOU, -1, cls)
        feats = crop_features(backbone, warp_crops(s.image, boxes, warp))
        parts.append((boxes, feats, cls, s.boxes[j], best))
    return Labelled(*(np.concatenate([p[k] for p in parts]) for k in range(5)))


@dataclass
class RcnnHeads:
    """What R-CNN learns on top of the CNN: one linear SVM and one box regressor. svms[c] a fitted
    LinearSVC (class c vs background); ridge float[D + 1, 4] (last row: bias); feature mean/std
    standardise the features for both; train counts; ms the wall time."""

    svms: list
    ridge: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    positives: np.ndarray      # int[C] ground-truth positives per class
    negatives: int
    regress_pairs: int
    ms: float


def fit_heads(data: Labelled, n_classes: int, cfg: RcnnConfig = RcnnConfig(), seed: int = 0) -> RcnnHeads:
    """Per-class LinearSVCs on the labelled proposals, and the ridge box regressor (closed form)."""
    from sklearn.svm import LinearSVC

    t0 = time.perf_counter()
    mean, std = data.feats.mean(0), data.feats.std(0) + 1e-6
    z = (data.feats - mean) / std
    neg = data.cls == -1
    svms = []
    for c in range(n_classes):
        use = (data.cls == c) | neg
        svm = LinearSVC(C=cfg.svm_c, class_weight="balanced", random_state=seed, max_iter=5000)
        svms.append(svm.fit(z[use], (data.cls[use] == c).astype(int)))
    reg = (data.iou >= POS_IOU) & (data.iou < 0.999)                 # proposals near an object, not the object itself
    X = np.concatenate([z[reg], np.ones((reg.sum(), 1))], 1)
    T = encode(data.gt[reg], data.boxes[reg])
    penalty = cfg.ridge * np.eye(X.shape[1])
    penalty[-1, -1] = 0.0                                            # the bias is not shrunk
    ridge = np.linalg.solve(X.T @ X + penalty, X.T @ T)              # (X'X + lambda I)^-1 X'T
    positives = np.array([(data.cls == c).sum() for c in range(n_classes)])
    return RcnnHeads(svms, ridge, mean, std, positives, int(neg.sum()), int(reg.sum()),
                     (time.perf_counter() - t0) * 1000)


def svm_scores(heads: RcnnHeads, feats: np.ndarray) -> np.ndarray:
    """float[K, D] -> float[K, C]: each class's SVM score w_c . z + b_c (> 0: the SVM says "class c")."""
    z = (feats - heads.mean) / heads.std
    W = np.stack([s.coef_[0] for s in heads.svms], 1)               # [D, C]
    b = np.array([s.intercept_[0] for s in heads.svms])             # [C]
    return z @ W + b


def regress(heads: RcnnHeads, feats: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Move proposals float[K, 4] xyxy by the regressor's t = [z, 1] W -> float[K, 4] xyxy."""
    z = (feats - heads.mean) / heads.std
    t = np.concatenate([z, np.ones((len(z), 1))], 1) @ heads.ridge
    return decode(t, boxes)


def train_rcnn(backbone, seed: int, n_classes: int, cfg: RcnnConfig = RcnnConfig()) -> RcnnHeads:
    """Draw cfg.scenes ShapesWorld scenes from the seed, label their proposals, fit the SVMs and the regressor."""
    from core.runtime import numpy_rng
    from core.vision.shapes.generator import ShapesConfig, generate

    scene_seed = int(numpy_rng(seed, "rcnn-train").integers(1 << 30))
    scenes = generate(cfg.scenes, seed=scene_seed, cfg=ShapesConfig(easy=True))
    return fit_heads(label_proposals(backbone, scenes, cfg.warp), n_classes, cfg, seed)


def improvement(heads: RcnnHeads, data: Labelled) -> tuple[np.ndarray, np.ndarray]:
    """IoU with their object before and after regression, for the proposals of `data` with IoU >= POS_IOU."""
    use = (data.iou >= POS_IOU) & (data.iou < 0.999)
    moved = regress(heads, data.feats[use], data.boxes[use])
    return data.iou[use], elementwise_iou(moved, data.gt[use])
