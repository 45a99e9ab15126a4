"""A hand drawing -> the digits LeNet's input (core.vision.draw.digit): the same road as the training data,
bad drawings handled, and a floor on held-out digits drawn through that road."""
import numpy as np
import pytest
import torch

from core.vision.cnn import data as cnn_data
from core.vision.draw.digit import (block_counts, drawn_like_accuracy, held_out_digits, ink, prepare_drawing,
                                    render_digit, to_bitmap)
from core.zoo.record import from_card


@pytest.fixture(scope="module")
def lenet():
    from core.vision.cnn.weights import load_bundled

    return load_bundled("digits_lenet")


def _canvas(side=280):
    a = np.zeros((side, side, 4), np.uint8)
    a[..., 3] = 255
    return a


def test_held_out_digits_are_the_training_split_and_the_road_matches_the_data():
    digits, labels = held_out_digits()
    ref = cnn_data.load("digits", n_test=300, size=28, seed=0)
    assert torch.equal(ref.y_test, torch.from_numpy(labels))
    x = cnn_data.normalise(cnn_data.upsample_digits(torch.from_numpy(digits)[:, None]))
    assert torch.allclose(x, ref.x_test)


def test_crop_centre_and_block_counts():
    a = _canvas()
    a[100:180, 50:70, :3] = 255  # a 20 x 80 bar, far left
    bitmap, box = to_bitmap(ink(a))
    assert box == (50, 100, 70, 180)
    rows, cols = np.flatnonzero(bitmap.any(1)), np.flatnonzero(bitmap.any(0))
    assert rows[0] == 0 and rows[-1] == 31  # fills the height, as every optdigits bitmap does
    assert cols[-1] - cols[0] + 1 == 8 and abs((cols[0] + cols[-1]) / 2 - 15.5) <= 0.5  # aspect kept, centred
    d8 = block_counts(bitmap)
    assert d8.shape == (8, 8) and d8.max() == 1.0 and d8.min() == 0.0
    assert d8.sum() * 16 == bitmap.sum()  # counts of inked pixels, divided by 16


def test_a_drawn_held_out_digit_comes_back_as_itself():
    digits, _ = held_out_digits()
    errs = []
    for d in digits[:20]:
        drawn = prepare_drawing(render_digit(d, 280, 180, (-30, 20)))
        errs.append(np.abs(drawn.digit8 - d).mean())
        assert drawn.x.shape == (1, 1, 28, 28)
    assert max(errs) < 0.2 and np.mean(errs) < 0.1, errs  # blocky re-inking, same digit (a blank one: ~0.3)


def test_bad_drawings_never_raise():
    assert prepare_drawing(None) is None
    assert prepare_drawing(_canvas()) is None  # empty
    transparent = np.full((280, 280, 4), 255, np.uint8)
    transparent[..., 3] = 0
    assert prepare_drawing(transparent) is None  # white but fully transparent: no ink
    dot = _canvas()
    dot[140:150, 140:150, :3] = 255
    d = prepare_drawing(dot)
    assert d is not None and "dot" in d.note and torch.isfinite(d.x).all()
    line = _canvas()
    line[40:240, 138:142, :3] = 255
    assert "line" in prepare_drawing(line).note
    grey = np.zeros((50, 50), np.uint8)
    grey[10:40, 20:25] = 255
    assert prepare_drawing(grey).x.shape == (1, 1, 28, 28)  # a plain grey image works too


def test_the_prediction_follows_the_drawing(lenet):
    digits, labels = held_out_digits()
    preds = set()
    for c in (0, 1, 7):
        i = int(np.flatnonzero(labels == c)[0])
        with torch.no_grad():
            preds.add(int(lenet.model(prepare_drawing(render_digit(digits[i], 280, 200)).x).argmax()))
    assert len(preds) == 3


def test_floor_on_held_out_digits_drawn_like_a_student(lenet):
    digits, labels = held_out_digits()
    acc = drawn_like_accuracy(lenet.model, digits, labels)
    assert acc >= 0.84, acc  # 0.87 measured (the card's 0.957 is on the data's own 8 x 8 values)
    assert from_card(lenet.card).value >= 0.93
