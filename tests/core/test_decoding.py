"""Our traced beam search / greedy / sampling against Hugging Face `generate` on tiny random models."""
import pytest
import torch
from transformers import GenerationConfig, GPT2Config, GPT2LMHeadModel, MarianConfig, MarianMTModel

from core.text.decoding.search import DecodeConfig, HFStepper, beam_search, greedy, length_norm, sample

EOS, PAD = 1, 0


class IntTok:
    """A stand-in tokenizer: "3 4 5" -> ids [3, 4, 5] (tiny random models have no real vocab)."""

    def __call__(self, text, return_tensors=None):
        return {"input_ids": torch.tensor([[int(x) for x in text.split()]])}

    def convert_ids_to_tokens(self, i):
        return str(i)

    def decode(self, ids, skip_special_tokens=True):
        return " ".join(map(str, ids))


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=20, n_embd=32, n_layer=2, n_head=2, n_positions=64, bos_token_id=0,
                     eos_token_id=EOS, attn_implementation="eager")
    m = GPT2LMHeadModel(cfg).eval()
    # Sharpen the tiny random model and lift EOS (a bias along its embedding), so beams finish at
    # different lengths and the length penalty has finished hypotheses to re-rank.
    with torch.no_grad():
        m.lm_head.weight.mul_(4.0)
        w = m.transformer.wte.weight[EOS]
        m.transformer.ln_f.bias.copy_(2.5 * w / w.norm() ** 2)
    m.generation_config = GenerationConfig(eos_token_id=EOS, pad_token_id=EOS, bos_token_id=0)
    return m


@pytest.fixture(scope="module")
def marian():
    torch.manual_seed(1)
    cfg = MarianConfig(vocab_size=30, decoder_vocab_size=30, d_model=32, encoder_layers=1, decoder_layers=2,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                       max_position_embeddings=64, pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD,
                       forced_eos_token_id=None, attn_implementation="eager")
    m = MarianMTModel(cfg).eval()
    with torch.no_grad():
        m.model.shared.weight.mul_(6.0)
        m.final_logits_bias[0, EOS] = 1.7
    m.generation_config = GenerationConfig(eos_token_id=EOS, pad_token_id=PAD, decoder_start_token_id=PAD)
    return m


def hf_beam(model, text, k, alpha, max_new, early_stopping=False):
    ids = IntTok()(text)["input_ids"]
    out = model.generate(ids, num_beams=k, num_return_sequences=k, length_penalty=alpha, do_sample=False,
                         max_new_tokens=max_new, early_stopping=early_stopping, output_scores=True,
                         return_dict_in_generate=True)
    start = ids.shape[1] if not model.config.is_encoder_decoder else 1
    return out.sequences[:, start:], out.sequences_scores


def same_tokens(ours: list[int], theirs: torch.Tensor, fill: int) -> bool:
    theirs = theirs.tolist()
    return theirs[:len(ours)] == ours and all(t == fill for t in theirs[len(ours):])


PROMPTS = ["3 4 5", "7 9", "12 2 13 8"]


@pytest.mark.parametrize("k", [2, 4, 8])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 2.0, -1.0])
def test_beam_matches_generate_gpt2(gpt, k, alpha):
    for text in PROMPTS[:2]:
        tr = beam_search(HFStepper(gpt, IntTok(), text), DecodeConfig(max_new_tokens=9, num_beams=k, alpha=alpha))
        seqs, scores = hf_beam(gpt, text, k, alpha, 9)
        assert len(tr.hypotheses) == k
        for h, s, sc in zip(tr.hypotheses, seqs, scores):
            assert same_tokens(h.tokens, s, fill=EOS), (text, h.tokens, s)
            assert h.norm_score == pytest.approx(float(sc), abs=1e-4)


@pytest.mark.parametrize("k", [2, 4, 8])
@pytest.mark.parametrize("alpha", [0.0, 1.5])
def test_beam_matches_generate_marian(marian, k, alpha):
    for text in ["5 6 7 8 1", "4 4 11 20 13 1"]:
        tr = beam_search(HFStepper(marian, IntTok(), text), DecodeConfig(max_new_tokens=8, num_beams=k, alpha=alpha))
        seqs, scores = hf_beam(marian, text, k, alpha, 8)
        assert [h.norm_score for h in tr.hypotheses] == pytest.approx(scores.tolist(), abs=1e-4)
        # HF fills finished beams with `pad_token_id or eos`: PAD is 0, so EOS it is
        assert same_tokens(tr.best.tokens, seqs[0], fill=EOS)


@pytest.mark.parametrize("early", [True, "never"])
def test_early_stopping_modes_match(gpt, early):
    for text in PROMPTS[:2]:
        for alpha in (0.5, 1.5):
            cfg = DecodeConfig(max_new_tokens=8, num_beams=3, alpha=alpha, early_stopping=early)
            tr = beam_search(HFStepper(gpt, IntTok(), text), cfg)
            seqs, scores = hf_beam(gpt, text, 3, alpha, 8, early_stopping=early)
            assert [h.norm_score for h in tr.hypotheses] == pytest.approx(scores.tolist(), abs=1e-4)


def test_found_finished_beams_of_different_lengths(gpt, marian):
    """The comparisons above only mean something if beams end at different steps (EOS is reachable)."""
    for model, texts in [(gpt, PROMPTS), (marian, ["5 6 7 8 1", "4 4 11 20 13 1"])]:
        lengths = set()
        for text in texts:
            tr = beam_search(HFStepper(model, IntTok(), text), DecodeConfig(max_new_tokens=8, num_beams=4, alpha=1.0))
            lengths |= {len(h.tokens) for h in tr.hypotheses}
        assert len(lengths) >= 3


