"""analyze(): every view of the page from one batched forward, checked against plain calls."""
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from core.text.attention.capture import Variant, ablation_kls, capture, softmax_t
from core.text.attention.view import LabConfig, analyze, next_token, sample_token
from core.text.attention.mlp import param_split


class WordTokenizer:
    """Whitespace 'tokenizer' over a fixed vocabulary (no downloads)."""

    vocab = "<unk> the cat sat on mat dog ran to park a".split()

    def __call__(self, text, return_tensors=None):
        ids = [self.vocab.index(w) if w in self.vocab else 0 for w in text.lower().split()]
        return {"input_ids": torch.tensor([ids]) if return_tensors else ids}

    def decode(self, ids):
        return "".join(" " + self.vocab[int(i) % len(self.vocab)] for i in ids)

    def batch_decode(self, seqs):
        return [self.decode(s) for s in seqs]


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=11, n_positions=16, n_embd=32, n_layer=2, n_head=4, bos_token_id=0,
                                      eos_token_id=0, attn_implementation="eager")).eval()


TEXT = "the cat sat on the"


def test_analyze_matches_plain_forward(gpt):
    tok = WordTokenizer()
    res = analyze(gpt, tok, TEXT, LabConfig(layer=1, head=2, temperature=0.7, top_k=5))
    with torch.no_grad():
        logits = gpt(input_ids=tok(TEXT, return_tensors="pt")["input_ids"]).logits[0, -1]
    p = torch.softmax(logits / 0.7, -1)
    assert res.next.ids == p.topk(5).indices.tolist()
    assert res.next.probs == pytest.approx(p.topk(5).values.tolist(), abs=1e-6)
    assert res.next.greedy == int(logits.argmax())
    assert res.token == 4 and res.masked is None and res.ablation is None
    torch.testing.assert_close(res.steps.A, res.trace.weights[1, 2], atol=1e-5, rtol=0)
    torch.testing.assert_close(res.row_t, softmax_t(res.steps.masked[4], 0.7))
    assert sum(res.split.values()) == sum(q.numel() for q in gpt.parameters()) == sum(param_split(gpt).values())


def test_mask_off_and_ablation_rows(gpt):
    tok = WordTokenizer()
    res = analyze(gpt, tok, TEXT, LabConfig(layer=0, head=1, causal=False, ablate=True))
    on = analyze(gpt, tok, TEXT, LabConfig(layer=0, head=1))
    torch.testing.assert_close(res.masked.weights, on.trace.weights)  # the comparison run is the masked one
    assert res.next_masked.ids == on.next.ids
    assert not torch.allclose(res.trace.weights, on.trace.weights)
    off = capture(gpt, tok, TEXT, [Variant(causal=False)])[0]
    kl = ablation_kls(gpt, off.ids, False, [(0, 1)], off.logits)[(0, 1)]
    assert res.ablation == pytest.approx(kl, abs=1e-6) and kl > 0


def test_sampling_is_seeded_and_greedy_at_zero(gpt):
    logits = torch.tensor([0.1, 2.0, 1.9, -1.0])
    assert sample_token(logits, 0.0, torch.Generator().manual_seed(0)) == 1
    a = [sample_token(logits, 1.5, torch.Generator().manual_seed(s)) for s in range(20)]
    b = [sample_token(logits, 1.5, torch.Generator().manual_seed(s)) for s in range(20)]
    assert a == b and len(set(a)) > 1
    nt = next_token(WordTokenizer(), logits, 0.0, 2)
    assert nt.probs == [1.0, 0.0] and nt.ids == [1, 2]  # one-hot on the argmax, then the runner-up (not id order)


def test_mask_contrast_is_always_computed_and_leaks_are_the_upper_triangle(gpt):
    from core.text.attention.view import leak_shares, temperature_rows

    tok = WordTokenizer()
    on = analyze(gpt, tok, TEXT, LabConfig(layer=1, head=0))
    off = capture(gpt, tok, TEXT, [Variant(causal=False)])[0]
    torch.testing.assert_close(on.unmasked.weights, off.weights)  # the unmasked run, beside the masked one
    W = off.weights[1, 0]  # [T, T]
    want = torch.tensor([float(W[i, i + 1:].sum()) for i in range(W.shape[0])])
    torch.testing.assert_close(leak_shares(W), want)
    assert float(leak_shares(on.trace.weights[1, 0]).abs().max()) < 1e-7 and float(want[:-1].min()) > 0
    scores = on.steps.masked[2]
    rows = temperature_rows(scores, [0.3, 1.0, 2.0])
    for t, w, h in rows:
        p = torch.softmax(scores / t, -1)
        torch.testing.assert_close(w, p)
        assert h == pytest.approx(float(-(p[p > 0] * p[p > 0].log2()).sum()), abs=1e-5)
    assert rows[0][2] < rows[1][2] < rows[2][2]


def test_head_importance_is_the_largest_ablation_applied(gpt):
    from core.text.attention.view import head_importance

    tok = WordTokenizer()
    hi = head_importance(gpt, tok, TEXT)
    base = capture(gpt, tok, TEXT, [Variant(causal=True)])[0]
    kls = ablation_kls(gpt, base.ids, True, [(l, h) for l in range(2) for h in range(4)], base.logits)
    assert hi.kl.shape == (2, 4) and hi.top == max(kls, key=kls.get)
    ref = capture(gpt, tok, TEXT, [Variant(causal=True, ablate=hi.top)])[0].logits
    assert hi.next_without_top.ids == torch.argsort(ref, descending=True, stable=True)[:5].tolist()
