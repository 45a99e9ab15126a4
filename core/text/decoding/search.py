"""Decoding, our own and fully traced: greedy, beam search, sampling (temperature, top-k, top-p).

Every step records each candidate the search looked at: its parent beam, token, log-prob,
cumulative score and what became of it (kept / pruned / finished), so a page can replay it.

Beam search follows Hugging Face `generate` (transformers 5) step for step, which is what the
tests check it against: at each step the (1 + number of EOS ids) x k best continuations over all
k beams are taken (at least 2k), enough that k of them can run on even if the others all end;
those ending in EOS *and* ranked in the top k go to the pool of finished hypotheses, scored
`sum log p / len^alpha` (len = generated tokens, EOS included); the k best non-EOS ones run on.
The search stops when the best running beam cannot beat the worst finished one at its current
length (HF's default `early_stopping=False` heuristic), or at max length.
The length penalty only ever touches finished hypotheses: it re-ranks, never prunes.

A model is driven through a *stepper* (see `HFStepper`, `core.text.decoding.seq2seq_model.GRUStepper`):
    stepper.prefix            tokens every hypothesis starts with (decoder start, or a prompt)
    stepper.start(n)          prepare n identical rows
    stepper.next_logits(seqs) seqs [n, t] -> (logits f32[n, V], cross-attention f32[n, S] | None)
    stepper.reorder(rows)     keep rows `rows` (LongTensor[n']) of the cached state, in that order
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from torch.nn import functional as F

NEG = -1.0e9  # HF's "impossible" score
PenaltyForm = Literal["hf", "notes", "gnmt"]
PENALTY_FORMS = {"hf": "score / len^α (Hugging Face)", "notes": "score / (5 + len)^α (the notes)",
                 "gnmt": "score / ((5 + len) / 6)^α (GNMT, Wu et al. 2016)"}


def length_norm(length: int, alpha: float, form: PenaltyForm = "hf") -> float:
    """The denominator of the length penalty. With α > 0 it grows with length, and since log-prob
    scores are negative, dividing by more pulls long hypotheses *up*: α > 0 favours longer outputs."""
    base = {"hf": float(length), "notes": 5.0 + length, "gnmt": (5.0 + length) / 6.0}[form]
    return base ** alpha


@dataclass
class Candidate:
    """One continuation considered at one step."""

    parent: int  # row (beam index) at the previous step it extends
    token: int  # the token id it appends
    text: str  # that token as text, for tooltips
    logprob: float  # log p(token | prefix)
    score: float  # cumulative log-prob of the whole hypothesis (sum of its logprobs)
    status: str  # "kept" (runs on), "pruned" (dropped), "finished" (EOS/max length, entered the pool)
    beam: int = -1  # its row at this step when kept, else -1
    norm_score: float | None = None  # length-penalised score, for hypotheses that end here


@dataclass
class TraceStep:
    candidates: list[Candidate]
    attention: torch.Tensor | None = None  # [rows, S]: cross-attention of each row at this step


@dataclass
class Hypothesis:
    """A finished (or forced-finished) output."""

    tokens: list[int]  # generated tokens (EOS included when it ended on one)
    score: float  # sum of log-probs
    norm_score: float  # after the length penalty: what the n-best list is sorted by
    step: int  # the step it finished at
    index: int  # its candidate index within that step
    text: str = ""


@dataclass
class BeamTrace:
    """Everything the search did, step by step, and what it returned."""

    method: str  # "greedy", "beam", "sample"
    prefix: list[int]  # tokens every hypothesis started from
    steps: list[TraceStep] = field(default_factory=list)
    hypotheses: list[Hypothesis] = field(default_factory=list)  # n-best, best first
    alpha: float = 0.0  # length penalty exponent
    form: str = "hf"  # length penalty form

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]

    def path(self, step: int, index: int) -> list[tuple[int, int]]:
        """(step, candidate index) pairs from step 0 to the given candidate."""
        out = [(step, index)]
        while step > 0:
            parent = self.steps[step].candidates[index].parent
            step -= 1
            index = next(i for i, c in enumerate(self.steps[step].candidates) if c.beam == parent)
            out.append((step, index))
        return out[::-1]

    def attention_of(self, hyp: Hypothesis) -> torch.Tensor | None:
        """Cross-attention [T, S] of each generated token of `hyp` over the source."""
        rows = []
        for s, i in self.path(hyp.step, hyp.index):
            att = self.steps[s].attention
            if att is None:
                return None
            rows.append(att[self.steps[s].candidates[i].parent])
        return torch.stack(rows)


@dataclass
class DecodeConfig:
    """What the page's widgets set."""

    max_new_tokens: int = 16  # hard cap on generated tokens
    num_beams: int = 4  # k: rows kept per step (1 = greedy)
    alpha: float = 1.0  # length penalty exponent (HF's default 1.0)
    form: PenaltyForm = "hf"  # which length penalty
    early_stopping: bool | str = False  # HF semantics: False (heuristic), True, "never"
    temperature: float = 1.0  # sampling: logits / T
    top_k: int = 0  # sampling: keep the k most likely tokens (0 = off)
    top_p: float = 1.0  # sampling: keep the smallest set with mass >= p (1 = off)
    record: int = 5  # greedy/sampling: how many alternatives to record per step


