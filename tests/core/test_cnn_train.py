"""CNN training: the event generator, short runs that lower the loss, the live pair, and the bundled
weights reaching the held-out accuracy their cards record."""
import dataclasses
import json

import pytest
import torch

from core.live import LiveRun
from core.vision.cnn import data as cnn_data
from core.vision.cnn.classifiers import CARD_NAMES, load_classifier
from core.vision.cnn.explore import PRESETS, first_correct, shapes_samples, start_pair
from core.vision.cnn.loop import TrainConfig, accuracy, flip_batch, train
from core.vision.cnn.registry import build
from core.vision.cnn.train import held_out
from core.vision.cnn.weights import ASSETS, bundled_stems, load_bundled
from core.zoo.record import read_record

MARGIN = 0.03  # the recorded accuracy minus this is the floor (same images, float16 weights)


@pytest.fixture(scope="module")
def digits():
    return cnn_data.load("digits", n_test=100, size=28, seed=0)


def test_events_and_evaluation_steps(digits):
    torch.manual_seed(0)
    events = list(train(build("lenet_bn", 1, 10, 28), digits, TrainConfig(steps=6, batch=16, eval_every=3)))
    assert [e.step for e in events] == list(range(1, 7))
    assert [e.test_acc is not None for e in events] == [True, False, True, False, False, True]
    names = [n for n, _, _ in events[0].act]
    assert names and all(n.split(".")[0].isdigit() for n in names)  # the sigmoid rows of the table
    assert all(e.grad_first > 0 for e in events)


def test_flips_keep_images_and_labels():
    x = torch.arange(2 * 1 * 3 * 3, dtype=torch.float32).view(2, 1, 3, 3)
    y = flip_batch(x, torch.Generator().manual_seed(0))
    for a, b in zip(x, y):
        assert any(torch.equal(b, f) for f in (a, a.flip(2), a.flip(1), a.flip(1).flip(2)))


@pytest.fixture(scope="module")
def tiny(digits):
    """32 digits at 16 x 16: a fixed set every network can start fitting in a few steps."""
    d = cnn_data.load("digits", n_test=32, size=16, seed=0)
    return dataclasses.replace(d, x_train=d.x_train[:32], y_train=d.y_train[:32])


@pytest.mark.slow
@pytest.mark.parametrize("name,steps", [("lenet_bn", 15), ("alexnet_small", 40), ("vgg_small_bn", 15), ("nin_small", 50),
                                        ("googlenet_small", 30), ("resnet_small", 15), ("densenet_small", 15)])
def test_a_short_run_lowers_the_loss(tiny, name, steps):
    torch.manual_seed(0)
    model = build(name, 1, 10, 16)
    losses = [e.loss for e in train(model, tiny, TrainConfig(steps=steps, batch=32, lr=0.003, eval_every=1000), seed=1)]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.05, losses


def test_live_pair_runs_in_lockstep_and_stops(digits):
    p = PRESETS["LeNet-5 with and without batch norm (digits)"]
    run = LiveRun(start_pair(digits, p.left, p.right, TrainConfig(steps=5, batch=16, eval_every=2)), p.cfg)
    run.advance(max_events=3)
    assert len(run.history) == 3 and set(run.history[0]) == {"LeNet-5 (sigmoid)", "LeNet-5 + BN"}
    a, b = run.history[0].values()
    assert a.step == b.step == 1
    run.stop()
    assert run.over and not run.advance()


def test_plain_stack_starves_its_first_layer_residual_does_not(digits):
    p = PRESETS["Plain stack vs residual, 21 conv layers (digits)"]
    first = next(start_pair(digits, p.left, p.right, TrainConfig(steps=1, batch=16)))
    plain, res = first["Plain stack, 21 conv"], first["Residual stack, 21 conv"]
    assert plain.grad_first < 1e-3 * res.grad_first


@pytest.mark.slow
def test_every_bundled_net_reaches_its_recorded_accuracy():
    stems = bundled_stems()
    assert len(stems) >= 8, stems
    total = sum((ASSETS / f"{s}.safetensors").stat().st_size for s in stems)
    assert total < 3e6, total
    for stem in stems:
        card = json.loads((ASSETS / f"{stem}.json").read_text())
        record = read_record(ASSETS / f"{stem}.json")
        assert record.metric == "accuracy" and record.steps > 0 and record.wall_time_s > 0
        clf = load_bundled(stem)
        x, y = held_out(card)
        assert len(y) == record.n_held_out
        acc = accuracy(clf.model, x, y)
        assert acc >= record.value - MARGIN, (stem, acc, record.value)


def test_offline_cards_resolve_to_bundled_and_default_image_is_right():
    for name in CARD_NAMES:
        clf, res = load_classifier(name, "offline")
        assert res.source.kind == "bundled" and not clf.imagenet
    clf, _ = load_classifier("cnn-resnet18", "offline")
    images, labels, _ = shapes_samples()
    i = first_correct(clf, images, labels)
    p = clf.model(clf.prepare(images[i])).softmax(1)[0]
    assert int(p.argmax()) == int(labels[i]) and float(p.max()) >= 0.6
