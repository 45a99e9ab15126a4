"""Decoding benchmark: our fully traced beam search vs Hugging Face `generate`, same model, same settings.

beam_search_traced_s: k = 5, exactly 30 new tokens (EOS disabled on both sides, id -1, so neither stops early)
on the bundled date Transformer (a MarianMTModel). Median of interleaved runs, one CPU thread each.
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def beam_search_traced_s(repeats: int = 7) -> dict:
    import torch
    from transformers import GenerationConfig

    from core.text.decoding.search import DecodeConfig, HFStepper, beam_search
    from core.text.decoding.seq2seq_model import load_translator

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, tok, _ = load_translator("seq2seq-dates", "offline")
        text = "Wednesday, the twenty-third of September, nineteen ninety-eight"
        src = tok(text, return_tensors="pt")["input_ids"]
        cfg = DecodeConfig(max_new_tokens=30, num_beams=5, alpha=1.0)
        gen = GenerationConfig(num_beams=5, max_new_tokens=30, length_penalty=1.0, do_sample=False, eos_token_id=-1,
                               pad_token_id=0, decoder_start_token_id=0)

        def ours():
            return beam_search(HFStepper(model, tok, text, attention=False, eos_token_id=-1), cfg)

        def theirs():
            with torch.no_grad():
                return model.generate(input_ids=src, generation_config=gen)

        tr, out = ours(), theirs()  # warm up, and check both did the same work
        assert sum(1 for _ in tr.steps) == 30 and out.shape[1] == 31, (len(tr.steps), out.shape)
        assert out[0, 1:].tolist() == tr.best.tokens, "our search and generate disagree"
        a, b = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            ours()
            a.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            theirs()
            b.append(time.perf_counter() - t0)
        return {"value": statistics.median(a), "unit": "s", "baseline": statistics.median(b),
                "candidates_traced": sum(len(s.candidates) for s in tr.steps)}
    finally:
        torch.set_num_threads(threads)


BENCHMARKS = {"beam_search_traced_s": beam_search_traced_s}
