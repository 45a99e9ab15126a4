"""CNNs: LeNet to DenseNet opened up. Layer tables (shapes, parameters, FLOPs, receptive fields), the
blocks (Inception, residual, dense, 1x1 conv, batch norm), feature maps and Grad-CAM on an image, and
two networks trained live side by side."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.parts import export, live, ui
from core.live import LiveRun

TICK_S = 1.0  # a live fragment reruns this often while a run is going


# ----------------------------------------------------------------------------- architectures
@st.cache_data(show_spinner="Measuring the network...", max_entries=32)
def _table(key: str, size: int):
    from core.vision.cnn.explore import explore

    try:
        return explore(key, size)
    except RuntimeError as e:  # e.g. a pooling window larger than the map: the input is too small
        raise ValueError(f"{size} x {size} is too small an input for this network ({str(e).splitlines()[0]})") from None


@st.cache_data(show_spinner="Measuring the family...")
def _family():
    from core.vision.cnn.explore import family

    return family()


def architectures_tab():
    from core.vision.cnn import table as tb
    from core.vision.cnn.explore import EXPLORER, explorer_input
    from core.viz import cnn as viz

    c1, c2 = st.columns([2, 1])
    key = c1.selectbox("Network", list(EXPLORER), index=list(EXPLORER).index("teaching:resnet18"),
                       format_func=EXPLORER.get, key="cnn_arch", bind="query-params")
    in_ch, default = explorer_input(key)
    sizes = sorted({28, 32, 64, 96, 128, 160, 224, default})
    size = c2.select_slider("Input size (pixels)", sizes, value=default, key="cnn_arch_size", bind="query-params")
    with ui.friendly_errors("Measuring the network"):
        t = _table(key, size)
        last_rf = next((r.rf for r in reversed(t.rows) if r.rf is not None), None)
        m1, m2, m3 = st.columns(3)
        m1.metric("Parameters", f"{t.total_params:,}")
        m2.metric("FLOPs per image", f"{t.total_flops / 1e9:.3f} G")
        m3.metric("Largest receptive field before pooling", f"{last_rf} px" if last_rf else "-")
        st.caption(f"Input {in_ch} x {size} x {size}. FLOPs measured by `torch.utils.flop_counter.FlopCounterMode` "
                   "(2 per multiply-add; convolutions and matrix products). Receptive field in input pixels: "
                   "r' = r + (k - 1) j, j' = j s, the largest over a block's paths.")
        st.dataframe(t.records(), hide_index=True, width="stretch", height=320)
        export.csv(pd.DataFrame(t.records()), "layers", key, size=size, label="Layer table (CSV)")
        ui.chart(st, viz.layer_chart(t.records()), width="content")
    st.subheader("The family side by side")
    fam = _family()
    ui.chart(st, viz.family_chart(fam), width="content")
    shares = ", ".join(f"{r['network']} {r['fc_share']:.0%}" for r in fam)
    st.caption(f"Share of parameters in fully connected layers: {shares}. NiN and GoogLeNet replace the FC "
               "layers with global average pooling; ResNet and DenseNet keep one small classifier.")
    ui.show_code(tb.layer_table, tb.kernel_stride, tb.compose)


# ----------------------------------------------------------------------------- blocks
def blocks_tab():
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


# ----------------------------------------------------------------------------- feature maps
@ui.cached_model
def _classifier(card: str, mode: str):
    from core.vision.cnn.classifiers import load_classifier

    return load_classifier(card, mode)  # shared by every session: looks never change it


@st.cache_data(show_spinner=False)
def _shapes_samples():
    from core.vision.cnn.explore import shapes_samples

    return shapes_samples()


@st.cache_data(show_spinner=False, max_entries=16)
def _default_index(card: str, mode: str) -> int:
    from core.vision.cnn.explore import first_correct

    images, labels, _ = _shapes_samples()
    clf, _ = _classifier(card, mode)
    return first_correct(clf, images, labels) if not clf.imagenet else 0


@st.cache_data(show_spinner=False, max_entries=16)
def _layers(card: str, mode: str, shape: tuple) -> list[str]:
    from core.vision.cnn.looks import spatial_layers

    return spatial_layers(_classifier(card, mode)[0].model, shape)


def features_tab():
    import numpy as np

    from core.vision.cnn.classifiers import CARD_NAMES
    from core.vision.cnn.looks import grad_cam, look, strongest_channels
    from core.viz import cnn as viz
    from core.zoo import get_card

    card = st.selectbox("Network", CARD_NAMES, key="cnn_fm_net", bind="query-params",
                        format_func=lambda n: f"{n} ({get_card(n).family})")
    mode = ui.model_source()
    with ui.friendly_errors("Loading the network"):
        clf, res = _classifier(card, mode)
        ui.source_badge(res)
        st.caption(f"Showing **{clf.label}**: {clf.size} x {clf.size} input, {len(clf.class_names)} classes"
                   + ("." if clf.imagenet or clf.card.get("data") == "digits" else " (no ImageNet weights on this "
                      "machine, so KeyPoint's own network of the same family, trained on its ShapesWorld shapes, stands in)."))
        if clf.card.get("data") == "digits":  # the digits LeNet reads digits, drawn or held out, never shapes
            from app_pages.cnns.digit import digit_panel

            digit_panel(card, mode, clf)
            return
        src = st.radio("Image", ["ShapesWorld (held out)", "Photo, upload or camera"], horizontal=True, key="cnn_fm_src", bind="query-params")
        if src.startswith("ShapesWorld"):
            images, labels, names = _shapes_samples()
            idx = st.slider("ShapesWorld image", 0, len(images) - 1, _default_index(card, mode), key="cnn_fm_idx", bind="query-params")
            rgb, truth, name = images[idx], names[labels[idx]], f"ShapesWorld image {idx}"
        else:
            name, _, rgb = ui.image_input("cnn_fm")
            truth = None
        if rgb is None:
            return
        try:
            x = clf.prepare(np.asarray(rgb))
        except ValueError as e:  # bad picture, not a bad network: name the file and the step
            st.warning(f"Preparing **{ui.shown(name)}** for {clf.label}: {e}. "
                       "Try a larger picture.")
            return
        layers = _layers(card, mode, tuple(x.shape[1:]))
        c1, c2 = st.columns(2)
        layer = c1.selectbox("Layer", layers, index=len(layers) - 1, key="cnn_fm_layer", bind="query-params",
                             help="The last feature map before pooling is where Grad-CAM is usually taken.")
        target = c2.selectbox("Grad-CAM for class", ["predicted"] + list(clf.class_names), key="cnn_fm_class", bind="query-params")
        lk = look(clf.model, x, layer, None if target == "predicted" else clf.class_names.index(target))
        shown = np.asarray(rgb)
        if max(shown.shape[:2]) < 256:  # small ShapesWorld images: enlarge for the eye (nearest neighbour)
            f = 256 // max(shown.shape[:2])
            shown = shown.repeat(f, 0).repeat(f, 1)
        i1, i2, i3 = st.columns(3)
        i1.image(shown, caption="input" + (f" (truth: {truth})" if truth else ""), width="stretch")
        cam_picture = viz.cam_overlay(shown, lk.cam)
        i2.image(cam_picture, width="stretch", caption=f"Grad-CAM for '{clf.class_names[lk.target]}' at {layer}")
        export.png(cam_picture, "gradcam", card, clf.class_names[lk.target], layer, label="Grad-CAM (PNG)", where=i2)
        ui.chart(i3, viz.topk_chart(lk.top, clf.class_names), width="stretch")
        C, h, w = lk.activations.shape
        chans = strongest_channels(lk.activations, 16)
        st.image(viz.feature_grid(lk.activations, chans), caption=f"{layer}: the 16 strongest of {C} channels, "
                 f"each {h} x {w} (white = high)")
    ui.show_code(look, grad_cam)


# ----------------------------------------------------------------------------- live training
@st.cache_resource(show_spinner="Preparing the data...", max_entries=4)
def _live_data(name: str, seed: int):
    from core.vision.cnn.explore import load_data

    return load_data(name, seed)  # read-only: the loops only index into it


def _draw_live(run: LiveRun) -> None:
    from core.viz import cnn as viz

    hist = run.history
    last = hist[-1]
    st.caption(f"Step {next(iter(last.values())).step} / {run.config.steps} ({run.state})")
    rows = lambda f: [{"step": e.step, "run": k, "value": f(e)} for ev in hist for k, e in ev.items()  # noqa: E731
                      if f(e) is not None]
    history = pd.DataFrame([{"step": e.step, "run": k, "loss": e.loss, "held-out accuracy": e.test_acc,
                             "gradient at the first layer": e.grad_first} for ev in hist for k, e in ev.items()])
    export.csv(history, "cnn-pair-history", *history["run"].unique(), steps=run.config.steps, lr=run.config.lr,
               label="Training history (CSV)", key="cnn_live_csv")
    c1, c2, c3 = st.columns(3)
    ui.chart(c1, viz.curves_chart(rows(lambda e: e.loss), "training loss", "Loss"), width="stretch")
    ui.chart(c2, viz.curves_chart(rows(lambda e: e.test_acc), "held-out accuracy", "Accuracy", unit=True), width="stretch")
    ui.chart(c3, viz.curves_chart(rows(lambda e: max(e.grad_first, 1e-12)), "gradient norm (log)",
                                     "Gradient at the first layer", log=True), width="stretch")
    evals = [ev for ev in hist if next(iter(ev.values())).act]
    if evals:
        acts = [{"run": k, "depth": i, "layer": n, "mean": mu, "std": sd}
                for k, e in evals[-1].items() for i, (n, mu, sd) in enumerate(e.act)]
        ui.chart(st, viz.activation_chart(acts), width="content")
        st.caption(f"Each layer's output on the training batch at step {next(iter(evals[-1].values())).step}.")


def live_tab():
    from core.vision.cnn import loop
    from core.vision.cnn.explore import PRESETS, start_pair
    from core.vision.cnn.registry import SMALL

    names = list(PRESETS) + ["Choose two networks"]
    choice = st.selectbox("Compare", names, key="cnn_live_preset", bind="query-params")
    if choice in PRESETS:
        p = PRESETS[choice]
        data_name, left, right, cfg = p.data, p.left, p.right, p.cfg
        st.caption(p.why)
    else:
        c1, c2, c3 = st.columns(3)
        data_name = c1.radio("Data", ["digits", "shapes"], key="cnn_live_data", bind="query-params", horizontal=True,
                             format_func={"digits": "digits (28 px)", "shapes": "ShapesWorld (32 px)"}.get)
        left = c2.selectbox("Left", list(SMALL), format_func=lambda n: SMALL[n].title, key="cnn_live_left", bind="query-params")
        right = c3.selectbox("Right", list(SMALL), index=list(SMALL).index("lenet_bn"),
                             format_func=lambda n: SMALL[n].title, key="cnn_live_right", bind="query-params")
        cfg = loop.TrainConfig(steps=300, batch=32, lr=0.003, eval_every=20, n_eval=200, flip=data_name == "shapes")
    c1, c2 = st.columns(2)
    steps = c1.slider("Steps", 20, 1000, cfg.steps, 10, key="cnn_live_steps", bind="query-params")
    lr = c2.select_slider("Learning rate (Adam)", [0.0003, 0.001, 0.003, 0.01, 0.03], value=cfg.lr, key="cnn_live_lr", bind="query-params")

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            import dataclasses

            run_cfg = dataclasses.replace(cfg, steps=int(steps), lr=float(lr))
            data = _live_data(data_name, ui.seed())
            return LiveRun(start_pair(data, left, right, run_cfg, seed=ui.seed()), run_cfg)
        return None

    run = live.controls("cnn_live", start, key="cnn_live")
    if run:
        live.show(run, _draw_live, TICK_S, max_seconds=0.8,
                  steps=lambda r: (next(iter(r.history[-1].values())).step, r.config.steps), what="Training the pair")
    else:
        st.info("Press **Start training**: both networks start from the same seed and see the same batches.")
    ui.show_code(loop.train, loop.side_by_side)


def main():
    st.title("CNNs")
    st.markdown("From LeNet to DenseNet: measure the networks, open their blocks, see where they look, train two.")
    tabs = st.tabs(["Architectures", "Blocks", "Feature maps & Grad-CAM", "Live training"], key="cnn_tab", bind="query-params")
    with tabs[0]:
        architectures_tab()
    with tabs[1]:
        blocks_tab()
    with tabs[2]:
        features_tab()
    with tabs[3]:
        live_tab()


main()
