"""Sequence models: an n-gram counts its way to the next word; RNN / GRU / LSTM cells carry a state.
Zipf's law, one perplexity table, deep and bidirectional RNNs, vanishing gradients and clipping, and
RNN vs GRU vs LSTM trained live. Training happens on a button (or once per server for the defaults);
a widget that only changes a view never retrains."""
import pandas as pd
import streamlit as st
import torch

from app_pages.parts import export, live, progress, ui
from core.live import LiveRun
from core.text.rnn import char_lm, view as sequence_lab
from core.text.lm import ngram, zipf
from core.text.lm.corpus import CorpusConfig, generate, quoted
from core.viz import sequence as charts

st.title("Sequence models")
st.markdown("Two ways to predict what comes next: **count** (an n-gram looks up the last n−1 words) "
            "or **remember** (a recurrent cell folds the whole past into a hidden state).")
KINDS = ("rnn", "gru", "lstm")
QUOTE_TEXT = 'The cat sat on the mat. "THE DOG BARKS." Tom went to the park. "WATER IS WET." The end.'


@st.cache_data(show_spinner=False)
def corpus(n_docs: int, seed: int) -> list[str]:
    return generate(CorpusConfig(n_docs=n_docs, seed=seed))


@st.cache_resource(show_spinner=False)
def ngram_models(seed: int) -> dict[int, ngram.NGramLM]:
    return {n: ngram.NGramLM(n=n, k=0.01).fit(corpus(3000, seed)[:2700]) for n in (1, 2, 3, 4)}


def char_text(seed: int) -> str:
    """What the character models read: the corpus with a share of shouted quotes (see corpus.quoted)."""
    return quoted(corpus(1500, seed), seed=seed)


@ui.cached_model
def trained_char_lm(kind: str, hidden: int, steps: int, seed: int, _on_progress=None):
    """Shared by every session: never mutated. Returns (model, its training events).
    _on_progress(step, steps) as it trains (a progress.Bar; a leading _ keeps it out of the cache key)."""
    events = []
    for e in char_lm.train_char_lm(char_text(seed), char_lm.CharLMConfig(kind=kind, hidden=hidden, steps=steps), seed):
        events.append(e)
        if _on_progress and isinstance(e, char_lm.TrainEvent):
            _on_progress(e.step, steps)
    return events[-1], [e for e in events[:-1] if not e.diverged]


def trained_with_progress(kind: str, hidden: int, steps: int, seed: int):
    """trained_char_lm with a progress bar while it trains (the first time these settings are asked for)."""
    with progress.bar(f"Training the {kind.upper()} ({hidden} units, once per server)", steps) as bar:
        return trained_char_lm(kind, hidden, steps, seed, _on_progress=bar)


@st.cache_data(show_spinner=False)
def held_out_perplexity(seed: int) -> list[float]:
    models, held_out = ngram_models(seed), corpus(3000, seed)[2700:2800]
    return [models[k].perplexity(held_out) for k in (1, 2, 3, 4)]


@st.cache_data(show_spinner="Scoring every model on the held-out text…", max_entries=8)
def perplexities(kinds: tuple, hidden: int, steps: int, seed: int) -> pd.DataFrame:
    from core.text.lm.load import load_causal_lm

    gpt = None
    with ui.friendly_errors("Loading the tiny GPT"):
        gpt = load_causal_lm("gpt-tiny", "offline")[:2]
    held = generate(CorpusConfig(n_docs=60, seed=seed + 10_000))  # a seed no model trained on
    return sequence_lab.perplexity_table(ngram_models(seed), {k: trained_char_lm(k, hidden, steps, seed)[0] for k in kinds},
                                         gpt, held)


@st.cache_data(show_spinner=False, max_entries=8)
def clip_runs(theta: float, lr: float, steps: int, seed: int, _on_progress=None) -> list[dict]:
    return sequence_lab.clipping_runs(char_text(seed), theta, lr, steps, seed, on_progress=_on_progress)


