"""BERT-family models for the pre-training tab: the masked-LM + NSP model (bert-base-uncased when
cached, else KeyPoint's small corpus model) and the packaged MiniLM encoder for the embeddings."""
from __future__ import annotations


def load_mlm(mode: str | None = None):
    """BertForPreTraining (masked-LM and next-sentence heads). Returns (model, tokenizer,
    Resolution, has_nsp_head): has_nsp_head is False when the checkpoint carried no NSP weights
    (the head would be random, so the page must not show its score)."""
    from transformers import AutoTokenizer, BertForPreTraining

    from core.zoo.load import load_hf

    model, tok, res, missing = load_hf("bert-base-uncased-mlm", BertForPreTraining, AutoTokenizer, mode)
    return model, tok, res, not any(k.startswith("cls.seq_relationship") for k in missing)


def load_embedding_model(mode: str | None = None):
    """A real BERT encoder for the token + segment + position embeddings: bert-base-uncased when
    cached, else the packaged MiniLM. Returns (model, tokenizer, Resolution)."""
    from core.text.lm.load import load_encoder

    return load_encoder("bert-base-uncased", mode)
