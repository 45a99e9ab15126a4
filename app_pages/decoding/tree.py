"""Decoding lab, "The search tree": every candidate of every step of the beam search, replayable step by step,
then the n-best list (with downloads) beside greedy decoding of the same input."""
import streamlit as st

from app_pages.decoding.common import DecodingRun
from app_pages.parts import export, present, ui
from core.viz import decoding as charts


def render(run: DecodingRun) -> None:
    trace, greedy_tr, k, alpha, text = run.trace, run.greedy_tr, run.k, run.alpha, run.text
    st.subheader("The search tree")
    st.caption("Every candidate of every step: blue runs on, green finished (EOS) and entered the n-best pool, grey "
               "was pruned. Red edges: the best beam. Orange rings: the greedy path. Hover for scores.")
    c1, c2 = st.columns([3, 1])
    upto = present.stepper("Replay up to step", range(len(trace.steps)), len(trace.steps) - 1,
                           key=f"dec_step_{len(trace.steps)}", where=c1)
    pruned = c2.toggle("Show pruned candidates", value=k <= 6, key=f"dec_pruned_{k <= 6}",
                       help="Off (the default from k = 7): only what ran on or finished, so a wide beam stays readable.")
    nodes, edges = charts.tree_frames(trace, upto, greedy_tr.best.tokens, show_pruned=pruned)
    ui.chart(st, charts.tree_chart(nodes, edges), width="stretch")
    with st.expander(f"Candidates at step {upto}"):
        st.dataframe(nodes[nodes.step == upto].drop(columns=["y"]), hide_index=True)

    c1, c2 = st.columns([3, 2])
    c1.markdown("**n-best list** (sorted by the length-normalised score)")
    c1.dataframe(charts.nbest_frame(trace), hide_index=True)
    downloads = c1.container(horizontal=True)
    export.csv(charts.nbest_frame(trace), "nbest", text, k=k, alpha=alpha, label="n-best (CSV)", where=downloads)
    export.json(trace, "beam", text, k=k, alpha=alpha, label="Beam trace (JSON)", where=downloads)
    c2.markdown("**Greedy** for comparison")
    c2.write(f"`{greedy_tr.best.text}`  log-prob {greedy_tr.best.score:.3f}")
    if greedy_tr.best.tokens != trace.best.tokens:
        better = trace.best.score > greedy_tr.best.score
        c2.info("Beam search found a different output than greedy" + (
            f", with a higher log-prob ({trace.best.score:.3f} vs {greedy_tr.best.score:.3f}): greedy's first choice "
            "led to a worse whole sequence." if better else
            f": lower raw log-prob ({trace.best.score:.3f}) but a better length-normalised score (α = {alpha:g})."))
    else:
        c2.caption("Beam and greedy agree here; try a wider beam or another input.")
