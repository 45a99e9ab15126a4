"""Train the bundled date translators: Marian (Transformer) and GRU with / without attention.

    python -m core.text.decoding.train_seq2seq                      # all three, ~11 minutes, 1 CPU thread
    python -m core.text.decoding.train_seq2seq --only gru-noattn --budget 60 --out /tmp/x
    python -m core.text.decoding.train_seq2seq --only gru-noattn --steps 1092 --budget 600   # match another run's steps

Each model trains for a wall-clock budget (the LR follows a cosine over elapsed time, so the
schedule is complete whatever the machine speed; the GRU without attention gets exactly as
many steps as the one with it, for a fair comparison), then is evaluated on held-out dates
(never seen in training): exact match (any valid reading of an ambiguous date counts) and
exact match against source length. Everything is written to a card.json next to the weights.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, drive, fit
from core.runtime import seeded
from core.zoo.record import TrainingRecord, record_now, write_card
from core.text.decoding.seq2seq_data import DatePair, make_pairs
from core.text.decoding.seq2seq_model import (PAD, GRUSeq2Seq, GRUSpec, build_marian, build_tokenizer, encode_sources,
                                     predict, save_gru, shift_right, token_nll)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
FOLDERS = {"marian": "seq2seq_dates", "gru-attn": "seq2seq_gru_attn", "gru-noattn": "seq2seq_gru_noattn"}
BUDGET_SHARE = {"marian": 0.5, "gru-attn": 0.25, "gru-noattn": 0.25}
LENGTH_EDGES = (0, 10, 15, 20, 30, 40, 50, 80)  # source length bins, in characters


def batch(tok, pairs: list[DatePair]) -> tuple[torch.Tensor, torch.Tensor]:
    """(src ids [B, S], labels [B, T]) where labels end with </s> and pad with PAD."""
    src = encode_sources(tok, [p.source for p in pairs])
    labels = tok([p.target for p in pairs], padding=True, return_tensors="pt")["input_ids"]
    return src, labels


def loss_of(model, src: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Teacher-forced cross-entropy for either model family."""
    tgt_in = shift_right(labels)
    if isinstance(model, GRUSeq2Seq):
        logits = model(src, tgt_in)
    else:
        logits = model(input_ids=src, attention_mask=(src != PAD).long(), decoder_input_ids=tgt_in).logits
    return token_nll(logits, labels)


@dataclass
class TrainConfig(FitConfig):
    kind: str = "gru-attn"  # "marian" | "gru-attn" | "gru-noattn"
    steps: int = 100_000  # step cap (the same for both GRUs: a fair comparison)
    lr: float = 2e-3  # peak AdamW learning rate (Marian: at most MARIAN_LR)
    warmup_steps: int = 100  # linear warm-up, then a cosine over the first limit reached
    clip: float | None = 1.0  # global gradient-norm clip
    batch_size: int = 64  # date pairs per step (fresh ones every step)


MARIAN_LR = 1.5e-3  # Transformers like a gentler peak


def build(cfg: TrainConfig):
    """(model in train mode, tokenizer). The init draws from the global generator inside
    core.runtime.seeded (lock-guarded, restored after), seeded from cfg.seed."""
    tok = build_tokenizer()
    with seeded(cfg.seed):
        if cfg.kind == "marian":
            model = build_marian(len(tok))
        else:
            model = GRUSeq2Seq(GRUSpec(vocab_size=len(tok), attention=(cfg.kind == "gru-attn")))
    return model.train(), tok


def train(cfg: TrainConfig, model, tok) -> Iterator[StepEvent]:
    """Train `model` in place on core.learn.engine.fit, a fresh batch of generated dates every step."""
    if cfg.kind == "marian":
        cfg = replace(cfg, lr=min(cfg.lr, MARIAN_LR))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    data_seed = cfg.seed * 1000 + 1

    def step_fn(step: int) -> torch.Tensor:
        src, labels = batch(tok, make_pairs(cfg.batch_size, data_seed + step, "train"))
        return loss_of(model, src, labels)

    return fit(cfg, opt, step_fn)


def exact_match(preds: list[str], pairs: list[DatePair]) -> list[bool]:
    """A prediction is right when it is any valid reading of the source."""
    return [p in q.alternatives for p, q in zip(preds, pairs)]


@torch.no_grad()
def accuracy_by_length(model, tok, pairs: list[DatePair], edges=LENGTH_EDGES, chunk: int = 250,
                       on_progress=None) -> dict:
    """Held-out exact match overall and per source-length bin (greedy decoding).
    on_progress(pairs decoded, all pairs) after each chunk (core.progress.OnProgress)."""
    preds: list[str] = []
    for i in range(0, len(pairs), chunk):
        preds += predict(model, tok, [p.source for p in pairs[i:i + chunk]])
        if on_progress:
            on_progress(len(preds), len(pairs))
    ok = exact_match(preds, pairs)
    bins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        hits = [o for o, p in zip(ok, pairs) if lo <= len(p.source) < hi]
        if hits:
            bins.append({"lo": lo, "hi": hi, "n": len(hits), "exact_match": sum(hits) / len(hits)})
    return {"exact_match": sum(ok) / len(ok), "n": len(ok), "by_length": bins}


