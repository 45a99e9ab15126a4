"""Decoding lab: greedy, beam search you can watch step by step, sampling, length penalties,
cross-attention, the beam-width study and exposure bias, on real models."""
from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.parts import ui

SEQ2SEQ = {"seq2seq-dates": "Transformer (Marian), dates -> ISO", "gru-seq2seq": "GRU + attention, dates -> ISO",
           "gru-seq2seq-noattn": "GRU, no attention, dates -> ISO", "opus-mt-en-de": "Marian opus-mt, English -> German"}
CAUSAL = {"gpt-tiny": "tiny GPT (open-ended prompt)", "gpt2": "GPT-2 (open-ended prompt)",
          "distilgpt2": "DistilGPT2 (open-ended prompt)"}
STATUS_COLORS = alt.Scale(domain=["kept", "finished", "pruned"], range=["#1f77b4", "#2ca02c", "#c7c7c7"])


def causal_available() -> bool:
    """The attention lab's GPT loader is optional: the page works without it."""
    try:
        import core.text.lm  # noqa: F401
        from core.zoo import get_card

        get_card("gpt-tiny")
        return True
    except Exception:  # noqa: BLE001
        return False


@st.cache_resource(show_spinner="Loading the model…")
def load(name: str, mode: str):
    if name in CAUSAL:
        from core.text.lm import load_causal_lm

        return load_causal_lm(name, mode)
    from core.text.seq2seq_model import load_translator

    return load_translator(name, mode)


def stepper_for(name: str, mode: str, text: str, attention: bool = True, layer: int | None = -1):
    from core.text.seq2seq_model import make_stepper

    model, tok, _ = load(name, mode)
    return make_stepper(model, tok, text, attention=attention and name in SEQ2SEQ, attn_layer=layer)


@st.cache_data(show_spinner="Searching…", max_entries=64)
def run(name: str, mode: str, text: str, method: str, cfg_json: str, seed: int, layer: int | None = -1):
    """One traced decode, cached by every input that changes it."""
    import torch

    from core.text.decoding import DecodeConfig, beam_search, greedy, sample

    cfg = DecodeConfig(**json.loads(cfg_json))
    st_ = stepper_for(name, mode, text, layer=layer)
    if method == "beam":
        return beam_search(st_, cfg)
    if method == "greedy":
        return greedy(st_, cfg)
    torch.manual_seed(seed)
    return sample(st_, cfg)


def tree_frames(tr, upto: int, greedy_tokens: list[int]):
    """Nodes and edges of the search tree up to step `upto` (x = step, y = rank by score)."""
    best = set(tr.path(tr.best.step, tr.best.index))
    gre = {tuple(greedy_tokens[:i + 1]) for i in range(len(greedy_tokens))}
    nodes, edges, pos, prefix = [], [], {}, {}
    root = {b: (-1, 0.0) for b in range(64)}
    for s, step in enumerate(tr.steps[:upto + 1]):
        order = sorted(range(len(step.candidates)), key=lambda i: -step.candidates[i].score)
        rank = {i: r for r, i in enumerate(order)}
        for i, c in enumerate(step.candidates):
            if c.score < -1e8:
                continue
            px, py = root[c.parent] if s == 0 else pos[(s - 1, c.parent)]
            pre = (() if s == 0 else prefix[(s - 1, c.parent)]) + (c.token,)
            y = -rank[i]
            nodes.append({"step": s, "y": y, "token": repr(c.text), "status": c.status, "logprob": round(c.logprob, 3),
                          "score": round(c.score, 3), "norm_score": None if c.norm_score is None else round(c.norm_score, 3),
                          "parent beam": c.parent, "best beam": (s, i) in best, "greedy path": pre in gre})
            edges.append({"x": px, "y": py, "x2": s, "y2": y, "best beam": (s, i) in best, "status": c.status})
            if c.status == "kept":
                pos[(s, c.beam)] = (s, y)
                prefix[(s, c.beam)] = pre
    return pd.DataFrame(nodes), pd.DataFrame(edges)


