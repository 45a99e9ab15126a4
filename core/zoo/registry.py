"""All model cards. Each topic declares its cards in core/zoo/cards_<topic>.py as a
module-level `CARDS: list[ModelCard]`; this module gathers them."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import core.zoo as _zoo_pkg
from core.zoo.card import ModelCard


@lru_cache(maxsize=1)
def all_cards() -> dict[str, ModelCard]:
    cards: dict[str, ModelCard] = {}
    for info in sorted(pkgutil.iter_modules(_zoo_pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("cards_"):
            continue
        module = importlib.import_module(f"core.zoo.{info.name}")
        for card in getattr(module, "CARDS", []):
            if card.name in cards:
                raise ValueError(f"duplicate model card {card.name!r} in {info.name}")
            cards[card.name] = card
    return cards


def get_card(name: str) -> ModelCard:
    try:
        return all_cards()[name]
    except KeyError:
        raise KeyError(f"no model card {name!r}; known: {sorted(all_cards())}") from None
