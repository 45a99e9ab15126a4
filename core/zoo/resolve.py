"""One resolver for every model: pretrained, then packaged, then bundled.

Modes (the sidebar's "model source"):
  auto    - pretrained if cached, or if the network answers within 2 s; else the next source
  offline - never touch the network: only what is on this machine (KEYPOINT_OFFLINE=1 forces it)
  online  - like auto, but say loudly when the network is down
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal

from core.zoo import network, sources
from core.zoo.card import ModelCard, Source

Mode = Literal["auto", "offline", "online"]
MODES: tuple[Mode, ...] = ("auto", "offline", "online")


@dataclass(frozen=True)
class Resolution:
    """The source a card resolved to, and why (one sentence a student can read)."""

    card: ModelCard
    source: Source | None  # None: nothing available
    reason: str
    skipped: tuple[str, ...] = field(default=())  # why each earlier source was passed over


def default_mode() -> Mode:
    m = os.environ.get("KEYPOINT_MODEL_SOURCE", "auto").strip().lower()
    return m if m in MODES else "auto"  # type: ignore[return-value]


def resolve(card: ModelCard, mode: Mode | None = None) -> Resolution:
    """Pick the first usable source of `card` under `mode`."""
    mode = mode or default_mode()
    if network.offline_forced():
        mode = "offline"
    skipped: list[str] = []
    for src in card.sources:
        if sources.is_local(src):
            where = {"pretrained": "cached", "packaged": "installed package", "bundled": "bundled in assets/"}[src.kind]
            return Resolution(card, src, f"{src.kind} `{src.ref}` ({where})", tuple(skipped))
        if src.kind != "pretrained":
            skipped.append(f"{src.kind} `{src.ref}` is missing")
            continue
        if mode == "offline":
            skipped.append(f"pretrained `{src.ref}` is not cached and the mode is offline")
        elif network.network_up():
            return Resolution(card, src, f"pretrained `{src.ref}` (will download: network is up)", tuple(skipped))
        else:
            skipped.append(f"pretrained `{src.ref}` is not cached and the network does not answer")
    return Resolution(card, None, "no source available: " + "; ".join(skipped), tuple(skipped))
