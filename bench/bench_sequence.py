"""Sequence models benchmarks.

sequence_page_rerun_s: the Sequence models page (AppTest) after its first run: median time of a
view-only widget change on the cells tab (the gate shown, the text fed in). Baseline: the first run itself,
which trains the default character GRU and scores every model (target: a view change < 0.5 s).

rnn_train_steps_per_s_<cell>: training steps per second of the character LM (32 units, batch 32,
48 characters) run through our hand-written cells (core.text.rnn.cells, autograd through them);
baseline: the same model built from torch.nn.RNN / GRU / LSTM's fused kernels. One thread each.
The page trains with the fused ones and steps the trained weights through ours to show the gates.
"""
from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("KEYPOINT_OFFLINE", "1")


def sequence_page_rerun_s() -> dict:
    from tests.app.helpers import page

    at = page("app_pages/sequence_models/page.py")
    at.session_state["seq_tab"] = "RNN, GRU and LSTM cells"  # tabs are lazy: open the one that trains
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, at.exception
    times = []
    for gate, text in (("update z", "The dog."), ("h", "A cat."), ("reset r", "The dog."), ("h", "A cat.")):
        at.radio(key="cell_gate").set_value(gate)
        at.text_input(key="cell_text").set_value(f'{text} "THE END."')
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return {"value": statistics.median(times), "unit": "s", "baseline": first}


def _steps_per_s(kind: str, steps: int = 15) -> dict:
    import torch

    from core.text.rnn import char_lm
    from core.text.lm.corpus import CorpusConfig, generate

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        text = " ".join(generate(CorpusConfig(n_docs=300)))
        rates = {}
        for explicit in (True, False):
            cfg = char_lm.CharLMConfig(kind=kind, hidden=32, steps=steps + 2, explicit=explicit)
            run = char_lm.train_char_lm(text, cfg)
            next(run), next(run)  # warm up
            t0 = time.perf_counter()
            for _ in range(steps):
                next(run)
            rates[explicit] = steps / (time.perf_counter() - t0)
        return {"value": rates[True], "unit": "steps/s", "baseline": rates[False]}
    finally:
        torch.set_num_threads(threads)


BENCHMARKS = {"sequence_page_rerun_s": sequence_page_rerun_s,
              "rnn_train_steps_per_s_rnn": lambda: _steps_per_s("rnn"),
              "rnn_train_steps_per_s_gru": lambda: _steps_per_s("gru"),
              "rnn_train_steps_per_s_lstm": lambda: _steps_per_s("lstm")}
