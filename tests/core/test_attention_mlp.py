"""MLP block view and parameter split against the model's own modules and numel()."""
import pytest
import torch
from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

from core.text.attention.capture import Variant, capture_ids
from core.text.attention.mlp import GPT3, gpt3_split, mlp_view, param_split, shape_of, split_from_shape


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=60, n_positions=16, n_embd=32, n_layer=3, n_head=4, bos_token_id=0,
                                      eos_token_id=0, attn_implementation="eager")).eval()


class _Trace:  # mlp_view only needs mlp_pre
    def __init__(self, r):
        self.mlp_pre = r["mlp_pre"]


def test_mlp_view_equals_the_models_mlp(gpt):
    ids = [4, 9, 2, 33, 7]
    r = capture_ids(gpt, ids, [Variant(True)])[0]
    blk = gpt.transformer.h[1]
    with torch.no_grad():
        mid = r["hidden"][1] + r["attn_out"][1]  # residual after attention, [T, D]
        ref = blk.mlp(blk.ln_2(mid))  # [T, D]
    v = mlp_view(gpt, _Trace(r), layer=1, token=3, k=5)
    torch.testing.assert_close(v.out, ref[3], atol=1e-5, rtol=0)
    torch.testing.assert_close(v.act, blk.mlp.act(blk.mlp.c_fc(blk.ln_2(mid)))[3].detach(), atol=1e-5, rtol=0)
    assert v.act[v.top].tolist() == sorted(v.act.tolist(), reverse=True)[:5]
    assert v.pre.shape == (128,)


def test_param_split_adds_up_gpt2(gpt):
    split = param_split(gpt)
    assert sum(split.values()) == sum(p.numel() for p in gpt.parameters())
    assert split == split_from_shape(shape_of(gpt))  # the shape formula agrees with the real model
    assert split["other"] == 0 and split["MLP"] > split["attention"]


def test_param_split_adds_up_bert():
    m = BertModel(BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=64, max_position_embeddings=16))
    split = param_split(m)
    assert sum(split.values()) == sum(p.numel() for p in m.parameters())
    assert split["attention"] == 2 * (4 * (32 * 32 + 32))  # q, k, v, out per layer
    assert split["MLP"] == 2 * (32 * 64 + 64 + 64 * 32 + 32)


def test_gpt3_split_is_175b_and_two_thirds_mlp():
    s = gpt3_split()
    total = sum(s.values())
    assert total == pytest.approx(175e9, rel=0.01)
    assert s["MLP"] / total == pytest.approx(2 / 3, abs=0.01)
    assert GPT3.d_ff == 4 * GPT3.d_model


def test_param_split_cache_is_per_model_and_copied(gpt):
    """param_split is counted once per model: each caller gets its own dict, and another model
    (a different shape) gets its own counts, not the cached ones."""
    first = param_split(gpt)
    first["MLP"] = -1  # a caller editing its copy must not change the cache
    assert param_split(gpt) == split_from_shape(shape_of(gpt))
    other = GPT2LMHeadModel(GPT2Config(vocab_size=60, n_positions=16, n_embd=16, n_layer=1, n_head=2,
                                       attn_implementation="eager"))
    assert sum(param_split(other).values()) == sum(p.numel() for p in other.parameters()) != sum(param_split(gpt).values())
    g3 = gpt3_split()
    g3["MLP"] = 0
    assert gpt3_split()["MLP"] > 0
