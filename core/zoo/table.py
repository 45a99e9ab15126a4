"""The zoo as a table: one row per card with its resolved source (the CLI and the Models page)."""
from __future__ import annotations

from core.zoo.load import loaded
from core.zoo.record import bundle_cards, card_path, read_record, record_row
from core.zoo.registry import all_cards
from core.zoo.resolve import Mode, resolve
from core.zoo.sources import REPO_ROOT


def zoo_rows(mode: Mode | None = None) -> list[dict]:
    rows = []
    here = loaded()
    for card in all_cards().values():
        res = resolve(card, mode)
        got = here.get(card.name)
        rows.append({
            "model": card.name,
            "family": card.family,
            "task": card.task,
            "license": card.license,
            "size_mb": max((s.size_mb for s in card.sources), default=0.0),
            "sources": " → ".join(f"{s.kind}:{s.ref}" for s in card.sources),
            "resolved": res.source.kind if res.source else "none",
            "why": res.reason if not (res.skipped and res.source) else f"{res.reason}, because " + "; ".join(res.skipped),
            "page": card.page,
            # what this server process actually loaded (a failed pretrained load falls back), if anything yet
            "loaded": f"{got.source.kind}:{got.source.ref}" if got and got.source else "",
        })
    return rows


def training_rows() -> list[dict]:
    """One row per bundle KeyPoint trained itself (every card in assets/): its TrainingRecord
    (core.zoo.record), for the Models page, named by the first zoo card that lists it (a bundle that
    backs several pretrained models appears once), else by its folder or file name."""
    names: dict = {}
    for card in all_cards().values():
        for src in card.sources:
            if src.kind == "bundled":
                names.setdefault(REPO_ROOT / card_path(src.ref), card.name)
    rows = []
    for path in bundle_cards(REPO_ROOT / "assets"):
        bundle = path.parent if path.name == "card.json" else path.with_suffix(".safetensors")
        name = names.get(path, bundle.stem if path.name != "card.json" else bundle.name)
        rows.append(record_row(name, read_record(path)) | {"bundle": str(bundle.relative_to(REPO_ROOT))})
    return rows
