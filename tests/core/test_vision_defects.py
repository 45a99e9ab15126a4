"""Issue 24, section 4 (vision): each defect against its reference. Selective search's similarity terms
per Uijlings et al. 2013 (by hand on banded images), SSD's default boxes for one feature map equal to
torchvision's DefaultBoxGenerator, and YOLO's targets for boxes whose centre lies outside the image
(against torchvision.ops.clip_boxes_to_image and a hand computation of the cell)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torchvision import ops
from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
from torchvision.models.detection.image_list import ImageList

from core.vision.internals import selective_search as ss
from core.vision.internals.anchors import default_box_scales, default_boxes
from core.vision.shapes.models.yolov1 import YoloConfig, build_targets

RED, BLUE, GREEN = (200, 30, 30), (20, 40, 220), (90, 210, 120)  # different colour bins in every channel


def _bands(colours, width=20, height=30):
    """An image of vertical bands and its labels (band k = region k)."""
    img = np.concatenate([np.full((height, width, 3), c, np.uint8) for c in colours], axis=1)
    labels = np.repeat(np.arange(len(colours)), width)[None].repeat(height, 0)
    return img, labels


def _colour_hist_by_hand(pixels: np.ndarray) -> np.ndarray:
    """The paper's colour histogram: 25 bins per channel over 0..255, the 75 bins L1-normalised."""
    h = np.concatenate([np.histogram(pixels[:, c], bins=25, range=(0, 256))[0] for c in range(3)]).astype(float)
    return h / h.sum()


def test_selective_search_terms_follow_the_paper_on_bands():
    img, labels = _bands([RED, RED, BLUE, GREEN])
    size, bbox, colour, texture = ss._regions(img, labels)
    for k in range(4):
        np.testing.assert_allclose(colour[k], _colour_hist_by_hand(img[labels == k]))
        assert colour[k].sum() == pytest.approx(1) and texture[k].sum() == pytest.approx(1)
    im = labels.size  # 2400 pixels, 600 per band

    def terms(i, j):
        return ss.similarity(colour[i], colour[j], texture[i], texture[j], size[i], size[j], bbox[i], bbox[j], im)

    same, apart = terms(0, 1), terms(0, 2)
    assert same["colour"] == pytest.approx(1.0)  # identical colour: 1 (the old code gave 1/3)
    assert apart["colour"] == pytest.approx(0.0)  # no common bin in any channel
    assert same["size"] == pytest.approx(1 - 1200 / 2400) == apart["size"]
    assert same["fill"] == pytest.approx(1.0)  # adjacent bands fill their joint box exactly
    assert apart["fill"] == pytest.approx(1 - (1800 - 1200) / 2400)  # a band-wide gap between them
    assert terms(0, 3)["fill"] == pytest.approx(1 - (2400 - 1200) / 2400)
    for i in range(4):
        for j in set(range(4)) - {i}:  # two different regions
            assert all(0.0 <= v <= 1.0 + 1e-12 for v in terms(i, j).values())
        assert terms(i, i)["colour"] == pytest.approx(1) and terms(i, i)["texture"] == pytest.approx(1)


def test_the_texture_term_tells_stripes_from_halves_of_the_same_colours():
    """Same colour histogram, different texture: colour says 1, texture says less."""
    stripes = np.zeros((40, 40, 3), np.uint8)
    stripes[:, ::4] = stripes[:, 1::4] = RED
    stripes[:, 2::4] = stripes[:, 3::4] = BLUE
    halves = np.zeros((40, 40, 3), np.uint8)
    halves[:, :20], halves[:, 20:] = RED, BLUE
    img = np.concatenate([stripes, halves], axis=1)
    labels = np.repeat([0, 1], 40)[None].repeat(40, 0)
    size, bbox, colour, texture = ss._regions(img, labels)
    t = ss.similarity(colour[0], colour[1], texture[0], texture[1], size[0], size[1], bbox[0], bbox[1], labels.size)
    assert t["colour"] == pytest.approx(1.0)
    assert t["texture"] < 0.8


