"""BERT's pre-training pieces: the 15% / 80-10-10 recipe over many draws, NSP pairs 50/50, and the
three input embeddings summed and normalised equal to the real model's own embedding module."""
import pytest
import torch

from core.text.bert.mlm import IGNORE, MlmConfig, mlm_mask
from core.text.bert.nsp import nsp_pairs, split_sentences

MASK_ID = 4


def _batch(B=400, T=120, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(10, 1000, (B, T), generator=g)
    maskable = torch.ones(B, T, dtype=torch.bool)
    maskable[:, 0] = maskable[:, -1] = False  # [CLS], [SEP]
    maskable[: B // 2, -20:] = False  # padding in half the rows
    return ids, maskable


def test_recipe_proportions_over_many_draws():
    ids, maskable = _batch()
    pool = torch.arange(10, 1000)
    m = mlm_mask(ids, maskable, MASK_ID, pool, torch.Generator().manual_seed(1))
    chosen = m.chosen
    frac = chosen.sum() / maskable.sum()
    assert abs(frac - 0.15) < 0.003  # exact per row up to rounding
    n = chosen.sum().float()
    assert abs((m.action == 1).sum() / n - 0.8) < 0.02
    assert abs((m.action == 2).sum() / n - 0.1) < 0.015
    assert abs((m.action == 3).sum() / n - 0.1) < 0.015
    assert not chosen[~maskable].any()  # specials and padding are never chosen


def test_recipe_outputs_are_consistent():
    ids, maskable = _batch(B=50)
    m = mlm_mask(ids, maskable, MASK_ID, torch.arange(10, 1000), torch.Generator().manual_seed(2))
    assert torch.equal(m.labels[m.chosen], ids[m.chosen]) and (m.labels[~m.chosen] == IGNORE).all()
    assert (m.input_ids[m.action == 1] == MASK_ID).all()
    assert torch.equal(m.input_ids[m.action == 3], ids[m.action == 3])  # chosen, unchanged
    assert torch.equal(m.input_ids[~m.chosen], ids[~m.chosen])
    per_row = m.chosen.sum(1)
    assert torch.equal(per_row, (maskable.sum(1).float() * 0.15).round().long())


def test_recipe_is_seeded_and_short_sentences_get_one():
    ids, maskable = _batch(B=4, T=10)
    a = mlm_mask(ids, maskable, MASK_ID, torch.arange(10, 20), torch.Generator().manual_seed(5))
    b = mlm_mask(ids, maskable, MASK_ID, torch.arange(10, 20), torch.Generator().manual_seed(5))
    assert torch.equal(a.input_ids, b.input_ids) and torch.equal(a.action, b.action)
    one = mlm_mask(torch.tensor([2, 50, 60, 3]), torch.tensor([False, True, True, False]), MASK_ID,
                   torch.arange(10, 20), torch.Generator().manual_seed(0), MlmConfig())
    assert int(one.chosen.sum()) == 1  # round(0.3) = 0, but every sentence gets at least one


def test_nsp_pairs_are_half_real_half_random():
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    sents = split_sentences(text)
    assert len(sents) == 12
    real = total = 0
    for seed in range(200):
        for p in nsp_pairs(text, torch.Generator().manual_seed(seed)):
            i = sents.index(p.a)
            assert p.is_next == (p.b == sents[i + 1])
            real += p.is_next
            total += 1
    assert abs(real / total - 0.5) < 0.03


def test_nsp_uses_the_pool_when_the_text_is_short():
    pairs = [p for s in range(40) for p in nsp_pairs("One. Two.", torch.Generator().manual_seed(s), ["Far away."])]
    assert {p.source for p in pairs} == {"next sentence", "the corpus"}
    assert nsp_pairs("Just one sentence.", torch.Generator()) == []


def test_embeddings_sum_equals_the_real_models_module():
    from core.text.bert.models import load_embedding_model
    from core.text.bert.view import embedding_view

    enc, tok, res = load_embedding_model("offline")  # the packaged MiniLM: a real BERT encoder
    assert res.source.kind == "packaged"
    v = embedding_view(enc, tok, "The cat sat on the mat.", "It was happy.")
    assert v.check_err < 1e-5
    assert v.tokens[0] == "[CLS]" and v.segments[0] == 0 and v.segments[-1] == 1
    assert v.token_vec.shape == v.position_vec.shape == v.segment_vec.shape == (len(v.tokens), 384)


def test_mlm_view_on_a_real_tokenizer():
    from transformers import AutoTokenizer

    from core.text.bert.view import mlm_view
    from core.zoo.load import location as source_location
    from core.zoo import get_card

    tok = AutoTokenizer.from_pretrained(source_location(get_card("minilm").sources[0]))
    v = mlm_view(tok, "the quick brown fox jumps over the lazy dog near the old river bank on a warm day", 3, 512)
    assert v.actions[0] == "" and v.actions[-1] == ""  # [CLS], [SEP]
    assert sum(a != "" for a in v.actions) == round(0.15 * (len(v.tokens) - 2))
    for t, s, a in zip(v.tokens, v.seen, v.actions):
        assert (s == "[MASK]") == (a == "mask") or a == "random" and s == "[MASK]"
        if a in ("", "keep"):
            assert s == t
        if a == "random":
            assert not s.startswith("[")  # a real word, never a special or [unused] token


LONG = ("The cat sat on the mat and looked out of the window at the birds in the garden, while the dog slept by "
        "the fire and Tom read a long book about ships, trains and planes that went all the way around the world.")


@pytest.fixture(scope="module")
def bundled_mlm():
    from core.text.bert.models import load_mlm

    model, tok, res, has_nsp = load_mlm("offline")
    assert res.source.kind == "bundled" and has_nsp
    return model, tok


def test_long_text_is_cut_to_the_models_positions(bundled_mlm):
    """221 characters (64 tokens) used to crash the 48-position model; now every view cuts to 48,
    and the cut input is exactly the tokenizer's own truncation (the reference)."""
    from core.text.bert.nsp import NspPair
    from core.text.bert.view import fill_recipe, fill_typed_masks, max_positions, mlm_view, nsp_scores

    model, tok = bundled_mlm
    L = max_positions(model)
    assert L == model.config.max_position_embeddings == 48 and len(LONG) > 200
    full = tok(LONG)["input_ids"]
    assert len(full) > L
    v = mlm_view(tok, LONG, 0, L)
    assert len(v.tokens) == L and v.cut == len(full) - L
    assert tok.convert_tokens_to_ids(v.tokens) == full[: L - 1] + [tok.sep_token_id]
    preds = fill_recipe(model, tok, v)
    assert len(preds) == round(0.15 * (L - 2)) and all(abs(sum(q for _, q in p.candidates)) <= 1 + 1e-6 for p in preds)
    typed = fill_typed_masks(model, tok, LONG + " The cat sat on the [MASK].")
    assert typed == []  # the [MASK] lay beyond position 48: cut, so nothing to fill (and no crash)
    assert len(fill_typed_masks(model, tok, "The cat sat on the [mask]. " + LONG)) == 1
    scores = nsp_scores(model, tok, [NspPair(LONG, LONG, True, "x"), NspPair("The dog barks.", "It is cold.", False, "y")])
    assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)


def test_long_pair_embeddings_are_cut_to_the_encoders_positions():
    from transformers import BertConfig, BertModel

    from core.text.bert.view import embedding_view

    tok = _minilm_tokenizer()
    g = torch.Generator().manual_seed(0)
    enc = BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=32, max_position_embeddings=24)).eval()
    with torch.no_grad():
        for p in enc.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    v = embedding_view(enc, tok, LONG, "It was happy.")
    assert len(v.tokens) == 24 and v.cut > 0 and v.check_err < 1e-5 and v.segments[-1] == 1


def _minilm_tokenizer():
    from transformers import AutoTokenizer

    from core.zoo import get_card
    from core.zoo.load import location

    return AutoTokenizer.from_pretrained(location(get_card("minilm").sources[0]))


def test_recipe_tally_over_many_draws_is_80_10_10(bundled_mlm):
    """The page's tally: over 2000 draws of one text the chosen tokens split 80/10/10 (within
    four binomial standard deviations), and every draw chooses round(15%) of the maskable tokens."""
    from core.text.bert.view import recipe_tally

    _, tok = bundled_mlm
    text = "The cat sat on the mat. The cat likes to eat fish. It was a sunny day."
    k = round(0.15 * (len(tok(text)["input_ids"]) - 2))
    t = recipe_tally(tok, text, 0, 48, draws=2000)
    n = sum(t.values())
    assert n == 2000 * k
    for name, p in (("mask", 0.8), ("random", 0.1), ("keep", 0.1)):
        assert abs(t[name] / n - p) < 4 * (p * (1 - p) / n) ** 0.5, (name, t)
    assert recipe_tally(tok, text, 0, 48, draws=2000) == t and recipe_tally(tok, text, 1, 48, draws=2000) != t
