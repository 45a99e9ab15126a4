"""CNN chapter speed.

cnn_train_steps_per_s_{lenet,resnet_small}: the live loop (core.vision.cnn.loop.train pulled through a
LiveRun, evaluations and activation statistics included) at the page's default settings, against the
same model, data and batch in a bare training loop (baseline). `overhead` = baseline / value (target <= 1.15).
Blocks of one evaluation period alternate between the two, so a busy shared CPU slows both alike.

cnn_feature_maps_s: everything the feature-map tab computes for torchvision's ResNet-18 on a 224 px
image (resize + normalise, forward, Grad-CAM gradient, top-5, channel ranking, the grid and the CAM
overlay), against a bare forward (baseline). `overhead` = value / baseline (target <= 1.5, and < 0.5 s).
"""
from __future__ import annotations

import statistics
import time

import torch
import torch.nn.functional as F

BLOCKS = 5


def _bare(model, data, cfg, seed: int = 0):
    """The same steps with nothing around them: batch, forward, loss, backward, optimiser step."""
    from core.vision.cnn.loop import flip_batch, make_optimizer

    g = torch.Generator().manual_seed(seed)
    opt = make_optimizer(model, cfg)
    model.train()
    while True:
        idx = torch.randint(0, len(data.y_train), (cfg.batch,), generator=g)
        xb, yb = data.x_train[idx], data.y_train[idx]
        if cfg.flip:
            xb = flip_batch(xb, g)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        yield


def _train_bench(preset: str, net: str) -> dict:
    import dataclasses

    from core.live import LiveRun
    from core.vision.cnn.explore import PRESETS, load_data
    from core.vision.cnn.loop import train
    from core.vision.cnn.registry import build

    p = PRESETS[preset]
    cfg = dataclasses.replace(p.cfg, steps=10**9)
    data = load_data(p.data, 0)
    torch.manual_seed(0)
    live_model = build(net, data.in_ch, len(data.class_names), data.size)
    bare_model = build(net, data.in_ch, len(data.class_names), data.size)
    bare_model.load_state_dict(live_model.state_dict())
    run = LiveRun(train(live_model, data, cfg), cfg)
    bare = _bare(bare_model, data, cfg)
    run.advance(max_events=cfg.eval_every)  # warm-up: past step 1's evaluation, to the first periodic one
    for _ in range(cfg.eval_every):
        next(bare)
    t_live, t_bare = [], []
    n = cfg.eval_every  # one block = one evaluation period, so each block holds exactly one evaluation
    for _ in range(BLOCKS):
        t0 = time.perf_counter()
        for _ in range(n):
            next(bare)
        t_bare.append((time.perf_counter() - t0) / n)
        t0 = time.perf_counter()
        run.advance(max_events=n)
        t_live.append((time.perf_counter() - t0) / n)
    run.stop()
    value, base = 1 / statistics.median(t_live), 1 / statistics.median(t_bare)
    return {"value": value, "unit": "steps/s", "baseline": base, "overhead": round(base / value, 3),
            "batch": cfg.batch, "eval_every": cfg.eval_every, "data": p.data, "threads": torch.get_num_threads()}


def cnn_train_steps_per_s_lenet() -> dict:
    return _train_bench("LeNet-5 with and without batch norm (digits)", "lenet")


def cnn_train_steps_per_s_resnet_small() -> dict:
    return _train_bench("VGG vs ResNet, small (ShapesWorld 32 px)", "resnet_small")


def cnn_feature_maps_s() -> dict:
    import numpy as np

    from core.vision.cnn.looks import look, spatial_layers, strongest_channels
    from core.vision.cnn.registry import torchvision_model
    from core.vision.cnn.weights import Classifier
    from core.vision.samples import load_sample
    from core.viz.cnn import cam_overlay, feature_grid

    torch.manual_seed(0)
    clf = Classifier(torchvision_model("resnet18"), tuple(str(i) for i in range(1000)), 224, 3,
                     "ResNet-18 (random init)", imagenet=True)
    rgb = np.asarray(load_sample("chelsea"))
    layer = spatial_layers(clf.model, (3, 224, 224))[-1]  # the page caches this per network

    def tab():
        x = clf.prepare(rgb)
        lk = look(clf.model, x, layer)
        feature_grid(lk.activations, strongest_channels(lk.activations, 16))
        cam_overlay(rgb, lk.cam)

    x0 = clf.prepare(rgb)

    def bare():
        with torch.no_grad():
            clf.model(x0)

    tab(), bare()  # warm-up
    t_tab, t_bare = [], []
    for _ in range(BLOCKS):
        t0 = time.perf_counter()
        bare()
        t_bare.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tab()
        t_tab.append(time.perf_counter() - t0)
    value, base = statistics.median(t_tab), statistics.median(t_bare)
    return {"value": value, "unit": "s", "baseline": base, "overhead": round(value / base, 3), "layer": layer,
            "image": f"{rgb.shape[1]}x{rgb.shape[0]} -> 224x224", "threads": torch.get_num_threads()}


BENCHMARKS = {"cnn_train_steps_per_s_lenet": cnn_train_steps_per_s_lenet,
              "cnn_train_steps_per_s_resnet_small": cnn_train_steps_per_s_resnet_small,
              "cnn_feature_maps_s": cnn_feature_maps_s}