def tree_chart(nodes: pd.DataFrame, edges: pd.DataFrame) -> alt.Chart:
    base_e = alt.Chart(edges)
    lines = base_e.mark_rule(opacity=0.5).encode(x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q",
                                                 color=alt.Color("status:N", scale=STATUS_COLORS, legend=None))
    best = base_e.transform_filter("datum['best beam']").mark_rule(color="#d62728", strokeWidth=3).encode(
        x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q")
    tips = ["step", "token", "status", "logprob", "score", "norm_score", "parent beam", "best beam", "greedy path"]
    pts = alt.Chart(nodes).mark_circle(size=260, opacity=0.9).encode(
        x=alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(padding=20, nice=False)),
        y=alt.Y("y:Q", title="rank at this step (by cumulative log-prob)", axis=alt.Axis(labels=False),
                scale=alt.Scale(padding=24, nice=False)),
        color=alt.Color("status:N", scale=STATUS_COLORS), tooltip=tips,
        stroke=alt.condition("datum['greedy path']", alt.value("#ff7f0e"), alt.value(None)),
        strokeWidth=alt.value(3))
    text = alt.Chart(nodes).mark_text(fontSize=11, dy=-13).encode(x="step:Q", y="y:Q", text="token:N")
    return (lines + best + pts + text).properties(height=420).interactive()


def nbest_frame(tr) -> pd.DataFrame:
    rows = [{"output": h.text, "tokens": len(h.tokens), "log-prob (raw)": round(h.score, 4),
             f"length-normalised ({tr.form}, α={tr.alpha})": round(h.norm_score, 4)} for h in tr.hypotheses]
    df = pd.DataFrame(rows)
    df["rank by raw"] = df["log-prob (raw)"].rank(ascending=False, method="first").astype(int)
    return df


def attention_chart(tr, source_tokens: list[str]) -> alt.Chart | None:
    att = tr.attention_of(tr.best)
    if att is None:
        return None
    out_toks = [tr.steps[s].candidates[i].text for s, i in tr.path(tr.best.step, tr.best.index)]
    rows = [{"output": f"{t:02d} {out_toks[t]!r}", "source": f"{j:02d} {source_tokens[j]!r}", "weight": float(att[t, j])}
            for t in range(att.shape[0]) for j in range(att.shape[1])]
    return alt.Chart(pd.DataFrame(rows)).mark_rect().encode(
        x=alt.X("source:O", title="source token", sort=None),
        y=alt.Y("output:O", title="decoded token", sort=None, axis=alt.Axis(labelOverlap=False)),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme="blues")), tooltip=["output", "source", "weight"]
    ).properties(height=max(200, 22 * att.shape[0]))


def penalty_chart(tr, form: str) -> alt.Chart:
    """The same finished hypotheses re-scored for a range of α: where lines cross, the ranking flips."""
    from core.text.decoding import length_norm

    rows = [{"α": a / 4, "hypothesis": f"{i + 1}. {h.text[:24]!r} ({len(h.tokens)} tok)",
             "normalised score": h.score / length_norm(len(h.tokens), a / 4, form)}
            for i, h in enumerate(tr.hypotheses) for a in range(-4, 13)]
    return alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x="α:Q", y="normalised score:Q", color=alt.Color("hypothesis:N", sort=None),
        tooltip=["hypothesis", "α", "normalised score"]).properties(height=220)


LP_HELP = """**Length penalty.** Log-probabilities are negative and every extra token adds another
negative term, so raw scores favour short outputs. Finished hypotheses are divided by a length
term `lp(len)^α`: with **α > 0** the divisor grows with length and long (very negative) scores
shrink towards zero the most, so **α > 0 favours longer outputs**; **α < 0 favours shorter ones**;
α = 0 is the raw log-prob. It only re-ranks *finished* hypotheses (and HF's stopping test):
running beams are always compared by raw log-prob."""


st.title("Decoding lab")
st.caption("Greedy, beam search and sampling, fully traced on real models. Type a source (or a prompt), "
           "then watch every candidate the search considered.")
mode, seed = ui.model_source(), ui.seed()
names = dict(SEQ2SEQ)
if causal_available():
    names.update(CAUSAL)
name = st.selectbox("Model", list(names), format_func=lambda n: f"{n}: {names[n]}", key="dec_model")
is_dates = name in ("seq2seq-dates", "gru-seq2seq", "gru-seq2seq-noattn")

model = None
with ui.friendly_errors("Loading the model"):
    model, tok, res = load(name, mode)
    ui.source_badge(res)
if model is None:
    st.stop()
dates_weights = is_dates or (res.source is not None and res.source.hub == "assets" and name == "opus-mt-en-de")

from core.text.seq2seq_data import check_source, examples  # noqa: E402

