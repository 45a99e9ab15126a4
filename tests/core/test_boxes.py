"""core.vision.boxes, the one box vocabulary, against torchvision.ops: formats, IoU, GIoU and NMS on
torch tensors and NumPy arrays, degenerate and empty inputs included; and no second home for them."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision import ops

from core.vision import boxes as B

ROOT = Path(__file__).resolve().parents[2]


def _random_boxes(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    cxcywh = torch.rand(n, 4, generator=g) * torch.tensor([100.0, 80, 40, 30])
    return ops.box_convert(cxcywh, "cxcywh", "xyxy")


@pytest.mark.parametrize("in_fmt", B.FORMATS)
@pytest.mark.parametrize("out_fmt", B.FORMATS)
def test_box_convert_equals_torchvision_for_tensors_and_arrays(in_fmt, out_fmt):
    x = _random_boxes(9, 0)
    ref = ops.box_convert(x, in_fmt, out_fmt)
    torch.testing.assert_close(B.box_convert(x, in_fmt, out_fmt), ref)
    arr = B.box_convert(x.numpy(), in_fmt, out_fmt)
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float32
    np.testing.assert_allclose(arr, ref.numpy(), rtol=1e-6)
    back = B.box_convert(B.box_convert(x, in_fmt, out_fmt), out_fmt, in_fmt)
    torch.testing.assert_close(back, x)
    assert B.box_convert(x[None, :3], in_fmt, out_fmt).shape == (1, 3, 4)  # any leading shape


def test_box_convert_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="formats"):
        B.box_convert(torch.zeros(1, 4), "xyxy", "yolo")


def test_iou_and_giou_equal_torchvision_and_stay_finite():
    a, b = _random_boxes(7, 1), _random_boxes(5, 2)
    b[0] = a[0]  # identical
    b[1] = torch.tensor([200.0, 200, 210, 220])  # far away: IoU 0, GIoU < 0
    torch.testing.assert_close(B.box_iou(a, b), ops.box_iou(a, b))
    torch.testing.assert_close(B.generalized_box_iou(a, b), ops.generalized_box_iou(a, b))
    np.testing.assert_allclose(B.box_iou(a.numpy(), b.numpy()), ops.box_iou(a, b).numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(B.generalized_box_iou(a.numpy(), b.numpy()), ops.generalized_box_iou(a, b).numpy(),
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(B.elementwise_iou(a[:5], b), torch.diag(ops.box_iou(a[:5], b)))
    torch.testing.assert_close(B.elementwise_giou(a[:5], b), torch.diag(ops.generalized_box_iou(a[:5], b)))
    point = torch.tensor([[5.0, 5, 5, 5]])  # a degenerate box: torchvision divides 0 by 0
    assert B.box_iou(point, point).item() == 0 and torch.isfinite(B.generalized_box_iou(point, point)).all()
    assert B.box_iou(torch.zeros(0, 4), b).shape == (0, 5)


def test_elementwise_iou_keeps_the_gradient():
    a = _random_boxes(4, 3).requires_grad_(True)
    B.elementwise_giou(a, _random_boxes(4, 4)).sum().backward()
    assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0


@pytest.mark.parametrize("n", [0, 1, 6, 40, 300])
def test_nms_and_batched_nms_equal_torchvision(n):
    boxes = _random_boxes(n, n)
    g = torch.Generator().manual_seed(n + 1)
    scores = torch.randint(0, 4, (n,), generator=g).float() / 4  # many exact ties
    labels = torch.randint(0, 3, (n,), generator=g)
    for thr in (0.3, 0.5, 0.7):
        ref = ops.nms(boxes, scores, thr)
        assert torch.equal(B.nms(boxes, scores, thr), ref)
        np.testing.assert_array_equal(B.nms(boxes.numpy(), scores.numpy(), thr), ref.numpy())
        ref = ops.batched_nms(boxes, scores, labels, thr)
        assert torch.equal(B.batched_nms(boxes, scores, labels, thr), ref)
        np.testing.assert_array_equal(B.batched_nms(boxes.numpy(), scores.numpy(), labels.numpy(), thr), ref.numpy())


def test_the_teaching_copies_equal_the_runtime():
    from core.vision.internals.iou import box_iou, generalized_box_iou
    from core.vision.internals.nms import nms_steps

    a, b = _random_boxes(8, 5), _random_boxes(6, 6)
    torch.testing.assert_close(box_iou(a, b), B.box_iou(a, b))
    torch.testing.assert_close(generalized_box_iou(a, b), B.generalized_box_iou(a, b))
    scores = torch.rand(8, generator=torch.Generator().manual_seed(7))
    assert torch.equal(nms_steps(a, scores, 0.4)[0], B.nms(a, scores, 0.4))


BOX_IDEAS = {"box_iou", "_box_iou", "iou", "box_area", "generalized_box_iou", "giou", "elementwise_iou", "nms",
             "batched_nms", "box_convert", "cxcywh_to_xyxy", "xyxy_to_cxcywh", "to_xyxy", "to_cxcywh", "boxes_to_xyxy"}


def _is_teaching_copy(path: Path) -> bool:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return doc.startswith("TEACHING COPY")


def test_one_home_for_box_formats_overlaps_and_nms():
    """Outside core/vision/boxes.py only the files marked "TEACHING COPY" (held equal above) define them."""
    homes = []
    for path in sorted((ROOT / "core").rglob("*.py")) + sorted((ROOT / "app_pages").rglob("*.py")):
        if path == ROOT / "core/vision/boxes.py" or _is_teaching_copy(path):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in BOX_IDEAS:
                homes.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert homes == [], "use core.vision.boxes instead of:\n" + "\n".join(homes)
