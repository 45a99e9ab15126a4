"""The internals traces on the bundled ShapesWorld models: each intermediate tensor is the model's own
(checked against the model's own outputs, torchvision.ops and a hand computation), and selective search
covers the ShapesWorld objects."""
from functools import lru_cache

import numpy as np
import torch
from torchvision import ops

from core.vision.shapes.generator import ShapesConfig, generate
from core.vision.shapes.weights import load_shapes_model

SELECTIVE_SEARCH_RECALL_FLOOR = 0.9  # recall@0.5 over 8 ShapesWorld images; measured 1.00 (Dec 2026)


@lru_cache(maxsize=None)
def model(family):
    return load_shapes_model(family)


def scene(seed=0, easy=True):
    return generate(1, seed=seed, cfg=ShapesConfig(easy=easy))[0]


def test_rpn_trace_is_the_models_own_proposals():
    from core.vision.internals.anchors import anchor_grid
    from core.vision.internals.rpn import anchors_of_cell, rpn_trace

    m = model("frcnn").model
    for seed in range(3):
        tr = rpn_trace(m, scene(seed).image)
        keep = ops.nms(torch.from_numpy(tr.before), torch.from_numpy(tr.before_scores), tr.nms_iou)
        keep = keep[: m.rpn.post_nms_top_n()].numpy()
        np.testing.assert_allclose(tr.before[keep], tr.after, rtol=1e-6)  # after = NMS(before), top-n
        assert len(tr.after) < len(tr.before)
    cfg = m.rpn.anchor_generator
    torch.testing.assert_close(torch.from_numpy(tr.anchors),
                               anchor_grid(tr.image_size, tr.feature_size, cfg.sizes[0], cfg.aspect_ratios[0]))
    idx = anchors_of_cell(tr, 10, 7)
    centres = (tr.anchors[idx, :2] + tr.anchors[idx, 2:]) / 2
    assert np.allclose(centres, [7 * 4, 10 * 4])  # torchvision centres a cell's anchors on its top-left corner


