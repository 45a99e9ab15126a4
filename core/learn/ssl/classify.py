"""Semi-supervised classification, live: supervised-only, Mean Teacher and FixMatch.

`train(data, cfg)` is a generator of `ClassifyEvent`s, so a page can draw each one as it comes,
a test can take five, and a benchmark can time them. `cfg.method` is read at every step, so a
page may switch method mid-run and the same student continues.

Mean Teacher (Tarvainen & Valpola 2017): an EMA teacher; the student is pulled towards the
teacher's softmax on a differently-noised copy (MSE), with a weight that ramps up as a sigmoid,
exp(-5 (1 - t)^2), because early teachers are as bad as students.
FixMatch (Sohn et al. 2020): the model labels a weakly augmented view; where its max probability
is >= tau the argmax becomes a hard label for cross-entropy on a strongly augmented view (weight
lambda_u). An EMA copy is kept for evaluation, as in FixMatch's code.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.learn.ssl.ema import ema_update, make_teacher
from core.learn.ssl.data import SSLData
from core.private_init import init_weights
from core.runtime import device, torch_rng

METHODS = ("supervised", "mean_teacher", "fixmatch")
METHOD_NAMES = {"supervised": "supervised only", "mean_teacher": "Mean Teacher", "fixmatch": "FixMatch"}


@dataclass
class ClassifyConfig:
    method: str = "fixmatch"        # "supervised" | "mean_teacher" | "fixmatch"; read every step
    steps: int = 600                # optimiser steps in the run
    lr: float = 3e-3                # Adam learning rate
    hidden: int = 64                # width of the two hidden layers
    batch_labeled: int = 16         # labeled examples a step (sampled with replacement: few exist)
    mu: int = 4                     # unlabeled batch = mu * batch_labeled (FixMatch's mu)
    ema: float = 0.95               # teacher momentum; a few hundred steps need a short memory
    consistency: float = 100.0      # Mean Teacher's max consistency weight (MSE of probabilities is small)
    mt_noise: float = 0.2           # std of Mean Teacher's input noise on two-moons: the perturbation
                                    # is what makes consistency informative (0.05 did not beat supervised)
    rampup_steps: int = 200         # steps of the sigmoid ramp-up of that weight
    tau: float = 0.95               # FixMatch confidence threshold
    lambda_u: float = 1.0           # FixMatch unlabeled loss weight
    weak_noise: float = 0.05        # std of the weak view's Gaussian noise (two-moons)
    strong_noise: float = 0.3       # std of the strong view's Gaussian noise (two-moons)
    eval_every: int = 20            # steps between events
    grid: int = 60                  # decision-boundary grid resolution (two-moons only)
    extent: float = 2.6             # the grid spans [-extent, extent]^2 in standardised units
    baseline: bool = False          # also train a supervised-only twin on the same labeled batches (read at start)


@dataclass
class ClassifyEvent:
    step: int
    method: str                     # method in force at this step: charts mark switches
    loss_s: float                   # supervised cross-entropy
    loss_u: float                   # unlabeled loss (consistency or pseudo-label CE), unweighted
    weight_u: float                 # the weight that multiplied loss_u
    student_acc: float              # test accuracy
    teacher_acc: float              # test accuracy of the EMA teacher
    mask_rate: float                # share of the unlabeled batch with max prob >= tau
    pseudo_acc: float               # accuracy of those confident pseudo-labels (nan if none)
    grid_student: np.ndarray | None = field(default=None, repr=False)  # f32[G, G] p(class 1)
    grid_teacher: np.ndarray | None = field(default=None, repr=False)  # f32[G, G]
    baseline_acc: float | None = None  # test accuracy of the supervised-only twin (cfg.baseline)
    views: list = field(default_factory=list, repr=False)  # digits only: fixmatch_views of a few unlabeled images


def make_mlp(dim: int, n_classes: int, hidden: int = 64, generator: torch.Generator | None = None) -> nn.Module:
    """The classifier; its initial weights drawn from `generator` when given (torch's default init, private
    draws: the same start for every student at once), else from torch's global generator."""
    m = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
    return (m if generator is None else init_weights(m, generator)).to(device())


def sigmoid_rampup(step: int, length: int) -> float:
    """exp(-5 (1 - t)^2) with t = step / length clipped to [0, 1] (Laine & Aila; Mean Teacher)."""
    if length <= 0:
        return 1.0
    t = min(max(step / length, 0.0), 1.0)
    return float(math.exp(-5.0 * (1.0 - t) ** 2))


