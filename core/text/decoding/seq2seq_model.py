"""The date translators: a small Marian (Transformer encoder-decoder, a real Hugging Face
architecture, so `generate` is its reference) and a GRU encoder-decoder with or without
Bahdanau attention (to show the fixed-context bottleneck).

Both read and write characters through one shared character-level tokenizer, built with the
`tokenizers` library and saved next to the weights, so `AutoTokenizer.from_pretrained` loads it
like any pretrained translator's.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from core.text.decoding.seq2seq_data import ALPHABET

PAD, EOS, UNK = 0, 1, 2  # Marian's convention: decoder starts from PAD
SPECIALS = ["<pad>", "</s>", "<unk>"]


def build_tokenizer():
    """A character tokenizer over ALPHABET that appends </s> (as Marian's does)."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIALS + list(ALPHABET))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")  # one token per char
    tok.decoder = decoders.Fuse()  # join characters back without spaces
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", EOS)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")


@dataclass
class MarianSpec:
    """Size of the bundled Transformer (kept small: trains in minutes on one CPU thread)."""

    d_model: int = 128  # width of every token vector
    layers: int = 2  # encoder layers = decoder layers
    heads: int = 4  # attention heads per layer
    ffn: int = 256  # feed-forward hidden width
    max_positions: int = 128  # longest source/target in characters
    dropout: float = 0.0  # none: the data is infinite, so there is nothing to overfit


def build_marian(vocab_size: int, spec: MarianSpec | None = None):
    """A randomly initialised MarianMTModel with our tokenizer's special ids."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    s = spec or MarianSpec()
    cfg = MarianConfig(vocab_size=vocab_size, decoder_vocab_size=vocab_size, d_model=s.d_model,
                       encoder_layers=s.layers, decoder_layers=s.layers, encoder_attention_heads=s.heads,
                       decoder_attention_heads=s.heads, encoder_ffn_dim=s.ffn, decoder_ffn_dim=s.ffn,
                       max_position_embeddings=s.max_positions, dropout=s.dropout, attention_dropout=0.0,
                       activation_dropout=0.0, pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD,
                       forced_eos_token_id=None, share_encoder_decoder_embeddings=True, scale_embedding=True,
                       tie_word_embeddings=True)
    model = MarianMTModel(cfg)
    # An explicit, plain generation config: no hidden processors, so generate == our search.
    model.generation_config = GenerationConfig(pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD,
                                               num_beams=1, do_sample=False)
    return model


@dataclass
class GRUSpec:
    """Size of the GRU translators (both variants share it; only attention differs)."""

    vocab_size: int = len(SPECIALS) + len(ALPHABET)  # tokenizer size
    emb: int = 64  # character embedding width
    hidden: int = 128  # decoder state width (encoder: hidden // 2 per direction)
    attention: bool = True  # Luong attention, or one fixed context vector (Cho et al. 2014)


class GRUSeq2Seq(nn.Module):
    """Bidirectional GRU encoder -> GRU decoder. With attention (Luong et al. 2015, "general"
    score) each output re-reads the whole source; without it, everything the decoder knows about
    the source is one `hidden`-wide summary vector, fed at every step: the bottleneck.

    Attention is computed *after* the recurrent step (no input feeding), so under teacher
    forcing the decoder runs as one nn.GRU call over the whole target: fast to train on a CPU.
    """

    def __init__(self, spec: GRUSpec):
        super().__init__()
        self.spec = spec
        H = spec.hidden
        self.embed = nn.Embedding(spec.vocab_size, spec.emb, padding_idx=PAD)
        self.encoder = nn.GRU(spec.emb, H // 2, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(H, H)  # encoder summary -> first decoder state
        self.decoder = nn.GRU(spec.emb + H, H, batch_first=True)  # input: previous char + summary
        self.att = nn.Linear(H, H, bias=False)  # score(h, e) = (W h) . e
        self.out = nn.Linear(H + H + spec.emb, spec.vocab_size)

    def encode(self, src: torch.Tensor) -> dict:
        """src (LongTensor[B, S]) -> memory: enc [B, S, H], mask [B, S], h0 [B, H], summary [B, H]."""
        mask = src != PAD  # [B, S]
        lengths = mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.encoder(packed)
        enc, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])  # [B, S, H]
        summary = torch.cat([h[0], h[1]], dim=-1)  # [B, H]: last forward + last backward state
        return {"enc": enc, "mask": mask, "h0": torch.tanh(self.bridge(summary)), "summary": summary}

    def decode(self, tgt_in: torch.Tensor, h: torch.Tensor, mem: dict):
        """tgt_in (LongTensor[B, T]), h [B, H] -> logits [B, T, V], last h [B, H], attention [B, T, S]."""
        e = self.embed(tgt_in)  # [B, T, E]
        summary = mem["summary"][:, None, :].expand(-1, e.shape[1], -1)  # [B, T, H]
        states, h_last = self.decoder(torch.cat([e, summary], dim=-1), h[None])  # [B, T, H]
        if self.spec.attention:
            energy = torch.einsum("bth,bsh->bts", self.att(states), mem["enc"])  # [B, T, S]
            attn = torch.softmax(energy.masked_fill(~mem["mask"][:, None, :], float("-inf")), dim=-1)
            ctx = torch.einsum("bts,bsh->bth", attn, mem["enc"])  # [B, T, H]
        else:  # the same summary vector at every step
            attn = torch.zeros(e.shape[0], e.shape[1], mem["mask"].shape[1], device=e.device)
            ctx = summary
        return self.out(torch.cat([states, ctx, e], dim=-1)), h_last[0], attn

    def step(self, prev: torch.Tensor, h: torch.Tensor, mem: dict):
        """One decoder step. prev (LongTensor[B]), h [B, H] -> logits [B, V], new h [B, H], attn [B, S]."""
        logits, h, attn = self.decode(prev[:, None], h, mem)
        return logits[:, 0], h, attn[:, 0]

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing. tgt_in (LongTensor[B, T]) starts with PAD -> logits [B, T, V]."""
        mem = self.encode(src)
        return self.decode(tgt_in, mem["h0"], mem)[0]


