"""Attention lab, tab "MLP & parameters": the chosen layer's MLP at the query token (its most active neurons,
where they sit on the nonlinearity, how hard each pushes the residual stream) and where the parameters are."""
import pandas as pd
import streamlit as st
import torch

from app_pages.attention.common import AttentionRun
from app_pages.parts import ui
from core.text.attention import mlp
from core.viz import attention as charts


def render(run: AttentionRun) -> None:
    tr, res, layer, model = run.tr, run.res, run.layer, run.model
    mv = res.mlp
    st.markdown(f"Layer {layer}'s MLP at token {res.token} “{tr.tokens[res.token]}”: up-projection to "
                f"{mv.pre.numel()} neurons → {mv.act_name} → down-projection back to {mv.out.numel()} dims.")
    a, b = st.columns(2)
    ui.chart(a, charts.bars([f"neuron {i}" for i in mv.top.tolist()], mv.act[mv.top].tolist(),
                               "Most active neurons (after the nonlinearity)", "activation"))
    xs = torch.linspace(float(mv.pre.min()) - 0.5, float(mv.pre.max()) + 0.5, 200)
    act_fn = mlp.mlp_parts(model, layer)[0]
    with torch.no_grad():
        ui.chart(b, charts.curve(xs, act_fn(xs.to(next(model.parameters()).device)).cpu(), mv.pre[mv.top],
                                    mv.act[mv.top], f"{mv.act_name}: where the top neurons sit"))
    ui.chart(st, charts.bars([f"neuron {i}" for i in mv.top.tolist()], mv.contrib_norm.tolist(),
                                "How hard each neuron pushes the residual stream: |activation × its W_down row|",
                                "norm", color="#f58518"))
    total, total3 = sum(res.split.values()), sum(res.gpt3.values())
    df = pd.DataFrame([{"part": k, "model": f"{run.resolution.card.name} ({total / 1e6:.2f}M)", "share": v / total} for k, v in res.split.items()]
                      + [{"part": k, "model": f"GPT-3 ({total3 / 1e9:.1f}B)", "share": v / total3} for k, v in res.gpt3.items()])
    ui.chart(st, charts.grouped_bars(df, "part", "share", "model", "Where the parameters are"))
    st.caption(f"GPT-3 from its published shape (96 layers, d_model 12288, 96 heads, MLP 49152 wide): the MLPs hold "
               f"{res.gpt3['MLP'] / total3:.0%} of the weights. In this model: {res.split['MLP'] / total:.0%}.")
    ui.show_code(mlp.mlp_view, mlp.split_from_shape)
