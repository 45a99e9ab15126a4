"""Load language models through the zoo: causal LMs (GPT family) and encoders (BERT family).

One code path for bundled, packaged and pretrained weights: every source is a Hugging Face folder
(or hub id) loaded with from_pretrained. Attention is always "eager": under the default SDPA,
`output_attentions=True` returns nothing.

    model, tokenizer, res = load_causal_lm("gpt2", mode="auto")   # falls back to gpt-tiny offline
"""
from __future__ import annotations

from core.runtime import device
from core.zoo import Resolution, get_card
from core.zoo.card import Source


def _load(name: str, mode: str | None, auto_model):
    """Resolve the card, then load; if the chosen source fails (a dead network mid-download,
    a broken cache), fall back to the card's later local sources and say so (core.zoo.load)."""
    from transformers import AutoTokenizer

    from core.zoo.load import load_hf

    return load_hf(name, auto_model, AutoTokenizer, mode)[:3]


def load_causal_lm(name: str, mode: str | None = None):
    """A GPT-style model with its LM head. Returns (model, tokenizer, Resolution)."""
    from transformers import AutoModelForCausalLM

    return _load(name, mode, AutoModelForCausalLM)


def load_encoder(name: str = "minilm", mode: str | None = None):
    """A BERT-style encoder (no LM head). Returns (model, tokenizer, Resolution)."""
    from transformers import AutoModel

    return _load(name, mode, AutoModel)


def load_model(name: str, mode: str | None = None):
    """Causal LM or encoder, as the card says (extra["kind"])."""
    kind = get_card(name).extra.get("kind", "causal")
    return load_causal_lm(name, mode) if kind == "causal" else load_encoder(name, mode)


MAX_HF_MB = 600.0  # the largest checkpoint a typed Hugging Face id may download (the page must stay light)
SUPPORTED = {"gpt2": "causal", "bert": "encoder"}  # architectures whose attention modules we can hook


def load_hf_id(repo_id: str, mode: str | None = None, max_mb: float = MAX_HF_MB):
    """Any Hugging Face model id of a supported architecture, under a size cap.
    Returns (model, tokenizer, Resolution); raises ValueError with a readable reason otherwise."""
    import re

    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoTokenizer

    from core.zoo import network, sources
    from core.zoo.card import ModelCard

    repo_id = repo_id.strip()
    if not re.fullmatch(r"[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?", repo_id):
        raise ValueError(f"“{repo_id}” is not a Hugging Face model id (like `gpt2` or `openai-community/gpt2`)")
    cached = sources.hf_cached(repo_id)
    if not cached:
        if mode == "offline" or not network.network_up():
            raise ValueError(f"`{repo_id}` is not cached and the network is off (model source: {mode or 'auto'}); "
                             f"run `huggingface-cli download {repo_id}` while online")
        from huggingface_hub import HfApi

        info = HfApi().model_info(repo_id, files_metadata=True, timeout=10)
        size = sum((f.size or 0) for f in info.siblings or [] if f.rfilename.endswith((".safetensors", ".bin")))
        if size / 2**20 > max_mb:
            raise ValueError(f"`{repo_id}` weighs {size / 2**20:.0f} MB, over this page's cap of {max_mb:.0f} MB")
    config = AutoConfig.from_pretrained(repo_id)
    kind = SUPPORTED.get(config.model_type)
    if kind is None:
        raise ValueError(f"`{repo_id}` is a {config.model_type} model; this page can open GPT-2 and BERT style models")
    auto = AutoModelForCausalLM if kind == "causal" else AutoModel
    from core.zoo.load import guard_tokenizer, load_lock

    with load_lock(f"hf-id:{repo_id}"):  # no card to fall back on: the same lock and tokenizer guard
        model = auto.from_pretrained(repo_id, attn_implementation="eager").eval().to(device())
        tokenizer = guard_tokenizer(AutoTokenizer.from_pretrained(repo_id))
    src = Source(kind="pretrained", hub="hf", ref=repo_id)
    card = ModelCard(name=repo_id, family=config.model_type, task=kind, license="see the model's page", sources=(src,))
    return model, tokenizer, Resolution(card, src, f"pretrained `{repo_id}` ({'cached' if cached else 'downloaded'})")


def is_causal(model) -> bool:
    """Decoder (GPT family) or encoder (BERT family)?"""
    return getattr(model.config, "model_type", "") in {"gpt2"}


def context_limit(model) -> int:
    """Longest input the model's position table allows."""
    c = model.config
    return int(getattr(c, "n_positions", None) or getattr(c, "max_position_embeddings", 512))
