"""One safe image loader for every page: bytes in, RGB uint8 out, or a clear ValueError.

Memory: a large image is decoded at reduced size where the format allows (JPEG: `Image.draft`
makes libjpeg decode at 1/2, 1/4 or 1/8 scale), and otherwise reduced strip by strip from the one
full-resolution decode (`Image.reduce` on a few rows at a time; 16-bit and float images are mapped
to 8 bits a strip at a time, in float32). So at most one full-resolution copy ever exists, and the
cap counts its bytes (16-bit and 4-channel pixels cost more than 8-bit gray).
Pillow's own error texts never reach the page: every refusal is a sentence a student can act on.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # refuse anything bigger: a decompression bomb or a poster scan
MAX_SIDE = 2048  # larger images are downscaled (and the page says so)
MAX_BYTES = 25 * 1024 * 1024  # the file itself (the uploader's limit too: .streamlit/config.toml)
MAX_DECODED_MB = 128  # the full-resolution decode (after JPEG draft), counted in bytes per pixel
STRIP_ROWS = 64  # output rows reduced at a time

# Bytes per pixel Pillow keeps in memory for each mode (RGB is stored padded to 4 bytes).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2, "LA": 4, "PA": 4,
                    "La": 4, "RGB": 4, "RGBA": 4, "RGBa": 4, "RGBX": 4, "CMYK": 4, "YCbCr": 4, "LAB": 4,
                    "HSV": 4, "I": 4, "F": 4}
_HIGH_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # mapped to 8-bit gray by their own range
_EXIF_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                   4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                   6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


@dataclass
class LoadedImage:
    rgb: np.ndarray  # uint8[H, W, 3]
    original_size: tuple[int, int]  # (width, height) as stored in the file
    notice: str = ""  # e.g. "downscaled from 8000x6000 to 2048x1536"
    format: str = ""
    frames: int = 1  # frames (animation) or pages (TIFF) in the file; only the first is decoded


def decoded_mb(size: tuple[int, int], mode: str) -> float:
    """Memory Pillow needs to hold one decode of this size and mode, in MB."""
    return size[0] * size[1] * _BYTES_PER_PIXEL.get(mode, 4) / 2**20


def _not_an_image(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<", b"\xef\xbb\xbf<")):
        kind = "an SVG drawing" if b"<svg" in data[:4096].lower() else "an HTML or XML text file"
        return f"this is {kind}, not an image KeyPoint can read; save it as PNG or JPEG and upload that"
    return "this is not an image KeyPoint can read (PNG, JPEG, WebP, BMP, TIFF, GIF)"


def _strip_to_8bit(strip: Image.Image, lo: float, hi: float) -> Image.Image:
    """A strip of a 16-bit / 32-bit / float image as 8-bit gray, stretched by the image's range."""
    a = np.asarray(strip, dtype=np.float32)  # [rows, W]; float32, never float64
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    a = np.clip((a - lo) * scale, 0, 255) if scale else np.zeros_like(a)
    return Image.fromarray(np.rint(a).astype(np.uint8), mode="L")


