"""Attention lab, tab "Cost of context": FLOPs of one layer at growing lengths (attention's T² against the
MLP's T), counted as the layer runs, and the memory of the loaded model itself up to its context limit."""
import streamlit as st

from app_pages.attention.common import AttentionRun
from app_pages.parts import progress, ui
from core.text.attention import context_cost, mlp
from core.text.lm.load import context_limit
from core.viz import attention as charts


@st.cache_data(max_entries=8, show_spinner=False)
def get_cost(name: str, mode: str, _model=None, _on_progress=None) -> list[dict]:
    """name and mode say which model _model is: they are its part of the cache key (a leading _ is not hashed)."""
    return context_cost.measure(_model, context_cost.lengths_for(min(context_limit(_model), 1024)),
                                on_progress=_on_progress)


@st.cache_data(max_entries=8, show_spinner="Counting FLOPs at longer contexts…")
def get_layer_flops(D: int, H: int, F: int, limit: int) -> list[dict]:
    return context_cost.layer_flops(D, H, F, context_cost.extended_lengths(F, limit))


def render(run: AttentionRun) -> None:
    model, H = run.model, run.H
    st.markdown("Attention compares every token with every other: its score matrices are **T × T** per head and layer, "
                "while the MLP works on each token alone (**linear** in T).")
    with ui.friendly_errors("Measuring"):
        D, F, ctx = model.config.hidden_size, mlp.mlp_parts(model, 0)[1].shape[0], context_limit(model)
        ext = get_layer_flops(D, H, F, ctx)
        cross = context_cost.crossover(ext)
        ui.chart(st, charts.flops_extension_chart(ext, ctx, cross), width="stretch")
        st.caption(f"FLOPs of one layer with this model's shapes (D = {D}, {H} heads, MLP {F} wide), counted by "
                   f"torch's FlopCounterMode as the layer runs at each length, past the model's own limit of {ctx} "
                   f"tokens (a layer has no position table; only the whole model stops there). Attention's T² work "
                   + (f"overtakes the MLP at **T ≈ {cross:,.0f}** tokens, the MLP's width F = {F}: "
                      f"{'inside' if cross <= ctx else 'beyond'} this model's context."
                      if cross else "never overtakes the MLP in this range."))
        st.markdown("**Memory on the loaded model itself**, up to its context limit (one forward per length, random "
                    "tokens; the bytes of the attention matrices it returns and of the MLP activations, hooked):")
        with progress.bar("Measuring the cost of context: one forward per length", unit="tokens") as bar:
            cost = get_cost(run.name, run.mode, _model=model, _on_progress=bar)
        a, b = st.columns(2)
        ui.chart(a, charts.cost_chart(cost, "memory (MB)"), width="stretch")
        b.caption(f"Memory: the attention matrices (L·H·T² numbers) pass the MLP's activations (L·T·{F}) at "
                   f"T = {F}/{H} = {F // H} tokens. Doubling the context quadruples the first, doubles the second.")
    ui.show_code(context_cost.ShapeBlock.forward, context_cost.layer_flops, context_cost.measure)
