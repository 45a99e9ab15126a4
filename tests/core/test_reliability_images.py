"""The bad-image list of issue 17, generated here (never committed), through the one loader.

`BAD_IMAGES` is also used by the page tests (tests/app/test_hostile_inputs.py) and the bench:
each entry is (file name, bytes, what must happen): "ok" for a picture, or a phrase the clear
message must contain.
"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.vision.image import MAX_SIDE, load_image

ROOT = Path(__file__).resolve().parents[2]


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_header_claiming(w: int, h: int) -> bytes:
    """A valid PNG signature and IHDR claiming w x h (8-bit gray), one tiny IDAT: a bomb's header."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _png_chunk(b"IEND", b""))


def _photo(w: int = 96, h: int = 64) -> Image.Image:
    g = np.random.default_rng(0)
    a = np.zeros((h, w, 3), np.uint8)
    a[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None]
    a[h // 4: 3 * h // 4, w // 4: 3 * w // 4] = g.integers(0, 255, (h // 2, w // 2, 3), dtype=np.uint8)
    return Image.fromarray(a)


def _exif_rotated() -> bytes:
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 10, 20))  # blue strip on the left; displayed rotated 90 CW: on top
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(img, "JPEG", exif=exif.tobytes(), quality=95)


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (32, 24), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


