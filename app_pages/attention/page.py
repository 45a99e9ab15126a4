"""Attention lab: type a prompt and watch a real Transformer attend, mask, soften and predict.

Every number comes from the loaded model on the typed prompt (core.text.attention.view.analyze);
this file only lays the results out.
"""
import math
from dataclasses import asdict

import pandas as pd
import streamlit as st
import torch

from core.text.attention import capture as att
from core.nn import rollout as rollout_fn
from core.text.attention import view as lab
from core.text.attention import context_cost, directions, mlp
from core.runtime import torch_rng
from core.text.lm.load import MAX_HF_MB, context_limit, is_causal, load_hf_id, load_model
from core.viz import attention as charts
from app_pages.parts import export, progress, ui

MODELS = {"gpt-tiny": "gpt-tiny: KeyPoint's own tiny GPT (bundled)", "gpt2": "gpt2 (pretrained, 124M)",
          "distilgpt2": "distilgpt2 (pretrained, 82M)", "minilm": "MiniLM encoder (packaged, BERT family)",
          "bert-base-uncased": "bert-base-uncased (pretrained encoder)",
          "other": "another Hugging Face model id…"}
DEFAULT_PROMPT = "The cat sat on the"
SMALL = 12  # prompts up to this many tokens get full matrices in the step-by-step

st.title("Attention lab")
st.markdown("Type a prompt and watch a real Transformer **attend**, **mask**, **soften** and **predict** — "
            "every picture below comes from the model's own forward pass on your words.")


@ui.cached_model
def get_model(name: str, mode: str):
    if name.startswith("hf:"):  # a typed Hugging Face id
        return load_hf_id(name[3:], mode)
    return load_model(name, mode)


@st.cache_data(max_entries=32, show_spinner="Running the model…")
def get_result(name: str, mode: str, text: str, cfg: dict) -> lab.LabResult:
    model, tokenizer, _ = get_model(name, mode)
    return lab.analyze(model, tokenizer, text, lab.LabConfig(**cfg))


@st.cache_data(max_entries=8, show_spinner="Measuring the cost of context…")
def get_cost(name: str, mode: str) -> list[dict]:
    model, _, _ = get_model(name, mode)
    return context_cost.measure(model, context_cost.lengths_for(min(context_limit(model), 1024)))


@st.cache_data(max_entries=16, show_spinner=False)
def get_importance(name: str, mode: str, text: str, causal: bool, temperature: float,
                   _on_progress=None) -> lab.HeadImportance:
    model, tokenizer, _ = get_model(name, mode)
    return lab.head_importance(model, tokenizer, text, causal, temperature, max_tokens=lab.LabConfig.max_tokens,
                               on_progress=_on_progress)


@st.cache_data(max_entries=8, show_spinner="Counting FLOPs at longer contexts…")
def get_layer_flops(D: int, H: int, F: int, limit: int) -> list[dict]:
    return context_cost.layer_flops(D, H, F, context_cost.extended_lengths(F, limit))


@st.cache_resource(show_spinner="Embedding the word list with MiniLM…")
def minilm_vectors(mode: str):
    from core.text.lm.load import load_encoder

    model, tokenizer, res = load_encoder("minilm", mode)
    return list(directions.WORDS), directions.encoder_word_vectors(model, tokenizer, list(directions.WORDS)), res


@st.cache_data(show_spinner="Counting near-orthogonal directions…", max_entries=16)
def near_orthogonal(epsilon: float, seed: int) -> list[dict]:
    return directions.near_orthogonal_rows(epsilon, seed)


def append_token(text: str) -> None:
    st.session_state.att_prompt = st.session_state.get("att_prompt", DEFAULT_PROMPT) + text


c_model, c_prompt = st.columns([1, 2])
labels = {n: (lab.model_label(n, v, ui.model_source()) if n != "other" else v) for n, v in MODELS.items()}
name = c_model.selectbox("Model", list(MODELS), format_func=labels.get, key="att_model", bind="query-params")
text = c_prompt.text_area("Prompt", DEFAULT_PROMPT, key="att_prompt", bind="query-params", height=68, max_chars=4000)
if name == "other":
    repo_id = c_model.text_input("Hugging Face model id", key="att_hf_id", placeholder="openai-community/gpt2",
                                 help=f"GPT-2 or BERT style, at most {MAX_HF_MB:.0f} MB; needs the network or the cache.")
    if not repo_id.strip():
        st.info("Type a model id, e.g. `gpt2-medium` or `prajjwal1/bert-tiny`.")
        st.stop()
    name = "hf:" + repo_id.strip()

