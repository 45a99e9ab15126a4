"""Drawn objects -> boxes and points in image and feature-map coordinates (core.vision.draw.canvas); a drawn
RoI pooled exactly as torchvision.ops.roi_pool / roi_align pool that box."""
import numpy as np
import pytest
import torch
from torchvision.ops import roi_align as tv_align
from torchvision.ops import roi_pool as tv_pool

from core.vision.draw.canvas import Scale, cell_of, check_boxes, last_box, points, rect_drawing, rects
from core.vision.internals.roi import roi_align, roi_pool


def _rect(left, top, w, h, **kw):
    return {"type": "Rect", "left": left, "top": top, "width": w, "height": h, **kw}


def test_rects_scale_origin_and_direction():
    js = {"objects": [_rect(30, 60, 90, 30),  # plain
                      _rect(30, 60, 45, 15, scaleX=2, scaleY=2),  # resized on the canvas: same box
                      _rect(75, 75, 90, 30, originX="center", originY="center"),  # centre origin: same box
                      _rect(120, 90, -90, -30),  # dragged right to left, bottom to top: same box
                      {"type": "Path", "path": []}]}  # not a rectangle
    b = rects(js, Scale.fit((384, 384), (128, 128)))  # canvas 3x the image
    assert b.shape == (4, 4)
    np.testing.assert_allclose(b, np.tile([10, 20, 40, 30], (4, 1)))
    assert rects(None, Scale(1, 1)).shape == (0, 4)
    np.testing.assert_allclose(rects(rect_drawing(b[:1], Scale(1 / 3, 1 / 3)), Scale(1 / 3, 1 / 3)), b[:1])  # round trip


def test_points_are_circle_centres():
    # the component's point tool: left = x - (radius + strokeWidth / 2), originY centre (a click at (100, 50))
    js = {"objects": [{"type": "Circle", "left": 94, "top": 50, "width": 10, "height": 10, "radius": 5,
                       "strokeWidth": 2, "originX": "left", "originY": "center"},
                      {"type": "Circle", "left": 100, "top": 50, "width": 10, "height": 10, "originX": "center",
                       "originY": "center"}]}
    np.testing.assert_allclose(points(js, Scale(0.5, 0.5)), [[50, 25], [50, 25]])
    assert cell_of(np.array([50, 25]), 8, (16, 16)) == (3, 6)
    assert cell_of(np.array([-5, 999]), 8, (16, 16)) == (15, 0)  # outside: the nearest cell


def test_bad_boxes_get_a_line_never_an_exception():
    c = check_boxes(np.array([[10, 10, 10, 50],  # zero width
                              [50, 60, 20, 30],  # right to left: kept, put right
                              [200, 200, 300, 300],  # outside
                              [-20, -20, 30, 30]]), 128, 128)  # partly outside: clipped
    np.testing.assert_allclose(c.boxes, [[20, 30, 50, 60], [0, 0, 30, 30]])
    assert c.kept.tolist() == [1, 3] and len(c.notes) == 2
    many = check_boxes(np.tile([[1, 1, 20, 20]], (200, 1)), 128, 128)
    assert len(many.boxes) == 50 and "200 boxes" in many.notes[0]
    assert check_boxes(np.zeros((0, 4)), 128, 128).boxes.shape == (0, 4)
    s = Scale(1, 1)
    assert last_box({"objects": []}, s, 128, 128).box is None
    assert "narrower" in last_box({"objects": [_rect(5, 5, 0, 40)]}, s, 128, 128).note  # a click, not a drag
    assert "outside" in last_box({"objects": [_rect(500, 500, 40, 40)]}, s, 128, 128).note
    edge = last_box({"objects": [_rect(100, 100, 60, 60)]}, s, 128, 128)
    assert edge.box.tolist() == [100, 100, 128, 128] and "edge" in edge.note


@pytest.mark.parametrize("rect", [_rect(63, 51, 159, 132), _rect(200, 10, -150, 100), _rect(3, 5, 370, 360)])
def test_a_drawn_roi_pools_as_torchvision_pools_that_box(rect):
    g = torch.Generator().manual_seed(0)
    fmap = torch.randn(3, 32, 32, generator=g)  # stride 4 over a 128 px picture
    drawn = last_box({"objects": [rect]}, Scale.fit((384, 384), (128, 128)), 128, 128, spatial_scale=0.25)
    np.testing.assert_allclose(drawn.cells, drawn.box * 0.25)
    box = torch.tensor(drawn.box, dtype=torch.float32)
    rois = torch.cat([torch.zeros(1), box])[None]  # [1, 5] (batch index, x1, y1, x2, y2)
    pooled, _ = roi_pool(fmap, box, 4, 0.25)
    aligned, _ = roi_align(fmap, box, 4, spatial_scale=0.25, sampling_ratio=2)
    torch.testing.assert_close(pooled, tv_pool(fmap[None], rois, 4, 0.25)[0])
    torch.testing.assert_close(aligned, tv_align(fmap[None], rois, 4, 0.25, 2, aligned=True)[0], atol=1e-5, rtol=1e-5)


def test_drawn_ground_truth_keeps_labelled_boxes_and_says_why_others_go():
    from core.vision.draw.canvas import labelled_boxes

    js = {"objects": [{"type": "LabeledRect", "label": "cat", "left": 10, "top": 10, "width": 40, "height": 40},
                      {"type": "LabeledRect", "label": "", "left": 60, "top": 10, "width": 40, "height": 40},
                      {"type": "LabeledRect", "label": "unicorn", "left": 10, "top": 60, "width": 40, "height": 40},
                      {"type": "LabeledRect", "label": "dog", "left": 90, "top": 90, "width": -30, "height": -20},
                      {"type": "LabeledRect", "label": "dog", "left": 900, "top": 900, "width": 30, "height": 30}]}
    gt = labelled_boxes(js, Scale(2, 2), ["cat", "dog"], 256, 256)
    np.testing.assert_allclose(gt.boxes, [[20, 20, 100, 100], [120, 140, 180, 180]])
    assert gt.labels.tolist() == [0, 1]
    text = " ".join(gt.notes)
    assert "outside" in text and "Box 2 has no class" in text and "'unicorn'" in text
    many = {"objects": [{"type": "LabeledRect", "label": "cat", "left": i % 50, "top": 5, "width": 30, "height": 30}
                        for i in range(200)]}
    gt = labelled_boxes(many, Scale(1, 1), ["cat"], 256, 256)
    assert len(gt.boxes) == 50 and "200 boxes" in gt.notes[0]
    assert labelled_boxes(None, Scale(1, 1), ["cat"], 10, 10).boxes.shape == (0, 4)