def select_memory(mem: dict, idx: torch.Tensor) -> dict:
    """Rows `idx` of an encoder memory (for beams: repeat or reorder)."""
    return {k: v.index_select(0, idx) for k, v in mem.items()}


@torch.no_grad()
def gru_greedy(model: GRUSeq2Seq, src: torch.Tensor, max_len: int = 12) -> torch.Tensor:
    """Batched greedy decoding: src [B, S] -> generated ids [B, <=max_len] (PAD after EOS)."""
    mem = model.encode(src)
    B = src.shape[0]
    prev = torch.full((B,), PAD, dtype=torch.long, device=src.device)
    h, done, out = mem["h0"], torch.zeros(B, dtype=torch.bool, device=src.device), []
    for _ in range(max_len):
        lg, h, _ = model.step(prev, h, mem)
        prev = lg.argmax(-1).masked_fill(done, PAD)
        out.append(prev)
        done |= prev == EOS
        if done.all():
            break
    return torch.stack(out, dim=1)


def shift_right(labels: torch.Tensor) -> torch.Tensor:
    """Decoder input from labels: [PAD, y1, ..., y_{T-1}] (teacher forcing)."""
    out = torch.full_like(labels, PAD)
    out[:, 1:] = labels[:, :-1]
    return out


def save_gru(model: GRUSeq2Seq, folder) -> None:
    """Weights as safetensors + the spec as JSON."""
    import json
    from dataclasses import asdict
    from pathlib import Path

    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    (folder / "spec.json").write_text(json.dumps(asdict(model.spec), indent=1))


def load_gru(folder) -> GRUSeq2Seq:
    """Inverse of save_gru (safetensors: no pickle)."""
    import json
    from pathlib import Path

    from safetensors.torch import load_file

    folder = Path(folder)
    model = GRUSeq2Seq(GRUSpec(**json.loads((folder / "spec.json").read_text())))
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    return model.eval()


