"""Seeded means reproducible, under a whole class at once (issue 17): private generators, eight
threads sampling text with the bundled gpt-tiny through the decoding code, a shared tokenizer
under many threads, and the per-process limit on heavy jobs."""
from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from core import runtime
from core.runtime import JobSlots, mixed_seed, numpy_rng, seeded, torch_rng

PROMPTS = ["The cat", "Once upon a time", "Attention is", "A model"]


def test_private_generators_repeat_and_differ_by_inputs():
    assert mixed_seed(7) == 7
    torch.manual_seed(7)
    assert torch.equal(torch.rand(4, generator=torch_rng(7)), torch.rand(4))  # no inputs: same as manual_seed
    a = torch.rand(5, generator=torch_rng(3, "prompt", 0.7))
    b = torch.rand(5, generator=torch_rng(3, "prompt", 0.7))
    c = torch.rand(5, generator=torch_rng(3, "prompt", 0.8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert np.array_equal(numpy_rng(3, "x").random(4), numpy_rng(3, "x").random(4))
    assert mixed_seed(1, "\ud800") >= 0  # a lone surrogate from a text box still seeds


def _checksum(model) -> str:
    h = hashlib.sha256()
    for name, p in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(p.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def gpt_tiny():
    from core.text.lm.load import load_causal_lm

    model, tok, res = load_causal_lm("gpt-tiny", "offline")
    return model, tok


def _sample(model, tok, prompt: str, seed: int) -> str:
    from core.text.decoding.search import DecodeConfig, HFStepper, sample

    cfg = DecodeConfig(max_new_tokens=12, temperature=1.0, top_k=50)
    stepper = HFStepper(model, tok, prompt, eos_token_id=-1)
    return sample(stepper, cfg, generator=torch_rng(seed, prompt)).best.text


@pytest.mark.slow
def test_eight_threads_sampling_get_the_lone_answers(gpt_tiny):
    model, tok = gpt_tiny
    before = _checksum(model)
    jobs = [(PROMPTS[i % len(PROMPTS)], i % 3) for i in range(8)]
    lone = [_sample(model, tok, p, s) for p, s in jobs]
    assert len(set(lone)) > 1  # the draws do depend on prompt and seed
    barrier = threading.Barrier(8)

    def at_once(job):
        barrier.wait()
        return _sample(model, tok, *job)

    for _ in range(2):
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(at_once, jobs)) == lone
    assert _checksum(model) == before  # the shared cached model was not touched


def test_shared_fast_tokenizer_under_eight_threads(gpt_tiny):
    _, tok = gpt_tiny
    settings = [dict(truncation=True, max_length=4 + i, padding="max_length" if i % 2 else "longest")
                for i in range(8)]
    texts = ["hello world, " * 20, "the cat sat", "émoji 🙂 and ‮rtl", ""]
    lone = [tok(texts, **kw)["input_ids"] for kw in settings]
    barrier = threading.Barrier(8)

    def at_once(i):
        barrier.wait()
        return [tok(texts, **settings[i])["input_ids"] for _ in range(30)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(at_once, range(8)))
    for i, rs in enumerate(results):
        assert all(r == lone[i] for r in rs)


def test_job_slots_limit_concurrency_and_report_the_queue():
    slots = JobSlots(2)
    running, peak, order, waits = [0], [0], [], {}
    lock = threading.Lock()

    def job(i):
        def on_wait(ahead, n_running):
            waits.setdefault(i, []).append((ahead, n_running))

        with slots.slot(on_wait=on_wait, poll_s=0.01):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                order.append(i)
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=job, args=(i,)))
        threads[-1].start()
        time.sleep(0.005)  # arrive in order
    for t in threads:
        t.join()
    assert peak[0] == 2 and sorted(order) == list(range(6))
    assert order == sorted(order)  # first come, first served
    assert waits[5][0][0] >= 1  # the last one was told others were ahead of it
    assert slots.running == 0 and slots.waiting() == 0


def test_a_waiter_that_gives_up_leaves_the_queue():
    slots = JobSlots(1)

    class Stop(Exception):
        pass

    def impatient(ahead, n):
        raise Stop  # as a Streamlit rerun interrupts a waiting script

    with slots.slot():
        with pytest.raises(Stop):
            with slots.slot(on_wait=impatient):
                pass
        assert slots.waiting() == 0
    with slots.slot():  # the slot is free again
        pass


def test_default_heavy_jobs_from_env(monkeypatch):
    monkeypatch.setenv("KEYPOINT_HEAVY_JOBS", "3")
    assert runtime.default_heavy_jobs() == 3
    monkeypatch.delenv("KEYPOINT_HEAVY_JOBS")
    assert runtime.default_heavy_jobs() >= 1


def test_seeded_module_init_is_the_same_in_eight_threads():
    def build(seed):
        with seeded(seed, "linear"):
            layer = torch.nn.Linear(64, 64)
        for _ in range(50):  # another session building its own seeded model meanwhile
            with seeded(99, "other"):
                torch.rand(100)
        return layer.weight.detach().clone()

    lone = [build(i % 2) for i in range(8)]
    barrier = threading.Barrier(8)

    def at_once(i):
        barrier.wait()
        return build(i % 2)

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(at_once, range(8)))
    assert all(torch.equal(a, b) for a, b in zip(got, lone))
    assert not torch.equal(lone[0], lone[1])
    state = torch.get_rng_state()
    with seeded(5):
        torch.rand(3)
    assert torch.equal(torch.get_rng_state(), state)  # the global stream is restored afterwards
