"""Ground truth drawn on the Detection page found again, at another size, by the internals page."""
import numpy as np

from core.vision.draw.shared_gt import boxes_on, share
from core.vision.samples import load_sample


def test_same_picture_other_size_gets_the_boxes_scaled():
    import cv2

    rgb = load_sample("astronaut")
    h, w = rgb.shape[:2]
    s = share(rgb, np.array([[w * 0.1, h * 0.2, w * 0.5, h * 0.9]]), ["person"])
    small = cv2.resize(rgb, (128, 128), interpolation=cv2.INTER_AREA)  # squeezed, as the internals page does
    np.testing.assert_allclose(boxes_on(s, small, 128, 128), [[12.8, 25.6, 64, 115.2]])
    assert s.names == ["person"]


def test_another_picture_or_nothing_gets_none():
    a, b = load_sample("astronaut"), load_sample("chelsea")
    s = share(a, np.array([[1, 1, 20, 20]]), ["person"])
    assert boxes_on(s, b, 128, 128) is None
    assert boxes_on(None, a, 128, 128) is None
    assert boxes_on(share(a, np.zeros((0, 4)), []), a, 128, 128) is None
