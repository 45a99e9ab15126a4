"""Decoding lab: greedy, beam search you can watch step by step, sampling, length penalties,
cross-attention, the beam-width study and exposure bias, on real models."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages.parts import export, present, progress, ui
from core.text.decoding import bottleneck
from core.viz import decoding as charts

SEQ2SEQ = {"seq2seq-dates": "Transformer (Marian), dates -> ISO", "gru-seq2seq": "GRU + attention, dates -> ISO",
           "gru-seq2seq-noattn": "GRU, no attention, dates -> ISO", "opus-mt-en-de": "Marian opus-mt, English -> German"}
CAUSAL_PROMPTS = ["The cat", "Once upon a time", "Tom went to the", "The dog likes to eat", "Paris is the"]
CAUSAL = {"gpt-tiny": "tiny GPT (open-ended prompt)", "gpt2": "GPT-2 (open-ended prompt)",
          "distilgpt2": "DistilGPT2 (open-ended prompt)"}


@ui.cached_model
def load(name: str, mode: str):
    if name in CAUSAL:
        from core.text.lm.load import load_causal_lm

        return load_causal_lm(name, mode)
    from core.text.decoding.seq2seq_model import load_translator

    return load_translator(name, mode)


def stepper_for(name: str, mode: str, text: str, attention: bool = True, layer: int | None = -1,
                sentence_end: bool = False):
    """sentence_end (causal models): ".", "!" and "?" are EOS ids, so hypotheses end at different lengths."""
    from core.text.decoding.search import HFStepper, sentence_end_ids
    from core.text.decoding.seq2seq_model import make_stepper

    model, tok, _ = load(name, mode)
    if name in CAUSAL and sentence_end:
        return HFStepper(model, tok, text, eos_token_id=sentence_end_ids(tok))
    return make_stepper(model, tok, text, attention=attention and name in SEQ2SEQ, attn_layer=layer)


@st.cache_data(show_spinner="Searching…", max_entries=64)
def run(name: str, mode: str, text: str, method: str, cfg_json: str, seed: int, layer: int | None = -1,
        sentence_end: bool = False):
    """One traced decode, cached by every input that changes it."""
    import torch

    from core.text.decoding.search import DecodeConfig, beam_search, greedy, sample

    cfg = DecodeConfig(**json.loads(cfg_json))
    st_ = stepper_for(name, mode, text, layer=layer, sentence_end=sentence_end)
    if method == "beam":
        return beam_search(st_, cfg)
    if method == "greedy":
        return greedy(st_, cfg)
    from core.runtime import torch_rng
    return sample(st_, cfg, generator=torch_rng(seed))


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


LP_HELP = """**Length penalty.** Log-probabilities are negative and every extra token adds another
negative term, so raw scores favour short outputs. Finished hypotheses are divided by a length
term `lp(len)^α`: with **α > 0** the divisor grows with length and long (very negative) scores
shrink towards zero the most, so **α > 0 favours longer outputs**; **α < 0 favours shorter ones**;
α = 0 is the raw log-prob. It only re-ranks *finished* hypotheses (and HF's stopping test):
running beams are always compared by raw log-prob."""


st.title("Decoding lab")
st.caption("Greedy, beam search and sampling, fully traced on real models. Type a source (or a prompt), "
           "then watch every candidate the search considered. Every decoder here is **autoregressive**: each output "
           "token is predicted from the source and the tokens decoded so far.")
mode, seed = ui.model_source(), ui.seed()
names = SEQ2SEQ | CAUSAL
c1, c2 = st.columns([3, 1])
# A translator first: the seq2seq half of the page (cross-attention, teacher forcing, the fixed-context
# bottleneck) only exists for an encoder-decoder. The tiny GPT stays one click away.
name = c1.selectbox("Model", list(names), format_func=lambda n: f"{n}: {names[n]}", key="dec_model", bind="query-params",
                    index=list(names).index("seq2seq-dates"))
if name not in CAUSAL:
    c2.button("Try an open-ended prompt (tiny GPT)", key="dec_to_gpt", width="stretch",
              on_click=lambda: st.session_state.update(dec_model="gpt-tiny"),
              help="A decoder-only model continuing a prompt: beam vs greedy and the length penalty show best there.")
is_dates = name in ("seq2seq-dates", "gru-seq2seq", "gru-seq2seq-noattn")

model = None
with ui.friendly_errors("Loading the model"):
    model, tok, res = load(name, mode)
    ui.source_badge(res)
if model is None:
    st.stop()
dates_weights = is_dates or (res.source is not None and res.source.hub == "assets" and name == "opus-mt-en-de")

from core.text.decoding.seq2seq_data import check_source, examples  # noqa: E402

defaults = examples() if dates_weights else (["The house is wonderful."] if name in SEQ2SEQ else CAUSAL_PROMPTS)
kind = f"{dates_weights}-{name in CAUSAL}"
if st.session_state.get("dec_kind") != kind:  # new kind of model: start from its first example
    st.session_state["dec_kind"], st.session_state["dec_text"] = kind, defaults[0]
c1, c2 = st.columns([1, 2])
c1.selectbox("Example", defaults, key=f"dec_example_{kind}",
             on_change=lambda: st.session_state.update(dec_text=st.session_state[f"dec_example_{kind}"]))
text = c2.text_input("Source / prompt", defaults[0], key="dec_text", bind="query-params", max_chars=200)

c1, c2, c3, c4 = st.columns(4)
k = c1.slider("Beam width k", 1, 16, 4, key="dec_k", bind="query-params")
alpha = c2.select_slider("Length penalty α", [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0], value=1.0, key="dec_alpha", bind="query-params")
from core.text.decoding.search import PENALTY_FORMS, DecodeConfig, beam_search  # noqa: E402
from core.text.decoding.seq2seq_model import GRUSeq2Seq  # noqa: E402

form = c3.selectbox("Penalty form", list(PENALTY_FORMS), format_func=PENALTY_FORMS.get, key="dec_form", bind="query-params")
max_new = c4.slider("Max new tokens", 2, 40, 14 if dates_weights else 20, key="dec_max", bind="query-params")
sentence_end = name in CAUSAL and st.toggle(
    "End each hypothesis at a sentence's end (“.”, “!” and “?” are EOS ids)", value=True, key="dec_sentence", bind="query-params",
    help="Off: the model's own end-of-text token only, which gpt-tiny rarely emits: every beam runs to the maximum length.")
with st.expander("Which direction favours longer outputs?"):
    st.markdown(LP_HELP)
    lp_slot = st.container()

layers = [-1, None] + list(range(model.config.decoder_layers - 1)) if name in SEQ2SEQ and not isinstance(model, GRUSeq2Seq) else [-1]
if st.session_state.get("dec_layer", -1) not in layers:  # a layer the new model does not have
    st.session_state["dec_layer"] = -1
trace = None
with ui.friendly_errors("Decoding"):
    if dates_weights:
        text = check_source(text)
    elif not text.strip():
        raise ValueError("type a prompt or a sentence")
    elif name in CAUSAL:
        from core.text.lm.load import context_limit

        n_prompt = len(tok(text)["input_ids"])
        if n_prompt + max_new > context_limit(model):
            raise ValueError(f"prompt ({n_prompt} tokens) + {max_new} new tokens exceed the model's context of "
                             f"{context_limit(model)}: shorten the prompt")
    cfg = DecodeConfig(max_new_tokens=max_new, num_beams=k, alpha=alpha, form=form)
    cfg_json = json.dumps(cfg.__dict__)
    trace = run(name, mode, text, "beam", cfg_json, seed, st.session_state.get("dec_layer", -1), sentence_end)
    greedy_tr = run(name, mode, text, "greedy", cfg_json, seed, -1, sentence_end)
if trace is None:
    st.stop()

lp_slot.caption("The finished hypotheses below, re-scored for α from -1 to 3 with the chosen form: "
                "where lines cross, the ranking flips. Equal lengths never cross.")
ui.chart(lp_slot, charts.penalty_chart(trace, form), width="stretch")
if len(trace.hypotheses) > 1:
    from core.text.decoding.beam_width import penalty_winners

    wins = pd.DataFrame(penalty_winners(trace))
    lp_slot.markdown("**Measured on this search**: the hypothesis each α picks from the same finished pool. "
                     f"From α = −1 to α = 3 the winner goes from {wins['tokens'].iloc[0]} to "
                     f"{wins['tokens'].iloc[-1]} tokens" + (": larger α, longer output." if wins['tokens'].iloc[-1] >
                                                            wins['tokens'].iloc[0] else "."))
    lp_slot.dataframe(wins, hide_index=True)

st.subheader("The search tree")
st.caption("Every candidate of every step: blue runs on, green finished (EOS) and entered the n-best pool, grey "
           "was pruned. Red edges: the best beam. Orange rings: the greedy path. Hover for scores.")
c1, c2 = st.columns([3, 1])
upto = present.stepper("Replay up to step", range(len(trace.steps)), len(trace.steps) - 1, key=f"dec_step_{len(trace.steps)}",
                       where=c1)
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
    c2.info(f"Beam search found a different output than greedy" + (
        f", with a higher log-prob ({trace.best.score:.3f} vs {greedy_tr.best.score:.3f}): greedy's first choice "
        "led to a worse whole sequence." if better else
        f": lower raw log-prob ({trace.best.score:.3f}) but a better length-normalised score (α = {alpha:g})."))
else:
    c2.caption("Beam and greedy agree here; try a wider beam or another input.")

if name in SEQ2SEQ:
    st.subheader("Cross-attention of each decoded token over the source")
    if len(layers) > 1:
        st.selectbox("Layer (heads averaged)", layers, key="dec_layer", bind="query-params",
                     format_func=lambda v: "last layer" if v == -1 else "mean of all layers" if v is None else f"layer {v + 1}")
    with ui.friendly_errors("Cross-attention"):
        source_toks = stepper_for(name, mode, text).source_tokens()
        chart = charts.attention_chart(trace, source_toks)
        if chart is None:
            st.info("This model has no attention: everything it knows about the source is one fixed vector.")
        else:
            ui.chart(st, chart, width="stretch")

st.subheader("Greedy vs beam vs sampling, same input")
c1, c2, c3 = st.columns(3)
temp = c1.slider("Temperature", 0.1, 2.0, 1.0, 0.1, key="dec_temp", bind="query-params")
top_k = c2.slider("Top-k (0 = off)", 0, 50, 0, key="dec_topk", bind="query-params")
top_p = c3.slider("Top-p (1 = off)", 0.1, 1.0, 1.0, 0.05, key="dec_topp", bind="query-params")
with ui.friendly_errors("Sampling"):
    scfg = DecodeConfig(max_new_tokens=max_new, temperature=temp, top_k=top_k, top_p=top_p, alpha=alpha, form=form)
    samples = [run(name, mode, text, "sample", json.dumps(scfg.__dict__), seed + i, -1, sentence_end).best for i in range(3)]
    rows = [{"method": "greedy", "output": greedy_tr.best.text, "log-prob": greedy_tr.best.score},
            {"method": f"beam k={k}", "output": trace.best.text, "log-prob": trace.best.score}]
    rows += [{"method": f"sample (seed {seed + i})", "output": h.text, "log-prob": None} for i, h in enumerate(samples)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("Sample log-probs are under the filtered distribution, so they are not comparable and are left out.")

from core.text.decoding import train_seq2seq as study  # noqa: E402
from core.text.decoding.seq2seq_data import make_pairs  # noqa: E402

st.subheader("What beam search costs: k·V per step, linear in length")
st.caption("The notes call beam search exponential in the number of steps. An exhaustive search would be: V^n "
           "sequences of n tokens. Beam search scores each of its k beams' V continuations per step and keeps k, so "
           "it does k·V work per step and n·k·V in all: linear in the length. Measured on this model and input:")
if st.button(f"Measure beam search (k = {k}) at four lengths", key="dec_cost_go"):
    with ui.friendly_errors("Measuring the cost"):
        from core.text.decoding.beam_width import beam_cost

        lengths = sorted({max(2, max_new // 4), max(2, max_new // 2), max(2, 3 * max_new // 4), max_new})
        st.session_state["dec_cost"] = (name, text, k, beam_cost(
            lambda: stepper_for(name, mode, text, attention=False, sentence_end=False), k, lengths,
            DecodeConfig(alpha=alpha, form=form)))
if st.session_state.get("dec_cost", (None,))[:3] == (name, text, k):
    cost = pd.DataFrame(st.session_state["dec_cost"][3])
    st.dataframe(cost.style.format({"per step": "{:,.0f}", "time (ms)": "{:.0f}",
                                    "exhaustive: log10(V^steps)": "{:.1f}"}), hide_index=True)
    st.caption(f"Per step it scored {cost['per step'].iloc[0]:,.0f} continuations = k·V at every length (when a search "
               "ends early on EOS, the steps column says so): double the steps, double the work, while V^steps gains "
               f"another {cost['exhaustive: log10(V^steps)'].iloc[0] / cost['steps'].iloc[0]:.1f} digits per token.")

st.subheader("Beam-width study (real runs)")
st.caption("Our traced beam search for k = 1…16 on several inputs: the best output's score, how varied the n-best "
           "list is, and the time. A wider beam finds higher-scoring outputs until the score saturates.")
n = st.slider("Inputs", 3, 50, 8, key="dec_study_n", bind="query-params") if dates_weights else len(CAUSAL_PROMPTS)
if st.button("Run k = 1…16", key="dec_study_go"):
    with ui.friendly_errors("The beam-width study"):
        from core.text.decoding.beam_width import k_study
        from core.text.decoding.seq2seq_data import make_pairs

        pairs = make_pairs(n, seed, "test") if dates_weights else None
        inputs = [p.source for p in pairs] if pairs else (CAUSAL_PROMPTS if name in CAUSAL else [text])
        with progress.bar("Beam search for k = 1, 2, 4, 8, 16", 5 * len(inputs), unit="searches") as bar:
            st.session_state["dec_study"] = (name, k_study(
                lambda t: stepper_for(name, mode, t, attention=False, sentence_end=sentence_end), inputs,
                [set(p.alternatives) for p in pairs] if pairs else None,
                cfg=DecodeConfig(max_new_tokens=max_new, alpha=alpha, form=form), on_progress=bar))
if st.session_state.get("dec_study", (None,))[0] == name:
    ui.chart(st, charts.study_chart(st.session_state["dec_study"][1]))

from core.text.decoding import train_seq2seq as study  # noqa: E402
from core.text.decoding.seq2seq_data import make_pairs  # noqa: E402

if dates_weights:
    st.subheader("Teacher forcing vs free running (exposure bias)")
    st.caption("Per output position: accuracy with the gold prefix (how it was trained) vs with its own "
               "previous predictions (how it is used).")
    if st.button("Measure on 200 held-out dates", key="dec_tf_go"):
        with ui.friendly_errors("Exposure bias"):
            st.session_state["dec_tf"] = (name, study.exposure_bias(model, tok, make_pairs(200, seed + 1, "test")))
    if st.session_state.get("dec_tf", (None,))[0] == name:
        r = st.session_state["dec_tf"][1]
        ui.chart(st, charts.exposure_chart(r["positions"]), width="stretch")
        gap = max(p["teacher_forcing"] - p["free_running"] for p in r["positions"])
        st.write(f"Whole-date exact match: teacher forcing {r['exact_teacher_forcing']:.1%}, "
                 f"free running {r['exact_free_running']:.1%}. Largest gap at one position: {gap:.1%}.")
        if abs(r["exact_teacher_forcing"] - r["exact_free_running"]) < 0.01:
            st.info("This model shows no exposure-bias gap on whole dates: the dates it gets wrong it gets wrong even "
                    "when fed the gold prefix, so its errors are not caused by its own earlier mistakes. Per position, "
                    "free running falls behind by at most the gap above, right after a first mistake. A short, "
                    "rigid output (11 tokens) leaves little room for errors to compound.")

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
                r = study.accuracy_by_length(model, tok, make_pairs(300, seed + 2, "test"), chunk=50, on_progress=bar)
            st.session_state["dec_len"] = [{"model": f"{name} (now)", "source length": f"{b['lo']}-{b['hi']}",
                                            "exact match": b["exact_match"], "n": b["n"]} for b in r["by_length"]]
    curves += st.session_state.get("dec_len", [])
    if curves:
        ui.chart(st, charts.length_curves_chart(curves), width="stretch")
        st.caption("Measured by the training script on held-out dates (stored in each model's card.json).")

ui.show_code(beam_search)