loaded = None
with ui.friendly_errors("Loading the model"):
    loaded = get_model(name, ui.model_source())
if loaded is None:
    st.stop()
model, tokenizer, resolution = loaded
ui.source_badge(resolution)
decoder = is_causal(model)
L, H = model.config.num_hidden_layers, model.config.num_attention_heads

# A click on the model view (an altair point selection) picks the layer and head for the next run.
picked = (st.session_state.get("attn_mv") or {}).get("selection", {}).get("pick") or []
if picked and picked != st.session_state.get("attn_mv_used"):
    st.session_state.att_layer, st.session_state.att_head = int(picked[0]["layer"]), int(picked[0]["head"])
    st.session_state.attn_mv_used = picked
c1, c2, c3, c4 = st.columns(4)
layer = c1.selectbox("Layer", range(L), key="att_layer", bind="query-params")
head = c2.selectbox("Head", range(H), key="att_head", bind="query-params")
causal = c3.toggle("Causal mask", value=True, key="att_mask", bind="query-params", disabled=not decoder,
                   help="Off: every token may look at future tokens too." if decoder else
                   "An encoder reads the whole sentence at once: there is no mask to switch.")
temperature = c4.slider("Temperature", 0.0, 3.0, 2.0, 0.05, key="att_temp", bind="query-params",
                        help="Divides the logits before the softmax. 0 = argmax, large = flat. Shown beside T = 1 "
                             "(the model itself) in the Mask & temperature and Next token tabs.")
ablate = c4.toggle("Remove the chosen head", key="att_ablate", bind="query-params", help="Zero this head's output and measure the change "
                   "(one more row in the same forward pass; see the Multi-head tab).")

if not text.strip():
    st.info("The prompt is empty: type a few words, e.g. “The cat sat on the”.")
    st.stop()
limit = min(context_limit(model), lab.LabConfig.max_tokens)
prompt_ids, _, _ = att.tokenize(tokenizer, text, limit, decoder)  # the same cut as the model will see
prompt_tokens = charts.token_labels(att.decode_each(tokenizer, prompt_ids))
token = st.selectbox("Query token (the row we follow in the step-by-step, the temperature row and the MLP)",
                     [-1] + list(range(len(prompt_tokens))), key="att_token", bind="query-params",
                     format_func=lambda i: "the last token" if i == -1 else prompt_tokens[i])
cfg = lab.LabConfig(layer=layer, head=head, token=token, causal=causal, temperature=temperature, ablate=ablate)
res = None
with ui.friendly_errors("Attention"):
    res = get_result(name, ui.model_source(), text, asdict(cfg))
if res is None:
    st.stop()
tr = res.trace
T = len(tr.ids)

# Tokens, ids and the context limit
st.caption(f"{T} tokens · context limit of this page {limit} (model: {context_limit(model)}) · "
           f"{L} layers × {H} heads · d_model {model.config.hidden_size}")
if tr.truncated:
    st.warning(f"Your prompt has {tr.n_input_tokens} tokens, more than the {limit} this page feeds the model: "
               f"it was truncated ({'the last' if decoder else 'the first'} {T} tokens are kept).")
st.dataframe(pd.DataFrame({"token": charts.token_labels(tr.tokens), "id": tr.ids}).set_index("token").T,
             width="stretch")

tabs = st.tabs(["Attention maps", "One head, step by step", "Mask & temperature", "Next token", "Multi-head",
                "MLP & parameters", "Cost of context", "Directions & superposition"], key="att_tab", bind="query-params")

with tabs[0]:
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
    ui.chart(a, charts.heatmap(res.head_avg, tr.tokens, f"Layer {layer}, average of the {H} heads"))
    ui.chart(b, charts.heatmap(res.rollout, tr.tokens, "Attention rollout through all layers"))
    st.caption("Rollout multiplies the layers' head-averaged maps, each mixed half-and-half with the identity for "
               "the residual connection (Abnar & Zuidema, 2020): how much each input token reaches each position.")
    ui.show_code(att.capture_ids, rollout_fn.rollout)

