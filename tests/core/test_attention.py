"""Attention capture against the model's own output_attentions and against torch's SDPA."""
import math

import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

from core.text.attention.capture import (Variant, ablation_kls, additive_mask, capture, capture_ids, entropy, head_steps,
                                 kl_div, recompute_weights, softmax_t, tokenize)
from core.nn.rollout import rollout

IDS = [3, 17, 5, 42, 8, 8, 29, 1, 11]


class CharTokenizer:
    """A stand-in tokenizer (no downloads): one id per character."""

    def __call__(self, text):
        return {"input_ids": [ord(c) % 50 for c in text]}

    def decode(self, ids):
        return "".join(chr(97 + i % 26) for i in ids)

    def batch_decode(self, seqs):
        return [self.decode(s) for s in seqs]


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=4, bos_token_id=0, eos_token_id=0,
                     attn_implementation="eager")
    return GPT2LMHeadModel(cfg).eval()


@pytest.fixture(scope="module")
def bert():
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                     max_position_embeddings=16, attn_implementation="eager")
    return BertModel(cfg).eval()


@pytest.mark.parametrize("name", ["gpt", "bert"])
def test_capture_matches_output_attentions_and_sdpa(name, request):
    model = request.getfixturevalue(name)
    causal = name == "gpt"
    r = capture_ids(model, IDS, [Variant(causal=causal)])[0]
    with torch.no_grad():  # the model's own call: no hooks, no mask of ours
        ref = model(input_ids=torch.tensor([IDS]), output_attentions=True)
    own = torch.stack(ref.attentions, 1)[0]  # [L, H, T, T]
    torch.testing.assert_close(r["weights"], own, atol=1e-5, rtol=0)
    scaling = 1 / math.sqrt(r["q"].shape[-1])
    # weights from the captured Q and K, independently of the model
    torch.testing.assert_close(recompute_weights(r["q"], r["k"], scaling, causal), own, atol=1e-5, rtol=0)
    # SDPA on the captured Q, K, V gives the per-head context the model fed its out-projection
    sdpa = F.scaled_dot_product_attention(r["q"], r["k"], r["v"], is_causal=causal)
    torch.testing.assert_close(sdpa, r["context"], atol=1e-5, rtol=0)
    torch.testing.assert_close(r["weights"].sum(-1), torch.ones(own.shape[:-1]), atol=1e-5, rtol=0)
    if causal:
        assert r["weights"].triu(1).abs().max() == 0
    else:
        assert r["weights"].triu(1).abs().max() > 0


def test_logits_match_plain_forward(gpt):
    r = capture_ids(gpt, IDS, [Variant(causal=True)])[0]
    with torch.no_grad():
        ref = gpt(input_ids=torch.tensor([IDS])).logits[0, -1]
    torch.testing.assert_close(r["logits"], ref, atol=1e-5, rtol=0)


def test_mask_off_lets_the_future_in_and_moves_the_prediction(gpt):
    on, off = capture_ids(gpt, IDS, [Variant(causal=True), Variant(causal=False)])
    upper = torch.ones(len(IDS), len(IDS), dtype=torch.bool).triu(1)
    assert off["weights"][..., upper].min() > 0  # every token now sees the future
    torch.testing.assert_close(recompute_weights(off["q"], off["k"], 1 / math.sqrt(8), False), off["weights"],
                               atol=1e-5, rtol=0)
    # the first token's first-layer output depends on the future only without the mask
    assert not torch.allclose(on["logits"], off["logits"])
    torch.testing.assert_close(on["weights"][0, :, 0, 0], torch.ones(4))


def test_ablation_zeros_one_head_and_changes_the_output(gpt):
    base, abl = capture_ids(gpt, IDS, [Variant(True), Variant(True, ablate=(1, 2))])
    assert abl["context"][1, 2].abs().max() == 0
    torch.testing.assert_close(abl["context"][1, :2], base["context"][1, :2])
    torch.testing.assert_close(abl["weights"], base["weights"])  # layer 1 is the last: earlier attention unchanged
    kls = ablation_kls(gpt, IDS, True, [(0, 0), (1, 2)], base["logits"])
    assert kls[(1, 2)] == pytest.approx(kl_div(base["logits"], abl["logits"]), abs=1e-6)
    assert all(v > 0 for v in kls.values())


def test_head_steps_recompute_the_real_numbers(gpt):
    tr = capture(gpt, CharTokenizer(), "hello there")[0]
    st = head_steps(gpt, tr, layer=1, head=3)
    assert st.max_err_q < 1e-5
    torch.testing.assert_close(st.A, tr.weights[1, 3], atol=1e-5, rtol=0)
    torch.testing.assert_close(st.Z, tr.context[1, 3], atol=1e-5, rtol=0)
    assert torch.isinf(st.masked.triu(1)[0, 1])
    # the heads' shares plus the out-projection bias make up the attention output
    total = sum(head_steps(gpt, tr, 1, h).head_out for h in range(4)) + gpt.transformer.h[1].attn.c_proj.bias
    torch.testing.assert_close(total, tr.attn_out[1], atol=1e-5, rtol=0)
    # GPT-2 block: residual after attention, then MLP, equals the next hidden state (layer 0 of 2)
    st0 = head_steps(gpt, tr, 0, 0)
    with torch.no_grad():
        blk = gpt.transformer.h[0]
        nxt = st0.resid_out + blk.mlp(blk.ln_2(st0.resid_out))
    torch.testing.assert_close(nxt, tr.hidden[1], atol=1e-5, rtol=0)


