"""analyze(): every view of the page from one batched forward, checked against plain calls."""
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from core.text.attention import Variant, ablation_kls, capture, softmax_t
from core.text.attention_lab import LabConfig, analyze, next_token, sample_token
from core.text.mlp import param_split


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