@st.cache_data(show_spinner=False, max_entries=16)
def zipf_tables(seed: int, min_count: int):
    tokens = [w for d in corpus(3000, seed) for w in ngram.words(d)]
    return len(tokens), zipf.zipf_fit(tokens), zipf.distinct_ngrams(tokens, [1, 2, 3, 4, 5], min_count)


@st.cache_data(show_spinner=False, max_entries=32)
def model_sample(kind: str, hidden: int, steps: int, seed: int) -> str:
    return char_lm.sample(trained_char_lm(kind, hidden, steps, seed)[0], "The ", n=80, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=6)
def trained_fillers(kind: str, seed: int, _on_progress=None):
    """Left-to-right and bidirectional blank fillers on the corpus (shared by every session: never
    mutated). Returns [(model, vocab, held-out blank accuracy)] for the two."""
    from core.text.rnn import fill as rnn_fill

    text = " ".join(corpus(1500, seed))
    cut = int(0.9 * len(text))
    cfg = rnn_fill.FillConfig(kind=kind)
    out = []
    for i, bi in enumerate((False, True)):
        report = (lambda s, n, i=i: _on_progress(i * n + s, 2 * n)) if _on_progress else None
        model, vocab = rnn_fill.train_filler(text[:cut], cfg, bi, seed, on_progress=report)
        out.append((model, vocab, rnn_fill.blank_accuracy(model, vocab, text[cut:])))
    return out


gradient_study = st.cache_data(show_spinner=False, max_entries=32)(sequence_lab.gradient_study)

seed = ui.seed()
TABS = ["n-gram language model", "Zipf's law & table sizes", "Perplexity, every model", "RNN, GRU and LSTM cells",
        "Deep & bidirectional", "Vanishing gradients & clipping", "Live training"]
tabs = st.tabs(TABS, key="seq_tab", bind="query-params", on_change="rerun")  # lazy: only the open tab runs (and trains, if it must)

with tabs[0]:
    if tabs[0].open:
        models = ngram_models(seed)
        prompt = st.text_input("Context", "The cat sat on the", key="seq_ng_prompt", bind="query-params", max_chars=300)
        n = st.segmented_control("n", [1, 2, 3, 4], default=3, key="seq_ng_n", bind="query-params") or 3
        history = ngram.words(prompt)
        ctx = models[n].context_of(history)
        st.markdown(f"The {n}-gram sees only the last {n - 1} word(s): **{' '.join(ctx) or '(nothing)'}**. "
                    f"Both kinds of model on this page are **autoregressive**: they predict the next token from the "
                    f"ones before it. An n-gram is a **Markov model of order n − 1** (here {n - 1}): everything older "
                    "is forgotten.")
        c1, c2 = st.columns(2)
        ui.chart(c1, charts.next_word_chart(models[n].next_distribution(history, top=10), f"P(next | {' '.join(ctx) or '∅'})"),
                        width="stretch")
        ui.chart(c2, charts.ngram_perplexity_chart([1, 2, 3, 4], held_out_perplexity(seed), "Held-out perplexity by n",
                                                      "add-0.01 smoothing"), width="stretch")
        if not history:
            st.info("Type a few words to condition on; with an empty context the model predicts how documents start.")
        ui.show_code(ngram.NGramLM.prob, ngram.NGramLM.perplexity)

with tabs[1]:
    if tabs[1].open:
        min_count = st.select_slider("Filter: keep n-grams seen at least", [1, 2, 3, 5, 10], value=2, key="seq_zipf_min", bind="query-params")
        n_tokens, fit, rows = zipf_tables(seed, min_count)
        c1, c2 = st.columns(2)
        ui.chart(c1, charts.zipf_chart(fit.ranks, fit.counts, fit.words, fit.slope, fit.intercept), width="stretch")
        ui.chart(c2, charts.ngram_sizes_chart(rows, min_count), width="stretch")
        st.markdown(f"{n_tokens:,} words, {len(fit.words)} distinct. A 5-gram table could need |V|⁵ = "
                    f"{rows[-1]['possible']:.1e} rows; the corpus holds {rows[-1]['distinct']:,} distinct 5-grams and "
                    f"{rows[-1]['kept']:,} seen at least {min_count} times: real tables are tiny next to |V|ⁿ.")
        ui.show_code(zipf.zipf_fit, zipf.distinct_ngrams)