def greedy(stepper, cfg: DecodeConfig) -> BeamTrace:
    """Pick the arg-max token every step; stop at EOS. Records the top `cfg.record` alternatives.
    The same loop as sampling (`decode_one_row`), with the arg-max as the choice."""
    return decode_one_row(stepper, cfg, "greedy", pick_argmax)


def beam_search(stepper, cfg: DecodeConfig) -> BeamTrace:
    """Beam search with width k = cfg.num_beams, traced. k = 1 is greedy (as in HF)."""
    k = cfg.num_beams
    if k <= 1:
        return greedy(stepper, cfg)
    tr = BeamTrace("beam", list(stepper.prefix), alpha=cfg.alpha, form=cfg.form)
    stepper.start(k)
    dev = stepper.device
    seqs = torch.tensor([stepper.prefix] * k, dtype=torch.long, device=dev)  # [k, t]
    run = torch.full((k,), NEG, device=dev)
    run[0] = 0.0  # k identical rows; only the first may expand at step 0
    pool_scores = torch.full((k,), NEG, device=dev)  # finished hypotheses' penalised scores
    pool: list[Hypothesis | None] = [None] * k
    improvable = True  # HF's is_early_stop_heuristic_unsatisfied
    n_keep = max(2, 1 + len(stepper.eos)) * k  # HF's beams_to_keep: room for every EOS id to take a slot
    for step in range(cfg.max_new_tokens):
        logits, attn = stepper.next_logits(seqs)
        logp = F.log_softmax(logits.float(), dim=-1)  # [k, V]
        V = logp.shape[-1]
        acc = (logp + run[:, None]).reshape(-1)  # [k * V] cumulative scores of every continuation
        top, idx = acc.topk(n_keep)  # [n_keep]
        parent, tok = idx // V, idx % V
        last_step = step == cfg.max_new_tokens - 1
        hits = torch.isin(tok, stepper.eos_tensor) | last_step  # [n_keep] these end here
        masked = top + hits.float() * NEG
        keep = masked.topk(k).indices  # [k] the running beams for the next step
        # finished candidates: only those in the top k ranks, penalised, merged into the pool
        denom = length_norm(step + 1, cfg.alpha, cfg.form)
        fin = top / denom
        if cfg.early_stopping is True and all(h is not None for h in pool):
            fin = fin + NEG
        if not improvable:
            fin = fin + NEG
        top_k_rank = torch.arange(n_keep, device=dev) < k
        fin = fin + (~(hits & top_k_rank)).float() * NEG
        merged = torch.cat([pool_scores, fin])
        chosen = merged.topk(k).indices.tolist()
        # the trace: one Candidate per continuation looked at
        lp_of = logp[parent, tok]
        cands = [_cand(stepper, int(p), int(t), float(lp), float(s), "pruned")
                 for p, t, lp, s in zip(parent.tolist(), tok.tolist(), lp_of.tolist(), top.tolist())]
        for row, j in enumerate(keep.tolist()):
            if not bool(hits[j]):
                cands[j].status, cands[j].beam = "kept", row
        for j in range(n_keep):
            if bool(hits[j]):
                cands[j].norm_score = float(top[j]) / denom
        new_pool: list[Hypothesis | None] = []
        for m in chosen:
            if m < k:
                new_pool.append(pool[m])
                continue
            j = m - k
            if cands[j].norm_score is None or float(fin[j]) < NEG / 2:
                new_pool.append(None)
                continue
            cands[j].status = "finished"
            toks = seqs[parent[j], len(stepper.prefix):].tolist() + [int(tok[j])]
            new_pool.append(Hypothesis(toks, float(top[j]), float(fin[j]), step, j, stepper.decode(toks)))
        pool, pool_scores = new_pool, merged[chosen]
        tr.steps.append(TraceStep(cands, None if attn is None else attn.detach()))
        # next running rows
        rows = parent[keep]
        seqs = torch.cat([seqs[rows], tok[keep][:, None]], dim=1)
        run = masked[keep]
        stepper.reorder(rows)
        # can a running beam still beat the worst finished one? (HF's heuristic)
        best_len = cfg.max_new_tokens if (cfg.early_stopping == "never" and cfg.alpha > 0) else step + 1
        best_possible = run[:1] / length_norm(best_len, cfg.alpha, cfg.form)  # float32, as HF
        full = all(h is not None for h in pool)
        improvable = improvable and (not full or bool(best_possible > pool_scores.min()))
        if not improvable or (cfg.early_stopping is True and full) or bool(hits.all()) or last_step:
            break
    tr.hypotheses = [h for h in pool if h is not None]
    return tr


