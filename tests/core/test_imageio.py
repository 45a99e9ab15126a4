import io

import numpy as np
import pytest
from PIL import Image

from core.vision.image import load_image
from core.vision.samples import SAMPLES, load_sample, sample_png_bytes


def _encode(img: Image.Image, fmt="PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 10, 20))  # blue strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    out = load_image(_encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert out.rgb.shape == (40, 20, 3)  # portrait after transposition
    assert out.rgb[2, 10, 2] > 200  # the blue strip is now on top


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "CMYK", "I;16", "LA", "1"])
def test_modes_convert_to_rgb_uint8(mode):
    fmt = "TIFF" if mode in ("CMYK", "I;16") else "PNG"
    if mode == "I;16":
        img = Image.fromarray((np.arange(64 * 32).reshape(32, 64) * 30).astype(np.uint16))
    else:
        img = Image.new("RGB", (64, 32), (10, 200, 30)).convert(mode)
    out = load_image(_encode(img, fmt))
    assert out.rgb.dtype == np.uint8 and out.rgb.shape == (32, 64, 3)
    if mode == "I;16":
        assert out.rgb.min() == 0 and out.rgb.max() == 255  # stretched, not clipped to 255 everywhere


def test_rgba_transparent_becomes_white():
    img = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    assert (load_image(_encode(img)).rgb == 255).all()


def test_not_an_image_and_empty_and_truncated():
    with pytest.raises(ValueError, match="not an image"):
        load_image(b"%PDF-1.4 hello")
    with pytest.raises(ValueError, match="empty"):
        load_image(b"")
    jpeg = _encode(Image.new("RGB", (200, 200), (1, 2, 3)), "JPEG")
    with pytest.raises(ValueError):
        load_image(jpeg[: len(jpeg) // 3] + b"")


def test_decompression_bomb_is_refused():
    big = _encode(Image.new("L", (9000, 9000)), "PNG")  # 81 MP of zeros compresses to ~80 KB
    assert len(big) < 1_000_000
    with pytest.raises(ValueError, match="megapixels"):
        load_image(big)


def test_large_image_is_downscaled_with_notice():
    out = load_image(_encode(Image.new("RGB", (4000, 1000), (5, 5, 5))), max_side=1000)
    assert out.rgb.shape == (250, 1000, 3)
    assert "downscaled" in out.notice and out.original_size == (4000, 1000)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_load_as_rgb(name):
    img = load_sample(name)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert not img.flags.writeable
    assert np.array_equal(load_image(sample_png_bytes(name)).rgb, img)
