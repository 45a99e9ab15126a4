"""Train the bundled small masked LM ("bert-mini-corpus") on the project's corpus; save to assets/mlm/.

    nice -n 10 python -m core.text.bert.train_mlm                 # ~8 minutes on one CPU thread
    python -m core.text.bert.train_mlm --budget-s 20 --out /tmp/b  # a quick smoke run

BERT's own pre-training on core.text.lm.corpus: a Hugging Face BertForPreTraining (masked-LM head and
next-sentence head), a WordPiece tokenizer trained on the same corpus, sentence pairs 50% IsNext /
50% NotNext, and the 15% / 80-10-10 recipe of core.text.bert.mlm applied to every batch.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

import torch

from core.learn.engine import FitConfig, StepEvent, budget_parser, drive, fit
from core.runtime import seed_everything
from core.text.bert.mlm import mlm_mask, random_pool
from core.text.bert.nsp import split_sentences
from core.text.lm.corpus import CorpusConfig, generate
from core.zoo.record import describe, record_now

OUT = Path(__file__).resolve().parents[3] / "assets" / "mlm"
PROBES = ("The cat sat on the [MASK].", "The capital of France is [MASK].", "The dog likes to eat [MASK].",
          "Monday comes before [MASK].")


@dataclass
class TrainConfig(FitConfig):
    steps: int = 100000  # upper bound (the budget usually stops first)
    budget_s: float = 480.0  # wall-time budget for the optimisation loop
    lr: float = 2e-3  # peak AdamW learning rate
    warmup_steps: int = 100  # linear warm-up, then cosine over the time budget
    vocab_size: int = 1000  # WordPiece vocabulary trained on the corpus (corpus words come out whole)
    hidden: int = 128  # d_model
    layers: int = 3  # encoder blocks
    heads: int = 4  # attention heads
    mlp: int = 256  # MLP hidden size
    max_len: int = 48  # [CLS] A [SEP] B [SEP] in tokens (corpus sentence pairs fit easily)
    train_docs: int = 20000  # generated training documents (seed 0)
    val_docs: int = 500  # held-out documents (seed 1)
    batch_size: int = 32  # sentence pairs per step


def train_tokenizer(texts: list[str], vocab_size: int):
    """Lower-cased WordPiece (BERT style) trained on the corpus, as a PreTrainedTokenizerFast that
    builds [CLS] A [SEP] B [SEP] with segment ids 0/1."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=special))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]",
                                  pad_token="[PAD]", mask_token="[MASK]", model_max_length=512,
                                  model_input_names=["input_ids", "token_type_ids", "attention_mask"])


def make_pairs(docs: list[str], gen: torch.Generator) -> tuple[list[str], list[str], list[int]]:
    """One pair per adjacent sentence pair in each document: B is the real next sentence (label 0,
    IsNext, as in BERT) or, half the time, a sentence from a random other document (label 1)."""
    sents = [split_sentences(d) for d in docs]
    a, b, y = [], [], []
    for di, ss in enumerate(sents):
        for i in range(len(ss) - 1):
            a.append(ss[i])
            if torch.rand((), generator=gen).item() < 0.5:
                b.append(ss[i + 1])
                y.append(0)
            else:
                dj = int(torch.randint(0, len(sents), (), generator=gen))
                dj = (dj + 1) % len(sents) if dj == di else dj
                b.append(sents[dj][int(torch.randint(0, len(sents[dj]), (), generator=gen))])
                y.append(1)
    return a, b, y


def encode(tok, a, b, max_len: int) -> dict:
    return tok(a, b, padding="max_length", truncation=True, max_length=max_len, return_tensors="pt")


@torch.no_grad()
def evaluate(model, tok, enc: dict, nsp: torch.Tensor, gen: torch.Generator, pool: torch.Tensor) -> dict:
    """Masked-token top-1 accuracy (the 15% recipe, seeded) and NSP accuracy on held-out pairs."""
    from core.text.bert.mlm import maskable_positions

    model.eval()
    m = mlm_mask(enc["input_ids"], maskable_positions(tok, enc["input_ids"], enc["attention_mask"]),
                 tok.mask_token_id, pool, gen)
    out = model(input_ids=m.input_ids, token_type_ids=enc["token_type_ids"], attention_mask=enc["attention_mask"])
    sel = m.labels != -100
    mlm_acc = (out.prediction_logits.argmax(-1)[sel] == m.labels[sel]).float().mean().item()
    nsp_acc = (out.seq_relationship_logits.argmax(-1) == nsp).float().mean().item()
    return {"mlm_top1": round(mlm_acc, 4), "nsp_accuracy": round(nsp_acc, 4)}


