"""The bundled GPT's recipe: a deterministic corpus, and a training loop that learns (a few seconds)."""
import math


from core.text.corpus import CorpusConfig, generate
from core.text.train_gpt import TrainConfig, train


def test_corpus_is_deterministic_and_varied():
    a, b = generate(CorpusConfig(n_docs=200, seed=3)), generate(CorpusConfig(n_docs=200, seed=3))
    assert a == b and a != generate(CorpusConfig(n_docs=200, seed=4))
    assert len(set(a)) > 150  # templated, but varied
    assert any("The cat sat on the mat." in d for d in generate(CorpusConfig(n_docs=2000)))


def test_training_lowers_validation_perplexity():
    cfg = TrainConfig(n_layer=1, n_head=2, n_embd=32, n_ctx=32, vocab_size=300, train_docs=300, val_docs=40,
                      batch_size=8, budget_s=60.0, max_steps=25, eval_every=10**9, warmup_steps=5)
    events = list(train(cfg))
    data, done = events[0], events[-1]
    assert data["event"] == "data" and done["event"] == "done" and done["steps"] == 25
    steps = [e for e in events if e["event"] == "step"]
    assert steps[-1]["loss"] < steps[0]["loss"]
    # a uniform guess over the vocabulary has perplexity = vocab size; training must beat it by far
    assert math.isfinite(done["val_ppl"]) and done["val_ppl"] < data["vocab"] / 4
