"""Same seed, same picture, for a whole class at once (issue 20, item 5): each random function a page
reaches, called from 8 threads with one seed while other threads seed and draw from the process-global
generators (torch, numpy, module init), returns exactly what it returns alone."""
from __future__ import annotations

import dataclasses
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

SEED = 3


def _fingerprint(obj, h=None) -> str:
    """A hash of everything a result holds: tensors, arrays, tables, dataclasses, models."""
    top = h is None
    h = h or hashlib.sha256()
    if isinstance(obj, torch.Tensor):
        h.update(obj.detach().cpu().contiguous().numpy().tobytes())
    elif isinstance(obj, np.ndarray):
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, pd.DataFrame):
        h.update(obj.to_csv().encode())
    elif isinstance(obj, nn.Module):
        _fingerprint(obj.state_dict(), h)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        _fingerprint([getattr(obj, f.name) for f in dataclasses.fields(obj)
                      if f.name not in ("elapsed", "wall_s", "seconds")], h)
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _fingerprint(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _fingerprint(x, h)
    else:
        h.update(repr(obj).encode())
    return h.hexdigest() if top else ""


def _tiny_images(seed: int = 0):
    from core.vision.cnn.data import ImageSet

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(48, 1, 28, 28, generator=g)
    y = torch.randint(0, 3, (48,), generator=g)
    return ImageSet("digits", x[:32], y[:32], x[32:], y[32:], ("a", "b", "c"), 28)


def _cnn_pair(seed):
    from core.vision.cnn.explore import start_pair
    from core.vision.cnn.loop import TrainConfig

    cfg = TrainConfig(steps=3, batch=8, eval_every=3, n_eval=8, flip=True)
    events = list(islice(start_pair(_tiny_images(), "lenet", "vgg_small", cfg, seed=seed), 3))
    return [{k: (e.step, e.loss, e.train_acc if hasattr(e, "train_acc") else None, e.test_acc, e.grad_first)
             for k, e in ev.items()} for ev in events]


def _dropout_net(seed):
    from core.runtime import torch_rng
    from core.vision.cnn.registry import build

    model = build("vgg_small", 1, 3, 28, generator=torch_rng(seed)).train()
    return model, model(torch.ones(2, 1, 28, 28))  # dropout masks from the same generator


def _deep_demo(seed):
    from core.text.rnn.view import deep_demo

    xs = torch.linspace(-1, 1, 5 * 4).reshape(5, 1, 4)
    return deep_demo("lstm", xs, hidden=6, seed=seed)


# The opened-up Inception / residual / dense blocks report shapes and parameter counts only (nothing
# seed-dependent reaches the page); the rule test keeps them free of global draws. Not listed yet: the
# semi-supervised runs (core/learn/ssl, being moved onto private generators by their owner): add them
# here once they pass.
def _clipping(seed):
    from core.text.rnn.view import clipping_runs

    return clipping_runs("the cat sat on the mat. " * 200, theta=1.0, lr=0.5, steps=3, seed=seed, hidden=16)


def _char_race(seed):
    from core.text.rnn import char_lm

    cfg = char_lm.CharLMConfig(hidden=12, steps=2, seq_len=16, batch=4)
    return [(e.kind, e.step, e.loss) for e in char_lm.train_race("hello world, " * 30, ("rnn", "lstm"), cfg, seed)
            if isinstance(e, char_lm.TrainEvent)]


def _shapes_augmented(seed):
    from core.runtime import numpy_rng
    from core.vision.shapes.augment import strong, weak
    from core.vision.shapes.generator import generate

    samples = generate(2, seed)
    rng = numpy_rng(seed, "augment")
    return [(s.image, s.boxes, weak(s, rng).image, strong(s, rng).image) for s in samples]


def _bert_draws(seed):
    from core.runtime import torch_rng
    from core.text.bert.mlm import mlm_mask
    from core.text.bert.nsp import nsp_pairs

    g = torch_rng(seed)
    ids = torch.arange(5, 45).reshape(2, 20)
    masked = mlm_mask(ids, torch.ones_like(ids, dtype=torch.bool), 4, torch.arange(100, 200), g)
    pairs = nsp_pairs("One cat. Two dogs. Three birds. Four fish.", g, ["A pool sentence.", "Another one."])
    return masked, [(p.a, p.b, p.is_next) for p in pairs]


def _mae_mask(seed):
    from core.runtime import torch_rng
    from core.vision.vit.mae import random_mask

    return random_mask(196, 0.75, torch_rng(seed))


PAGE_FUNCTIONS = {
    "cnn 1x1 conv vs linear": lambda s: __import__("core.vision.cnn.opened", fromlist=["x"]).conv1x1_vs_linear(seed=s),
    "cnn batch norm vs torch": lambda s: __import__("core.vision.cnn.opened", fromlist=["x"]).batchnorm_vs_torch(seed=s),
    "cnn live pair (3 steps)": _cnn_pair,
    "cnn build with dropout": _dropout_net,
    "rnn deep & bidirectional": _deep_demo,
    "rnn gradient study": lambda s: __import__("core.text.rnn.view", fromlist=["x"]).gradient_study(6, 1.0, 1.0, s, 8, 4),
    "rnn clipping study": _clipping,
    "char LM race": _char_race,
    "ShapesWorld scenes and their views": _shapes_augmented,
    "BERT masking and sentence pairs": _bert_draws,
    "MAE random mask": _mae_mask,
    "near-orthogonal directions": lambda s: __import__("core.text.attention.directions", fromlist=["x"]).near_orthogonal_rows(
        10.0, s, dims=(2, 4, 8), tries=200),
    "translation pairs": lambda s: __import__("core.text.decoding.seq2seq_data", fromlist=["x"]).make_pairs(20, s),
}


class GlobalNoise:
    """Threads that keep seeding and drawing from the global generators, as other sessions' code might."""

    def __init__(self, n: int = 2):
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(n)]

    def _run(self, i: int) -> None:
        k = 0
        while not self.stop.is_set():
            k += 1
            torch.manual_seed(k * 7 + i)  # noqa: the point of the test
            torch.rand(16)
            np.random.rand(4)
            nn.Linear(8, 8)  # module init draws globally too

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()


