"""Cost of context measured on a model, word-vector geometry, and the near-orthogonal count, against brute force."""
import itertools
import math

import numpy as np
import pytest
import torch
from sklearn.metrics.pairwise import cosine_similarity

from core.text.attention import context_cost, directions
from core.text.attention.view import model_label, next_token


@pytest.fixture(scope="module")
def gpt_tiny():
    from core.text.lm.load import load_causal_lm

    return load_causal_lm("gpt-tiny", "offline")[:2]


def test_context_cost_measures_quadratic_attention_and_linear_mlp(gpt_tiny):
    model, _ = gpt_tiny
    rows = context_cost.measure(model, [16, 32, 64])
    att = {r["T"]: r for r in rows if r["part"] == "attention"}
    mlp = {r["T"]: r for r in rows if r["part"] == "MLP"}
    c = model.config
    for T in (16, 32, 64):  # measured bytes == the shapes' count: L·H·T·T and L·T·F float32 numbers
        assert att[T]["memory (MB)"] * 2**20 == c.n_layer * c.n_head * T * T * 4
        assert mlp[T]["memory (MB)"] * 2**20 == c.n_layer * T * (c.n_inner or 4 * c.n_embd) * 4
    assert att[64]["GFLOPs"] / att[32]["GFLOPs"] == pytest.approx(4) and mlp[64]["GFLOPs"] / mlp[32]["GFLOPs"] == pytest.approx(2)
    assert context_cost.lengths_for(256) == [16, 32, 64, 128, 256]


def test_near_orthogonal_count_against_brute_force_angles():
    for dims, eps in ((8, 20.0), (16, 30.0)):
        r = directions.count_near_orthogonal(dims, eps, tries=800, seed=1)
        n = len(r.kept)
        angles = [math.degrees(math.acos(np.clip(r.kept[i] @ r.kept[j], -1, 1)))
                  for i, j in itertools.combinations(range(n), 2)]
        assert all(abs(a - 90) <= eps + 1e-9 for a in angles)  # every kept pair within 90° ± ε
        # and greedy: every rejected candidate broke the rule with some vector kept before it
        X = np.random.default_rng(1).standard_normal((800, dims))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        kept = []
        for x in X:
            if all(abs(90 - math.degrees(math.acos(np.clip(k @ x, -1, 1)))) <= eps for k in kept):
                kept.append(x)
        assert len(kept) == n
        assert n > dims  # more than N directions fit
    ang = directions.pairwise_angles_deg(np.eye(3))
    assert ang.tolist() == [90.0, 90.0, 90.0]


def test_neighbours_and_analogy_against_sklearn_cosines():
    rng = np.random.default_rng(0)
    words = ["a", "b", "c", "d", "e", "f"]
    V = torch.tensor(rng.standard_normal((6, 5)))
    ref = cosine_similarity(V.numpy())
    nb = directions.neighbours(words, V, "c", k=3)
    order = [j for j in np.argsort(-ref[2]) if j != 2][:3]
    assert [w for w, _ in nb] == [words[j] for j in order]
    assert [s for _, s in nb] == pytest.approx([ref[2, j] for j in order])
    U = V.numpy() / np.linalg.norm(V.numpy(), axis=1, keepdims=True)
    q = U[0] - U[1] + U[2]
    cos = cosine_similarity(q[None], V.numpy())[0]
    best = max((j for j in range(6) if j not in (0, 1, 2)), key=lambda j: cos[j])
    assert directions.analogy(words, V, "a", "b", "c", k=1)[0] == (words[best], pytest.approx(cos[best]))


def test_minilm_directions_carry_meaning():
    from core.text.lm.load import load_encoder

    model, tok, _ = load_encoder("minilm", "offline")
    words = ["king", "queen", "man", "woman", "cat", "cats", "dog", "dogs", "Paris", "France", "Rome", "Italy", "bird"]
    V = directions.encoder_word_vectors(model, tok, words)
    assert directions.analogy(words, V, "king", "man", "woman", k=1)[0][0] == "queen"
    assert directions.analogy(words, V, "dogs", "dog", "cat", k=1)[0][0] == "cats"
    assert directions.analogy(words, V, "Paris", "France", "Italy", k=1)[0][0] == "Rome"


def test_temperature_zero_is_one_hot_on_the_argmax_in_the_models_order():
    class Tok:
        def decode(self, ids):
            return str(ids[0])

        def batch_decode(self, ids):
            return [str(i[0]) for i in ids]

        def convert_ids_to_tokens(self, i):
            return str(i)

    logits = torch.tensor([0.3, 2.0, -1.0, 1.5, 1.9])
    nt = next_token(Tok(), logits, 0.0, 4)
    assert nt.ids == [1, 4, 3, 0] and nt.probs == [1.0, 0.0, 0.0, 0.0]
    assert next_token(Tok(), logits, 0.5, 4).ids == nt.ids  # temperature never changes the order