with tabs[1]:
    s = res.steps
    dh = s.Q.shape[1]
    st.markdown(f"Layer {layer}, head {head}: **Q = E·W_q + b_q**, K, V alike (E: {T}×{s.E.shape[1]}, "
                f"W_q: {s.Wq.shape[0]}×{dh}) → **scores = QKᵀ/√{dh}** → "
                + ("**causal mask** (−∞ above the diagonal) → " if tr.causal else "no mask → ")
                + "**softmax** per row → **Z = A·V** → out-projection → **residual add**. "
                f"Check: Q recomputed from the weights differs from the model's by {s.max_err_q:.1e}.")
    fmt = lambda m, rows, cols=None: pd.DataFrame(m.tolist(), index=rows, columns=cols)
    labels = charts.token_labels(tr.tokens)
    if T <= SMALL:
        a, b, c = st.columns(3)
        for col, nm, M in ((a, "Q", s.Q), (b, "K", s.K), (c, "V", s.V)):
            col.markdown(f"**{nm}** ({T}×{dh}, first {min(4, dh)} of {dh} columns)")
            col.dataframe(fmt(M[:, :4], labels, [f"d{j}" for j in range(min(4, dh))]).style.format("{:.2f}"), width="stretch")
        for nm, M in (("QKᵀ/√d_k", s.scores), ("+ mask (−∞ above the diagonal)" if tr.causal else "no mask", s.masked),
                      ("softmax → A (each row sums to 1)", s.A)):
            st.markdown(f"**{nm}** ({T}×{T})")  # full width: every column visible
            st.dataframe(fmt(M, labels, labels).style.format("{:.2f}"), width="stretch")
    else:
        st.info(f"{T} tokens: the matrices are too big to read, so here is a summary of each.")
        summ = {nm: M for nm, M in (("E", s.E), ("Q", s.Q), ("K", s.K), ("V", s.V), ("scores", s.scores), ("A", s.A),
                                     ("Z = A·V", s.Z), ("head output", s.head_out), ("attention output", s.attn_out))}
        st.dataframe(pd.DataFrame([{"matrix": k, "shape": "×".join(map(str, M.shape)), "mean": float(M.mean()),
                                    "std": float(M.std()), "min": float(M.min()), "max": float(M.max())}
                                   for k, M in summ.items()]).set_index("matrix").style.format("{:.3f}", subset=["mean", "std", "min", "max"]))
    st.markdown(f"**Following query token {res.token} “{tr.tokens[res.token]}”** across every key: its score, "
                "the mask, the softmax weight, and how much of each value vector it takes.")
    follow = pd.DataFrame({"key": labels, "q·k/√d": s.scores[res.token].tolist(), "+ mask": s.masked[res.token].tolist(),
                           "softmax": s.A[res.token].tolist(),
                           "|weight × v|": (s.A[res.token, :, None] * s.V).norm(dim=-1).tolist()}).set_index("key")
    st.dataframe(follow.style.format("{:.3f}"), height=min(36 * (T + 1), 400))
    norms = pd.DataFrame({"token": labels, "|residual in|": s.resid_in.norm(dim=-1).tolist(),
                          f"|head {head} output|": s.head_out.norm(dim=-1).tolist(),
                          "|all heads output|": s.attn_out.norm(dim=-1).tolist(),
                          "|residual out|": s.resid_out.norm(dim=-1).tolist()}).set_index("token")
    st.markdown("**The residual add**: the block adds the attention output to the stream it read from "
                + ("(GPT-2: x + attn(LN(x)))." if decoder else "(BERT: LayerNorm(x + attn(x)))."))
    st.dataframe(norms.style.format("{:.2f}"))
    ui.show_code(att.head_steps)

