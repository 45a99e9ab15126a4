"""Vision transformers: ViT's patches and attention, MAE's masking, Swin's windows, BERT's pre-training."""
import numpy as np
import pandas as pd
import streamlit as st
import torch

from app_pages.parts import export, present, ui
from app_pages.vision_transformers.swin import swin_on_picture
from core.runtime import torch_rng
from core.text.bert.mlm import mlm_mask
from core.text.bert.nsp import nsp_pairs, split_sentences
from core.text.bert.view import (embedding_view, fill_recipe, fill_typed_masks, max_positions, mlm_view, nsp_scores,
                                 recipe_tally)
from core.nn.rollout import rollout
from core.vision.vit.mae import encode_visible, masked_loss, random_mask, run_mae
from core.vision.vit.mae_view import mae_view
from core.vision.vit.patches import embed_patches, patchify
from core.vision.vit.pixels import (draw_grid, heat_overlay, model_side, resize_note, resize_square, shade_patches,
                                    token_strip)
from core.vision.vit.samples import shapes_image
from core.vision.vit.swin import (cost_table, cyclic_shift, msa_macs, patch_merge, shifted_window_mask, stages,
                                  window_ids, wmsa_macs, wrap_regions)
from core.vision.vit.vit_view import vit_view
from core.viz import bert as bz
from core.viz import vit as vz

st.title("Vision transformers")
st.markdown("A transformer reads an image as a sentence of patches. **ViT** shows the patches, tokens and "
            "attention; **MAE** hides most patches and rebuilds them; **Swin** attends inside small shifted "
            "windows; **BERT pre-training** is the masked-word recipe MAE borrowed. Every picture is computed "
            "by the real model; the tests check each step against PyTorch, torchvision or Hugging Face.")
# on_change="rerun": a tab switch reruns, so only the open tab's stepper takes the arrow keys
tab_vit, tab_mae, tab_swin, tab_bert = st.tabs(["ViT", "MAE", "Swin", "BERT pre-training"], key="vit_tab", bind="query-params",
                                               on_change="rerun")
MODE = ui.model_source()


@ui.cached_model
def _vit(mode: str):
    from core.vision.vit.load import load_vit

    return load_vit(mode)


@ui.cached_model
def _mae(mode: str):
    from core.vision.vit.load import load_mae

    return load_mae(mode)


@ui.cached_model
def _mlm(mode: str):
    from core.text.bert.models import load_mlm

    return load_mlm(mode)


@ui.cached_model
def _encoder(mode: str):
    from core.text.bert.models import load_embedding_model

    return load_embedding_model(mode)


def _picture(key: str, bundled: bool, side: int, patch: int):
    """ShapesWorld (what the offline model knows) or a photo / upload. Returns RGB or None; says
    what resizing to the model's side does to a student's own picture."""
    kinds = ["ShapesWorld picture", "Photo or upload"]
    c1, c2 = st.columns([2, 1])
    kind = c1.radio("Picture", kinds, index=0 if bundled else 1, key=f"{key}_kind", bind="query-params", horizontal=True,
                    help="The offline model was trained on ShapesWorld; the pretrained one on ImageNet photos.")
    if kind == kinds[0]:
        n = c2.number_input("ShapesWorld picture number", 0, 9999, ui.seed() % 10000, key=f"{key}_shape", bind="query-params")
        img, name = (shapes_image(int(n), texture=0.0, fill=0.55) if key == "mae"
                     else shapes_image(int(n), fill=0.4, jitter=0.25))
        st.caption(f"A held-out ShapesWorld image: a **{name}**.")
        return img
    img = ui.image_input(key)[2]
    note = None if img is None else resize_note(img.shape, side, patch)
    if note:
        st.info(note)
    return img