def test_bert_head_steps_post_layernorm(bert):
    tr = capture(bert, CharTokenizer(), "abcdef")[0]
    assert not tr.causal and tr.logits is None
    st = head_steps(bert, tr, 0, 1)
    assert st.max_err_q < 1e-5
    torch.testing.assert_close(st.A, tr.weights[0, 1], atol=1e-5, rtol=0)
    lyr = bert.encoder.layer[0]
    with torch.no_grad():
        nxt = lyr.output(lyr.intermediate(st.resid_out), st.resid_out)
    torch.testing.assert_close(nxt, tr.hidden[1], atol=1e-5, rtol=0)


def test_temperature_softmax_matches_torch_and_limits():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(5, 40, generator=g)
    for t in (0.3, 1.0, 2.5):
        torch.testing.assert_close(softmax_t(logits, t), torch.softmax(logits / t, -1))
    torch.testing.assert_close(softmax_t(logits, 0.0), F.one_hot(logits.argmax(-1), 40).float())
    torch.testing.assert_close(softmax_t(logits, 1e-4), F.one_hot(logits.argmax(-1), 40).float())
    # large T flattens towards uniform: entropy rises to log2(V)
    assert entropy(softmax_t(logits, 1e4)).min() > math.log2(40) - 1e-3
    assert entropy(softmax_t(logits, 0.0)).max() == 0
    # a masked attention row keeps zeros at every temperature
    row = torch.tensor([1.0, 2.0, float("-inf")])
    assert softmax_t(row, 5.0)[2] == 0 and softmax_t(row, 0.0).tolist() == [0, 1, 0]


def test_entropy_and_kl_against_scipy():
    from scipy.special import rel_entr
    from scipy.stats import entropy as sp_entropy

    a, b = torch.tensor([0.2, 1.0, -1.0, 3.0]), torch.tensor([1.0, 0.0, 0.5, 0.5])
    p, q = torch.softmax(a, 0), torch.softmax(b, 0)
    assert float(entropy(p)) == pytest.approx(sp_entropy(p.numpy(), base=2), abs=1e-5)
    assert kl_div(a, b) == pytest.approx(rel_entr(p.numpy(), q.numpy()).sum() / math.log(2), abs=1e-5)


def test_rollout_against_numpy_loop():
    import numpy as np

    g = torch.Generator().manual_seed(1)
    w = torch.softmax(torch.randn(3, 2, 5, 5, generator=g) + additive_mask(5, True), -1)
    R = np.eye(5)
    for layer in w.numpy():
        a = 0.5 * np.eye(5) + 0.5 * layer.mean(0)
        R = (a / a.sum(1, keepdims=True)) @ R
    np.testing.assert_allclose(rollout(w).numpy(), R, atol=1e-6)
    torch.testing.assert_close(rollout(w).sum(-1), torch.ones(5))


def test_rollout_causal_blocks_against_numpy_loop():
    """The block-triangular products (T above the leaf size, odd, so the blocks are uneven) and the
    head-averaged input give the plain loop's result."""
    import numpy as np

    g = torch.Generator().manual_seed(2)
    T = 301
    scores = torch.randn(3, 2, T, T, generator=g, dtype=torch.float64)
    w = torch.softmax(scores + additive_mask(T, True, torch.float64), -1)
    R = np.eye(T)
    for layer in w.numpy():
        a = 0.5 * np.eye(T) + 0.5 * layer.mean(0)
        R = (a / a.sum(1, keepdims=True)) @ R
    np.testing.assert_allclose(rollout(w, causal=True).numpy(), R, atol=1e-12)
    np.testing.assert_allclose(rollout(w.mean(1), causal=True).numpy(), R, atol=1e-12)
    assert np.abs(np.triu(R, 1)).max() == 0  # the causal rollout never looks ahead


def test_tokenize_empty_and_truncation():
    tok = CharTokenizer()
    with pytest.raises(ValueError, match="empty"):
        tokenize(tok, "   ", 8, True)
    ids, n, cut = tokenize(tok, "abcdefghij", 4, causal=True)
    assert (n, cut) == (10, True) and ids == tok("ghij")["input_ids"]
    ids, n, cut = tokenize(tok, "abcdefghij", 4, causal=False)
    assert ids == tok("abcj")["input_ids"]


def test_capture_truncates_to_the_context(gpt):
    tr = capture(gpt, CharTokenizer(), "x" * 40)[0]
    assert tr.truncated and tr.n_input_tokens == 40 and tr.shape[2] == 16


def test_concurrent_captures_do_not_mix(gpt):
    """Two sessions share one cached model: their hooks must not record each other's tensors."""
    from concurrent.futures import ThreadPoolExecutor

    prompts = [IDS, IDS[:4], IDS[2:], IDS[:7]]
    want = [capture_ids(gpt, p, [Variant(True)])[0]["q"] for p in prompts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: capture_ids(gpt, p, [Variant(True)])[0]["q"], prompts * 5))
    for i, q in enumerate(got):
        torch.testing.assert_close(q, want[i % 4])