def test_fallback_is_named_in_the_selector():
    assert "stands in" in model_label("gpt2", "gpt2 (pretrained, 124M)", "offline")
    assert model_label("gpt-tiny", "gpt-tiny", "offline") == "gpt-tiny"


def test_layer_flops_measured_past_the_context_cross_at_the_mlp_width(gpt_tiny):
    """FlopCounterMode on one layer of gpt-tiny's shapes, run past its 256 positions: attention's
    QKᵀ and A·V count 4·T²·D, the MLP 4·T·D·F (the hand count), and they cross at T = F."""
    model, _ = gpt_tiny
    D, H, F = model.config.n_embd, model.config.n_head, model.config.n_inner or 4 * model.config.n_embd
    lengths = context_cost.extended_lengths(F, model.config.n_positions)
    assert max(lengths) == 4 * F > model.config.n_positions and model.config.n_positions in lengths
    rows = context_cost.layer_flops(D, H, F, lengths)
    for r in rows:
        T = r["T"]
        want = 4 * T * T * D if r["part"].startswith("attention") else 4 * T * D * F
        assert r["GFLOPs per layer"] * 1e9 == pytest.approx(want)
    assert context_cost.crossover(rows) == pytest.approx(F, rel=1e-6)
    assert context_cost.crossover([r for r in rows if r["T"] < F]) is None


def test_difference_scores_keep_each_feature_to_its_own_pairs():
    rng = np.random.default_rng(3)
    words = ["a1", "b1", "a2", "b2", "a3", "b3", "c1", "d1", "c2", "d2", "c3", "d3"]
    V = torch.tensor(rng.standard_normal((12, 6)))
    feats = {"f": [("a1", "b1"), ("a2", "b2"), ("a3", "b3")], "g": [("c1", "d1"), ("c2", "d2"), ("c3", "d3"), ("x", "y")]}
    rows = directions.difference_scores(words, V, feats)
    assert [r["feature"] for r in rows] == ["f"] * 3 + ["g"] * 3  # the pair with unknown words is skipped
    U = V.numpy() / np.linalg.norm(V.numpy(), axis=1, keepdims=True)
    d = {w: i for i, w in enumerate(words)}
    diff = lambda a, b: U[d[b]] - U[d[a]]
    own = (diff("a2", "b2") + diff("a3", "b3")) / 2  # leave-one-out inside feature f only
    other = np.mean([diff("c1", "d1"), diff("c2", "d2"), diff("c3", "d3")], axis=0)
    x = diff("a1", "b1")
    assert rows[0]["cosine with its own feature's other pairs"] == pytest.approx(cosine_similarity([x], [own])[0, 0])
    assert rows[0]["cosine with the other feature's pairs"] == pytest.approx(cosine_similarity([x], [other])[0, 0])


def test_minilm_gender_and_plural_are_each_their_own_direction():
    from core.text.lm.load import load_encoder

    model, tok, _ = load_encoder("minilm", "offline")
    words = sorted({w for ps in directions.FEATURES.values() for p in ps for w in p})
    V = directions.encoder_word_vectors(model, tok, words)
    rows = directions.difference_scores(words, V, directions.FEATURES)
    for f in directions.FEATURES:
        own = np.mean([r["cosine with its own feature's other pairs"] for r in rows if r["feature"] == f])
        other = np.mean([r["cosine with the other feature's pairs"] for r in rows if r["feature"] == f])
        assert own > 0.3 and own > other + 0.2, (f, own, other)


def test_the_offered_epsilons_pass_n_and_the_blocked_greedy_equals_the_plain_one():
    rows = directions.near_orthogonal_rows(20.0, seed=0)
    assert directions.beats_dimensions(rows) is not None and directions.beats_dimensions(rows) <= 16
    assert directions.beats_dimensions(directions.near_orthogonal_rows(5.0, seed=0)) is None  # the trade-off
    X = np.random.default_rng(4).standard_normal((700, 12))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    kept = []
    for x in X:  # the plain one-at-a-time greedy
        if not kept or np.abs(np.array(kept) @ x).max() <= math.sin(math.radians(30)):
            kept.append(x)
    np.testing.assert_allclose(directions.count_near_orthogonal(12, 30.0, tries=700, seed=4).kept, np.array(kept))
