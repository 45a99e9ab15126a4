"""ShapesWorld generator, splits and augmentations: ground truth stays exact."""
import numpy as np
import pytest

from core.vision.shapes.augment import StrongConfig, affine_matrix, hflip, strong, warp, weak
from core.vision.shapes.generator import CLASSES, ShapesConfig, boxes_from_masks, generate, splits


@pytest.fixture(scope="module")
def batch():
    return generate(40, seed=3)


def _tight(s):
    for b, m in zip(s.boxes, s.masks):
        ys, xs = np.nonzero(m)
        assert ys.size > 0, "every kept instance has visible pixels"
        # independent of boxes_from_masks: straight from the pixel coordinates
        assert b.tolist() == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_boxes_tightly_enclose_masks(batch):
    for s in batch:
        _tight(s)


def test_classes_counts_and_semantic_agree(batch):
    cfg = ShapesConfig()
    for s in batch:
        N = len(s.labels)
        assert s.boxes.shape == (N, 4) and s.masks.shape == (N, 128, 128)
        assert 1 <= N <= cfg.max_shapes
        assert s.labels.dtype == np.int64 and set(s.labels.tolist()) <= set(range(len(CLASSES)))
        assert s.image.dtype == np.uint8 and s.image.shape == (128, 128, 3)
        # masks are disjoint (occlusion is exact) and the semantic map is their union, by class
        assert s.masks.sum(0).max() <= 1
        expect = np.zeros((128, 128), np.int64)
        for lab, m in zip(s.labels, s.masks):
            expect[m] = lab + 1
        np.testing.assert_array_equal(s.semantic, expect)
    # all five classes turn up in a batch of 40
    assert set(np.concatenate([s.labels for s in batch]).tolist()) == set(range(len(CLASSES)))


def test_shapes_have_the_right_geometry():
    """A lone, unrotated shape of each kind: its area matches the formula within a few %."""
    cfg = ShapesConfig(min_shapes=1, max_shapes=1, rotate=False, min_radius=20, max_radius=20)
    R = 20.0
    expected = {0: np.pi * R**2, 1: (1.6 * R) ** 2, 2: 3 * np.sqrt(3) / 4 * R**2,
                4: np.pi * R**2 * (1 - 0.55**2)}
    seen = set()
    for s in generate(64, seed=5, cfg=cfg):
        k = int(s.labels[0])
        if k in expected:
            assert abs(s.masks[0].sum() - expected[k]) / expected[k] < 0.06, CLASSES[k]
            seen.add(k)
    assert seen == set(expected)


def test_same_seed_same_images_and_prefix_stable():
    a, b = generate(70, seed=11), generate(70, seed=11)
    assert all((x.image == y.image).all() and (x.boxes == y.boxes).all() for x, y in zip(a, b))
    short = generate(5, seed=11)
    assert all((x.image == y.image).all() for x, y in zip(a, short))
    assert not (generate(1, seed=12)[0].image == a[0].image).all()


def test_easy_setting_has_no_overlap_and_flat_background():
    for s in generate(30, seed=2, cfg=ShapesConfig(easy=True)):
        _tight(s)
        # no occlusion at all: every shape is whole, so boxes of different shapes' masks never share pixels
        bg = s.image[s.semantic == 0].astype(float)
        assert bg.std(0).max() < 12  # flat colour + small noise


def test_splits_are_disjoint_and_nested():
    sp = splits(seed=0, n_train=1000, n_val=100, n_test=100, labeled_fraction=0.05)
    tr, va, te = set(sp["train"]), set(sp["val"]), set(sp["test"])
    assert len(tr) == 1000 and not (tr & va) and not (tr & te) and not (va & te)
    assert tr | va | te == set(range(1200))
    f = sp["by_fraction"]
    assert len(f[0.01]) == 10 and len(f[0.05]) == 50 and len(f[0.1]) == 100 and len(f[1.0]) == 1000
    assert set(f[0.01]) <= set(f[0.05]) <= set(f[0.1]) <= tr
    assert set(sp["labeled"]) == set(f[0.05]) and set(sp["labeled"]) | set(sp["unlabeled"]) == tr
    assert splits(seed=0, n_train=1000, n_val=100, n_test=100) == splits(seed=0, n_train=1000, n_val=100, n_test=100)
    assert len(splits(seed=0, n_train=20, n_val=1, n_test=1, labeled_fraction=0.01)["labeled"]) == 1


