"""Sequence models, tab "RNN, GRU and LSTM cells": train a character model on a button, then watch its
gates and hidden state read a text (a unit that tracks open quotes), force the GRU's gates, and compare
the notes' reset gate with PyTorch's."""
import pandas as pd
import streamlit as st
import torch

from app_pages.parts import export, ui
from app_pages.sequence_models.common import KINDS, cell_settings, trained_char_lm, trained_with_progress
from core.text.rnn import char_lm, view as sequence_lab
from core.viz import sequence as charts

QUOTE_TEXT = 'The cat sat on the mat. "THE DOG BARKS." Tom went to the park. "WATER IS WET." The end.'


@st.cache_data(show_spinner=False, max_entries=32)
def model_sample(kind: str, hidden: int, steps: int, seed: int) -> str:
    return char_lm.sample(trained_char_lm(kind, hidden, steps, seed)[0], "The ", n=80, seed=seed)


def render(seed: int) -> None:
    cell_cfg = cell_settings()
    with st.form("cell_form"):
        c1, c2, c3 = st.columns(3)
        kind = c1.segmented_control("Cell", list(KINDS), default=cell_cfg["kind"], key="seq_cell_kind", bind="query-params", format_func=str.upper)
        hidden = c2.select_slider("Hidden units", [16, 32, 64], value=cell_cfg["hidden"], key="seq_cell_hidden", bind="query-params")
        steps = c3.select_slider("Training steps", [50, 150, 400, 800], value=cell_cfg["steps"], key="seq_cell_steps", bind="query-params")
        if st.form_submit_button("Train this model", key="cell_train"):
            cell_cfg.update(kind=kind or cell_cfg["kind"], hidden=hidden, steps=steps)
    model, events = trained_with_progress(cell_cfg["kind"], cell_cfg["hidden"], cell_cfg["steps"], seed)
    export.csv(pd.DataFrame([{"step": e.step, "loss (nats/char)": e.loss, "bits per character": char_lm.bits_per_char(e.loss),
                              "gradient norm": e.grad_norm} for e in events]),
               "char-lm-history", cell_cfg["kind"], hidden=cell_cfg["hidden"], steps=cell_cfg["steps"], seed=seed,
               label="Training history (CSV)")
    k_name = cell_cfg["kind"].upper()
    ui.chart(st, charts.training_curve_chart([e.step for e in events], [char_lm.bits_per_char(e.loss) for e in events],
                                                f"{k_name} training run", f"{cell_cfg['hidden']} units, {cell_cfg['steps']} steps"),
                    width="stretch")
    st.caption("An RNN is a **latent-variable model**: instead of the last n − 1 tokens it keeps a hidden state "
               "h_t = f(x_t, h_{t−1}), a learned summary of everything read so far, and predicts from that.")
    text = st.text_input("Characters to feed in", QUOTE_TEXT, key="seq_cell_text", bind="query-params", max_chars=120)
    with ui.friendly_errors("Running the cell"):
        chars, trace, probs = char_lm.trace_text(model, text)
        if len(chars) < len(text):
            st.info("Characters the model never saw were skipped.")
        names = [g for g in trace.gates if g != "h"] + ["h"]
        gate = st.radio("Show", names, horizontal=True, key="seq_cell_gate", bind="query-params")
        values = trace.gates[gate if gate in trace.gates else "h"][:, 0, :]  # [T, H]
        ui.chart(st, charts.gate_heatmap(chars, values.numpy(), gate), width="stretch")
        flags = char_lm.inside_quotes(chars)
        if any(flags) and not all(flags):
            unit, r = char_lm.tracking_unit(values, flags)
            ui.chart(st, charts.unit_chart(chars, values[:, unit].numpy(), flags, f"{gate}, unit {unit}: r = {r:+.2f}"),
                            width="stretch")
            st.caption(f"The model read text where quoted sentences are in capitals, so to predict the case of the next "
                       f"letter it must remember whether a quote is open. Unit {unit} of **{gate}** follows “inside quotes” "
                       f"best here (correlation {r:+.2f}). Look at the spaces and the quote marks: their input is the "
                       "same inside and outside, so what differs there is memory.")
        top = probs[-1].topk(5)
        st.markdown("After the last character the model expects: " + ", ".join(
            f"`{model.vocab.chars[int(i)]!r}` {float(p):.2f}" for p, i in zip(top.values, top.indices)))
        if cell_cfg["kind"] == "gru":
            st.markdown("**Force the GRU's gates** (the notes' extremes): z = 0, r = 1 is a plain RNN; z = 1 copies the old state.")
            c1, c2 = st.columns(2)
            fz = c1.select_slider("Update gate z", ["free", 0.0, 0.5, 1.0], value="free", key="seq_gru_z", bind="query-params")
            fr = c2.select_slider("Reset gate r", ["free", 0.0, 0.5, 1.0], value="free", key="seq_gru_r", bind="query-params")
            _, free, forced = sequence_lab.forced_gru(model, text, None if fz == "free" else fz, None if fr == "free" else fr)
            change = float((forced.hidden - free.hidden).abs().mean())
            if (fz, fr) != ("free", "free"):
                ui.chart(st, charts.gate_heatmap(chars, forced.hidden[:, 0].numpy(), "h with the gates forced"),
                                width="stretch")
            st.caption(f"Mean |h forced − h free| = {change:.3f}. " + (
                "With z = 1 the state never changes: it stays at its start (zeros)." if fz == 1.0 else
                "With z = 0 and r = 1 every step overwrites the state with tanh(W x + U h): a plain RNN." if (fz, fr) == (0.0, 1.0)
                else ""))
            from core.text.rnn.cells import CellWeights, run_cell

            with torch.no_grad():  # the same weights and inputs through the notes' form of the reset gate
                notes = run_cell("gru-notes", CellWeights.from_torch(model.rnn),
                                 model.embed(model.vocab.encode(chars))[:, None, :])
            gap = (notes.hidden - trace.gates["h"]).abs()[:, 0]  # [T, H]
            st.markdown("**Where the notes and PyTorch differ: the reset gate.** The notes write the candidate "
                        "as n = tanh(W x + U (r ⊙ h)), r applied to h *before* the matrix; PyTorch's GRU computes "
                        "n = tanh(W x + r ⊙ (U h + b)), r applied *after* it. Same trained weights, same text: the "
                        f"hidden states differ by **{float(gap.mean()):.3f}** on average and up to "
                        f"**{float(gap.max()):.3f}** (h lies in [−1, 1]). The model was trained with PyTorch's form, "
                        "so that is the one shown above.")
            ui.chart(st, charts.gate_heatmap(chars, gap.numpy(), "|h (notes' reset) − h (PyTorch's reset)|"),
                     width="stretch")
        st.caption("These gates come from our hand-written cell run with the trained torch weights; "
                   "the tests check it matches torch.nn step for step.")
    st.markdown("**Sample** from the model: " + f"`{model_sample(cell_cfg['kind'], cell_cfg['hidden'], cell_cfg['steps'], seed)}`")
    from core.text.rnn import cells as rnn_cells

    ui.show_code({"rnn": rnn_cells.rnn_step, "gru": rnn_cells.gru_step, "lstm": rnn_cells.lstm_step}[cell_cfg["kind"]])
