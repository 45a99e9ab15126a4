"""Overlay drawing and COCO export, checked pixel by pixel and against pycocotools."""
import io

import numpy as np
from PIL import Image
from pycocotools.coco import COCO

from core.vision.coco import COCO_CLASSES, COCO_IDS, category_ids, coco_dataset, coco_results
from core.vision.types import Detections, Segmentation
from core.viz.overlay import blend_masks, draw_detections, draw_segmentation, encode_png, legend_entries, palette


def _dets(masks=None):
    return Detections(np.array([[10, 20, 50, 60], [60, 10, 90, 40]], np.float32), np.array([0.9, 0.4], np.float32),
                      np.array([0, 2], np.int64), ["person", "bicycle", "car"], masks)


def test_box_outline_has_the_class_colour():
    rgb = np.zeros((80, 100, 3), np.uint8)
    out = draw_detections(rgb, _dets(), line_width=2)
    pal = palette(3)
    assert out[50, 10].tolist() == pal[0].tolist()  # left edge of box 0, below its tag
    assert out[30, 90].tolist() == pal[2].tolist() or out[30, 89].tolist() == pal[2].tolist()
    assert out[40, 30].tolist() == [0, 0, 0]  # inside the box: untouched
    assert rgb.max() == 0  # the input is not painted on


def test_masks_blend_with_the_given_opacity():
    rgb = np.full((80, 100, 3), 100, np.uint8)
    masks = np.zeros((2, 80, 100), np.float32)
    masks[0, 30:40, 20:30] = 0.9
    out = draw_detections(rgb, _dets(masks), mask_opacity=0.5)
    expect = np.round(0.5 * 100 + 0.5 * palette(3)[0].astype(float))
    assert out[35, 25].tolist() == expect.tolist()
    assert out[5, 5].tolist() == [100, 100, 100]
    np.testing.assert_array_equal(blend_masks(rgb, masks[:1] > 0.5, palette(1), 0.0), rgb)


def test_segmentation_colours_classes_and_lists_them_in_a_legend():
    classes = np.zeros((40, 60), np.int64)
    classes[:, 30:] = 2
    seg = Segmentation(classes, ["__background__", "cat", "dog"])
    rows = legend_entries(seg)
    assert [(r[0], round(r[2], 2)) for r in rows] == [("__background__", 0.5), ("dog", 0.5)]
    rgb = np.full((40, 60, 3), 50, np.uint8)
    out = draw_segmentation(rgb, seg, opacity=1.0)
    assert out.shape[0] == 40 and out.shape[1] > 60
    assert out[10, 5].tolist() == [50, 50, 50]  # background stays clear
    assert out[10, 45].tolist() == palette(3)[2].tolist()
    assert draw_segmentation(rgb, seg, legend=False).shape == rgb.shape


def test_png_round_trip():
    img = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    back = np.asarray(Image.open(io.BytesIO(encode_png(img))))
    np.testing.assert_array_equal(back, img)


def test_category_ids_follow_the_official_coco_numbering():
    assert len(COCO_CLASSES) == len(COCO_IDS) == 80
    assert category_ids(["person", "toothbrush", "motorbike"]) == [1, 90, 4]
    tv = ["__background__", "person", "N/A", "stop sign"]
    assert category_ids(tv) == [1000, 1, 1002, 13]  # no collision between "N/A" and a real id
    assert category_ids(["circle", "square"]) == [1, 2]  # a non-COCO list: 1-based


def test_coco_json_loads_in_pycocotools():
    dets = _dets()
    gt = COCO()
    gt.dataset = coco_dataset(dets, 100, 80, "x.png")
    gt.createIndex()
    assert gt.loadImgs(1)[0]["width"] == 100
    ann = gt.loadAnns(gt.getAnnIds(catIds=[3]))[0]
    assert ann["bbox"] == [60.0, 10.0, 30.0, 30.0] and ann["score"] == 0.4 and ann["area"] == 900
    res = gt.loadRes(coco_results(dets))
    assert sorted(a["category_id"] for a in res.loadAnns(res.getAnnIds())) == [1, 3]


def test_background_gets_no_colour_and_no_legend_swatch():
    seg = Segmentation(np.zeros((40, 60), np.int64), ["__background__", "cat"])
    rgb = np.full((40, 60, 3), 50, np.uint8)
    out = draw_segmentation(rgb, seg, opacity=1.0)
    np.testing.assert_array_equal(out[:, :60], rgb)
    assert np.all(out[:, 60:] == 255)  # an empty legend: nothing but white


def test_colliding_labels_are_laid_out_apart():
    from core.viz.overlay import _place_tag

    placed = []
    for box in ([20, 30, 80, 90], [21, 31, 81, 91], [22, 30, 79, 92], [20, 30, 80, 90]):  # near-identical boxes
        x, y = _place_tag(box, 50, 14, 200, 200, placed)
        placed.append((x, y, x + 50, y + 14))
    for i, a in enumerate(placed):
        assert 0 <= a[0] and a[2] <= 200 and 0 <= a[1] and a[3] <= 200
        for b in placed[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