def test_yolo_grid_candidates_decode_to_the_models_detections():
    from core.vision.boxes import batched_nms
    from core.vision.internals.yolo import yolo_grid

    yolo = model("yolo")
    s = scene(1)
    grid = yolo_grid(yolo.model, s.image, s.boxes)
    assert grid.boxes.shape == (8, 8, 2, 4) and grid.probs.shape == (8, 8, 5)
    np.testing.assert_allclose(grid.probs.sum(-1), 1, atol=1e-5)
    cells = ((s.boxes[:, :2] + s.boxes[:, 2:]) / 2 // 16).astype(int)  # the centre's cell is responsible
    assert {(int(y), int(x)) for x, y in cells} == set(zip(*np.nonzero(grid.responsible)))
    cand = grid.candidates()
    assert len(cand) == 8 * 8 * 2
    c = cand.filter(0.05 + 1e-9)
    k = batched_nms(c.boxes, c.scores, c.labels, 0.5)
    ours = yolo._fam.predict(yolo.model, s.image[None])[0]  # the family's own decode (per-class NMS at 0.5)
    np.testing.assert_allclose(np.sort(c.scores[k]), np.sort(ours.scores), rtol=1e-5)


def test_detr_cross_attention_is_a_softmax_over_the_cells_and_matches_a_hand_computation():
    from core.vision.internals.detr import detr_trace

    detr = model("detr")
    s = scene(2)
    tr = detr_trace(detr.model, s.image)
    L, Q, h, w = tr.attention.shape
    assert (L, Q, h, w) == (3, 12, 8, 8)
    np.testing.assert_allclose(tr.attention.sum((2, 3)), 1, atol=1e-5)
    dets = detr.predict(s.image)  # the model's own decode
    top = np.sort(tr.scores[tr.scores > 0.05])[::-1]
    np.testing.assert_allclose(top, dets.scores, rtol=1e-5)
    # hand computation of the last layer's head-averaged weights from the module's projections
    seen = []
    layer = detr.model.decoder[-1]
    hk = layer.multihead_attn.register_forward_hook(lambda m, a, o: seen.append(a))
    with torch.no_grad():
        from core.vision.image import to_tensor
        detr.model(to_tensor(s.image[None]))
    hk.remove()
    q_in, k_in = seen[0][0][0], seen[0][1][0]
    mha = layer.multihead_attn
    d = mha.embed_dim
    Wq, Wk = mha.in_proj_weight[:d], mha.in_proj_weight[d:2 * d]
    bq, bk = mha.in_proj_bias[:d], mha.in_proj_bias[d:2 * d]
    H = mha.num_heads
    q = (q_in @ Wq.T + bq).view(Q, H, d // H).transpose(0, 1)
    k = (k_in @ Wk.T + bk).view(-1, H, d // H).transpose(0, 1)
    att = torch.softmax(q @ k.transpose(1, 2) / (d // H) ** 0.5, -1).mean(0).detach()
    np.testing.assert_allclose(tr.attention[-1].reshape(Q, -1), att.numpy(), atol=1e-5)


def test_aspp_branches_and_the_variant_comparison():
    from core.vision.internals.deeplab import aspp_trace, boundary_f1, compare
    from core.vision.shapes.evaluate import mean_iou
    from core.vision.image import normalise, to_tensor

    dl = model("deeplab")
    s = scene(3, easy=False)
    tr = aspp_trace(dl.model, s.image)
    assert list(tr.branches) == ["1x1 conv", "3x3 atrous, rate 2", "3x3 atrous, rate 4", "3x3 atrous, rate 6",
                                 "image pooling"]
    with torch.no_grad():
        x = dl.model.atrous(dl.model.mid(dl.model.low(dl.model.stem(normalise(to_tensor(s.image[None]))))))
        proj = dl.model.aspp.project(torch.cat([torch.from_numpy(v)[None] for v in tr.branches.values()], 1))
        torch.testing.assert_close(proj, dl.model.aspp(x))  # the recorded branches are what ASPP projects
        np.testing.assert_allclose(tr.logits, dl.model(to_tensor(s.image[None]))[0].numpy(), atol=1e-5)
    view, = compare({"v3+": dl.model}, s.image, s.semantic)  # the comparison scores the model's own prediction
    np.testing.assert_array_equal(view.classes, tr.logits.argmax(0))
    assert view.miou == mean_iou([view.classes], [s.semantic])["miou"] > 0.3
    assert view.boundary_f1 == boundary_f1(view.classes, s.semantic) > 0.3
    assert compare({"v3+": dl.model}, s.image)[0].miou is None  # a photo has no ground truth to score against


def test_mask_logits_are_28x28_and_pasted_as_the_model_does():
    from core.vision.internals.mask import mask_trace, paste

    mr = model("maskrcnn")
    s = scene(4)
    tr = mask_trace(mr.model, s.image)
    assert tr.logits.shape[1:] == (28, 28) and len(tr.logits) == len(tr.boxes) > 0
    for i in range(min(3, len(tr.boxes))):
        np.testing.assert_allclose(paste(tr.logits[i], tr.boxes[i], 128, 128), tr.pasted[i], atol=1e-6)


def test_selective_search_covers_the_shapesworld_objects():
    from core.vision.internals.selective_search import recall, selective_search

    samples = generate(8, seed=123)
    results = [selective_search(s.image) for s in samples]
    r = np.mean([recall(res.boxes, s.boxes, 0.5) for res, s in zip(results, samples)])
    assert r >= SELECTIVE_SEARCH_RECALL_FLOOR, r
    assert all(res.n_initial < len(res.boxes) < 2 * res.n_initial * 2 for res in results)  # first segments + merges
    assert recall(np.zeros((0, 4)), samples[0].boxes) == 0.0


def test_rcnn_warps_each_proposal_and_fast_rcnn_shares_one_map():
    from core.vision.internals.rcnn import time_rcnn_vs_fast

    fr = model("frcnn").model
    s = scene(5)
    rng = np.random.default_rng(0)
    xy = rng.random((40, 2)) * 90
    boxes = np.concatenate([xy, xy + 12 + rng.random((40, 2)) * 30], 1)
    t = time_rcnn_vs_fast(fr.backbone, s.image, boxes)
    assert t.proposals == 40 and t.rcnn_ms > t.fast_ms  # 40 CNN passes cost more than one


def test_rpn_trace_on_a_torchvision_fpn_detector_is_its_own_rpn():
    """The pretrained path's model (random weights here, nothing downloaded): several FPN levels, NMS per level."""
    from core.vision.internals.rpn import rpn_trace
    from core.vision.pretrained import torchvision_models as tvm

    torch.manual_seed(0)
    m = tvm.build("fasterrcnn-mobilenet-320", pretrained=False).cpu()
    img = generate(1, seed=0)[0].image
    tr = rpn_trace(m, img)
    assert len(set(tr.before_level.tolist())) > 1
    keep = ops.batched_nms(torch.from_numpy(tr.before), torch.from_numpy(tr.before_scores),
                           torch.from_numpy(tr.before_level), tr.nms_iou)[: m.rpn.post_nms_top_n()].numpy()
    np.testing.assert_allclose(tr.before[keep], tr.after, rtol=1e-6)
    with torch.no_grad():  # and `after` is what the model's own RPN hands its RoI heads
        images, _ = m.transform([torch.from_numpy(img).permute(2, 0, 1).float() / 255.0])
        ref, _ = m.rpn(images, m.backbone(images.tensors))
    np.testing.assert_allclose(tr.after, ref[0].numpy(), rtol=1e-5, atol=1e-4)