def test_hflip_matches_numpy_and_affine_flip(batch):
    s = batch[0]
    f = hflip(s)
    np.testing.assert_array_equal(f.image, s.image[:, ::-1])
    np.testing.assert_array_equal(f.boxes, boxes_from_masks(s.masks[:, :, ::-1]))
    w = warp(s, affine_matrix(128, flip=True))
    np.testing.assert_array_equal(w.masks, f.masks)


def test_augmentations_keep_boxes_equal_to_mask_extents(batch):
    rng = np.random.default_rng(0)
    n_instances = 0
    for s in batch[:20]:
        for out in (weak(s, rng), strong(s, rng), strong(s, rng, StrongConfig(rotate_deg=90, cutout=3))):
            _tight(out)
            assert len(out.labels) == len(out.boxes) == len(out.masks)
            assert out.masks.sum(0).max() <= 1
            assert set(np.unique(out.semantic)) <= {0} | set((out.labels + 1).tolist())
            n_instances += len(out.labels)
    assert n_instances > 60  # the ops keep most objects


def test_warp_moves_masks_like_a_shift():
    s = generate(1, seed=4)[0]
    M = affine_matrix(128, tx=7, ty=-3)
    w = warp(s, M, min_area=1)
    # an integer shift moves every mask by exactly (7, -3): boxes that stay inside shift the same way
    shift = np.array([7, -3, 7, -3], np.float32)
    inside = [tuple(o + shift) for o in s.boxes
              if o[0] + 7 >= 0 and o[2] + 7 <= 128 and o[1] - 3 >= 0 and o[3] - 3 <= 128]
    got = [tuple(b) for b in w.boxes]
    assert inside and all(b in got for b in inside)


def test_bad_config_is_a_clear_error():
    with pytest.raises(ValueError, match="min_shapes"):
        generate(2, cfg=ShapesConfig(min_shapes=4, max_shapes=2))


def test_crowded_scenes_never_keep_an_invisible_instance():
    cfg = ShapesConfig(min_shapes=8, max_shapes=8, min_visible=0.0)
    for s in generate(20, seed=1, cfg=cfg):
        _tight(s)
        assert (s.masks.reshape(len(s.masks), -1).sum(1) > 0).all()


def test_batched_views_share_the_numpy_geometry():
    """One flip + scale + shift: the tensor views' affine is affine_matrix's, and warping a mask by
    cv2 (per sample) or grid_sample (batched) moves it to the same place."""
    import torch

    from core.vision.shapes.augment import axis_affine, random_affine, warp_batch

    g = torch.Generator().manual_seed(3)
    a = random_affine(5, 128, g, flip=True, scale=(0.8, 1.2), shift=0.1).cpu()
    g = torch.Generator().manual_seed(3)                 # the closed form the views used before
    s = 0.8 + 0.4 * torch.rand(5, generator=g)
    fx = torch.where(torch.rand(5, generator=g) < 0.5, -1.0, 1.0)
    dx, dy = (torch.rand(2, 5, generator=g) * 2 - 1) * 0.1 * 128
    ref = torch.stack([fx * s, 64 - fx * s * 64 + dx, s, 64 - s * 64 + dy], dim=1)
    torch.testing.assert_close(a, ref, atol=1e-4, rtol=0)
    with pytest.raises(ValueError):
        axis_affine(affine_matrix(128, angle_deg=10))
    sample = generate(1, seed=5)[0]
    M = affine_matrix(128, scale=1.15, tx=6, ty=-4, flip=True)
    by_cv2 = warp(sample, M, min_area=1).masks.any(0).astype(np.float32)
    img = torch.from_numpy(sample.masks.any(0).astype(np.float32))[None, None].repeat(1, 3, 1, 1)
    by_grid = warp_batch(img, torch.tensor(axis_affine(M), dtype=torch.float32)[None])[0, 0].numpy() > 0.5
    assert (by_cv2.astype(bool) != by_grid).mean() < 0.01   # differ only at resampled edges
