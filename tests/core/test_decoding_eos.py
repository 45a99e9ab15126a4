"""Beam search with more than one end-of-sequence id: HF keeps (1 + number of EOS ids) x k
candidates per step; ours must too, and return what `generate` returns."""
import pytest
import torch
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel

from core.text.decoding.search import DecodeConfig, HFStepper, beam_search
from tests.core.test_decoding import IntTok

EOS_IDS = [1, 2]


@pytest.fixture(scope="module")
def gpt_two_eos():
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=20, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=0,
                     eos_token_id=EOS_IDS, attn_implementation="eager")
    m = GPT2LMHeadModel(cfg).eval()
    with torch.no_grad():  # sharpen, and lift both EOS ids so that many candidates end at every step
        m.lm_head.weight.mul_(4.0)
        w = m.transformer.wte.weight[EOS_IDS].sum(0)
        m.transformer.ln_f.bias.copy_(3.0 * w / w.norm() ** 2)
    m.generation_config = GenerationConfig(eos_token_id=EOS_IDS, pad_token_id=EOS_IDS[0], bos_token_id=0)
    return m


def hf(model, text, k, alpha, max_new):
    ids = IntTok()(text)["input_ids"]
    out = model.generate(ids, num_beams=k, num_return_sequences=k, length_penalty=alpha, do_sample=False,
                         max_new_tokens=max_new, output_scores=True, return_dict_in_generate=True)
    return out.sequences[:, ids.shape[1]:], out.sequences_scores


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_beam_with_two_eos_ids_matches_generate(gpt_two_eos, k, alpha):
    for text in ["3 4 5", "7 9", "12 2 13 8"]:
        tr = beam_search(HFStepper(gpt_two_eos, IntTok(), text), DecodeConfig(max_new_tokens=8, num_beams=k, alpha=alpha))
        seqs, scores = hf(gpt_two_eos, text, k, alpha, 8)
        assert [h.norm_score for h in tr.hypotheses] == pytest.approx(scores.tolist(), abs=1e-4), text
        for h, s in zip(tr.hypotheses, seqs):
            s = s.tolist()
            assert s[:len(h.tokens)] == h.tokens and all(t == EOS_IDS[0] for t in s[len(h.tokens):])
        assert all(len(step.candidates) == 3 * k for step in tr.steps)  # (1 + 2 EOS ids) x k looked at


def test_both_eos_ids_end_hypotheses(gpt_two_eos):
    """The comparison means something only if hypotheses end on each EOS id."""
    ends = set()
    for text in ["3 4 5", "7 9", "12 2 13 8", "5 5", "11 3"]:
        tr = beam_search(HFStepper(gpt_two_eos, IntTok(), text), DecodeConfig(max_new_tokens=8, num_beams=4))
        ends |= {h.tokens[-1] for h in tr.hypotheses}
    assert set(EOS_IDS) <= ends