with tabs[2]:
    if decoder:
        with_mask = tr if tr.causal else res.masked
        no_mask = res.unmasked if tr.causal else tr
        leaks = lab.leak_shares(no_mask.weights[layer, head])  # [T]
        worst = int(leaks.argmax())
        st.markdown(f"**The causal mask** (layer {layer}, head {head}). Without it every token sees the future: on "
                    f"average **{float(leaks.mean()):.0%}** of a row's attention lands on later tokens, and for "
                    f"“{tr.tokens[worst]}” (token {worst}) **{float(leaks[worst]):.0%}**. With it: 0%.")
        a, b = st.columns(2)
        ui.chart(a, charts.heatmap(with_mask.weights[layer, head], tr.tokens, "With the causal mask"))
        ui.chart(b, charts.heatmap(no_mask.weights[layer, head], tr.tokens, "Mask off: future tokens leak in"))
        keys = charts.token_labels(tr.tokens)
        row = pd.DataFrame({"key": keys * 2, "weight": with_mask.weights[layer, head, worst].tolist()
                            + no_mask.weights[layer, head, worst].tolist(),
                            "run": ["with the mask"] * T + ["mask off"] * T})
        ui.chart(st, charts.grouped_bars(row, "key", "weight", "run", f"Row of token {worst} “{tr.tokens[worst]}”: "
                                         f"{float(leaks[worst]):.0%} of it on later tokens without the mask", keys))
        n_with = res.next if tr.causal else res.next_masked
        n_without = res.next_unmasked if tr.causal else res.next
        diff = pd.DataFrame({"with mask": [charts.readable(t) for t in n_with.tokens[:5]], "P (with mask)": n_with.probs[:5],
                             "without mask": [charts.readable(t) for t in n_without.tokens[:5]],
                             "P (without mask)": n_without.probs[:5]})
        st.markdown("**Next-token prediction, with and without the mask** (the model was trained with it): "
                    f"KL(with ‖ without) = {att.kl_div(with_mask.logits, no_mask.logits):.3f} bits.")
        st.dataframe(diff.style.format("{:.3f}", subset=["P (with mask)", "P (without mask)"]))
    else:
        st.info("An encoder (BERT, MiniLM) reads the whole sentence at once to build a representation of every "
                "token; nothing is generated left to right, so no token has a future to hide. The mask only "
                "exists in decoders, where position t must not see the token it is trained to predict.")
    rows_t = lab.temperature_rows(res.steps.masked[res.token], [lab.LOW_T, 1.0, temperature])
    st.markdown(f"**Temperature on one attention row** (token {res.token} “{tr.tokens[res.token]}”, layer {layer}, "
                f"head {head}): softmax(scores / T). Low T sharpens the row toward its largest score, high T flattens "
                "it toward uniform; the Temperature slider above sets the third panel.")
    cols = st.columns(3)
    for col, (t, w, h), what in zip(cols, rows_t, ("sharp", "the model", "the slider")):
        ui.chart(col, charts.bars(charts.token_labels(tr.tokens), w.tolist(), f"T = {t:g} ({what}): {h:.2f} bits",
                                  "weight", width=220))
    st.caption("Entropy: " + " · ".join(f"T = {t:g}: **{h:.2f} bits**" for t, _, h in rows_t)
               + f" (uniform over the {int(torch.isfinite(res.steps.masked[res.token]).sum())} visible keys: "
               f"{float(torch.log2(torch.isfinite(res.steps.masked[res.token]).sum())):.2f} bits).")
    ui.show_code(lab.leak_shares, lab.temperature_rows, att.softmax_t, att.entropy)

with tabs[3]:
    nt = res.next
    if nt is None:
        st.info("An encoder does not predict a next token. Pick gpt-tiny, gpt2 or distilgpt2 for this tab.")
    else:
        st.markdown(f"A decoder is an **autoregressive** model: it predicts token t + 1 from tokens 1…t, appends it, "
                    f"and repeats (the buttons below do one step). Top {len(nt.ids)} next tokens at T = "
                    f"{temperature:g}; entropy of the whole distribution **{nt.entropy_bits:.2f} bits**.")
        names = [f"{i + 1}. {charts.readable(t)}" for i, t in enumerate(nt.tokens)]
        df = pd.DataFrame({"token": names, "T = 1 (the model)": nt.probs_t1}
                          | ({f"T = {temperature:g}": nt.probs} if temperature != 1 else {}))
        ui.chart(st, charts.grouped_bars(df.melt("token", var_name="temperature", value_name="probability"),
                                            "token", "probability", "temperature", "Next-token probabilities", names))
        g = torch_rng(ui.seed() + len(tr.ids))
        sampled = lab.sample_token(tr.logits, temperature, g)
        a, b = st.columns(2)
        a.button(f"Append greedy “{charts.readable(tokenizer.decode([nt.greedy]))}”", on_click=append_token,
                 args=(tokenizer.decode([nt.greedy]),), key="attn_greedy")
        b.button(f"Append sampled “{charts.readable(tokenizer.decode([sampled]))}”", on_click=append_token,
                 args=(tokenizer.decode([sampled]),), key="attn_sample")
        ui.show_code(lab.next_token, lab.sample_token)

