"""Train the bundled tiny GPT ("gpt-tiny") on the generated corpus and save it to assets/gpt_tiny/.

    python -m core.text.lm.train_gpt                  # ~10 minutes on one CPU thread
    python -m core.text.lm.train_gpt --budget-s 20    # a quick smoke run

A Hugging Face GPT2 architecture (GPT2Config + save_pretrained), so the page loads the bundled
model and the pretrained gpt2 through one code path. The tokenizer is a byte-level BPE trained on
the same corpus (any typed text tokenizes; corpus words come out whole).
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, fit
from core.runtime import seed_everything
from core.text.lm.corpus import CorpusConfig, generate
from core.zoo.record import describe, record_now, write_card

EOS = "<|endoftext|>"


@dataclass
class TrainConfig(FitConfig):
    steps: int = 100000  # upper bound on steps (the time budget usually stops first)
    budget_s: float = 600.0  # wall-time budget for the optimisation loop; the cosine schedule follows time
    lr: float = 3e-3  # peak AdamW learning rate (small model, short run: high lr is fine)
    warmup_steps: int = 50  # linear warm-up before the cosine decay
    min_lr_ratio: float = 0.1  # the cosine ends at a tenth of the peak
    clip: float | None = 1.0  # global gradient-norm clip
    n_layer: int = 4  # transformer blocks
    n_head: int = 4  # attention heads per block (head dim = n_embd / n_head)
    n_embd: int = 128  # d_model
    n_ctx: int = 256  # context length in tokens (the page and the benchmark go up to 256)
    vocab_size: int = 1024  # byte-level BPE: 256 bytes + merges; corpus words become one token
    train_docs: int = 20000  # generated training documents
    val_docs: int = 1000  # validation documents, generated with a different seed
    batch_size: int = 8  # windows of n_ctx tokens per step (2048 tokens)
    eval_every: int = 200  # steps between validation-loss prints


def train_tokenizer(texts: list[str], vocab_size: int):
    """Byte-level BPE (GPT-2 style) trained on the corpus, wrapped as a PreTrainedTokenizerFast."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=EOS, eos_token=EOS, unk_token=EOS,
                                  pad_token=EOS, model_max_length=10**6)


def encode_stream(tokenizer, texts: list[str]) -> torch.Tensor:
    """All documents as one long id stream, each followed by EOS. Returns LongTensor[N]."""
    eos = tokenizer.convert_tokens_to_ids(EOS)
    ids: list[int] = []
    for t in texts:
        ids.extend(tokenizer(t)["input_ids"])
        ids.append(eos)
    return torch.tensor(ids, dtype=torch.long)


@torch.no_grad()
def evaluate(model, stream: torch.Tensor, n_ctx: int) -> float:
    """Mean next-token cross-entropy over non-overlapping windows of the stream (nats)."""
    model.eval()
    n = (len(stream) - 1) // n_ctx
    x = stream[: n * n_ctx].view(n, n_ctx)  # [n, T]
    y = stream[1: n * n_ctx + 1].view(n, n_ctx)
    total = 0.0
    for i in range(0, n, 32):
        logits = model(input_ids=x[i:i + 32]).logits  # [b, T, V]
        total += torch.nn.functional.cross_entropy(logits.flatten(0, 1), y[i:i + 32].flatten(), reduction="sum").item()
    model.train()
    return total / (n * n_ctx)


@dataclass
class Data:
    tokenizer: object  # the byte-level BPE trained on the training documents
    train_ids: torch.Tensor  # LongTensor[N]: every training document, EOS-separated
    val_ids: torch.Tensor  # LongTensor[M]: the validation documents (another seed)


