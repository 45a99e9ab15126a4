"""Model card for the semi-supervised lab: the bundled supervised burn-in detector."""
from __future__ import annotations

from core.zoo.card import ModelCard, Source
from core.zoo.record import describe, read_record
from core.zoo.sources import REPO_ROOT

BURN_IN = Source(kind="bundled", hub="assets", ref="assets/ssl/burn_in_10.safetensors", size_mb=4.2)


def _notes() -> str:
    path = REPO_ROOT / "assets" / "ssl" / "burn_in_10.json"
    if not path.is_file():
        return "Train it with `python -m core.learn.ssl.burn_in` (writes assets/ssl/burn_in_10.*)."
    return ("Tiny Faster R-CNN (core.vision.shapes.models.faster_rcnn), trained supervised: the starting point "
            "of every live semi-supervised run. " + describe(read_record(path)))


CARDS: list[ModelCard] = [
    ModelCard(name="ssl-burn-in-10", family="Faster R-CNN", task="detection (ShapesWorld)",
              license="MIT (KeyPoint's own weights and data)", sources=(BURN_IN,), notes=_notes(),
              page="semi_supervised", extra={"card_json": "assets/ssl/burn_in_10.json"}),
]
