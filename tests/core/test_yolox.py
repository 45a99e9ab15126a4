"""YOLOX: letterbox, grid decode, NMS against torchvision, and the real nano weights on the samples."""
import numpy as np
import pytest
import torch
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import box_iou
from torchvision.ops import nms as tv_nms

from core.vision import boxes as box_ops
from core.vision.pretrained import yolox
from core.vision.coco import COCO_CLASSES
from core.vision.samples import load_sample
from core.zoo import get_card, local_path, resolve

# Checked by eye once on the rendered overlays (tight box around the object, image pixels, xyxy).
EYE_BOXES = {
    "astronaut": ("person", [15, 15, 365, 512]),
    "chelsea": ("cat", [0, 0, 451, 300]),
    "coffee": ("cup", [170, 15, 422, 300]),
    "motorcycle_left": ("motorcycle", [100, 70, 700, 448]),
}


@pytest.fixture(scope="module")
def detector():
    res = resolve(get_card("yolox-nano"), "offline")
    if res.source is None or res.source.kind != "pretrained":
        pytest.skip("yolox_nano.onnx is not in KEYPOINT_ONNX_DIR")
    return yolox.YoloxDetector(local_path(res.source))


def test_letterbox_is_bgr_top_left_padded_with_114():
    rgb = np.zeros((100, 200, 3), np.uint8)
    rgb[..., 0] = 10  # R
    rgb[..., 2] = 200  # B
    blob, r = yolox.letterbox(rgb, 416)
    assert blob.shape == (1, 3, 416, 416) and blob.dtype == np.float32
    assert r == pytest.approx(416 / 200)
    assert blob[0, :, 10, 10].tolist() == [200, 0, 10]  # BGR, 0..255, not normalised
    assert np.all(blob[0, :, 208:, :] == 114)  # padding below the resized 208-pixel-high image
    assert np.all(blob[0, :, :208, :] != 114)


def test_grid_matches_head_layout():
    grid, stride = yolox.make_grid(416)
    assert grid.shape == (52 * 52 + 26 * 26 + 13 * 13, 2)
    assert grid[1].tolist() == [1, 0] and grid[52].tolist() == [0, 1]  # row-major, x fastest
    assert stride[0, 0] == 8 and stride[52 * 52, 0] == 16 and stride[-1, 0] == 32
    assert grid[-1].tolist() == [12, 12]


def test_decode_inverts_a_known_box():
    raw = np.zeros((3549, 85), np.float32)
    a = 52 * 52 + 26 * 3 + 5  # stride-16 cell (x=5, y=3)
    raw[a, :4] = [0.5, 0.25, np.log(2.0), np.log(3.0)]  # centre offset, log-size in cells
    raw[a, 4], raw[a, 5 + 15] = 0.8, 0.5
    boxes, scores, labels = yolox.decode(raw, 416)
    cx, cy, w, h = 5.5 * 16, 3.25 * 16, 2 * 16, 3 * 16
    np.testing.assert_allclose(boxes[a], [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], rtol=1e-6)
    assert scores[a] == pytest.approx(0.4) and labels[a] == 15


def _random_boxes(n, seed):
    g = np.random.default_rng(seed)
    xy = g.uniform(0, 300, (n, 2))
    wh = g.uniform(5, 120, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32), g.random(n).astype(np.float32), g.integers(0, 4, n)


@pytest.mark.parametrize("iou", [0.3, 0.5, 0.7])
def test_nms_equals_torchvision(iou):
    boxes, scores, labels = _random_boxes(300, int(iou * 10))
    ours = box_ops.nms(boxes, scores, iou)
    ref = tv_nms(torch.from_numpy(boxes), torch.from_numpy(scores), iou).numpy()
    assert ours.tolist() == ref.tolist()
    ours_b = box_ops.batched_nms(boxes, scores, labels, iou)
    ref_b = tv_batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(labels), iou).numpy()
    assert ours_b.tolist() == ref_b.tolist()


@pytest.mark.parametrize("sample", list(EYE_BOXES))
def test_real_yolox_nano_finds_the_object(detector, sample):
    from core.vision.detect import DEFAULT_NMS_IOU, DEFAULT_SCORE_THR

    rgb = load_sample(sample)
    dets = detector.predict(rgb, nms_iou=DEFAULT_NMS_IOU).filter(DEFAULT_SCORE_THR)
    cls, eye = EYE_BOXES[sample]
    found = dets.boxes[dets.labels == COCO_CLASSES.index(cls)]
    assert len(found), f"no {cls} in {sample}: {[COCO_CLASSES[l] for l in dets.labels]}"
    iou = box_iou(torch.from_numpy(found), torch.tensor([eye], dtype=torch.float32)).max().item()
    assert iou >= 0.5, (sample, found, iou)


@pytest.mark.parametrize("sample", ["astronaut", "motorcycle_left"])
def test_our_postprocessing_equals_torchvision_batched_nms_on_real_candidates(detector, sample):
    rgb = load_sample(sample)
    cand = detector.predict(rgb)  # decoded, thresholded at the floor, before NMS
    assert len(cand) > 20  # a real image gives many overlapping candidates
    ours = detector.predict(rgb, nms_iou=0.45)
    keep = tv_batched_nms(torch.from_numpy(cand.boxes), torch.from_numpy(cand.scores),
                          torch.from_numpy(cand.labels), 0.45).numpy()
    np.testing.assert_array_equal(ours.boxes, cand.boxes[keep])
    np.testing.assert_array_equal(ours.labels, cand.labels[keep])
    assert len(ours) < len(cand)


def test_blank_image_gives_nothing_confident(detector):
    dets = detector.predict(np.full((240, 320, 3), 114, np.uint8), nms_iou=0.45).filter(0.3)
    assert len(dets) == 0