def fixmatch_mask(probs: torch.Tensor, tau: float) -> torch.Tensor:
    """probs (Tensor[B, C]) softmax outputs. Returns bool[B]: max prob >= tau."""
    return probs.max(dim=1).values >= tau


def _shift(x: torch.Tensor, shape: tuple, max_shift: int, g: torch.Generator) -> torch.Tensor:
    """Translate each 8x8 image by up to max_shift pixels, filling with zeros."""
    B = x.shape[0]
    H, W = shape
    img = x.view(B, 1, H, W)
    pad = F.pad(img, (max_shift,) * 4)
    dx = torch.randint(0, 2 * max_shift + 1, (B,), generator=g)
    dy = torch.randint(0, 2 * max_shift + 1, (B,), generator=g)
    out = torch.stack([pad[b, :, dy[b]:dy[b] + H, dx[b]:dx[b] + W] for b in range(B)])
    return out.reshape(B, H * W)


def weak_aug(x: torch.Tensor, data: SSLData, cfg: ClassifyConfig, g: torch.Generator,
             noise: float | None = None) -> torch.Tensor:
    """Two-moons: small Gaussian jitter (std `noise`, default cfg.weak_noise). Digits: shift by up to 1 pixel."""
    if data.image_shape is None:
        return x + (cfg.weak_noise if noise is None else noise) * torch.randn(x.shape, generator=g).to(x.device)
    return _shift(x.cpu(), data.image_shape, 1, g).to(x.device)


def strong_aug(x: torch.Tensor, data: SSLData, cfg: ClassifyConfig, g: torch.Generator) -> torch.Tensor:
    """Two-moons: large Gaussian jitter. Digits: shift by up to 2, contrast, noise and a 3x3 cutout
    (a small RandAugment + Cutout, FixMatch's strong view)."""
    if data.image_shape is None:
        return x + cfg.strong_noise * torch.randn(x.shape, generator=g).to(x.device)
    B = x.shape[0]
    H, W = data.image_shape
    out = _shift(x.cpu(), data.image_shape, 2, g)
    out = out * (0.6 + 0.8 * torch.rand(B, 1, generator=g)) + 0.15 * torch.randn(out.shape, generator=g)
    img = out.view(B, H, W).clone()
    cy = torch.randint(0, H - 2, (B,), generator=g)
    cx = torch.randint(0, W - 2, (B,), generator=g)
    for b in range(B):
        img[b, cy[b]:cy[b] + 3, cx[b]:cx[b] + 3] = 0.0
    return img.reshape(B, H * W).clamp(0, 1).to(x.device)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((model(x).argmax(1) == y).float().mean())


@torch.no_grad()
def boundary_grid(model: nn.Module, cfg: ClassifyConfig) -> np.ndarray:
    """p(class 1) on a G x G grid over [-extent, extent]^2; row i is y, column j is x."""
    ticks = torch.linspace(-cfg.extent, cfg.extent, cfg.grid, device=device())
    yy, xx = torch.meshgrid(ticks, ticks, indexing="ij")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)  # [G*G, 2]
    return model(pts).softmax(1)[:, 1].reshape(cfg.grid, cfg.grid).cpu().numpy()


def unlabeled_loss(method, student, teacher, xu, data, cfg, g):
    """Returns (loss_u, pseudo-label probs [B, C] used for the mask statistics)."""
    if method == "mean_teacher":
        with torch.no_grad():
            p_t = teacher(weak_aug(xu, data, cfg, g, cfg.mt_noise)).softmax(1)  # [B, C]
        p_s = student(weak_aug(xu, data, cfg, g, cfg.mt_noise)).softmax(1)  # independent noise
        return F.mse_loss(p_s, p_t), p_t
    with torch.no_grad():  # FixMatch: the model itself labels the weak view
        p_w = student(weak_aug(xu, data, cfg, g)).softmax(1)
    mask = fixmatch_mask(p_w, cfg.tau).float()
    ce = F.cross_entropy(student(strong_aug(xu, data, cfg, g)), p_w.argmax(1), reduction="none")
    return (ce * mask).mean(), p_w