defaults = examples() if dates_weights else (["The house is wonderful."] if name in SEQ2SEQ else ["Once upon a time"])
kind = f"{dates_weights}-{name in CAUSAL}"
if st.session_state.get("dec_kind") != kind:  # new kind of model: start from its first example
    st.session_state["dec_kind"], st.session_state["dec_text"] = kind, defaults[0]
c1, c2 = st.columns([1, 2])
c1.selectbox("Example", defaults, key=f"dec_example_{kind}",
             on_change=lambda: st.session_state.update(dec_text=st.session_state[f"dec_example_{kind}"]))
text = c2.text_input("Source / prompt", key="dec_text", max_chars=200)

c1, c2, c3, c4 = st.columns(4)
k = c1.slider("Beam width k", 1, 16, 4, key="dec_k")
alpha = c2.select_slider("Length penalty α", [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0], value=1.0, key="dec_alpha")
from core.text.decoding import PENALTY_FORMS, DecodeConfig, beam_search  # noqa: E402
from core.text.seq2seq_model import GRUSeq2Seq  # noqa: E402

form = c3.selectbox("Penalty form", list(PENALTY_FORMS), format_func=PENALTY_FORMS.get, key="dec_form")
max_new = c4.slider("Max new tokens", 2, 40, 14 if dates_weights else 20, key="dec_max")
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
        from core.text.lm import context_limit

        n_prompt = len(tok(text)["input_ids"])
        if n_prompt + max_new > context_limit(model):
            raise ValueError(f"prompt ({n_prompt} tokens) + {max_new} new tokens exceed the model's context of "
                             f"{context_limit(model)}: shorten the prompt")
    cfg = DecodeConfig(max_new_tokens=max_new, num_beams=k, alpha=alpha, form=form)
    cfg_json = json.dumps(cfg.__dict__)
    trace = run(name, mode, text, "beam", cfg_json, seed, st.session_state.get("dec_layer", -1))
    greedy_tr = run(name, mode, text, "greedy", cfg_json, seed)
if trace is None:
    st.stop()

lp_slot.caption("The finished hypotheses below, re-scored for α from -1 to 3 with the chosen form: "
                "where lines cross, the ranking flips. Equal lengths never cross.")
lp_slot.altair_chart(penalty_chart(trace, form), width="stretch")

st.subheader("The search tree")
st.caption("Every candidate of every step: blue runs on, green finished (EOS) and entered the n-best pool, grey "
           "was pruned. Red edges: the best beam. Orange rings: the greedy path. Hover for scores.")
upto = st.slider("Replay up to step", 0, len(trace.steps) - 1, len(trace.steps) - 1, key=f"dec_step_{len(trace.steps)}")
nodes, edges = tree_frames(trace, upto, greedy_tr.best.tokens)
st.altair_chart(tree_chart(nodes, edges), width="stretch")
with st.expander(f"Candidates at step {upto}"):
    st.dataframe(nodes[nodes.step == upto].drop(columns=["y"]), hide_index=True)

c1, c2 = st.columns([3, 2])
c1.markdown("**n-best list** (sorted by the length-normalised score)")
c1.dataframe(nbest_frame(trace), hide_index=True)
c2.markdown("**Greedy** for comparison")
c2.write(f"`{greedy_tr.best.text}`  log-prob {greedy_tr.best.score:.3f}")
if greedy_tr.best.tokens != trace.best.tokens:
    c2.info("Beam search found a different output than greedy.")

if name in SEQ2SEQ:
    st.subheader("Cross-attention of each decoded token over the source")
    if len(layers) > 1:
        st.selectbox("Layer (heads averaged)", layers, key="dec_layer",
                     format_func=lambda v: "last layer" if v == -1 else "mean of all layers" if v is None else f"layer {v + 1}")
    with ui.friendly_errors("Cross-attention"):
        source_toks = stepper_for(name, mode, text).source_tokens()
        chart = attention_chart(trace, source_toks)
        if chart is None:
            st.info("This model has no attention: everything it knows about the source is one fixed vector.")
        else:
            st.altair_chart(chart, width="stretch")

