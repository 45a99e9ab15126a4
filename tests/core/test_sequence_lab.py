"""Zipf fit, n-gram table sizes, one perplexity for every model, training with and without clipping."""
import math

import numpy as np
import pytest
import torch
from scipy import stats
from torch.nn import functional as F

from core.text.rnn import char_lm, view as sequence_lab

from core.text.lm import perplexity, zipf
from core.text.lm.corpus import CorpusConfig, generate, quoted
from core.text.lm.ngram import NGramLM, words


@pytest.fixture(scope="module")
def tokens():
    return [w for d in generate(CorpusConfig(n_docs=800, seed=3)) for w in words(d)]


def test_zipf_slope_equals_linregress(tokens):
    fit = zipf.zipf_fit(tokens)
    ref = stats.linregress(np.log10(fit.ranks), np.log10(fit.counts))
    assert fit.slope == pytest.approx(ref.slope, rel=1e-9) and fit.intercept == pytest.approx(ref.intercept, rel=1e-9)
    assert -1.5 < fit.slope < -0.6  # a Zipf-like corpus
    assert list(fit.counts) == sorted(fit.counts, reverse=True)


def test_distinct_ngrams_by_brute_force(tokens):
    rows = zipf.distinct_ngrams(tokens, [1, 2, 3], min_count=2)
    for r in rows:
        n = r["n"]
        grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        assert r["distinct"] == len(set(grams))
        assert r["kept"] == sum(1 for g in set(grams) if grams.count(g) >= 2) if n == 1 else r["kept"] <= r["distinct"]
        assert r["possible"] == len(set(tokens)) ** n
    assert rows[2]["distinct"] < rows[2]["possible"] / 100  # far smaller than |V|^n


def test_perplexities_are_exp_of_independent_cross_entropies():
    docs = generate(CorpusConfig(n_docs=300, seed=4))
    held = generate(CorpusConfig(n_docs=5, seed=5))
    text = " ".join(held)
    lm = NGramLM(n=2, k=0.1).fit(docs)
    ref = []  # n-gram: -log of the smoothed count ratio, by hand
    for d in held:
        toks = words(d) + ["</s>"]
        prev = "<s>"
        for w in toks:
            c = lm.counts[(prev,)]
            ref.append(-math.log((c[w] + 0.1) / (sum(c.values()) + 0.1 * len(lm.vocab))))
            prev = w
    assert perplexity.perplexity(perplexity.ngram_nll(lm, held)) == pytest.approx(math.exp(np.mean(ref)), rel=1e-9)
    assert perplexity.perplexity(perplexity.ngram_nll(lm, held)) == pytest.approx(lm.perplexity(held), rel=1e-9)
    model = [e for e in char_lm.train_char_lm(" ".join(docs), char_lm.CharLMConfig(kind="gru", hidden=16, steps=3))][-1]
    ids = model.vocab.encode(text)
    with torch.no_grad():  # character model: torch's mean cross-entropy over the whole text at once
        ce = F.cross_entropy(model(ids[:-1, None])[:, 0], ids[1:])
    assert perplexity.perplexity(perplexity.char_nll(model, text)) == pytest.approx(math.exp(float(ce)), rel=1e-5)
    table = sequence_lab.perplexity_table({2: lm}, {"gru": model}, None, held)
    assert list(table["token"]) == ["word", "character"]
    assert table["perplexity (per token)"][1] == pytest.approx(math.exp(float(ce)), rel=1e-5)


def test_tiny_gpt_perplexity_equals_hf_loss():
    from core.text.lm.load import load_causal_lm

    model, tok, _ = load_causal_lm("gpt-tiny", "offline")
    text = " ".join(generate(CorpusConfig(n_docs=4, seed=6)))
    ids = tok(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        loss = model(input_ids=ids, labels=ids).loss  # HF's own shifted cross-entropy
    assert perplexity.perplexity(perplexity.causal_lm_nll(model, tok, text)) == pytest.approx(math.exp(float(loss)), rel=1e-4)


def test_quotes_flags_and_tracking_unit():
    assert char_lm.inside_quotes('a "b" c') == [False, False, True, True, True, False, False]
    vals = torch.randn(7, 4)
    vals[:, 2] = torch.tensor([0, 0, 1, 1, 1, 0, 0.1])
    unit, r = char_lm.tracking_unit(vals, char_lm.inside_quotes('a "b" c'))
    assert unit == 2 and r == pytest.approx(np.corrcoef(vals[:, 2].numpy(), [0, 0, 1, 1, 1, 0, 0])[0, 1], rel=1e-6)
    assert quoted(["The cat sat. The dog ran."], share=1.0) == '"THE CAT SAT." "THE DOG RAN."'


def test_training_without_clipping_may_diverge_but_never_crashes():
    text = " ".join(generate(CorpusConfig(n_docs=200, seed=7)))
    cfg = char_lm.CharLMConfig(kind="rnn", hidden=16, steps=6, seq_len=16, batch=8, lr=1e38, optimizer="sgd", clip=None)
    events = [e for e in char_lm.train_char_lm(text, cfg) if isinstance(e, char_lm.TrainEvent)]
    assert events[-1].diverged and events[-1].loss == float("inf") and len(events) < 6  # stopped, no exception
    assert all(e.clipped_norm == pytest.approx(e.grad_norm) for e in events[:-1])  # no clipping: untouched
    clipped = [e for e in char_lm.train_char_lm(text, char_lm.CharLMConfig(kind="rnn", hidden=16, steps=4, seq_len=16,
                                                                           batch=8, clip=0.5))
               if isinstance(e, char_lm.TrainEvent)]
    assert all(e.clipped_norm <= 0.5 + 1e-4 for e in clipped)
    race = list(char_lm.train_race(text, ("rnn", "lstm"), char_lm.CharLMConfig(hidden=8, steps=2, seq_len=8, batch=4)))
    assert [(e.kind, e.step) for e in race] == [("rnn", 1), ("lstm", 1), ("rnn", 2), ("lstm", 2)]


def test_explicit_cells_train_the_same_as_torch():
    text = " ".join(generate(CorpusConfig(n_docs=50, seed=8)))
    cfgs = [char_lm.CharLMConfig(kind="lstm", hidden=8, steps=3, seq_len=8, batch=4, explicit=e) for e in (False, True)]
    a, b = ([e.loss for e in char_lm.train_char_lm(text, c, seed=1) if isinstance(e, char_lm.TrainEvent)] for c in cfgs)
    assert a == pytest.approx(b, rel=1e-4)
