"""Painted pixels -> MAE patch indices (core.vision.draw.patches), against a patch-by-patch count."""
import numpy as np
import pytest

from core.vision.draw.patches import paint_mask, painted_patches, patch_mask


def _by_hand(painted, grid):
    H, W = painted.shape
    out = []
    for r in range(grid):
        for c in range(grid):
            y0, y1 = int(np.ceil(r * H / grid)), int(np.ceil((r + 1) * H / grid))
            x0, x1 = int(np.ceil(c * W / grid)), int(np.ceil((c + 1) * W / grid))
            if painted[y0:y1, x0:x1].any():
                out.append(r * grid + c)
    return out


@pytest.mark.parametrize("side,grid", [(336, 14), (336, 8), (224, 14), (300, 7)])
def test_random_strokes_match_a_patch_by_patch_count(side, grid):
    rng = np.random.default_rng(side + grid)
    painted = np.zeros((side, side), bool)
    for _ in range(5):
        y, x = rng.integers(0, side, 2)
        painted[max(0, y - 6):y + 6, max(0, x - 30):x + 30] = True
    assert painted_patches(painted, grid).tolist() == _by_hand(painted, grid)


def test_edges_single_pixels_and_nothing():
    p = np.zeros((336, 336), bool)
    assert painted_patches(p, 14).size == 0
    p[0, 0] = p[335, 335] = True  # the two far corners
    assert painted_patches(p, 14).tolist() == [0, 14 * 14 - 1]
    p[:] = True
    assert painted_patches(p, 14).tolist() == list(range(196))
    q = np.zeros((336, 336), bool)
    q[24, 23] = True  # pixel 24 is the first of row 1 (patches 24 px), pixel 23 the last of column 0
    assert painted_patches(q, 14).tolist() == [14]
    assert patch_mask([0, 195], 14).sum() == 2 and patch_mask([], 14).sum() == 0


def test_paint_mask_reads_alpha_only():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., :3] = 255  # white but transparent: not paint
    rgba[2, 3, 3] = 200
    assert paint_mask(rgba).sum() == 1 and paint_mask(rgba)[2, 3]
    assert paint_mask(None) is None
    with pytest.raises(ValueError):
        paint_mask(np.zeros((10, 10), np.uint8))
