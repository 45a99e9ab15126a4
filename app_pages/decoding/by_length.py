"""Decoding lab, "The fixed-context bottleneck": exact match against source length, first on string reversal
(the bundled GRUs with and without attention), then for the dates models (their cards, or recomputed now)."""
import json

import streamlit as st

from app_pages.decoding.common import DecodingRun
from app_pages.parts import progress, ui
from core.text.decoding import bottleneck
from core.text.decoding import train_seq2seq as study
from core.text.decoding.seq2seq_data import make_pairs
from core.viz import decoding as charts


@st.cache_data(show_spinner="Measuring the reversal models…")
def reversal_curves():
    """Exact match by source length of the bundled reversal GRUs, measured on held-out strings."""
    from core.catalog import ROOT

    loaded = bottleneck.load_bundled(ROOT)
    if loaded is None:
        return None
    models, card = loaded
    cfg = bottleneck.BottleneckConfig(**card["config"])
    rows = []
    for key, label in (("with", "with attention"), ("without", "without attention")):
        rows += [{"model": label, "source length": str(L), "exact match": v, "n": None}
                 for L, v in bottleneck.exact_match_by_length(models[key], cfg).items()]
    return rows, card


def render(run: DecodingRun) -> None:
    name = run.name
    st.subheader("The fixed-context bottleneck: accuracy against source length")
    reversal = reversal_curves()
    if reversal is None:
        st.info(f"The reversal models are not bundled here (train them with `{bottleneck.COMMAND}`).")
    else:
        curves_r, card_r = reversal
        st.markdown("**On a task built to show it: reverse a random string.** Every symbol of the source must reach "
                    "the output, so what the decoder needs grows with the length. The same GRU translator, "
                    f"{card_r['config']['hidden']} units, trained on the same strings with and without attention "
                    "(bundled; measured now on 600 held-out strings):")
        ui.chart(st, charts.length_curves_chart(curves_r), width="stretch")
        by = {(r["model"], r["source length"]): r["exact match"] for r in curves_r}
        long_ = [L for L in range(15, card_r["config"]["max_len"] + 1)]
        mean = lambda m: sum(by.get((m, str(L)), 0.0) for L in long_) / len(long_)  # noqa: E731
        st.caption(f"Sources of 15 or more symbols: **{mean('with attention'):.0%}** reversed exactly with attention, "
                   f"**{mean('without attention'):.0%}** without. Short sources fit in one {card_r['config']['hidden']}"
                   "-wide vector; long ones do not, and attention, which re-reads every encoder state, does not "
                   "need them to. The dates below are short (at most ~11 output tokens), which is why the dates "
                   "models show no such trend.")
    curves = []
    for nm in ("seq2seq-dates", "gru-seq2seq", "gru-seq2seq-noattn"):
        from core.zoo import REPO_ROOT, get_card

        path = REPO_ROOT / get_card(nm).extra["card_json"]
        if path.is_file():
            curves += [{"model": nm, "source length": f"{b['lo']}-{b['hi']}", "exact match": b["exact_match"],
                        "n": b["n"]} for b in json.loads(path.read_text())["by_length"]]
    if st.button("Recompute for this model on 300 held-out dates", key="dec_len_go"):
        with ui.friendly_errors("Recomputing"):
            with progress.bar("Decoding 300 held-out dates", 300, unit="dates") as bar:
                r = study.accuracy_by_length(run.model, run.tok, make_pairs(300, run.seed + 2, "test"), chunk=50,
                                             on_progress=bar)
            st.session_state["dec_len"] = [{"model": f"{name} (now)", "source length": f"{b['lo']}-{b['hi']}",
                                            "exact match": b["exact_match"], "n": b["n"]} for b in r["by_length"]]
    curves += st.session_state.get("dec_len", [])
    if curves:
        ui.chart(st, charts.length_curves_chart(curves), width="stretch")
        st.caption("Measured by the training script on held-out dates (stored in each model's card.json).")
