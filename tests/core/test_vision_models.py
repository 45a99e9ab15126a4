"""torchvision detectors and DeepLab with random weights (nothing downloaded), tiny inputs:
output types and shapes, the overlay, COCO JSON that pycocotools loads, and our NMS on top."""
from dataclasses import replace

import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from torchvision.ops import batched_nms as tv_batched_nms

from core.vision import detect
from core.vision.pretrained import torchvision_models as tvm
from core.vision.coco import coco_dataset, coco_results
from core.vision.types import Detections, Segmentation
from core.viz.overlay import draw_detections, draw_segmentation

H, W = 60, 80


@pytest.fixture(scope="module")
def rgb():
    return np.random.default_rng(0).integers(0, 256, (H, W, 3), dtype=np.uint8)


def _coco_roundtrip(dets: Detections):
    gt = COCO()
    gt.dataset = coco_dataset(dets, W, H, "t.png")
    gt.createIndex()
    assert len(gt.getAnnIds()) == len(dets)
    res = gt.loadRes(coco_results(dets)) if len(dets) else None
    return gt, res


@pytest.mark.parametrize("name,kw", [("fasterrcnn-mobilenet-320", {"box_score_thresh": 0.0}),
                                     ("ssdlite320", {"score_thresh": 0.0})])
def test_random_detector_end_to_end(name, kw, rgb):
    torch.manual_seed(0)
    model = tvm.load(name, pretrained=False, input_size=64, **kw)
    assert len(model.class_names) == 91 and model.class_names[1] == "person"
    dets = model.predict(rgb)
    n = len(dets)
    assert n > 0 and dets.boxes.shape == (n, 4) and dets.boxes.dtype == np.float32
    assert dets.scores.shape == (n,) and dets.labels.dtype == np.int64 and dets.masks is None
    assert np.all(dets.scores[:-1] >= dets.scores[1:])
    assert np.all(dets.boxes[:, 2] <= W + 1e-3) and np.all(dets.boxes[:, 3] <= H + 1e-3)
    # our class-wise NMS on top of the model's loose one equals torchvision's batched_nms
    # (random weights give exact score ties, where either order is right: break them first)
    dets = replace(dets, scores=(dets.scores + np.linspace(1e-4, 0, n)).astype(np.float32))
    out = detect.postprocess(dets, 0.0, 0.3)
    keep = tv_batched_nms(*(torch.from_numpy(a) for a in (dets.boxes, dets.scores, dets.labels)), 0.3).numpy()
    np.testing.assert_array_equal(out.boxes, dets.boxes[keep])
    img = draw_detections(rgb, out)
    assert img.shape == (H, W, 3) and img.dtype == np.uint8 and not np.array_equal(img, rgb)
    gt, res = _coco_roundtrip(out)
    assert len(res.getAnnIds()) == len(out)
    ann = res.loadAnns(res.getAnnIds())[0]
    x, y, w, h = ann["bbox"]
    np.testing.assert_allclose([x, y, x + w, y + h], out.boxes[0], atol=0.01)


@pytest.mark.slow
def test_random_maskrcnn_gives_instance_masks(rgb):
    torch.manual_seed(0)
    model = tvm.load("maskrcnn-resnet50-v2", pretrained=False, input_size=64, box_score_thresh=0.0,
                     box_detections_per_img=8)
    dets = model.predict(rgb)
    n = len(dets)
    assert 0 < n <= 8 and dets.masks.shape == (n, H, W) and dets.masks.dtype == np.float32
    assert 0.0 <= dets.masks.min() and dets.masks.max() <= 1.0
    out = detect.postprocess(dets, 0.0, 0.5)
    assert out.masks.shape == (len(out), H, W)
    img = draw_detections(rgb, out, mask_opacity=1.0)
    assert img.shape == (H, W, 3)
    gt, res = _coco_roundtrip(out)
    from pycocotools import mask as mask_utils

    decoded = np.stack([mask_utils.decode(a["segmentation"]) for a in res.loadAnns(res.getAnnIds())])
    np.testing.assert_array_equal(decoded, out.masks >= 0.5)  # the RLE round-trips exactly


def test_random_deeplab_segments_every_pixel(rgb):
    torch.manual_seed(0)
    model = tvm.load("deeplabv3-mobilenet", pretrained=False, input_size=64)
    assert model.class_names[0] == "__background__" and len(model.class_names) == 21
    seg = model.predict(rgb)
    assert isinstance(seg, Segmentation)
    assert seg.classes.shape == (H, W) and seg.classes.dtype == np.int64
    assert 0 <= seg.classes.min() and seg.classes.max() < 21
    # the argmax equals the model's own logits upsampled by a plain bilinear interpolation
    x = model.preprocess(rgb)
    ref = torch.nn.functional.interpolate(model.model(x)["out"], size=(H, W), mode="bilinear")[0].argmax(0)
    np.testing.assert_array_equal(seg.classes, ref.numpy())
    img = draw_segmentation(rgb, seg, opacity=0.5)
    assert img.shape[0] == H and img.shape[1] > W and img.dtype == np.uint8  # legend strip on the right


def test_build_random_downloads_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub: any download would land here
    tvm.build("ssdlite320", pretrained=False)
    assert not any(tmp_path.rglob("*.pth"))


def test_pretrained_path_loads_a_cached_checkpoint(tmp_path, monkeypatch, rgb):
    """The zoo resolves a cached torchvision checkpoint and detect.load_model builds from it.
    (A random state dict stands in for the real file: same name, same keys, nothing downloaded.)"""
    from core.zoo import get_card, resolve, sources

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    card = get_card("ssdlite320")
    before = resolve(card, "offline").source
    assert before is None or before.kind != "pretrained"
    torch.manual_seed(0)
    state = tvm.build("ssdlite320", pretrained=False).state_dict()
    f = sources.torchvision_file(card.sources[0])
    f.parent.mkdir(parents=True)
    torch.save(state, f)
    model = detect.load_model("ssdlite320", "offline")
    assert model.resolution.source.kind == "pretrained" and not model.fallback and model.uses_nms
    loaded = model.predictor.model.state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in state)
    dets = detect.run_model("ssdlite320", rgb, model=model, score_thr=0.0)
    assert isinstance(dets, Detections) and dets.class_names[1] == "person"


def test_detr_from_pretrained_folder(tmp_path, rgb):
    from core.vision.pretrained.detr import DetrDetector, tiny_random_detr

    tiny = tiny_random_detr()
    tiny.model.save_pretrained(tmp_path)
    again = DetrDetector.from_pretrained(str(tmp_path))
    assert again.class_names == tiny.class_names
    again.cfg = tiny.cfg
    a, b = tiny.predict(rgb), again.predict(rgb)
    np.testing.assert_allclose(a.boxes, b.boxes, atol=1e-4)
