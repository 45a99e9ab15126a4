"""The fixed-context bottleneck, on a task built to show it: reverse a random string.

Every source symbol must reach the output, so the information to carry grows with the length
(log2(10) ≈ 3.3 bits per symbol). Without attention the decoder gets one `hidden`-wide summary of
the whole source (Cho et al. 2014); with attention it re-reads every encoder state (Bahdanau /
Luong). The same GRUSeq2Seq as the dates translators, the same batches, only attention differs;
exact match by source length is measured on held-out strings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch
from torch import nn

from core.learn.engine import FitConfig, StepEvent, fit
from core.private_init import init_weights
from core.runtime import torch_rng
from core.text.decoding.seq2seq_model import EOS, PAD, GRUSeq2Seq, GRUSpec

SYMBOLS = 10  # source alphabet: ids 3 .. 12 (0 PAD, 1 EOS, 2 UNK)
FIRST = 3


@dataclass(frozen=True)
class BottleneckConfig:
    min_len: int = 2  # shortest source
    max_len: int = 20  # longest source
    hidden: int = 48  # decoder state width: the whole context vector without attention
    emb: int = 16
    steps: int = 600  # Adam steps
    batch: int = 64
    lr: float = 0.005


def sample_batch(cfg: BottleneckConfig, gen: torch.Generator, n: int | None = None):
    """(src [B, S] padded with PAD, labels [B, S + 1] = reversed source + EOS, padded, lengths [B])."""
    n = n or cfg.batch
    lengths = torch.randint(cfg.min_len, cfg.max_len + 1, (n,), generator=gen)
    S = int(lengths.max())
    sym = torch.randint(FIRST, FIRST + SYMBOLS, (n, S), generator=gen)
    pos = torch.arange(S)[None]  # [1, S]
    src = torch.where(pos < lengths[:, None], sym, PAD)
    labels = torch.full((n, S + 1), PAD)
    for i, L in enumerate(lengths.tolist()):
        labels[i, :L] = src[i, :L].flip(0)
        labels[i, L] = EOS
    return src, labels, lengths


def build(cfg: BottleneckConfig, attention: bool, seed: int) -> GRUSeq2Seq:
    spec = GRUSpec(vocab_size=FIRST + SYMBOLS, emb=cfg.emb, hidden=cfg.hidden, attention=attention)
    return init_weights(GRUSeq2Seq(spec), torch_rng(seed, "bottleneck", attention))


def fit_steps(cfg: BottleneckConfig, model: GRUSeq2Seq, seed: int = 0) -> Iterator[StepEvent]:
    """Train `model` in place on core.learn.engine.fit: teacher forcing, cross-entropy, Adam, clipping at
    1; batches from the seed alone, so both variants see the same strings."""
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    gen = torch_rng(seed, "bottleneck batches")

    def step_fn(step: int) -> torch.Tensor:
        src, labels, _ = sample_batch(cfg, gen)
        tgt_in = torch.cat([torch.full((len(src), 1), PAD), labels[:, :-1]], dim=1)  # decoder starts from PAD
        logits = model(src, tgt_in)  # [B, T, V]
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=PAD)

    return fit(FitConfig(seed=seed, steps=cfg.steps, lr=cfg.lr, schedule="constant", clip=1.0), opt, step_fn)


def train(cfg: BottleneckConfig, attention: bool, seed: int = 0, on_progress=None) -> GRUSeq2Seq:
    """A freshly built model trained for cfg.steps (fit_steps); on_progress(step, steps) every 50 steps."""
    model = build(cfg, attention, seed)
    for ev in fit_steps(cfg, model, seed):
        if on_progress and ev.step % 50 == 0:
            on_progress(ev.step, cfg.steps)
    return model.eval()


@torch.no_grad()
def exact_match_by_length(model: GRUSeq2Seq, cfg: BottleneckConfig, seed: int = 1, n: int = 600) -> dict[int, float]:
    """Greedy decoding of n held-out strings (as many steps as the source is long): the share
    reversed exactly, per source length."""
    src, labels, lengths = sample_batch(cfg, torch_rng(seed, "bottleneck held out"), n)
    mem = model.encode(src)
    h, prev, out = mem["h0"], torch.full((n,), PAD), []
    for _ in range(src.shape[1]):
        logits, h, _ = model.step(prev, h, mem)
        prev = logits.argmax(-1)
        out.append(prev)
    pred = torch.stack(out, 1)  # [n, S]
    ok = torch.tensor([bool((pred[i, :L] == labels[i, :L]).all()) for i, L in enumerate(lengths.tolist())])
    return {L: float(ok[lengths == L].float().mean()) for L in sorted(set(lengths.tolist()))}


ASSETS = "assets/bottleneck"  # relative to the repository root: {with,without}_attention.safetensors + card.json
COMMAND = "nice -n 5 python -m core.text.decoding.bottleneck"


def paths(root) -> dict:
    from pathlib import Path

    folder = Path(root) / ASSETS
    return {"with": folder / "with_attention.safetensors", "without": folder / "without_attention.safetensors",
            "card": folder / "card.json"}


def load_bundled(root) -> tuple[dict, dict] | None:
    """The two bundled models {"with": model, "without": model} and their card, or None if not there."""
    import json

    from safetensors.torch import load_file

    p = paths(root)
    if not all(v.is_file() for v in p.values()):
        return None
    card = json.loads(p["card"].read_text())
    cfg = BottleneckConfig(**card["config"])
    models = {}
    for key, att in (("with", True), ("without", False)):
        m = GRUSeq2Seq(GRUSpec(vocab_size=FIRST + SYMBOLS, emb=cfg.emb, hidden=cfg.hidden, attention=att))
        m.load_state_dict({k: v.float() for k, v in load_file(str(p[key])).items()})
        models[key] = m.eval()
    return models, card


def main() -> None:
    """Train both variants on the same batches, measure them on held-out strings, save with a card."""
    import json
    import time
    from dataclasses import asdict

    from safetensors.torch import save_file

    from core.catalog import ROOT
    from core.zoo.record import record_now, write_card

    torch.set_num_threads(1)
    cfg, p = BottleneckConfig(), paths(ROOT)
    p["card"].parent.mkdir(parents=True, exist_ok=True)
    card = {"name": "bottleneck GRUs", "task": "reverse a random string of 2-20 symbols (10-symbol alphabet)",
            "config": asdict(cfg), "by_length": {}, "train_seconds": {}}
    for key, att in (("with", True), ("without", False)):
        t0 = time.time()
        model = train(cfg, att, seed=0)
        card["train_seconds"][key] = round(time.time() - t0, 1)
        card["by_length"][key] = exact_match_by_length(model, cfg)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(p[key]))

    def mean(key: str, shortest: int = cfg.min_len) -> float:  # exact match averaged over source lengths
        return round(sum(v for L, v in card["by_length"][key].items() if L >= shortest) /
                     sum(1 for L in card["by_length"][key] if L >= shortest), 4)

    held = {"exact_match_long_with_attention": mean("with", 15), "exact_match_long_without_attention": mean("without", 15),
            "exact_match_with_attention": mean("with"), "exact_match_without_attention": mean("without")}
    record = record_now(1, command=COMMAND, data=f"random strings of {cfg.min_len}-{cfg.max_len} symbols (10-symbol "
                        f"alphabet) to reverse, a fresh batch of {cfg.batch} every step, the same batches for both "
                        "models; held out: 600 strings of another seed", steps=cfg.steps,
                        wall_time_s=round(sum(card["train_seconds"].values()), 1),
                        metric="exact_match_long_with_attention", value=held["exact_match_long_with_attention"],
                        n_held_out=600, held_out=held, seed=0,
                        note="two GRU translators, with and without attention, trained one after the other (wall "
                             "time: both); exact match averaged over source lengths, 'long' = 15-20 symbols; per "
                             "length in by_length")
    write_card(p["card"], record, **card)
    print(json.dumps(card["by_length"]))


if __name__ == "__main__":
    main()