def _big(img: np.ndarray, side: int = 224) -> np.ndarray:
    k = max(1, side // img.shape[0])
    return np.kron(img, np.ones((k, k, 1), np.uint8)) if k > 1 else img


def _painted_or_picked(img, g: int, side: int):
    """MAE's hidden patches from paint on the picture (every patch the brush touches), or from a list when
    the canvas cannot load. None when nothing is painted yet."""
    from app_pages.parts import canvas
    from core.vision.draw.patches import paint_mask, painted_patches

    N = g * g
    if img is None:
        return None
    shown = draw_grid(_big(resize_square(img, side), 336), max(1, 336 // g))
    d = canvas.draw("mae_paint", mode="draw", background=shown, width=336, height=336, stroke="rgba(255, 60, 60, 0.6)",
                    stroke_width=22, image_data=True)
    if d is not None:
        st.caption("Paint over the picture: every patch your brush touches is hidden from the encoder "
                   "(the bin icon above the picture wipes the paint).")
    if d is None:
        centre = [r * g + c for r in range(g // 4, 3 * g // 4) for c in range(g // 4, 3 * g // 4)]
        return st.multiselect("Patches to hide (row, column)", list(range(N)), default=centre, key="mae_pick", bind="query-params",
                              format_func=lambda i: f"row {i // g}, col {i % g}")
    painted = paint_mask(d.image)
    if painted is None or not painted.any():
        st.info("Nothing painted yet: paint over a part of the picture to hide it.")
        return None
    return painted_patches(painted, g).tolist()


with tab_vit, present.keyboard(tab_vit.open):
    with ui.friendly_errors("Loading the ViT"):
        model, proc, res = _vit(MODE)
        ui.source_badge(res)
        bundled = res.source.kind == "bundled"
        if bundled:
            st.caption("Offline: a small ViT KeyPoint trained on ShapesWorld (5 shape classes), because "
                       "`google/vit-base-patch16-224` is not cached here. Same Hugging Face ViT code either way.")
        img = _picture("vit", bundled, model_side(proc), model.config.patch_size)
        if img is not None:
            st.subheader("1 · Patches and tokens")
            p = st.segmented_control("Patch size", [8, 16, 32], default=16, key="vit_patch", bind="query-params") or 16
            img224 = resize_square(img, 224)
            g = 224 // p
            c1, c2 = st.columns([1, 2])
            c1.image(draw_grid(img224, p), caption=f"{g} × {g} = {g * g} patches of {p} × {p} px", width=260)
            c2.image(token_strip(img224, p, 12, scale=max(1, 32 // p)),
                     caption=f"The token sequence: CLS (black: a learned vector) + {g * g} patches in raster order "
                             f"= {g * g + 1} tokens, each patch {p}·{p}·3 = {p * p * 3} numbers.")
            view = vit_view(model, proc, img)
            st.markdown(f"This model cuts its {model_side(proc)} px input into **{view.patch} px** patches: "
                        f"{view.grid} × {view.grid} grid, **{view.tokens} tokens**, each projected to "
                        f"{view.dim} numbers. The projection is one matrix on the flattened patch; it equals a "
                        f"convolution with stride = kernel = patch size: largest difference on this image "
                        f"**{view.conv_vs_linear_err:.1e}**.")
            st.dataframe(pd.DataFrame(view.top, columns=["class", "probability"]), hide_index=True, width=360)
            st.subheader("2 · Where the CLS token looks")
            ui.chart(st, vz.layer_maps(view.cls_attention, "CLS attention to each patch, per layer (head average)"),
                            width="content")
            ui.chart(st, vz.layer_maps(view.rollout, "Attention rollout: CLS through layers 1…l (residual included)"),
                            width="content")
            layer = present.stepper("Layer to overlay", range(1, len(view.rollout) + 1), len(view.rollout), key="vit_layer")
            o1, o2 = st.columns(2)
            o1.image(heat_overlay(_big(view.image), view.cls_attention[layer - 1]), caption=f"CLS attention, layer {layer}")
            o2.image(heat_overlay(_big(view.image), view.rollout[layer - 1]), caption=f"Rollout to layer {layer}")
            st.subheader("3 · What the positional embeddings learned")
            ui.chart(st, vz.pos_similarity_panels(view.pos_similarity, view.grid, step=1 if view.grid <= 8 else 2),
                            width="content")
            st.caption("Nobody tells a ViT that the patches form a grid; a well-trained one (the pretrained ViT-B/16) "
                       "ends up with each position most similar to its own row and column neighbours (the ViT "
                       "paper's Figure 7)."
                       + (" The small offline model trained for 8 CPU minutes: expect only a faint version (mostly "
                          "edge versus centre)." if bundled else "")
                       + (" Larger grids show every other row and column." if view.grid > 8 else ""))
            ui.show_code(patchify, embed_patches, vit_view, rollout)

with tab_mae, present.keyboard(tab_mae.open):
    with ui.friendly_errors("Masked autoencoder"):
        model, proc, res = _mae(MODE)
        ui.source_badge(res)
        bundled = res.source.kind == "bundled"
        if bundled:
            st.caption("Offline: a small MAE KeyPoint trained on ShapesWorld pictures, because "
                       "`facebook/vit-mae-base` is not cached here. Same Hugging Face ViTMAE modules either way.")
        img = _picture("mae", bundled, model_side(proc), model.config.patch_size)
        g = model_side(proc) // model.config.patch_size
        N = g * g
        how = st.radio("Which patches to hide", ["Random, at a ratio", "Paint them"], key="mae_how", bind="query-params", horizontal=True)
        if how == "Random, at a ratio":
            c1, c2 = st.columns(2)
            ratio = present.stepper("Mask ratio", [round(0.05 * i, 2) for i in range(20)], 0.75, key="mae_ratio", where=c1)
            mseed = c2.number_input("Mask seed", 0, 10**6, ui.seed(), key="mae_seed", bind="query-params")
            hidden = torch.nonzero(random_mask(N, ratio, torch_rng(int(mseed)))).flatten().tolist()
        else:
            hidden = _painted_or_picked(img, g, model_side(proc))
        mask = torch.zeros(N, dtype=torch.bool)
        mask[hidden or []] = True
        if img is not None and hidden is not None:
            if mask.all():
                raise ValueError("leave at least one patch visible: the encoder needs something to see")
            v = mae_view(model, proc, img, mask)
            cols = st.columns(4)
            cols[0].image(draw_grid(_big(v.image), v.patch * _big(v.image).shape[0] // v.image.shape[0]), caption="Input")
            cols[1].image(_big(shade_patches(v.image, v.patch, v.mask)), caption=f"What the encoder sees ({int(v.mask.sum())} of {N} hidden)")
            cols[2].image(_big(v.reconstruction), caption="Reconstruction (hidden patches from the decoder)")
            export.png(v.reconstruction, "mae-reconstruction", f"{int(v.mask.sum())}-of-{N}-hidden", label="PNG",
                       where=cols[2])
            cols[3].image(_big(v.prediction), caption="The decoder's prediction for every patch")
            m1, m2, m3 = st.columns(3)
            m1.metric("Encoder tokens", f"{v.visible_tokens} of {v.all_tokens}")
            m2.metric("Encoder FLOPs (FlopCounterMode)", f"{v.flops_visible / 1e6:,.1f} M",
                      f"{v.flops_visible / v.flops_all - 1:+.0%} vs all {v.flops_all / 1e6:,.1f} M", delta_color="inverse")
            m3.metric("Loss on hidden patches (MSE)", f"{v.loss:.4f}")
            # a width="content" chart in a tab that is hidden when it renders comes out zero-wide: use a column
            ui.chart(st.columns([2, 3])[0], vz.patch_loss_chart(v.patch_loss))
            st.caption("The loss counts hidden patches only: copying a visible patch earns nothing, so the "
                       "encoder must understand the picture from the few it sees.")
            ui.show_code(random_mask, encode_visible, run_mae, masked_loss)

with tab_swin, present.keyboard(tab_swin.open):
    with ui.friendly_errors("Swin on a picture"):
        swin_on_picture()
    with ui.friendly_errors("Swin windows"):
        st.subheader("How the shift and the mask work")
        c1, c2, c3 = st.columns(3)
        M = c1.select_slider("Window size M", [2, 3, 4, 7], value=4, key="swin_m", bind="query-params")
        k = c2.slider("Windows per side", 2, 4, 2, key="swin_k", bind="query-params")
        H = M * k
        s = M // 2
        nW = k * k
        w = present.stepper("Window to inspect", range(nW), nW - 1, key="swin_w", where=c3)
        ids = window_ids(H, H, M).numpy()
        raster = np.arange(H * H).reshape(H, H)
        rolled = cyclic_shift(torch.from_numpy(raster)[None, ..., None], s)[0, ..., 0].numpy()
        a, b, c = st.columns(3)
        ui.chart(a, vz.window_chart(ids, raster, f"{nW} windows of {M}×{M}, {H}×{H} grid"))
        ui.chart(b, vz.window_chart(ids, rolled, f"Rolled by ⌊M/2⌋ = {s} patches", highlight=w))
        ui.chart(c, vz.mask_chart(shifted_window_mask(H, H, M, s)[w].numpy(), f"Attention mask of window {w}"))
        st.caption("Shifting the grid and keeping the same windows lets patches that sat in different windows "
                   "meet, without more windows. Patches that wrapped around from the far edge were not neighbours, "
                   "so the mask adds −100 to their logits (zero after softmax). Last window: the most wrapped.")
        st.subheader("Patch merging through Swin-T's four stages")
        st.dataframe(pd.DataFrame([vars(x) for x in stages()]), hide_index=True)
        ui.chart(st, vz.stages_chart(pd.DataFrame([{"stage": x.stage, "patches per side": x.grid,
                                                       "channels": x.channels} for x in stages()])))
        st.caption("Each merge concatenates 2 × 2 neighbours (4C numbers) and projects them to 2C: the grid halves, "
                   "the channels double, like a CNN's pyramid.")
        st.subheader("Cost: global vs window attention")
        sides = [7, 14, 21, 28, 42, 56, 84, 112]
        rows = st.cache_data(cost_table, show_spinner="Counting FLOPs…")(sides, 96, 7)
        df = pd.DataFrame([{"tokens": r.tokens, "kind": r.kind, "multiply-adds": v, "source": src}
                           for r in rows for v, src in ((r.formula_macs, "formula"), (r.measured_macs, "FlopCounterMode"))
                           if v > 0])
        ui.chart(st, vz.cost_chart(df))
        st.caption("C = 96, M = 7 (Swin-T's first stage). 4hwC² + 2(hw)²C grows with the square of the patch count; "
                   "4hwC² + 2M²hwC only linearly. FlopCounterMode runs torchvision's `ShiftedWindowAttention` and "
                   "lands on the formula (it counts a multiply-add as 2 FLOPs).")
        ui.show_code(cyclic_shift, wrap_regions, shifted_window_mask, patch_merge, msa_macs, wmsa_macs)

DEFAULT_TEXT = ("The cat sat on the mat. The cat likes to eat fish. It was a sunny day. "
                "Tom went to the park with a red ball. Tom saw a dog and felt happy.")


def _cut_note(what: str, cut: int, limit: int) -> None:
    """Say plainly when an input was cut to the model's position table."""
    if cut > 0:
        st.info(f"{what}: the loaded model reads at most **{limit} tokens** (its `max_position_embeddings`), so "
                f"the last {cut} token(s) of your text were cut off here.")


with tab_bert:
    with ui.friendly_errors("BERT pre-training"):
        text = st.text_area("Your text (a few sentences)", DEFAULT_TEXT, key="bert_text", bind="query-params", max_chars=600)
        sents = split_sentences(text)
        if not sents:
            raise ValueError("type at least one sentence")
        st.subheader("1 · Token + segment + position embeddings")
        enc, etok, eres = _encoder(MODE)
        ui.source_badge(eres)
        ev = embedding_view(enc, etok, sents[0], sents[1] if len(sents) > 1 else None)
        _cut_note("Embeddings of sentences A and B", ev.cut, max_positions(enc))
        ui.chart(st, bz.embeddings_chart(ev.tokens, {"token": ev.token_vec, "segment": ev.segment_vec,
                                                        "position": ev.position_vec, "sum": ev.summed,
                                                        "after LayerNorm": ev.output}))
        st.caption(f"Sentence A has segment 0, sentence B segment 1 ({ev.segments.count(1)} tokens). Our sum + "
                   f"LayerNorm matches the model's own embedding module to {ev.check_err:.1e}."
                   + (" This MiniLM was fine-tuned for sentence embeddings: it has no masked-LM or NSP head, so "
                      "the predictions below come from a separate model." if eres.source.kind == "packaged" else ""))
        model, tok, res, has_nsp = _mlm(MODE)
        limit = max_positions(model)
        st.subheader("2 · The masked-LM recipe (15% chosen: 80% [MASK], 10% random, 10% unchanged)")
        ui.source_badge(res)
        if res.source.kind == "bundled":
            st.caption("Offline: a small BERT KeyPoint pre-trained on its own generated corpus (masked LM + next "
                       "sentence), because `bert-base-uncased` is not cached here. Corpus-like sentences read best.")
        mv = mlm_view(tok, text, ui.seed(), limit)
        _cut_note("Masked LM", mv.cut, limit)
        st.dataframe(pd.DataFrame({"token": mv.tokens, "chosen as": mv.actions, "the model sees": mv.seen}).T,
                     width="stretch")
        tally = recipe_tally(tok, text, ui.seed(), limit)
        one = {a: mv.actions.count(a) for a in ("mask", "random", "keep")}
        c1, c2 = st.columns(2)
        ui.chart(c1, bz.recipe_tally_chart(one, "This draw (seed " + str(ui.seed()) + ")"))
        ui.chart(c2, bz.recipe_tally_chart(tally, "Over 2000 draws of the same text"))
        n = sum(tally.values())
        st.caption(f"This draw chose {sum(one.values())} tokens: {one['mask']} → [MASK], {one['random']} → a random "
                   f"word, {one['keep']} unchanged. Over 2000 draws the {n} choices split "
                   f"{tally['mask'] / n:.0%} / {tally['random'] / n:.0%} / {tally['keep'] / n:.0%}: one short text "
                   "cannot show 80/10/10, many draws do. The loss is computed at the chosen tokens only, including "
                   "the unchanged ones, so the model cannot tell which visible words it will be asked about.")
        preds = fill_recipe(model, tok, mv)
        typed = st.text_input("Or write your own [MASK] sentence", "The cat sat on the [MASK].", key="bert_typed", bind="query-params")
        preds_typed = fill_typed_masks(model, tok, typed) if "[mask]" in typed.lower() else []
        rows = [{"slot": f"{p.position}: {mv.seen[p.position]} (was {p.original})", "token": t, "probability": q}
                for p in preds for t, q in p.candidates]
        rows += [{"slot": f"yours, token {p.position}", "token": t, "probability": q} for p in preds_typed for t, q in p.candidates]
        if rows:
            ui.chart(st, bz.fill_mask_chart(pd.DataFrame(rows)))
        st.subheader("3 · Next-sentence pairs (50% real next, 50% random)")
        from core.text.lm.corpus import CorpusConfig, generate

        pool = [x for d in generate(CorpusConfig(n_docs=50, seed=7)) for x in split_sentences(d)]
        pairs = nsp_pairs(text, torch_rng(ui.seed()), pool)
        if not pairs:
            st.info("Write at least two sentences to build next-sentence pairs.")
        elif any(len(tok(p.a, p.b)["input_ids"]) > limit for p in pairs):
            st.info(f"Next-sentence pairs: a pair longer than the model's {limit} positions is cut (the longer "
                    "sentence loses its last tokens) before the head scores it.")
        if pairs:
            table = pd.DataFrame({"A": [p.a for p in pairs], "B": [p.b for p in pairs],
                                  "really": ["IsNext" if p.is_next else "NotNext" for p in pairs],
                                  "B came from": [p.source for p in pairs]})
            if has_nsp:
                table["P(IsNext)"] = nsp_scores(model, tok, pairs)
                ui.chart(st, bz.nsp_chart(pd.DataFrame({"pair": [f"pair {i + 1}" for i in range(len(pairs))],
                                                           "score": table["P(IsNext)"].to_numpy(),
                                                           "truth": table["really"].to_numpy()})))
            else:
                st.info("The loaded model has no next-sentence head, so there is no NSP score to show.")
            st.dataframe(table, hide_index=True, width="stretch")
        ui.show_code(mlm_mask, recipe_tally, nsp_pairs, embedding_view)