with tabs[4]:
    if decoder:
        with progress.bar("Removing each head in turn", L * H, unit="heads") as bar:
            hi = get_importance(name, ui.model_source(), text, tr.causal, temperature, _on_progress=bar)
        (tl, th) = hi.top
        st.markdown(f"**Remove one head at a time** (zero its slice of the concatenated heads before the "
                    f"out-projection) and measure how far the next-token distribution moves. The {L * H} heads are "
                    f"not equal: the most important here is **layer {tl}, head {th}** "
                    f"(KL {float(hi.kl[tl, th]):.3f} bits); the median head moves it "
                    f"{float(hi.kl.median()):.3f} bits.")
        a, b = st.columns([2, 3])
        ui.chart(a, charts.ablation_heatmap(hi.kl))
        b.markdown(f"**Layer {tl}, head {th} removed**, applied to the prompt:")
        b.dataframe(pd.DataFrame({"original": [charts.readable(t) for t in hi.next.tokens],
                                  "P (original)": hi.next.probs,
                                  f"without L{tl} H{th}": [charts.readable(t) for t in hi.next_without_top.tokens],
                                  "P (removed)": hi.next_without_top.probs}).style.format(
            "{:.3f}", subset=["P (original)", "P (removed)"]), hide_index=True)
    st.markdown(f"**Your choice**: remove head {head} of layer {layer} (the Layer / Head boxes above).")
    if res.ablation is None:
        st.caption("Switch on *Remove the chosen head* above to measure what this head contributes.")
    else:
        st.metric(f"Effect of removing layer {layer}, head {head}", f"{res.ablation:.4f}", help=res.ablation_what)
        st.caption(res.ablation_what)
        if res.next_ablated is not None:
            st.dataframe(pd.DataFrame({"original": [charts.readable(t) for t in res.next.tokens[:5]],
                                       "P (original)": res.next.probs[:5],
                                       f"without L{layer} H{head}": [charts.readable(t) for t in res.next_ablated.tokens[:5]],
                                       "P (ablated)": res.next_ablated.probs[:5]}).style.format(
                "{:.3f}", subset=["P (original)", "P (ablated)"]))
    ui.show_code(lab.head_importance, att.ablation_kls)

with tabs[5]:
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
    df = pd.DataFrame([{"part": k, "model": f"{resolution.card.name} ({total / 1e6:.2f}M)", "share": v / total} for k, v in res.split.items()]
                      + [{"part": k, "model": f"GPT-3 ({total3 / 1e9:.1f}B)", "share": v / total3} for k, v in res.gpt3.items()])
    ui.chart(st, charts.grouped_bars(df, "part", "share", "model", "Where the parameters are"))
    st.caption(f"GPT-3 from its published shape (96 layers, d_model 12288, 96 heads, MLP 49152 wide): the MLPs hold "
               f"{res.gpt3['MLP'] / total3:.0%} of the weights. In this model: {res.split['MLP'] / total:.0%}.")
    ui.show_code(mlp.mlp_view, mlp.split_from_shape)

with tabs[6]:
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
        cost = get_cost(name, ui.model_source())
        a, b = st.columns(2)
        ui.chart(a, charts.cost_chart(cost, "memory (MB)"), width="stretch")
        b.caption(f"Memory: the attention matrices (L·H·T² numbers) pass the MLP's activations (L·T·{F}) at "
                   f"T = {F}/{H} = {F // H} tokens. Doubling the context quadruples the first, doubles the second.")
    ui.show_code(context_cost.ShapeBlock.forward, context_cost.layer_flops, context_cost.measure)