def _reduce_in_strips(img: Image.Image, k: int) -> Image.Image:
    """`img` shrunk by the integer factor k (box average), read a few rows at a time, converted to
    a mode that composes to RGB (8-bit). The only full-size image is `img` itself."""
    w, h = img.size
    lo, hi = img.getextrema() if img.mode in _HIGH_BIT else (0, 0)
    out: Image.Image | None = None
    step = k * STRIP_ROWS  # input rows per strip (a multiple of k, so strips reduce exactly)
    for y in range(0, h, step):
        strip = img.crop((0, y, w, min(h, y + step)))
        if img.mode in _HIGH_BIT:
            strip = _strip_to_8bit(strip, float(lo), float(hi))
        elif strip.mode == "P":
            strip = strip.convert("RGBA")
        elif strip.mode == "1":
            strip = strip.convert("L")
        if k > 1:
            strip = strip.reduce(k)
        if out is None:
            out = Image.new(strip.mode, (math.ceil(w / k), math.ceil(h / k)))
        out.paste(strip, (0, y // k))
    assert out is not None
    return out


def _to_rgb(img: Image.Image) -> Image.Image:
    """Alpha over white, then 8-bit RGB (L, LA, RGBA, CMYK, YCbCr, ...)."""
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return img.convert("RGB")


def load_image(data: bytes, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS,
               max_decoded_mb: float = MAX_DECODED_MB) -> LoadedImage:
    """Decode `data` safely: EXIF orientation applied, any mode to RGB, bombs refused, large images
    decoded or reduced to about `max_side` on the long side (the notice says so)."""
    if not data:
        raise ValueError("the file is empty")
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB")
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ValueError(_not_an_image(data)) from None
    except Image.DecompressionBombError:
        raise ValueError(f"the image says it has over {2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6:.0f} megapixels; "
                         f"KeyPoint opens at most {max_pixels / 1e6:.0f} (a decompression bomb?)") from None
    except (OSError, SyntaxError, EOFError, ValueError):
        raise ValueError("the file is damaged or cut short; save it again and re-upload") from None
    w, h = img.size
    fmt = img.format or ""
    if w < 1 or h < 1 or w * h > max_pixels:
        raise ValueError(f"the image says it is {w}x{h} = {w * h / 1e6:.0f} megapixels; KeyPoint opens at most "
                         f"{max_pixels / 1e6:.0f} (shrink it first; a small file this large is a decompression bomb)")
    frames = int(getattr(img, "n_frames", 1) or 1)
    try:
        orientation = int(img.getexif().get(0x0112, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block must not refuse the picture
        orientation = 1
    try:
        if fmt == "JPEG" and max(w, h) > max_side:  # let libjpeg decode at 1/2, 1/4 or 1/8 scale
            s = max_side / max(w, h)
            img.draft(None, (math.ceil(w * s), math.ceil(h * s)))
        if decoded_mb(img.size, img.mode) > max_decoded_mb:
            raise ValueError(f"the image is {w}x{h} in mode {img.mode}: decoding it needs "
                             f"{decoded_mb(img.size, img.mode):.0f} MB; the limit is {max_decoded_mb:.0f} MB")
        img.load()  # the one full-resolution (or draft-scale) decode
        k = max(1, max(img.size) // max_side)
        small = _reduce_in_strips(img, k)
    except ValueError:
        raise
    except (OSError, SyntaxError, EOFError, IndexError, TypeError, MemoryError):
        raise ValueError("the file is damaged or cut short; save it again and re-upload") from None
    finally:
        img.close()
    del img
    if orientation in _EXIF_TRANSPOSE:
        small = small.transpose(_EXIF_TRANSPOSE[orientation])
    small = _to_rgb(small)
    notes = []
    if max(small.size) > max_side:
        scale = max_side / max(small.size)
        small = small.resize((max(1, round(small.width * scale)), max(1, round(small.height * scale))),
                             Image.Resampling.LANCZOS)
    if max(w, h) > max_side:
        ow, oh = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
        notes.append(f"Large image downscaled from {ow}x{oh} to {small.width}x{small.height} to keep the page fast.")
    if frames > 1:
        what = "pages" if fmt == "TIFF" else "frames (an animation)"
        notes.append(f"This file has {frames} {what}; only the first is shown.")
    return LoadedImage(rgb=np.array(small, dtype=np.uint8), original_size=(w, h), notice=" ".join(notes),
                       format=fmt, frames=frames)


# --- From pixels to a network's input ---------------------------------------------------------------
# The one uint8 HWC -> float CHW step and the one normalisation of KeyPoint's own networks.

SHAPES_MEAN, SHAPES_STD = 0.5, 0.25  # KeyPoint's own networks (ShapesWorld detectors, the CNN chapter): (p - 0.5) / 0.25


def to_tensor(images: np.ndarray, device=None):
    """uint8[H, W, C] -> float32[C, H, W] in [0, 1]; uint8[N, H, W, C] -> float32[N, C, H, W].
    On `device` (default CPU); the bytes move before the conversion, so a GPU does the division."""
    import torch  # here, so the loader above stays torch-free for the home page

    x = torch.from_numpy(np.ascontiguousarray(images))
    if device is not None:
        x = x.to(device)
    return x.movedim(-1, -3).float().div_(255.0)


def normalise(x):
    """Pixels in [0, 1] -> KeyPoint's own networks' input, (x - 0.5) / 0.25 (zero mean, std 1 for a
    typical ShapesWorld or digits image). Tensor or ndarray in, the same out."""
    return (x - SHAPES_MEAN) / SHAPES_STD
