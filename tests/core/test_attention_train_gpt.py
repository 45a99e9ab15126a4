"""The bundled GPT's recipe: a deterministic corpus, and a training loop that learns (a few seconds)."""
import math


from core.text.lm.corpus import CorpusConfig, generate
from core.text.lm.train_gpt import TrainConfig, evaluate, setup, train


def test_corpus_is_deterministic_and_varied():
    a, b = generate(CorpusConfig(n_docs=200, seed=3)), generate(CorpusConfig(n_docs=200, seed=3))
    assert a == b and a != generate(CorpusConfig(n_docs=200, seed=4))
    assert len(set(a)) > 150  # templated, but varied
    assert any("The cat sat on the mat." in d for d in generate(CorpusConfig(n_docs=2000)))


def test_training_lowers_validation_perplexity():
    # 40 steps: the engine's one schedule anneals over the steps when they end before the clock
    cfg = TrainConfig(n_layer=1, n_head=2, n_embd=32, n_ctx=32, vocab_size=300, train_docs=300, val_docs=40,
                      batch_size=8, budget_s=60.0, steps=40, eval_every=10**9, warmup_steps=5)
    model, data, g = setup(cfg)
    vocab = len(data.tokenizer)
    before = math.exp(evaluate(model, data.val_ids, cfg.n_ctx))
    events = list(train(cfg, model, data.train_ids, g))
    assert [e.step for e in events] == list(range(1, 41))
    assert events[-1].loss < events[0].loss
    # a uniform guess over the vocabulary has perplexity = vocab size; training must beat it by far
    after = math.exp(evaluate(model, data.val_ids, cfg.n_ctx))
    assert math.isfinite(after) and after < vocab / 4 and after < before