@torch.no_grad()
def probe(model, tok) -> dict:
    model.eval()
    res = {}
    for text in PROBES:
        enc = tok(text, return_tensors="pt")
        logits = model(**enc).prediction_logits[0]
        pos = (enc["input_ids"][0] == tok.mask_token_id).nonzero()[0, 0]
        top = logits[pos].softmax(-1).topk(3)
        res[text] = {tok.convert_ids_to_tokens(int(i)): round(float(p), 3) for p, i in zip(top.values, top.indices)}
    return res


@dataclass
class Data:
    """What a run trains and scores on: the tokenizer, encoded training pairs and their NSP labels,
    which tokens may be masked, the held-out pairs, and the random-token pool of the 80-10-10 recipe."""
    tok: object
    enc: dict  # input_ids, token_type_ids, attention_mask: LongTensor[P, max_len] each
    nsp: torch.Tensor  # [P] 0 IsNext / 1 NotNext
    maskable: torch.Tensor  # bool[P, max_len]
    venc: dict
    vnsp: torch.Tensor
    pool: torch.Tensor
    n_pairs: tuple[int, int]  # training and held-out pair counts (for the card)


def setup(cfg: TrainConfig):
    """(model, gen, Data) for a command-line run: the global generator seeded (the model's init
    draws from it), then the run's own generator (pairs, batches, masks)."""
    from transformers import BertConfig, BertForPreTraining

    from core.text.bert.mlm import maskable_positions

    gen = seed_everything(cfg.seed)
    docs = generate(CorpusConfig(n_docs=cfg.train_docs, seed=0))
    val_docs = generate(CorpusConfig(n_docs=cfg.val_docs, seed=1))
    tok = train_tokenizer(docs, cfg.vocab_size)
    a, b, y = make_pairs(docs, gen)
    enc = encode(tok, a, b, cfg.max_len)
    va, vb, vy = make_pairs(val_docs, torch.Generator().manual_seed(1))
    pool = random_pool(tok)
    conf = BertConfig(vocab_size=len(tok), hidden_size=cfg.hidden, num_hidden_layers=cfg.layers,
                      num_attention_heads=cfg.heads, intermediate_size=cfg.mlp, max_position_embeddings=cfg.max_len,
                      type_vocab_size=2, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                      pad_token_id=tok.pad_token_id)
    conf._attn_implementation = "eager"
    model = BertForPreTraining(conf)
    data = Data(tok, enc, torch.tensor(y), maskable_positions(tok, enc["input_ids"], enc["attention_mask"]),
                encode(tok, va, vb, cfg.max_len), torch.tensor(vy), pool, (len(a), len(va)))
    return model, gen, data


def train(cfg: TrainConfig, model, data: Data, gen: torch.Generator) -> Iterator[StepEvent]:
    """Pre-train `model` in place on core.learn.engine.fit: masked LM + next sentence, one batch a step."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    enc, tok = data.enc, data.tok

    def step_fn(step: int) -> torch.Tensor:
        model.train()
        idx = torch.randint(0, len(data.nsp), (cfg.batch_size,), generator=gen)
        am = enc["attention_mask"][idx]
        T = int(am.sum(1).max())  # trim padding columns
        m = mlm_mask(enc["input_ids"][idx, :T], data.maskable[idx, :T], tok.mask_token_id, data.pool, gen)
        return model(input_ids=m.input_ids, token_type_ids=enc["token_type_ids"][idx, :T], attention_mask=am[:, :T],
                     labels=m.labels, next_sentence_label=data.nsp[idx]).loss

    return fit(cfg, opt, step_fn)


def main(argv=None):
    args = budget_parser(__doc__, TrainConfig.budget_s, OUT).parse_args(argv)
    cfg = TrainConfig(budget_s=args.budget_s)
    torch.set_num_threads(1)
    t_all = time.time()
    model, gen, data = setup(cfg)
    tok = data.tok
    last = drive(train(cfg, model, data, gen))
    step, wall = last.step, last.elapsed
    score = evaluate(model, tok, data.venc, data.vnsp, torch.Generator().manual_seed(2), data.pool)
    record = record_now(1, command="python -m core.text.bert.train_mlm" + " ".join([""] + (argv or [])),
                        data=f"core.text.lm.corpus.generate: {cfg.train_docs} documents (seed 0), {data.n_pairs[0]} "
                             f"sentence pairs for training; {cfg.val_docs} documents (seed 1), {data.n_pairs[1]} pairs "
                             "held out", steps=step, wall_time_s=round(wall, 1), metric="mlm_top1",
                        value=score["mlm_top1"], n_held_out=data.n_pairs[1], held_out=score, seed=cfg.seed,
                        final_loss=round(last.loss, 4), total_wall_s=round(time.time() - t_all, 1))
    card = {"name": "bert-mini-corpus", "config": asdict(cfg), "params": sum(p.numel() for p in model.parameters()),
            "probes": probe(model, tok)}
    from core.zoo.bundle import save_bundle

    save_bundle(model, args.out, record, card, [tok])
    print(describe(record), flush=True)
    return record


if __name__ == "__main__":
    main()