def setup(cfg: TrainConfig):
    """(model, Data, gen) for a command-line run: corpus, tokenizer, the global generator seeded
    (the model's init draws from it) and the run's own generator (batch order)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    g = seed_everything(cfg.seed)
    train_texts = generate(CorpusConfig(n_docs=cfg.train_docs, seed=cfg.seed))
    val_texts = generate(CorpusConfig(n_docs=cfg.val_docs, seed=cfg.seed + 1))
    tokenizer = train_tokenizer(train_texts, cfg.vocab_size)
    data = Data(tokenizer, encode_stream(tokenizer, train_texts), encode_stream(tokenizer, val_texts))
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=cfg.n_ctx, n_embd=cfg.n_embd, n_layer=cfg.n_layer,
                        n_head=cfg.n_head, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    return GPT2LMHeadModel(config), data, g


def train(cfg: TrainConfig, model, train_ids: torch.Tensor, g: torch.Generator) -> Iterator[StepEvent]:
    """Train `model` in place on core.learn.engine.fit: random windows of n_ctx tokens. Warm-up by
    steps, then a cosine by elapsed time, so the run ends annealed whatever the CPU speed."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.1)

    def step_fn(step: int) -> torch.Tensor:
        starts = torch.randint(0, len(train_ids) - cfg.n_ctx - 1, (cfg.batch_size,), generator=g)
        x = torch.stack([train_ids[s:s + cfg.n_ctx] for s in starts])  # [B, T]
        return model(input_ids=x, labels=x).loss  # HF shifts labels by one inside

    return fit(cfg, opt, step_fn)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="assets/gpt_tiny")
    p.add_argument("--budget-s", type=float, default=TrainConfig.budget_s)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(1)  # the machine is shared; the record below is for one thread
    cfg = TrainConfig(budget_s=args.budget_s, seed=args.seed)
    wall0 = time.perf_counter()
    model, data, g = setup(cfg)
    print({"train_tokens": len(data.train_ids), "val_tokens": len(data.val_ids), "vocab": len(data.tokenizer)})
    last = None
    for last in train(cfg, model, data.train_ids, g):
        if last.step % 50 == 0:
            print(f"step {last.step:5d}  loss {last.loss:.3f}  lr {last.lr:.2e}  {last.elapsed:.0f}s", flush=True)
        if last.step % cfg.eval_every == 0:
            print({"step": last.step, "val_ppl": math.exp(evaluate(model, data.val_ids[:20000], cfg.n_ctx))}, flush=True)
    val_loss = evaluate(model, data.val_ids, cfg.n_ctx)
    done = {"model": model, "tokenizer": data.tokenizer, "steps": last.step, "train_s": last.elapsed,
            "val_loss": val_loss, "val_ppl": math.exp(val_loss), "train_tokens": len(data.train_ids),
            "val_tokens": len(data.val_ids)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    done["model"].save_pretrained(out)
    done["tokenizer"].save_pretrained(out)
    prompt = "The cat sat on the"
    ids = done["tokenizer"](prompt, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        top = done["model"](input_ids=ids).logits[0, -1].softmax(-1).topk(3)
    sample = {done["tokenizer"].decode([int(i)]): round(float(p), 3) for p, i in zip(top.values, top.indices)}
    record = record_now(
        1, command="python -m core.text.lm.train_gpt" + (f" --budget-s {args.budget_s:g}" if args.budget_s != 600 else "")
                   + (f" --seed {args.seed}" if args.seed else ""),
        data=f"core.text.lm.corpus.generate: {cfg.train_docs} generated documents (seed {cfg.seed}, "
             f"{done['train_tokens']} tokens) for training, {cfg.val_docs} (seed {cfg.seed + 1}, "
             f"{done['val_tokens']} tokens) for validation",
        steps=done["steps"], wall_time_s=round(done["train_s"], 1), metric="perplexity",
        value=round(done["val_ppl"], 3), held_out={"loss": round(done["val_loss"], 4), "perplexity": round(done["val_ppl"], 3)},
        seed=cfg.seed, final_loss=round(last.loss, 4), total_wall_s=round(time.perf_counter() - wall0, 1))
    write_card(out / "card.json", record, name="gpt-tiny", config=asdict(cfg),
               params=sum(p.numel() for p in done["model"].parameters()), sample={prompt: sample})
    print(describe(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