@pytest.mark.parametrize("name", list(PAGE_FUNCTIONS))
def test_eight_threads_with_one_seed_get_the_lone_result(name):
    fn = PAGE_FUNCTIONS[name]
    lone = _fingerprint(fn(SEED))
    assert _fingerprint(fn(SEED)) == lone  # repeatable alone first
    assert _fingerprint(fn(SEED + 1)) != lone  # and the seed does matter
    barrier = threading.Barrier(8)

    def at_once(_):
        barrier.wait()
        return _fingerprint(fn(SEED))

    with GlobalNoise():
        for _ in range(2):
            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(at_once, range(8)))
            assert results == [lone] * 8, f"{name}: {sum(r != lone for r in results)} of 8 threads differ"


def _ssl_detection(method):
    """One run of the reproduction study's method at smoke size, from a detector initialised from the seed
    (the Reproduction tab's live run): init, labeled split, samplers, views, pseudo-boxes."""
    def run(seed):
        from core.learn.ssl import reproduce as r

        cfg = r.SMOKE
        lab, unl = r.pool(cfg, 0.05, seed)
        start = r.study_detector(cfg, seed)
        rec = list(r.run_method(cfg, method, start.eval(), lab, unl, r.eval_halves(cfg), seed))[-1]["record"]
        return [start, {k: v for k, v in rec.items() if k != "wall_s"}]
    return run


def _ssl_classify(seed):
    from core.learn.ssl import classify as sc
    from core.learn.ssl.data import two_moons

    cfg = sc.ClassifyConfig(method="mean_teacher", steps=4, eval_every=2, grid=8)
    return list(sc.train(two_moons(n=200, n_test=50, seed=1), cfg, seed))


SSL_FUNCTIONS = {
    "semi-supervised classification (Mean Teacher)": _ssl_classify,
    "semi-supervised detection (Soft Teacher + jitter)": _ssl_detection("Soft Teacher + jitter"),
    "semi-supervised detection (STAC)": _ssl_detection("STAC"),
}


@pytest.mark.slow  # about a minute on 2 cores: the whole suite runs it
@pytest.mark.parametrize("name", list(SSL_FUNCTIONS))
def test_semi_supervised_runs_with_one_seed_get_the_lone_result(name):
    PAGE_FUNCTIONS[name] = SSL_FUNCTIONS[name]
    try:
        test_eight_threads_with_one_seed_get_the_lone_result(name)
    finally:
        del PAGE_FUNCTIONS[name]


def test_the_study_detector_starts_where_a_manual_seed_build_starts():
    """init_tiny_rcnn draws exactly what building under torch.manual_seed drew (the recorded study's start)."""
    from core.learn.ssl import detector
    from core.learn.ssl.reproduce import SMOKE, study_detector
    from core.runtime import mixed_seed
    from core.vision.shapes.models.faster_rcnn import TinyRCNNConfig

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(mixed_seed(2, "ssl-study-init"))  # noqa: the reference draw
        s = SMOKE.size / 128
        ref = detector.build_detector(6, SMOKE.size, TinyRCNNConfig(
            anchor_sizes=tuple(round(a * s) for a in (16, 24, 32, 48)), channels=48, box_head=SMOKE.box_head,
            proposals_train=SMOKE.proposals, proposals_test=50))
    got = study_detector(SMOKE, 2).state_dict()
    assert all(torch.equal(v, got[k]) for k, v in ref.state_dict().items())
    assert not torch.equal(study_detector(SMOKE, 3).state_dict()["rpn.head.conv.0.0.weight"], got["rpn.head.conv.0.0.weight"])
