"""One training record for every bundled model: how it was trained and how well it does on data it never saw.

Every bundle in assets/ carries a card (json) beside its weights: the model's own details at the top
(its architecture, class names, the floor its test holds it to, ...) and, under "training", one
TrainingRecord with the same keys for every model. One writer (`write_card`), one reader
(`read_record`), one renderer (`describe` for a card's notes, `record_row` for the Models page).

    write_card(path, TrainingRecord(command="python -m core.text.lm.train_gpt", ...), config=asdict(cfg))
    read_record(path).metric, read_record(path).value
"""
from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

KEY = "training"  # where a card keeps its record


@dataclass
class TrainingRecord:
    command: str  # the command that trained it, run from the repository root
    data: str  # what it trained on and what was held out, in words
    steps: int  # optimiser steps taken
    wall_time_s: float  # seconds the optimisation loop ran (data preparation and scoring not included)
    metric: str  # the headline held-out metric's name (e.g. "accuracy", "map50", "exact_match")
    value: float  # its value on the held-out data
    n_held_out: int | None = None  # held-out examples behind `value`
    held_out: dict = field(default_factory=dict)  # every held-out score measured (the headline among them)
    seed: int | None = 0  # the run's seed
    threads: int = 1  # CPU threads the run used
    machine: str = "CPU"  # what it ran on, in words (shared? GPU?)
    final_loss: float | None = None  # training loss at the end (mean of the last steps where recorded)
    total_wall_s: float | None = None  # seconds for the whole command (data, training, scoring, saving)
    torch: str | None = None  # torch version
    note: str = ""  # anything a reader needs to judge the numbers


def this_machine(threads: int) -> str:
    """The machine in words, for a record written now."""
    import torch  # only trainers write records; reading cards (the Models page) stays free of torch

    where = "CUDA GPU" if torch.cuda.is_available() else "CPU"
    return f"{where}, {threads} thread{'s' if threads != 1 else ''} ({platform.machine() or 'unknown'})"


def record_now(threads: int, **fields_) -> TrainingRecord:
    """A record for a run that just ended on this machine (machine and torch version filled in)."""
    import torch

    return TrainingRecord(threads=threads, machine=this_machine(threads), torch=torch.__version__, **fields_)


def write_card(path: Path, record: TrainingRecord, **details) -> Path:
    """The one writer: the model's own details at the top, the record under "training"."""
    clash = set(details) & ({f.name for f in fields(TrainingRecord)} - {"data"} | {KEY})
    if clash:
        raise ValueError(f"{sorted(clash)} belong to the TrainingRecord, not the card's details")
    Path(path).write_text(json.dumps({**details, KEY: asdict(record)}, indent=1))
    return Path(path)


def from_card(card: dict) -> TrainingRecord:
    """The record inside a card already read (dict); KeyError or TypeError when it is not one."""
    return TrainingRecord(**card[KEY])


def read_record(path: Path) -> TrainingRecord:
    """The one reader: the TrainingRecord of the card at `path` (FileNotFoundError when missing)."""
    return from_card(json.loads(Path(path).read_text()))


def card_path(ref: str | Path) -> Path:
    """The card of a bundled source: `<folder>/card.json` for a folder, `<stem>.json` beside a weights file."""
    ref = Path(ref)
    return ref / "card.json" if ref.suffix == "" else ref.with_suffix(".json")



def bundle_cards(assets: Path) -> list[Path]:
    """Every bundle's card under `assets`: each folder's card.json and each <stem>.json beside a <stem>.safetensors."""
    return sorted(p for p in Path(assets).rglob("*.json")
                  if p.name == "card.json" or p.with_suffix(".safetensors").is_file())


def describe(r: TrainingRecord) -> str:
    """The renderer for a card's notes: the record as one readable sentence."""
    held = f"held-out {r.metric.replace('_', ' ')} {r.value:.3g}" + (f" ({r.n_held_out} examples)" if r.n_held_out else "")
    return (f"Trained by `{r.command}` on {r.data}: {r.steps} steps in {r.wall_time_s:.0f} s on {r.machine}; {held}."
            + (f" {r.note}" if r.note else ""))


def record_row(model: str, r: TrainingRecord) -> dict:
    """The renderer for the Models page: one table row per bundled model."""
    return {"model": model, "held-out metric": r.metric.replace("_", " "), "value": round(r.value, 4),
            "held-out examples": r.n_held_out, "steps": r.steps, "training wall time (s)": round(r.wall_time_s, 1),
            "machine": r.machine, "seed": r.seed, "command": r.command, "data": r.data}