with tabs[7]:
    source = st.radio("Word vectors from", ["MiniLM (packaged sentence encoder)", "the loaded model's token embeddings"],
                      horizontal=True, key="att_dir_source", bind="query-params")
    with ui.friendly_errors("Word vectors"):
        if source.startswith("MiniLM"):
            words, V, vec_res = minilm_vectors(ui.model_source())
        else:
            words, V = directions.token_embedding_vectors(model, tokenizer, list(directions.WORDS))
            if len(words) < 4:
                raise ValueError("too few of the word list are single tokens of this model: pick MiniLM")
        c1, c2 = st.columns(2)
        word = c1.selectbox("Nearest neighbours of", words, index=words.index("cat") if "cat" in words else 0, key="att_dir_word", bind="query-params")
        c1.dataframe(pd.DataFrame(directions.neighbours(words, V, word), columns=["word", "cosine"]), hide_index=True)
        choices = [a for a in directions.ANALOGIES if all(w in words for w in a)] or [tuple(words[:3])]
        a_, b_, c_ = c2.selectbox("Analogy a − b + c", choices, format_func=lambda t: f"{t[0]} − {t[1]} + {t[2]}",
                                  key="att_dir_analogy", bind="query-params")
        c2.dataframe(pd.DataFrame(directions.analogy(words, V, a_, b_, c_), columns=[f"{a_} − {b_} + {c_} ≈", "cosine"]),
                     hide_index=True)
        scores = pd.DataFrame(directions.difference_scores(words, V, directions.FEATURES))
        if len(scores):
            st.markdown("**Is there one direction per feature?** Each feature on its own pairs: a pair's difference "
                        "vector (b − a) against the mean difference of the same feature's other pairs, and against "
                        "the other feature's (cosine; unrelated directions in this many dimensions score near 0):")
            mean = scores.groupby("feature")[scores.columns[2:]].mean()
            st.dataframe(mean.style.format("{:.2f}"))
            with st.expander("Every pair"):
                st.dataframe(scores.style.format("{:.2f}", subset=list(scores.columns[2:])), hide_index=True)
    st.markdown("**Superposition**: only N directions are exactly orthogonal in N dimensions, but exponentially many fit "
                "when every pair may be off by a few degrees (Johnson–Lindenstrauss). Counted live: random unit "
                "vectors, each kept if it stays within 90° ± ε of every one kept so far.")
    eps = st.select_slider("ε (degrees)", list(directions.EPSILONS), value=20, key="att_dir_eps", bind="query-params")
    a, b = st.columns(2)
    rows = near_orthogonal(float(eps), ui.seed())
    ui.chart(a, charts.near_orthogonal_chart(rows, eps), width="stretch")
    beat = directions.beats_dimensions(rows)
    if beat is not None and beat <= 16:
        a.caption(f"From N = {beat} dimensions on, more directions fit within 90° ± {eps}° than the N exactly "
                  "orthogonal ones, and the gap grows fast with N.")
    else:
        a.info(f"The trade-off: with ε = {eps}° every pair must be within {eps}° of a right angle (|cos| ≤ "
               f"{math.sin(math.radians(eps)):.2f}). Random directions in N dimensions "
               "have |cos| around 1/√N, so a strict ε only pays off in many dimensions: "
               + (f"here the count passes N only from N = {beat}." if beat else
                  "none of these N up to 256 gets there (the count grows like exp(N·sin²ε), so it needs "
                  "thousands of dimensions).")
               + " Loosen ε and far more near-orthogonal directions fit, at the price of more interference between "
                 "the features they carry.")
    W = mlp.mlp_parts(model, layer)[1]  # [F, D]: each MLP neuron's output direction in the residual stream
    ui.chart(b, charts.angle_histogram(directions.pairwise_angles_deg(W.detach().float().cpu().numpy(), 600),
                                          f"Angles between layer {layer}'s {W.shape[0]} MLP neurons ({W.shape[1]} dims)"),
                   width="stretch")
    st.caption(f"{W.shape[0]} neurons write into a {W.shape[1]}-dimensional stream: more directions than dimensions, "
               "yet their angles crowd around 90°.")
    ui.show_code(directions.analogy, directions.count_near_orthogonal)
