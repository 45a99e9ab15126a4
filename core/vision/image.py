"""One safe image loader for every page: bytes in, RGB uint8 out, or a clear ValueError."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # refuse anything bigger: a decompression bomb or a poster scan
MAX_SIDE = 2048  # larger images are downscaled (and the page says so)
MAX_BYTES = 25 * 1024 * 1024


@dataclass
class LoadedImage:
    rgb: np.ndarray  # uint8[H, W, 3]
    original_size: tuple[int, int]  # (width, height) as stored in the file
    notice: str = ""  # e.g. "downscaled from 8000x6000 to 2048x1536"
    format: str = ""


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert every mode PIL can open to 8-bit RGB."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(a)
        img = Image.fromarray(a.astype(np.uint8), mode="L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return img.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV, RGBA-composited


def load_image(data: bytes, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Decode `data` safely: EXIF orientation applied, any mode to RGB, bombs refused."""
    if not data:
        raise ValueError("the file is empty")
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is {len(data) / 2**20:.0f} MB; the limit is {MAX_BYTES // 2**20} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > max_pixels:
                raise ValueError(f"the image is {w}x{h} = {w * h / 1e6:.0f} megapixels; "
                                 f"the limit is {max_pixels / 1e6:.0f} (is it a decompression bomb?)")
            img.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        if isinstance(e, UnidentifiedImageError):
            raise ValueError("this is not an image PIL can read (PNG, JPEG, WebP, BMP, TIFF, GIF)") from None
        raise ValueError(f"refused: {e}") from None
    except (OSError, SyntaxError, EOFError) as e:
        raise ValueError(f"the image is corrupt or truncated ({e})") from None
    fmt = img.format or ""
    img = ImageOps.exif_transpose(img)
    img = _to_rgb(img)
    notice = ""
    if max(img.size) > max_side:
        scale = max_side / max(img.size)
        new = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        notice = f"Large image downscaled from {img.width}x{img.height} to {new[0]}x{new[1]} to keep the page fast."
        img = img.resize(new, Image.Resampling.LANCZOS)
    return LoadedImage(rgb=np.asarray(img, dtype=np.uint8).copy(), original_size=(w, h), notice=notice, format=fmt)
