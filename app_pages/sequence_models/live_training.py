"""Sequence models, tab "Live training": RNN, GRU and LSTM trained side by side on the same text and batches,
drawn as they learn (a live run: start, pause, stop)."""
import pandas as pd
import streamlit as st

from app_pages.parts import export, live, ui
from app_pages.sequence_models.common import KINDS, char_text
from core.live import LiveRun
from core.text.rnn import char_lm
from core.viz import sequence as charts


def render(seed: int) -> None:
    st.markdown("RNN, GRU and LSTM trained side by side on the same text, the same batches and settings.")
    c1, c2 = st.columns(2)
    race_hidden = c1.select_slider("Hidden units", [16, 32, 64], value=32, key="seq_race_hidden", bind="query-params")
    race_steps = c2.select_slider("Steps", [100, 300, 600], value=300, key="seq_race_steps", bind="query-params")

    def start_race() -> LiveRun:
        cfg = char_lm.CharLMConfig(hidden=race_hidden, steps=race_steps)
        return LiveRun(char_lm.train_race(char_text(seed), KINDS, cfg, seed), cfg)

    def draw_race(run: LiveRun) -> None:
        rows = [{"run": e.kind.upper(), "step": e.step, "bits per character": char_lm.bits_per_char(e.loss)}
                for e in run.history if not e.diverged]
        last = {e.kind: e for e in run.history}
        st.caption(f"Step {max(e.step for e in last.values())} / {run.config.steps} ({run.state})")
        ui.chart(st, charts.runs_chart(rows, "bits per character", "Training loss"), width="stretch")
        export.csv(pd.DataFrame(rows), "race-history", hidden=run.config.hidden, steps=run.config.steps, seed=seed,
                   label="Training history (CSV)", key="race_csv")
        st.dataframe(pd.DataFrame([{"cell": k.upper(), "step": e.step, "perplexity (per char)": 2 ** char_lm.bits_per_char(e.loss),
                                    "sample": char_lm.sample(e.model, "The ", n=60, seed=seed)} for k, e in last.items()]),
                     hide_index=True)

    run = live.controls("seq_race", start_race, key="race", start_label="Train RNN vs GRU vs LSTM")
    if run:
        live.show(run, draw_race, max_seconds=1.0,  # as many lockstep steps as fit in a second, a tick
                  steps=lambda r: (max(e.step for e in r.history[-3:]), r.config.steps), what="Training the three cells")