@torch.no_grad()
def exposure_bias(model, tok, pairs: list[DatePair], chunk: int = 50, on_progress=None) -> dict:
    """Per output position: token accuracy when the decoder is fed the gold prefix (teacher
    forcing, as in training) vs its own previous predictions (free running, as at test time).
    The gap is exposure bias: at test time one early mistake changes every later input.
    Runs `chunk` pairs at a time and calls on_progress(pairs done, all pairs) after each chunk
    (core.progress.OnProgress); the hits add up over the chunks, so the chunk size changes no number."""
    T = batch(tok, pairs)[1].shape[1]  # the longest target: every chunk is scored on the same T positions
    hits_tf, hits_fr, real_n = torch.zeros(T), torch.zeros(T), torch.zeros(T)  # [T] each
    whole_tf, whole_fr = 0, 0  # dates right on every token (teacher forcing) / right as a whole (free running)
    for i in range(0, len(pairs), chunk):
        part = pairs[i:i + chunk]
        src, labels = batch(tok, part)  # [B, S], [B, t <= T]
        labels = torch.nn.functional.pad(labels, (0, T - labels.shape[1]), value=PAD)  # [B, T]
        tgt_in = shift_right(labels)
        if isinstance(model, GRUSeq2Seq):
            logits = model(src, tgt_in)
        else:
            logits = model(input_ids=src, attention_mask=(src != PAD).long(), decoder_input_ids=tgt_in).logits
        tf = logits.argmax(-1)  # [B, T]
        preds = predict(model, tok, [p.source for p in part], max_len=T)
        fr = tok(preds, padding="max_length", max_length=T, truncation=True, return_tensors="pt")["input_ids"]  # [B, T]
        real = labels != PAD  # [B, T]
        hits_tf += ((tf == labels) & real).sum(0)
        hits_fr += ((fr == labels) & real).sum(0)
        real_n += real.sum(0)
        whole_tf += int(((tf == labels) | ~real).all(1).sum())
        whole_fr += sum(p == q.target for p, q in zip(preds, part))
        if on_progress:
            on_progress(i + len(part), len(pairs))
    pos = [{"position": t + 1, "teacher_forcing": float(hits_tf[t] / real_n[t]),  # real_n > 0: the longest target
            "free_running": float(hits_fr[t] / real_n[t])} for t in range(T)]  # reaches every position
    return {"positions": pos, "exact_teacher_forcing": whole_tf / len(pairs), "exact_free_running": whole_fr / len(pairs)}


def save(kind: str, model, tok, out: Path, record: TrainingRecord, details: dict) -> Path:
    """Weights (safetensors), tokenizer and card.json (core.zoo.record) into out/<folder>."""
    folder = out / FOLDERS[kind]
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(model, GRUSeq2Seq):
        save_gru(model, folder)
    else:
        model.save_pretrained(folder)
    tok.save_pretrained(folder)
    write_card(folder / "card.json", record, **details)
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=float, default=660.0, help="total training seconds for all models")
    ap.add_argument("--only", choices=list(FOLDERS), action="append", help="train only these (repeatable)")
    ap.add_argument("--steps", type=int, default=100_000, help="step cap per model (same steps: a fair comparison)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-n", type=int, default=2000, help="held-out examples for the score")
    ap.add_argument("--out", type=Path, default=ASSETS)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    kinds = args.only or list(FOLDERS)
    share = sum(BUDGET_SHARE[k] for k in kinds)
    held_out = make_pairs(args.eval_n, seed=12345, split="test")
    done_steps: dict[str, int] = {}
    for kind in kinds:
        budget, steps = args.budget * BUDGET_SHARE[kind] / share, args.steps
        if kind == "gru-noattn" and "gru-attn" in done_steps:
            # a fair comparison: the same number of updates as the attention model, however busy the CPU
            budget, steps = 3 * budget, done_steps["gru-attn"]
        cfg = TrainConfig(kind=kind, budget_s=budget, steps=steps, seed=args.seed)
        model, tok = build(cfg)
        last = drive(train(cfg, model, tok), every=50)
        model.eval()
        t_eval = time.perf_counter()
        scores = accuracy_by_length(model, tok, held_out)
        record = record_now(
            1, command="python -m core.text.decoding.train_seq2seq " + " ".join(sys.argv[1:] if argv is None else argv),
            data=f"generated dates, a fresh batch of {cfg.batch_size} every step; held out: the dates whose "
                 "ordinal % 10 == 0 (never trained on)", steps=last.step, wall_time_s=round(last.elapsed, 1),
            metric="exact_match", value=scores["exact_match"], n_held_out=scores["n"],
            held_out={"exact_match": scores["exact_match"]}, seed=args.seed, final_loss=round(last.loss, 4))
        details = {"model": kind, "batch_size": cfg.batch_size, "eval_wall_s": round(time.perf_counter() - t_eval, 1),
                   "params": sum(p.numel() for p in model.parameters()), "by_length": scores["by_length"]}
        done_steps[kind] = last.step
        folder = save(kind, model, tok, args.out, record, details)
        print(json.dumps({"saved": str(folder), "exact_match": scores["exact_match"],
                          "by_length": [(b["lo"], round(b["exact_match"], 3)) for b in scores["by_length"]]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
