"""The model zoo: a card per model and one resolver for its weights.

    from core.zoo import get_card, resolve
    res = resolve(get_card("gpt-tiny"), mode="offline")
    res.source.kind, res.reason
"""
from core.zoo.card import ModelCard, Source
from core.zoo.registry import all_cards, get_card
from core.zoo.resolve import MODES, Mode, Resolution, default_mode, resolve
from core.zoo.sources import REPO_ROOT, hf_load_kwargs, local_path

__all__ = ["ModelCard", "Source", "all_cards", "get_card", "MODES", "Mode", "Resolution",
           "default_mode", "resolve", "REPO_ROOT", "hf_load_kwargs", "local_path"]