def test_the_first_merges_join_the_most_similar_bands():
    img, labels = _bands([RED, BLUE, BLUE, GREEN, GREEN, GREEN])
    trace = []
    boxes, level = ss.group(img, labels, trace)
    colour_of = {0: "red", 1: "blue", 2: "blue", 3: "green", 4: "green", 5: "green"}
    for k, (i, j, t) in enumerate(trace[:3]):  # the three merges inside same-colour runs come first
        assert colour_of[i] == colour_of[j] and t["colour"] == pytest.approx(1) and t["fill"] == pytest.approx(1)
        colour_of[6 + k] = colour_of[i]  # region 6 + k is the k-th merge
    assert trace[3][2]["colour"] == pytest.approx(0)  # then different colours meet
    assert len(trace) == 5 and level.max() == 5  # n - 1 merges, one region at the end
    np.testing.assert_array_equal(boxes[-1], [0, 0, 120, 30])
    assert all(0 <= v <= 1 + 1e-12 for _, _, t in trace for v in t.values())


def test_selective_search_terms_stay_in_range_on_a_photo():
    from skimage import data
    from skimage.segmentation import felzenszwalb

    img = data.astronaut()[::8, ::8]
    trace = []
    ss.group(img, felzenszwalb(img, scale=100, sigma=0.8, min_size=20), trace)
    values = np.array([[t[k] for k in ("colour", "texture", "size", "fill")] for _, _, t in trace])
    assert values.min() >= 0 and values.max() <= 1 + 1e-12 and len(values) > 10
    assert values[:, 0].max() > 0.5 and values[:, 1].max() > 0.5  # the terms do vary, not stuck at 0


@pytest.mark.parametrize("image,fmap,ratios", [((300, 300), (19, 19), [[2]]), ((128, 96), (8, 6), [[2, 3]]),
                                               ((64, 64), (1, 1), [[]])])
def test_ssd_default_boxes_for_one_feature_map_equal_torchvision(image, fmap, ratios):
    gen = DefaultBoxGenerator(ratios)  # default scales: min 0.15, max 0.9
    ref = gen(ImageList(torch.zeros(1, 3, *image), [image]), [torch.zeros(1, 8, *fmap)])[0]
    ours, level = default_boxes([fmap], image, ratios)
    torch.testing.assert_close(ours, ref)
    assert default_box_scales(1) == pytest.approx(gen.scales) == [0.15, 0.9]
    assert level.eq(0).all()


def _cell_by_hand(box, cfg):
    """The responsible cell of a box: its visible part's centre (torchvision's clip), floored to the grid."""
    b = ops.clip_boxes_to_image(torch.tensor([box], dtype=torch.float32), (cfg.image_size, cfg.image_size))[0]
    cx, cy = float(b[0] + b[2]) / 2, float(b[1] + b[3]) / 2
    cell = cfg.image_size / cfg.S
    return min(math.floor(cy / cell), cfg.S - 1), min(math.floor(cx / cell), cfg.S - 1), b


@pytest.mark.parametrize("box", [[-40.0, 10, 20, 50], [100, -30, 140, 10], [110, 110, 150, 160],
                                 [-20, -20, 10, 200], [60, 60, 80, 80]])
def test_yolo_targets_for_boxes_reaching_past_the_image(box):
    cfg = YoloConfig()
    has, tbox, xyxy, cls = build_targets([np.array([box], np.float32)], [np.array([2])], cfg)
    i, j, visible = _cell_by_hand(box, cfg)
    assert has.sum() == 1 and bool(has[0, i, j])  # the cell holding the visible part's centre, nothing else
    torch.testing.assert_close(xyxy[0, i, j], visible)
    x, y, sw, sh = tbox[0, i, j].tolist()
    assert 0 <= x <= 1 and 0 <= y <= 1  # an offset inside its cell, as the sigmoid head can produce
    assert sw == pytest.approx(math.sqrt(float(visible[2] - visible[0]) / cfg.image_size))
    assert sh == pytest.approx(math.sqrt(float(visible[3] - visible[1]) / cfg.image_size))
    assert cls[0, i, j, 2] == 1


def test_a_box_wholly_outside_the_image_has_no_target():
    cfg = YoloConfig()
    has, *_ = build_targets([np.array([[-50.0, 10, -10, 40], [130, 130, 170, 150]], np.float32)],
                            [np.array([0, 1])], cfg)
    assert not has.any()
