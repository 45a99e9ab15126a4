"""Attention lab, tab "Attention maps": one head's heatmap and row, every head of the layer, the model
view (a click picks the head), the layer's average and the rollout through all layers."""
import pandas as pd
import streamlit as st

from app_pages.attention.common import AttentionRun
from app_pages.parts import export, ui
from core.nn import rollout as rollout_fn
from core.text.attention import capture as att
from core.viz import attention as charts


def render(run: AttentionRun) -> None:
    tr, res, layer, head, name, text = run.tr, run.res, run.layer, run.head, run.name, run.text
    a, b = st.columns([3, 2])
    ui.chart(a, charts.heatmap(tr.weights[layer, head], tr.tokens, f"Layer {layer}, head {head}"))
    downloads = a.container(horizontal=True)
    export.matrix_png(tr.weights[layer, head].float().cpu().numpy(), "attention", name, text, layer=layer, head=head,
                      label="Heatmap (PNG)", where=downloads)
    export.json({"model": name, "text": text, "tokens": tr.tokens, "layer": layer, "head": head, "causal": tr.causal,
                 "weights": tr.weights[layer, head]}, "attention", name, text, layer=layer, head=head,
                label="Weights (JSON)", where=downloads)
    row = pd.DataFrame({"key": charts.token_labels(tr.tokens), "weight": tr.weights[layer, head, res.token].tolist()})
    ui.chart(b, charts.bars(row["key"].tolist(), row["weight"].tolist(),
                            f"Attention from token {res.token} “{tr.tokens[res.token]}”", "weight"))
    ui.chart(st, charts.small_multiples(tr.weights[layer], tr.tokens, title=f"All heads of layer {layer}"))
    st.markdown("**Model view**: every layer × head (the chosen one in orange). Click a thumbnail, or use the "
                "Layer / Head boxes above, to look at another head.")
    ui.chart(st, charts.model_view(tr.weights, selected=(layer, head)), on_select="rerun", key="attn_mv",
             selection_mode="pick", width="content")
    a, b = st.columns(2)
    ui.chart(a, charts.heatmap(res.head_avg, tr.tokens, f"Layer {layer}, average of the {run.H} heads"))
    ui.chart(b, charts.heatmap(res.rollout, tr.tokens, "Attention rollout through all layers"))
    st.caption("Rollout multiplies the layers' head-averaged maps, each mixed half-and-half with the identity for "
               "the residual connection (Abnar & Zuidema, 2020): how much each input token reaches each position.")
    ui.show_code(att.capture_ids, rollout_fn.rollout)