def token_nll(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over non-PAD label positions. logits [B, T, V], labels [B, T]."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=PAD)


def encode_sources(tok, sources: list[str], device=None) -> torch.Tensor:
    """Sources -> padded ids [B, S] (each ends with </s>)."""
    ids = tok(list(sources), padding=True, return_tensors="pt")["input_ids"]
    return ids.to(device) if device is not None else ids


@torch.no_grad()
def predict(model, tok, sources: list[str], max_len: int = 12) -> list[str]:
    """Greedy translations for a batch of sources, for either model family."""
    dev = next(model.parameters()).device
    src = encode_sources(tok, sources, dev)
    if isinstance(model, GRUSeq2Seq):
        out = gru_greedy(model, src, max_len)
    else:
        out = model.generate(input_ids=src, attention_mask=(src != PAD).long(), num_beams=1, do_sample=False,
                             max_new_tokens=max_len)
    return [s.strip() for s in tok.batch_decode(out, skip_special_tokens=True)]


class GRUStepper:
    """Drives a GRUSeq2Seq one token at a time for core.text.decoding.search (same protocol as HFStepper)."""

    def __init__(self, model: GRUSeq2Seq, tok, text: str, attention: bool = True):
        self.model, self.tok = model, tok
        self.device = next(model.parameters()).device
        self.eos = {EOS}
        self.eos_tensor = torch.tensor([EOS], device=self.device)
        self.prefix = [PAD]
        src = encode_sources(tok, [text], self.device)  # [1, S]
        self.source_ids = src[0].tolist()
        with torch.no_grad():
            self.mem1 = model.encode(src)

    def start(self, n: int) -> None:
        zeros = torch.zeros(n, dtype=torch.long, device=self.device)
        self.mem = select_memory(self.mem1, zeros)
        self.h = self.mem["h0"]

    @torch.no_grad()
    def next_logits(self, seqs: torch.Tensor):
        logits, self.h, attn = self.model.step(seqs[:, -1], self.h, self.mem)
        return logits.float(), (attn if self.model.spec.attention else None)

    def reorder(self, rows: torch.Tensor) -> None:
        self.h = self.h.index_select(0, rows)

    def token_text(self, t: int) -> str:
        return self.tok.convert_ids_to_tokens(int(t)) or ""

    def decode(self, toks: list[int]) -> str:
        return self.tok.decode(toks, skip_special_tokens=True)

    def source_tokens(self) -> list[str]:
        return [self.token_text(t) for t in self.source_ids]


def load_translator(name: str, mode: str | None = None):
    """A seq2seq model through the zoo. Returns (model, tokenizer, Resolution).

    Every Marian source (bundled or pretrained opus-mt) goes through MarianMTModel.from_pretrained
    with eager attention (so cross-attention can be shown); if the chosen source fails to load
    (e.g. opus-mt's tokenizer needs `sentencepiece`), the card's later local sources are tried
    (core.zoo.load)."""
    from transformers import AutoTokenizer, MarianMTModel

    from core.runtime import device
    from core.zoo import get_card
    from core.zoo.load import guard_tokenizer, load_with_fallback

    gru = get_card(name).extra.get("kind") == "gru"

    def load_one(src, where, extra):
        tok = guard_tokenizer(AutoTokenizer.from_pretrained(where, **extra))  # shared by sessions
        model = load_gru(where) if gru else MarianMTModel.from_pretrained(where, attn_implementation="eager", **extra)
        return model, tok

    (model, tok), res = load_with_fallback(name, mode, load_one, detail=True)
    return model.eval().to(device()), tok, res


def make_stepper(model, tok, text: str, attention: bool = True, attn_layer: int | None = -1):
    """The decoding.py stepper that fits this model (GRU, or any Hugging Face model)."""
    from core.text.decoding.search import HFStepper

    if isinstance(model, GRUSeq2Seq):
        return GRUStepper(model, tok, text)
    return HFStepper(model, tok, text, attention=attention, attn_layer=attn_layer)