def filter_logits(logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> torch.Tensor:
    """Temperature, then top-k, then top-p (the order HF applies them). logits [..., V] -> same
    shape with removed tokens at -inf. Top-p keeps the smallest most-likely set whose mass >= p."""
    if temperature <= 0:
        raise ValueError("temperature must be > 0 (use greedy for T -> 0)")
    x = logits.float() / temperature
    if top_k and top_k < x.shape[-1]:
        kth = x.topk(top_k, dim=-1).values[..., -1:]  # [..., 1]
        x = x.masked_fill(x < kth, float("-inf"))
    if top_p < 1.0:
        sorted_x, order = x.sort(dim=-1, descending=True)
        mass_before = sorted_x.softmax(-1).cumsum(-1) - sorted_x.softmax(-1)  # mass of strictly better tokens
        drop_sorted = mass_before >= top_p
        drop_sorted[..., 0] = False  # always keep the best token
        x = x.masked_fill(drop_sorted.scatter(-1, order, drop_sorted), float("-inf"))
    return x


def pick_argmax(logits: torch.Tensor, cfg: DecodeConfig, generator=None) -> tuple[int, torch.Tensor, int]:
    """Greedy's choice: logits [1, V] -> (arg-max of the logits themselves, as HF; log-probs [V];
    how many tokens were possible: all V)."""
    logp = F.log_softmax(logits.float(), dim=-1)[0]
    return int(logits[0].argmax()), logp, logp.numel()


def pick_sample(logits: torch.Tensor, cfg: DecodeConfig, generator=None) -> tuple[int, torch.Tensor, int]:
    """Sampling's choice: a draw from the filtered distribution; log-probs [V] under that distribution
    (removed tokens at log 1e-30); how many tokens the filters left."""
    probs = filter_logits(logits, cfg.temperature, cfg.top_k, cfg.top_p).softmax(-1)  # [1, V]
    tok = int(torch.multinomial(probs, 1, generator=generator)[0, 0])
    return tok, probs[0].clamp_min(1e-30).log(), int((probs[0] > 0).sum())


def decode_one_row(stepper, cfg: DecodeConfig, method: str, pick, generator: torch.Generator | None = None) -> BeamTrace:
    """The one-hypothesis step loop shared by greedy and sampling: `pick(logits [1, V], cfg, generator)`
    -> (token, log-probs [V], tokens possible) chooses each token; the top `cfg.record` alternatives are recorded."""
    tr = BeamTrace(method, list(stepper.prefix), alpha=cfg.alpha, form=cfg.form)
    stepper.start(1)
    seqs = torch.tensor([stepper.prefix], dtype=torch.long, device=stepper.device)  # [1, t]
    total, out = 0.0, []
    for step in range(cfg.max_new_tokens):
        logits, attn = stepper.next_logits(seqs)
        tok, logq, allowed = pick(logits, cfg, generator)  # logq [V]
        top_q, top_ids = logq.topk(min(cfg.record, allowed))
        cands = [_cand(stepper, 0, int(t), float(lp), total + float(lp), "pruned")
                 for lp, t in zip(top_q.tolist(), top_ids.tolist()) if int(t) != tok]
        total += float(logq[tok])
        out.append(tok)
        ends = tok in stepper.eos or step == cfg.max_new_tokens - 1
        chosen = _cand(stepper, 0, tok, float(logq[tok]), total, "finished" if ends else "kept", beam=-1 if ends else 0)
        tr.steps.append(TraceStep([chosen] + cands, None if attn is None else attn.detach()))
        if ends:
            break
        seqs = torch.cat([seqs, seqs.new_tensor([[tok]])], dim=1)
    norm = total / length_norm(len(out), cfg.alpha, cfg.form)
    tr.steps[-1].candidates[0].norm_score = norm
    tr.hypotheses = [Hypothesis(out, total, norm, len(tr.steps) - 1, 0, stepper.decode(out))]
    return tr


def sample(stepper, cfg: DecodeConfig, generator: torch.Generator | None = None) -> BeamTrace:
    """Ancestral sampling from the filtered distribution; `generator=None` uses torch's global RNG
    (then the same seed reproduces HF `generate(do_sample=True)` token for token)."""
    return decode_one_row(stepper, cfg, "sample", pick_sample, generator)


def _cand(stepper, parent: int, tok: int, lp: float, score: float, status: str, beam: int = -1) -> Candidate:
    return Candidate(parent, tok, stepper.token_text(tok), lp, score, status, beam)


class HFStepper:
    """Drives a Hugging Face model one token at a time with its KV cache.

    Encoder-decoder (Marian, BART): the source is encoded once; `prefix` = [decoder_start].
    Decoder-only (GPT-2): `prefix` = the prompt's tokens. `attention=True` returns the
    cross-attention of each row, averaged over heads, of layer `attn_layer` (None: the mean over
    layers); needs attn_implementation="eager". eos_token_id=-1 disables EOS (as in generate).
    """

    def __init__(self, model, tokenizer, text: str, attention: bool = False, eos_token_id=None,
                 attn_layer: int | None = -1):
        self.model, self.tok, self.attention, self.attn_layer = model, tokenizer, attention, attn_layer
        self.device = next(model.parameters()).device
        self.enc_dec = bool(model.config.is_encoder_decoder)
        gc = model.generation_config
        eos = gc.eos_token_id if eos_token_id is None else eos_token_id
        self.eos = set(eos if isinstance(eos, (list, tuple)) else [] if eos is None or eos == -1 else [eos])
        self.eos_tensor = torch.tensor(sorted(self.eos) or [-1], device=self.device)
        ids = tokenizer(text, return_tensors="pt")["input_ids"].to(self.device)  # [1, S]
        if ids.shape[1] == 0:
            raise ValueError("the input is empty after tokenisation")
        self.source_ids = ids[0].tolist()
        if self.enc_dec:
            self.prefix = [int(gc.decoder_start_token_id if gc.decoder_start_token_id is not None
                               else model.config.decoder_start_token_id)]
            with torch.no_grad():
                self.encoder_out = model.get_encoder()(input_ids=ids, attention_mask=torch.ones_like(ids))
        else:
            self.prefix = self.source_ids
        self._text: dict[int, str] = {}

    def start(self, n: int) -> None:
        self.cache, self.n = None, n
        if self.enc_dec:
            from transformers.modeling_outputs import BaseModelOutput

            h = self.encoder_out.last_hidden_state  # [1, S, D]
            self.enc = BaseModelOutput(last_hidden_state=h.expand(n, -1, -1).contiguous())
            self.mask = torch.ones(n, h.shape[1], dtype=torch.long, device=self.device)

    @torch.no_grad()
    def next_logits(self, seqs: torch.Tensor):
        """seqs [n, t] (the full prefixes) -> logits f32[n, V], cross-attention [n, S] | None."""
        new = seqs if self.cache is None else seqs[:, -1:]
        if self.enc_dec:
            out = self.model(encoder_outputs=self.enc, attention_mask=self.mask, decoder_input_ids=new,
                             cache=self.cache, use_cache=True, output_attentions=self.attention)
        else:
            out = self.model(input_ids=new, attention_mask=torch.ones_like(seqs), cache=self.cache,
                             use_cache=True, output_attentions=self.attention)
        self.cache = out.cache
        attn = None
        if self.attention and self.enc_dec and out.cross_attentions:
            layers = out.cross_attentions if self.attn_layer is None else [out.cross_attentions[self.attn_layer]]
            attn = torch.stack([a[:, :, -1, :] for a in layers]).mean((0, 2)).float()  # [n, S]
        return out.logits[:, -1, :].float(), attn

    def reorder(self, rows: torch.Tensor) -> None:
        self.cache.reorder_cache(rows)

    def token_text(self, tok: int) -> str:
        if tok not in self._text:
            self._text[tok] = self.tok.convert_ids_to_tokens(int(tok)) or ""
        return self._text[tok]

    def decode(self, toks: list[int]) -> str:
        return self.tok.decode(toks, skip_special_tokens=True)

    def source_tokens(self) -> list[str]:
        return [self.token_text(t) for t in self.source_ids]


def sentence_end_ids(tokenizer) -> list[int]:
    """Ids of the tokens ".", "!" and "?" in this vocabulary (those it has): used as several EOS ids
    so that an open-ended prompt's hypotheses end at a sentence's end, at different lengths."""
    unk = getattr(tokenizer, "unk_token_id", None)
    ids = [tokenizer.convert_tokens_to_ids(t) for t in (".", "!", "?")]
    return sorted({i for i in ids if isinstance(i, int) and i != unk})
