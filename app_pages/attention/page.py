"""Attention lab: type a prompt and watch a real Transformer attend, mask, soften and predict.

Every number comes from the loaded model on the typed prompt (core.text.attention.view.analyze);
this file takes the shared inputs (model, prompt, layer, head, mask, temperature, query token) and
runs the model once; each tab lays the results out in its own module beside it (maps, steps, mask,
next_token, heads, neurons, cost, superposition).
"""
from dataclasses import asdict

import pandas as pd
import streamlit as st

from app_pages.attention import cost, heads, maps, mask, neurons, next_token, steps, superposition
from app_pages.attention.common import DEFAULT_PROMPT, AttentionRun
from app_pages.parts import ui
from core.text.attention import capture as att
from core.text.attention import view as lab
from core.text.lm.load import MAX_HF_MB, context_limit, is_causal, load_hf_id, load_model
from core.viz import attention as charts

MODELS = {"gpt-tiny": "gpt-tiny: KeyPoint's own tiny GPT (bundled)", "gpt2": "gpt2 (pretrained, 124M)",
          "distilgpt2": "distilgpt2 (pretrained, 82M)", "minilm": "MiniLM encoder (packaged, BERT family)",
          "bert-base-uncased": "bert-base-uncased (pretrained encoder)",
          "other": "another Hugging Face model id…"}

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

run = AttentionRun(name=name, mode=ui.model_source(), text=text, model=model, tokenizer=tokenizer,
                   resolution=resolution, decoder=decoder, layer=layer, head=head, temperature=temperature, res=res)
TABS = {"Attention maps": maps, "One head, step by step": steps, "Mask & temperature": mask, "Next token": next_token,
        "Multi-head": heads, "MLP & parameters": neurons, "Cost of context": cost, "Directions & superposition": superposition}
for tab, tab_module in zip(st.tabs(list(TABS), key="att_tab", bind="query-params"), TABS.values()):
    with tab:
        tab_module.render(run)