@lru_cache(maxsize=1)
def bad_images() -> list[tuple[str, bytes, str]]:
    jpeg = encode(_photo(320, 240), "JPEG", quality=90)
    png = encode(_photo(320, 240), "PNG")
    gray16 = Image.fromarray((np.arange(48 * 64).reshape(48, 64) * 20).astype(np.uint16))
    return [
        ("empty.png", b"", "empty"),
        ("truncated.jpg", jpeg[: len(jpeg) // 3], "damaged"),
        ("truncated.png", png[: len(png) // 2], "damaged"),
        ("notes.png", b"just some text, renamed to .png\n" * 20, "not an image"),
        ("page.jpg", b"<!doctype html><html><body><h1>hi</h1></body></html>", "HTML"),
        ("drawing.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                        b'<rect width="10" height="10"/></svg>', "SVG"),
        ("gray16.png", encode(gray16), "ok"),
        ("cmyk.jpg", encode(_photo().convert("CMYK"), "JPEG"), "ok"),
        ("rgba.png", encode(_photo().convert("RGBA")), "ok"),
        ("palette.png", encode(_photo().convert("P")), "ok"),
        ("gray.png", encode(_photo().convert("L")), "ok"),
        ("animated.gif", _animated_gif(), "ok"),
        ("rotated.jpg", _exif_rotated(), "ok"),
        ("one_pixel.png", encode(Image.new("RGB", (1, 1), (9, 9, 9))), "ok"),
        ("strip.png", encode(Image.new("L", (1, 30000), 128)), "ok"),
        ("bomb_header.png", png_header_claiming(50_000, 50_000), "megapixels"),
        ("huge_file.png", b"\x89PNG\r\n\x1a\n" + bytes(40 * 2**20), "limit is 25 MB"),
        ("photo.jfif", jpeg, "ok"),  # a name the old uploader filter refused
        ("photo.exe", png, "ok"),  # the bytes decide, not the name
    ]


@pytest.mark.parametrize("name", [n for n, _, _ in bad_images()])
def test_each_bad_image_gets_a_picture_or_a_clear_message(name):
    data, expect = next((d, e) for n, d, e in bad_images() if n == name)
    if expect != "ok":
        with pytest.raises(ValueError, match=expect) as err:
            load_image(data)
        msg = str(err.value)
        assert len(msg) < 200 and "PIL" not in msg and "Pillow" not in msg and "cannot identify" not in msg
        return
    out = load_image(data)
    assert out.rgb.dtype == np.uint8 and out.rgb.ndim == 3 and out.rgb.shape[2] == 3
    assert max(out.rgb.shape[:2]) <= MAX_SIDE
    if name == "animated.gif":
        assert out.frames == 3 and "only the first" in out.notice
    if name == "rotated.jpg":
        assert out.rgb.shape == (40, 20, 3) and out.rgb[2, 10, 2] > 200  # upright: blue on top
    if name == "strip.png":
        assert out.rgb.shape == (MAX_SIDE, 1, 3) and "downscaled" in out.notice
    if name == "gray16.png":
        assert out.rgb.min() == 0 and out.rgb.max() == 255
    if name == "rgba.png":
        assert out.rgb.shape == (64, 96, 3)


def test_16bit_maps_without_float64_and_matches_a_numpy_reference():
    a = (np.arange(300 * 200).reshape(200, 300) * 3).astype(np.uint16)
    out = load_image(encode(Image.fromarray(a)))
    ref = np.rint((a.astype(np.float64) - a.min()) * (255.0 / (a.max() - a.min()))).astype(np.uint8)
    assert np.abs(out.rgb[..., 0].astype(int) - ref).max() <= 1
    assert (out.rgb[..., 0] == out.rgb[..., 2]).all()


def test_large_jpeg_decodes_at_draft_scale_close_to_a_full_decode():
    big = _photo(4800, 3200).resize((4800, 3200))
    out = load_image(encode(big, "JPEG", quality=92))
    assert out.rgb.shape == (1365, 2048, 3) and out.original_size == (4800, 3200)
    ref = np.asarray(big.resize((2048, 1365), Image.Resampling.LANCZOS), dtype=np.float32)
    assert np.abs(out.rgb.astype(np.float32) - ref).mean() < 6  # same picture (JPEG + scaling noise)


def test_many_channel_cap_counts_bytes_per_pixel():
    rgba = encode(Image.new("RGBA", (3000, 3000), (1, 2, 3, 255)))  # 9 MP x 4 B = 34 MB decoded
    with pytest.raises(ValueError, match="MB"):
        load_image(rgba, max_decoded_mb=20)
    assert load_image(rgba, max_decoded_mb=40).rgb.shape == (2048, 2048, 3)


PEAK_SCRIPT = r"""
import json, sys, time
from pathlib import Path
from core.vision.image import load_image
data = Path(sys.argv[1]).read_bytes()
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
reset = True
try:
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
except OSError:
    reset = False
base = rss()
t0 = time.perf_counter()
out = load_image(data)
secs = time.perf_counter() - t0
print(json.dumps({"peak_mb": hwm() - base, "reset": reset, "s": secs, "shape": list(out.rgb.shape)}))
"""


def loader_peak_mb(path: Path) -> dict:
    """Peak resident memory the loader adds, measured in a fresh process (Pillow's buffers are not
    seen by tracemalloc, so this reads the kernel's peak RSS, VmHWM, reset before the call)."""
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_16bit_7000(path: Path) -> Path:
    """A 16-bit 7000x7000 gray PNG (a smooth ramp: small file, 98 MB decoded)."""
    ramp = np.linspace(0, 65535, 7000, dtype=np.float32).astype(np.uint16)
    Image.fromarray(np.broadcast_to(ramp[None, :], (7000, 7000)).copy()).save(path, format="PNG", compress_level=1)
    return path


@pytest.mark.slow
def test_16bit_7000px_png_peak_memory_is_bounded(tmp_path):
    path = write_16bit_7000(tmp_path / "big16.png")
    r = loader_peak_mb(path)
    print("16-bit 7000x7000 PNG:", r)
    assert r["shape"] == [2048, 2048, 3]
    # One full-resolution decode is 7000*7000*2 B = 93 MB; strips and the small result add a little.
    assert r["peak_mb"] < 160, r


@pytest.mark.slow
def test_6000x4000_jpeg_peak_memory_is_bounded(tmp_path):
    path = tmp_path / "big.jpg"
    _photo(600, 400).resize((6000, 4000)).save(path, format="JPEG", quality=85)
    r = loader_peak_mb(path)
    print("6000x4000 JPEG:", r)
    assert r["shape"] == [1365, 2048, 3]
    assert r["peak_mb"] < 70, r  # draft decode at 1/2 scale: 3000x2000x4 B = 23 MB