st.subheader("Greedy vs beam vs sampling, same input")
c1, c2, c3 = st.columns(3)
temp = c1.slider("Temperature", 0.1, 2.0, 1.0, 0.1, key="dec_temp")
top_k = c2.slider("Top-k (0 = off)", 0, 50, 0, key="dec_topk")
top_p = c3.slider("Top-p (1 = off)", 0.1, 1.0, 1.0, 0.05, key="dec_topp")
with ui.friendly_errors("Sampling"):
    scfg = DecodeConfig(max_new_tokens=max_new, temperature=temp, top_k=top_k, top_p=top_p, alpha=alpha, form=form)
    samples = [run(name, mode, text, "sample", json.dumps(scfg.__dict__), seed + i).best for i in range(3)]
    rows = [{"method": "greedy", "output": greedy_tr.best.text, "log-prob": greedy_tr.best.score},
            {"method": f"beam k={k}", "output": trace.best.text, "log-prob": trace.best.score}]
    rows += [{"method": f"sample (seed {seed + i})", "output": h.text, "log-prob": None} for i, h in enumerate(samples)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("Sample log-probs are under the filtered distribution, so they are not comparable and are left out.")

from core.text import train_seq2seq as study  # noqa: E402
from core.text.seq2seq_data import make_pairs  # noqa: E402

if dates_weights:
    st.subheader("Beam-width study (real runs)")
    n = st.slider("Held-out dates", 5, 100, 20, key="dec_study_n")
    if st.button("Run k = 1…16", key="dec_study_go"):
        with ui.friendly_errors("The beam-width study"):
            df = pd.DataFrame(study.beam_width_study(model, tok, make_pairs(n, seed, "test"), alpha=alpha, form=form))
            st.session_state["dec_study"] = df
    if "dec_study" in st.session_state:
        df = st.session_state["dec_study"]
        long = df.melt("k", ["mean_logprob", "exact_match", "ms_per_input"])
        st.altair_chart(alt.Chart(long).mark_line(point=True).encode(x="k:Q", y=alt.Y("value:Q", title=None))
                        .properties(height=160, width=220).facet(column="variable:N").resolve_scale(y="independent"))

    st.subheader("Teacher forcing vs free running (exposure bias)")
    st.caption("Per output position: accuracy with the gold prefix (how it was trained) vs with its own "
               "previous predictions (how it is used).")
    if st.button("Measure on 200 held-out dates", key="dec_tf_go"):
        with ui.friendly_errors("Exposure bias"):
            st.session_state["dec_tf"] = (name, study.exposure_bias(model, tok, make_pairs(200, seed + 1, "test")))
    if st.session_state.get("dec_tf", (None,))[0] == name:
        r = st.session_state["dec_tf"][1]
        df = pd.DataFrame(r["positions"]).melt("position", var_name="decoder input", value_name="token accuracy")
        st.altair_chart(alt.Chart(df).mark_line(point=True).encode(x="position:O", y="token accuracy:Q",
                                                                   color="decoder input:N"), width="stretch")
        st.write(f"Whole-date exact match: teacher forcing {r['exact_teacher_forcing']:.1%}, "
                 f"free running {r['exact_free_running']:.1%}.")

    st.subheader("The fixed-context bottleneck: accuracy against source length")
    curves = []
    for nm in ("seq2seq-dates", "gru-seq2seq", "gru-seq2seq-noattn"):
        from core.zoo import REPO_ROOT, get_card

        path = REPO_ROOT / get_card(nm).extra["card_json"]
        if path.is_file():
            curves += [{"model": nm, "source length": f"{b['lo']}-{b['hi']}", "exact match": b["exact_match"],
                        "n": b["n"]} for b in json.loads(path.read_text())["by_length"]]
    if st.button("Recompute for this model on 300 held-out dates", key="dec_len_go"):
        with ui.friendly_errors("Recomputing"):
            r = study.accuracy_by_length(model, tok, make_pairs(300, seed + 2, "test"))
            st.session_state["dec_len"] = [{"model": f"{name} (now)", "source length": f"{b['lo']}-{b['hi']}",
                                            "exact match": b["exact_match"], "n": b["n"]} for b in r["by_length"]]
    curves += st.session_state.get("dec_len", [])
    if curves:
        st.altair_chart(alt.Chart(pd.DataFrame(curves)).mark_line(point=True).encode(
            x=alt.X("source length:O", sort=None), y="exact match:Q", color="model:N", tooltip=["model", "n", "exact match"]),
            width="stretch")
        st.caption("Measured by the training script on held-out dates (stored in each model's card.json).")

ui.show_code(beam_search)