cell_cfg = st.session_state.setdefault("cell_trained", {"kind": "gru", "hidden": 32, "steps": 150})

with tabs[2]:
    if tabs[2].open:
        st.markdown("The same held-out text for every model. Perplexity = exp(mean cross-entropy per token); tokens "
                    "differ (words, characters, GPT pieces), so compare kinds by **bits per character** "
                    "(total NLL / characters / ln 2). The n-grams drop spaces and case, so they get a little help.")
        all_kinds = st.toggle("Include the RNN and the LSTM too (trains them once per server)", key="seq_ppl_all", bind="query-params")
        kinds = KINDS if all_kinds else (cell_cfg["kind"],)
        for k in kinds:  # train what is not trained yet, with progress (cached: instant afterwards)
            trained_with_progress(k, cell_cfg["hidden"], cell_cfg["steps"], seed)
        table = perplexities(kinds, cell_cfg["hidden"], cell_cfg["steps"], seed)
        st.dataframe(table.style.format({"perplexity (per token)": "{:.2f}", "bits per character": "{:.3f}"}), hide_index=True)
        export.csv(table, "perplexity", "all-cells" if all_kinds else cell_cfg["kind"], hidden=cell_cfg["hidden"],
                   steps=cell_cfg["steps"], seed=seed)
        from core.text.lm import perplexity as ppl_mod

        ui.show_code(ppl_mod.perplexity, ppl_mod.char_nll)

with tabs[3]:
    if tabs[3].open:
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

with tabs[4]:
    if tabs[4].open:
        from core.text.rnn import deep as rnn_deep, fill as rnn_fill

        c1, c2 = st.columns(2)
        deep_kind = c1.segmented_control("Cell", list(KINDS), default="gru", key="seq_deep_kind", bind="query-params", format_func=str.upper) or "gru"
        deep_text = c2.text_input("Text with blanks (_)", "The cat sat on the m_t. The cat l_kes to eat fish.", key="seq_deep_text", bind="query-params",
                                  max_chars=60)
        with ui.friendly_errors("The deep RNN"):
            with progress.bar(f"Training two 2-layer {deep_kind.upper()}s to fill blanks (once per server)",
                              2 * rnn_fill.FillConfig().steps) as bar:
                fillers = trained_fillers(deep_kind, seed, _on_progress=bar)
            (uni, vocab, acc_uni), (bi, _, acc_bi) = fillers
            st.markdown(f"**A task where the future matters**: hide 15% of the characters and name each hidden one. "
                        f"Two 2-layer {deep_kind.upper()}s ({bi.cfg.hidden} units per direction) trained the same way "
                        "on the same batches (a few seconds, once per server); on held-out text they name the blank:")
            m1, m2 = st.columns(2)
            m1.metric("Left to right only", f"{acc_uni:.0%}", help="Its state at the blank has read the left side only.")
            m2.metric("Bidirectional", f"{acc_bi:.0%}", delta=f"{acc_bi - acc_uni:+.0%}",
                      help="Its backward state at the blank has read everything to the right.")
            if rnn_fill.BLANK not in deep_text:
                raise ValueError("put at least one _ in the text where a character is hidden")
            unknown = sorted({ch for ch in deep_text if ch not in vocab.index})
            if unknown:
                st.info(f"Characters the models never saw are skipped: {' '.join(unknown)}")
            text_known = "".join(ch for ch in deep_text if ch in vocab.index)
            rows = []
            for name_, model_ in (("left to right", uni), ("bidirectional", bi)):
                for t, cands in rnn_fill.fill_in(model_, vocab, text_known):
                    rows.append({"blank at": f"{t}: …{text_known[max(0, t - 6):t + 7]}…", "model": name_,
                                 "guesses": ", ".join(f"'{c}' {q:.0%}" for c, q in cands)})
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            trace, err = rnn_fill.states(bi, vocab, text_known)
            st.markdown(f"Inside the bidirectional one: each layer runs a left-to-right and a right-to-left "
                        f"{deep_kind.upper()}; layer 2 reads layer 1's [forward ; backward] states. Run through our own "
                        f"cells with the trained weights, it differs from `torch.nn.{deep_kind.upper()}(num_layers=2, "
                        f"bidirectional=True)` by {err:.1e}.")
            panels = {f"layer {l + 1} {d}": states[l][:, 0].numpy() for l in range(2)
                      for d, states in (("forward", trace.forward), ("backward", trace.backward))}
            ui.chart(st, charts.deep_states_chart(text_known, panels))
            E, H = bi.cfg.emb, bi.cfg.hidden
            st.caption(f"Parameters of this stack from its shape: {rnn_deep.param_count(deep_kind, E, H, 2, True):,} "
                       f"(torch counts {sum(p.numel() for p in bi.rnn.parameters()):,}); the left-to-right one "
                       f"{rnn_deep.param_count(deep_kind, E, H, 2, False):,}.")
        ui.show_code(rnn_fill.train_filler, rnn_deep.run_deep, rnn_deep.param_count)