@torch.no_grad()
def fixmatch_views(student: nn.Module, x: torch.Tensor, y: torch.Tensor, data: SSLData, cfg: ClassifyConfig,
                   g: torch.Generator, n: int = 6) -> list[dict]:
    """FixMatch on a few unlabeled digits, as one step sees them: the weak view, its prediction and
    whether its top probability crossed tau (then its argmax is the pseudo-label), the strong view of
    the same image that is trained towards it, and the student's prediction there.
    x (Tensor[N, 64]), y (Tensor[N]) hidden truth. Returns up to n dicts, those that crossed tau first
    (at most half), with "weak"/"strong" f32[8, 8] arrays in [0, 1]."""
    weak, strong = weak_aug(x, data, cfg, g), strong_aug(x, data, cfg, g)
    p_w = student(weak).softmax(1)                                   # [N, C]
    p_s = student(strong).softmax(1)
    conf, label = p_w.max(1)
    crossed = fixmatch_mask(p_w, cfg.tau)
    yes, no = torch.where(crossed)[0].tolist(), torch.where(~crossed)[0].tolist()
    k = min(len(yes), n // 2)
    pick = yes[:k] + no[:n - k] if len(no) >= n - k else yes[:n - len(no)] + no
    H, W = data.image_shape
    return [{"index": i, "weak": weak[i].view(H, W).cpu().numpy(), "strong": strong[i].view(H, W).cpu().numpy(),
             "confidence": float(conf[i]), "pseudo_label": int(label[i]), "crossed": bool(crossed[i]),
             "truth": int(y[i]), "strong_pred": int(p_s[i].argmax()), "strong_p_pseudo": float(p_s[i, label[i]])}
            for i in pick]


def train(data: SSLData, cfg: ClassifyConfig, seed: int = 0, student: nn.Module | None = None):
    """Yield a ClassifyEvent every cfg.eval_every steps (and at step 0)."""
    g = torch.Generator().manual_seed(seed)
    if student is None:
        student = make_mlp(data.dim, data.n_classes, cfg.hidden, torch_rng(seed))
    teacher = make_teacher(student)
    opt = torch.optim.Adam(student.parameters(), lr=cfg.lr)
    twin = copy.deepcopy(student) if cfg.baseline else None   # same start, labels only
    twin_opt = torch.optim.Adam(twin.parameters(), lr=cfg.lr) if twin is not None else None
    L, U = len(data.y_lab), len(data.y_unl)
    g_views = torch.Generator().manual_seed(seed + 1)   # the drawn views' own draws: training's stay untouched
    for step in range(cfg.steps + 1):
        method = cfg.method
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
        il = torch.randint(0, L, (cfg.batch_labeled,), generator=g).to(device())
        iu = torch.randint(0, U, (cfg.batch_labeled * cfg.mu,), generator=g).to(device())
        xl = weak_aug(data.x_lab[il], data, cfg, g)
        loss_s = F.cross_entropy(student(xl), data.y_lab[il])
        xu = data.x_unl[iu]
        if method == "supervised":
            loss_u, w = torch.zeros((), device=device()), 0.0
            with torch.no_grad():
                probs = teacher(xu).softmax(1)
        else:
            loss_u, probs = unlabeled_loss(method, student, teacher, xu, data, cfg, g)
            w = cfg.consistency * sigmoid_rampup(step, cfg.rampup_steps) if method == "mean_teacher" else cfg.lambda_u
        if step > 0:  # step 0 only reports the untrained state
            opt.zero_grad()
            (loss_s + w * loss_u).backward()
            opt.step()
            ema_update(teacher, student, cfg.ema)
            if twin is not None:  # the same augmented labeled batch, no unlabeled term
                twin_opt.zero_grad()
                F.cross_entropy(twin(xl), data.y_lab[il]).backward()
                twin_opt.step()
        if step % cfg.eval_every == 0 or step == cfg.steps:
            mask = fixmatch_mask(probs, cfg.tau)
            right = (probs.argmax(1) == data.y_unl[iu])[mask]
            moons = data.image_shape is None and data.dim == 2
            yield ClassifyEvent(
                step, method, float(loss_s.detach()), float(loss_u.detach()), float(w),
                accuracy(student, data.x_test, data.y_test), accuracy(teacher, data.x_test, data.y_test),
                float(mask.float().mean()), float(right.float().mean()) if right.numel() else float("nan"),
                boundary_grid(student, cfg) if moons else None, boundary_grid(teacher, cfg) if moons else None,
                accuracy(twin, data.x_test, data.y_test) if twin is not None else None,
                fixmatch_views(student, data.x_unl[:64], data.y_unl[:64], data, cfg, g_views)
                if data.image_shape is not None else [])
