"""One training record: every bundle card in assets/ reads through the one reader, the writer and reader
round-trip, and no card keeps a drifted copy of the record's keys beside it."""
import json
from dataclasses import asdict
from pathlib import Path

import pytest

from core.zoo.record import KEY, TrainingRecord, bundle_cards, card_path, describe, from_card, read_record, record_row, write_card

ASSETS = Path(__file__).resolve().parents[2] / "assets"
NOT_CARDS = {ASSETS / "ssl" / "reproduce.json"}  # the semi-supervised study's results, not a bundle's card
DRIFTED = {"wall_s", "train_wall_s", "wall_time_s", "held_out", "held_out_acc", "test_map", "test_map50",
           "exact_match", "val_perplexity", "val_loss", "command", "steps", "threads", "seed"}


def all_cards() -> list[Path]:
    return [p for p in bundle_cards(ASSETS) if p not in NOT_CARDS]


def test_every_bundle_has_a_card_and_every_card_its_weights():
    weights = list(ASSETS.rglob("*.safetensors"))
    assert len(weights) >= 20
    for w in weights:  # a card beside the weights (<stem>.json) or one for the whole folder (card.json)
        assert card_path(w).is_file() or card_path(w.parent).is_file(), f"{w} has no card"
    assert len(all_cards()) >= 23, [str(p) for p in all_cards()]


@pytest.mark.parametrize("path", all_cards(), ids=lambda p: str(p.relative_to(ASSETS)))
def test_every_card_reads_through_the_one_reader(path):
    r = read_record(path)
    assert "python -m " in r.command and r.data and r.steps > 0 and r.wall_time_s > 0
    assert r.metric in r.held_out and r.held_out[r.metric] == r.value, (r.metric, r.held_out)
    assert r.machine and r.threads >= 1
    top = json.loads(path.read_text())
    assert not (DRIFTED & set(top)), f"{path}: {sorted(DRIFTED & set(top))} belong under {KEY!r}"
    line = describe(r)
    assert r.command in line and r.metric.replace("_", " ") in line
    assert record_row(path.stem, r)["value"] == round(r.value, 4)


def test_writer_and_reader_round_trip_and_the_writer_refuses_drifted_keys(tmp_path):
    rec = TrainingRecord(command="python -m x", data="d", steps=3, wall_time_s=1.5, metric="accuracy", value=0.5,
                         n_held_out=10, held_out={"accuracy": 0.5})
    path = write_card(tmp_path / "card.json", rec, name="x", config={"a": 1})
    assert read_record(path) == rec
    assert json.loads(path.read_text())["name"] == "x" and asdict(from_card(json.loads(path.read_text()))) == asdict(rec)
    with pytest.raises(ValueError, match="steps"):
        write_card(tmp_path / "bad.json", rec, steps=4)
    with pytest.raises(KeyError):
        from_card({"steps": 3})


def test_card_paths_of_bundled_sources():
    assert card_path("assets/gpt_tiny") == Path("assets/gpt_tiny/card.json")
    assert card_path("assets/cnn/digits_lenet.safetensors") == Path("assets/cnn/digits_lenet.json")


def test_the_card_modules_read_only_through_the_record():
    zoo = Path(__file__).resolve().parents[2] / "core" / "zoo"
    for f in zoo.glob("cards_*.py"):
        text = f.read_text()
        for key in ("wall_s", "held_out_acc", "test_map", "val_perplexity", "['steps']", "['command']"):
            assert key not in text, (f.name, key)


def test_the_models_page_table_has_every_bundle_once():
    from core.zoo.table import training_rows

    rows = training_rows()
    assert sorted(str(ASSETS.parent / card_path(r["bundle"])) for r in rows) == sorted(str(p) for p in all_cards())
    assert all("python -m " in r["command"] for r in rows)
    assert len({r["model"] for r in rows}) == len(rows)
