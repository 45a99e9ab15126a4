"""R-CNN's steps after selective search: the warp, the per-class SVMs (against scikit-learn's own
decision_function), the box-regression parameterisation (against torchvision's BoxCoder) and a held-out
floor on how much regression improves IoU."""
import numpy as np
import pytest
import torch
from torchvision.models.detection._utils import BoxCoder

from core.vision.internals.rcnn_steps import (POS_IOU, RcnnConfig, decode, encode, fit_heads, improvement,
                                              label_proposals, regress, svm_scores, train_rcnn, warp_crops)


def _boxes(n, seed):
    g = np.random.default_rng(seed)
    xy = g.uniform(0, 100, (n, 2))
    wh = g.uniform(0.5, 60, (n, 2))
    return np.concatenate([xy, xy + wh], 1)


def test_encode_decode_round_trip_and_agree_with_torchvision_boxcoder():
    p, g = _boxes(40, 0), _boxes(40, 1)
    t = encode(g, p)
    np.testing.assert_allclose(decode(t, p), g, rtol=1e-9, atol=1e-9)
    coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0), bbox_xform_clip=1e9)
    ref = coder.encode_single(torch.from_numpy(g), torch.from_numpy(p)).numpy()
    np.testing.assert_allclose(t, ref, rtol=1e-6, atol=1e-9)
    back = coder.decode_single(torch.from_numpy(t), torch.from_numpy(p)).numpy()
    np.testing.assert_allclose(decode(t, p), back, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(encode(p, p), 0.0, atol=1e-12)  # a proposal on its object does not move


def test_warp_stretches_any_box_to_the_fixed_input():
    img = np.zeros((50, 80, 3), np.uint8)
    img[10:20, 5:65] = 255  # a wide white bar
    crops = warp_crops(img, np.array([[5, 10, 65, 20], [0, 0, 80, 50], [70, 40, 200, 300], [3, 3, 3, 3]], float), 32)
    assert crops.shape == (4, 32, 32, 3) and crops.dtype == np.uint8
    assert crops[0].min() == 255  # the bar fills its own crop, squeezed 60x10 -> 32x32
    assert 0 < crops[1].mean() < 255 and crops[2].max() == 0  # a box reaching outside is clipped to the image


@pytest.fixture(scope="module")
def trained():
    from core.vision.shapes.generator import ShapesConfig, generate
    from core.vision.shapes.weights import load_shapes_model

    torch.set_num_threads(1)
    backbone = load_shapes_model("frcnn").model.backbone.eval()
    heads = train_rcnn(backbone, seed=0, n_classes=5, cfg=RcnnConfig(scenes=10))
    held_out = label_proposals(backbone, generate(8, seed=987_654, cfg=ShapesConfig(easy=True)))
    return heads, held_out


def test_svm_scores_equal_sklearn_decision_function(trained):
    heads, data = trained
    s = svm_scores(heads, data.feats)
    z = (data.feats - heads.mean) / heads.std
    for c, svm in enumerate(heads.svms):
        np.testing.assert_allclose(s[:, c], svm.decision_function(z), rtol=1e-6, atol=1e-6)
    assert s.shape == (len(data.feats), 5) and (heads.positives > 0).all()


def test_svms_tell_objects_from_background_on_held_out_scenes(trained):
    heads, data = trained
    s = svm_scores(heads, data.feats)
    bg = data.cls == -1
    assert (s[bg].max(1) < 0).mean() > 0.85  # background proposals: every class's SVM says no
    obj = data.iou >= 0.999                    # the objects themselves: their own class scores highest
    assert (s[obj].argmax(1) == data.cls[obj]).mean() > 0.7


def test_box_regression_improves_iou_on_held_out_proposals(trained):
    heads, data = trained
    before, after = improvement(heads, data)
    assert len(before) >= 30 and before.min() >= POS_IOU
    assert after.mean() > before.mean() + 0.02   # measured 0.816 -> 0.861 on other scenes
    assert (after > before).mean() > 0.6


def test_box_regressor_is_ridge_regression_with_an_unpenalised_bias(trained):
    from sklearn.linear_model import Ridge

    heads, data = trained
    ours = fit_heads(data, 5, RcnnConfig(ridge=30.0))
    use = (data.iou >= POS_IOU) & (data.iou < 0.999)
    z = (data.feats[use] - ours.mean) / ours.std
    ref = Ridge(alpha=30.0).fit(z, encode(data.gt[use], data.boxes[use]))
    np.testing.assert_allclose(ours.ridge[:-1].T, ref.coef_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.ridge[-1], ref.intercept_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(regress(ours, data.feats[use], data.boxes[use]),
                               decode(ref.predict(z), data.boxes[use]), rtol=1e-4, atol=1e-4)
