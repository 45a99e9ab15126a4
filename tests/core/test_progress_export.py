"""core.progress (time left from a job's own counts) and core.export (file names and the bytes)."""
import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.export import csv_bytes, file_name, json_bytes, matrix_png, png_bytes, slug
from core.progress import ProgressClock, describe, duration


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_time_left_comes_from_the_measured_rate():
    clock = FakeClock()
    p = ProgressClock(clock=clock)
    first = p.update(0, 300)
    assert (first.fraction, first.rate, first.seconds_left) == (0.0, None, None)
    clock.t += 4.0  # 40 steps in 4 s: 10 steps/s, 260 left -> 26 s
    mid = p.update(40, 300)
    assert mid.fraction == pytest.approx(40 / 300)
    assert mid.rate == pytest.approx(10.0)
    assert mid.seconds_left == pytest.approx(26.0)
    assert describe("Training", mid) == "Training: 40 / 300 steps · 10 steps/s · about 26 s left"
    clock.t += 26.0
    assert describe("Training", p.update(300, 300)).endswith("· done")
    assert p.update(999, 300).fraction == 1.0  # never past the end


def test_durations_read_at_a_glance():
    assert [duration(s) for s in (0.4, 59, 125, 3780)] == ["0 s", "59 s", "2 min 05 s", "1 h 03 min"]


def test_file_names_say_what_and_which_settings():
    assert file_name("beam", "the cat", k=4, alpha=1.0, ext="json") == "beam_k4_alpha1.0_the-cat.json"
    assert file_name("history", lr=0.003, ext="csv") == "history_lr0.003.csv"
    assert slug("Ünïcode / <script> !!") == "n-code-script"
    assert len(slug("x" * 500)) == 32
    assert file_name("a", "", ext="png") == "a.png"  # an empty prompt leaves no trailing part


def test_csv_parses_back_with_the_columns():
    df = pd.DataFrame({"step": [1, 2, 3], "loss, nats": [2.5, 1.25, 0.5]})
    back = pd.read_csv(io.BytesIO(csv_bytes(df)))
    assert list(back.columns) == ["step", "loss, nats"]
    pd.testing.assert_frame_equal(back, df)


def test_png_decodes_to_the_pictures_size_and_pixels():
    rgb = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    img = Image.open(io.BytesIO(png_bytes(rgb)))
    assert img.size == (53, 37)
    assert np.array_equal(np.asarray(img), rgb)
    grey = Image.open(io.BytesIO(png_bytes(np.linspace(0, 1, 20).reshape(4, 5))))
    assert grey.size == (5, 4) and np.asarray(grey)[-1, -1] == 255


def test_matrix_png_is_one_square_per_entry_low_dark_high_bright():
    m = np.array([[0.0, 1.0], [0.25, 0.5], [0.75, 0.1]])
    img = np.asarray(Image.open(io.BytesIO(matrix_png(m, cell=4))))
    assert img.shape == (12, 8, 3)
    lum = img.astype(float).mean(-1)[::4, ::4]  # one pixel per entry
    assert np.argsort(lum.ravel()).tolist() == np.argsort(m.ravel()).tolist()
    with pytest.raises(ValueError):
        matrix_png(np.zeros((0, 3)))


def test_json_reloads_to_the_same_trace():
    from dataclasses import dataclass, field

    import torch

    @dataclass
    class Step:
        tokens: list
        scores: np.ndarray
        logprob: float
        weights: torch.Tensor = field(default_factory=lambda: torch.eye(2))

    trace = [Step(["the", "cat"], np.array([0.5, -1.5]), float("-inf")), Step([], np.zeros(0), -0.25)]
    back = json.loads(json_bytes({"prompt": "the cat", "steps": trace}))
    assert back["steps"][0] == {"tokens": ["the", "cat"], "scores": [0.5, -1.5], "logprob": float("-inf"),
                                "weights": [[1.0, 0.0], [0.0, 1.0]]}
    assert back["steps"][1]["scores"] == [] and back["prompt"] == "the cat"