def test_k1_is_greedy_and_matches_generate(gpt, marian):
    for model, text, fill in [(gpt, "3 4 5", EOS), (gpt, "7 9", EOS), (marian, "5 6 7 1", PAD)]:
        cfg = DecodeConfig(max_new_tokens=10, num_beams=1)
        g = greedy(HFStepper(model, IntTok(), text), cfg)
        b = beam_search(HFStepper(model, IntTok(), text), cfg)
        assert g.best.tokens == b.best.tokens
        ids = IntTok()(text)["input_ids"]
        out = model.generate(ids, num_beams=1, do_sample=False, max_new_tokens=10)
        start = 1 if model.config.is_encoder_decoder else ids.shape[1]
        assert same_tokens(g.best.tokens, out[0, start:], fill)
        # the greedy score is the sum of the chosen tokens' log-probs
        assert g.best.score == pytest.approx(sum(s.candidates[0].logprob for s in g.steps), abs=1e-5)


def test_trace_is_consistent(gpt):
    k = 4
    tr = beam_search(HFStepper(gpt, IntTok(), "12 2 13 8"), DecodeConfig(max_new_tokens=9, num_beams=k, alpha=1.0))
    prev_scores = {b: 0.0 for b in range(k)}  # root rows
    for t, st in enumerate(tr.steps):
        assert len(st.candidates) == 2 * k
        kept = [c for c in st.candidates if c.status == "kept"]
        assert len(kept) <= k and sorted(c.beam for c in kept) == list(range(len(kept)))
        for c in st.candidates:
            assert c.status in {"kept", "pruned", "finished"}
            assert c.parent in prev_scores  # the parent row existed at the previous step
            if c.score > -1e8:
                assert c.score == pytest.approx(prev_scores[c.parent] + c.logprob, abs=1e-4)
        if t == 0:
            assert all(c.parent == 0 for c in st.candidates)  # only the first of k identical rows expands
        prev_scores = {c.beam: c.score for c in kept}
    for h in tr.hypotheses:  # each hypothesis's score is the sum of the log-probs along its path
        path = tr.path(h.step, h.index)
        assert [tr.steps[s].candidates[i].token for s, i in path] == h.tokens
        assert h.score == pytest.approx(sum(tr.steps[s].candidates[i].logprob for s, i in path), abs=1e-4)
        assert h.norm_score == pytest.approx(h.score / length_norm(len(h.tokens), 1.0, "hf"), abs=1e-5)
        assert tr.steps[h.step].candidates[h.index].status == "finished" or h.step == len(tr.steps) - 1


def test_cross_attention_rows_are_distributions(marian):
    tr = beam_search(HFStepper(marian, IntTok(), "5 6 7 8 1", attention=True), DecodeConfig(max_new_tokens=6, num_beams=3))
    att = tr.attention_of(tr.best)
    assert att.shape == (len(tr.best.tokens), 5)
    assert torch.allclose(att.sum(-1), torch.ones(att.shape[0]), atol=1e-5)
    # reference: teacher-forced forward over the best output gives the same last-layer cross-attention
    dec_in = torch.tensor([[PAD] + tr.best.tokens[:-1]])
    out = marian(input_ids=torch.tensor([[5, 6, 7, 8, 1]]), decoder_input_ids=dec_in, output_attentions=True)
    ref = out.cross_attentions[-1][0].mean(0)  # [T, S]
    assert torch.allclose(att, ref, atol=1e-5)


def test_length_penalty_forms_and_direction():
    assert length_norm(7, 1.0, "hf") == 7.0
    assert length_norm(7, 0.5, "notes") == pytest.approx(12 ** 0.5)
    assert length_norm(1, 3.0, "gnmt") == pytest.approx(1.0)  # GNMT is 1 at length 1
    for form in ("hf", "notes", "gnmt"):
        short, long_ = -2.0 / length_norm(3, 1.0, form), -2.0 / length_norm(9, 1.0, form)
        assert long_ > short  # alpha > 0: the same log-prob looks better when longer
        assert -2.0 / length_norm(9, -1.0, form) < -2.0 / length_norm(3, -1.0, form)  # alpha < 0: shorter wins
        assert length_norm(9, 0.0, form) == 1.0


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("temperature,top_k,top_p", [(1.0, 0, 1.0), (0.7, 5, 1.0), (1.3, 0, 0.8), (1.0, 10, 0.6)])
def test_sampling_with_seed_matches_generate(gpt, seed, temperature, top_k, top_p):
    text = "3 4 5"
    cfg = DecodeConfig(max_new_tokens=8, temperature=temperature, top_k=top_k, top_p=top_p)
    torch.manual_seed(seed)
    ours = sample(HFStepper(gpt, IntTok(), text), cfg).best.tokens
    torch.manual_seed(seed)
    ids = IntTok()(text)["input_ids"]
    out = gpt.generate(ids, do_sample=True, temperature=temperature, top_k=top_k or None, top_p=top_p,
                       max_new_tokens=8, num_beams=1)
    assert same_tokens(ours, out[0, ids.shape[1]:], fill=EOS)


@pytest.mark.parametrize("form", ["notes", "gnmt"])
def test_other_penalty_forms_rescore_finished_hypotheses(gpt, form):
    """Same search, other length term: every pool entry is its raw log-prob over lp(len)^α."""
    tr = beam_search(HFStepper(gpt, IntTok(), "3 4 5"), DecodeConfig(max_new_tokens=9, num_beams=4, alpha=1.5, form=form))
    for h in tr.hypotheses:
        assert h.norm_score == pytest.approx(h.score / length_norm(len(h.tokens), 1.5, form), rel=1e-5)
    assert [h.norm_score for h in tr.hypotheses] == sorted((h.norm_score for h in tr.hypotheses), reverse=True)