with tabs[5]:
    if tabs[5].open:
        c1, c2, c3 = st.columns(3)
        T = c1.slider("Sequence length", 10, 120, 60, 10, key="seq_grad_T", bind="query-params")
        scale = c2.slider("Recurrent weight scale", 0.5, 3.0, 1.0, 0.25, key="seq_grad_scale", bind="query-params")
        fb = c3.slider("LSTM forget-gate bias", 0.0, 3.0, 2.0, 0.5, key="seq_grad_fb", bind="query-params")
        ui.chart(st, charts.gradient_chart(gradient_study(T, scale, fb, seed)), width="stretch")
        st.caption("A plain RNN multiplies one Jacobian diag(1 − h²)·W per step back: the gradient shrinks geometrically "
                   "(raise the weight scale and it can explode instead). The LSTM's cell path is scaled only by the "
                   "forget gate, so with a forget bias near 2 its gradient reaches far back.")
        st.markdown("**Gradient clipping**: a plain RNN trained with plain SGD at a large step, with and without clipping "
                    "the global gradient norm to θ.")
        c1, c2, c3 = st.columns(3)
        theta = c1.select_slider("θ", [0.25, 0.5, 1.0, 2.0, 5.0], value=1.0, key="seq_clip_theta", bind="query-params")
        lr = c2.select_slider("Learning rate (SGD)", [1.0, 2.0, 5.0, 10.0, 50.0], value=5.0, key="seq_clip_lr", bind="query-params")
        if c3.button("Train both (80 steps each)", key="clip_go"):
            st.session_state["clip_settings"] = (theta, lr)
        if "clip_settings" in st.session_state:
            with progress.bar("Training with and without clipping", 160) as bar:
                rows = clip_runs(*st.session_state["clip_settings"], 80, seed, _on_progress=bar)
            a, b = st.columns(2)
            ui.chart(a, charts.runs_chart(rows, "bits per character", "Training loss"), width="stretch")
            norms = [{"run": f"{r['run']}: {w}", "step": r["step"], "gradient norm": r[k]} for r in rows
                     for w, k in (("before", "norm before"), ("after", "norm after")) if r["run"] != "no clipping" or w == "before"]
            ui.chart(b, charts.runs_chart(norms, "gradient norm", "Gradient norm per step", log=True), width="stretch")
            export.csv(pd.DataFrame(rows), "clipping", theta=st.session_state["clip_settings"][0],
                       lr=st.session_state["clip_settings"][1], seed=seed, label="Both runs (CSV)")
            if any(r["diverged"] for r in rows):
                st.warning("The unclipped run diverged (its loss became infinite) and stopped there.")
        from core.text.rnn import gradients

        ui.show_code(gradients.rnn_bptt, gradients.clip_by_global_norm)

with tabs[6]:
    if tabs[6].open:
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
