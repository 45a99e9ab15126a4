"""Sample images that need no upload: taken at run time from scikit-image's bundled data."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

# name -> (scikit-image loader, one-line description)
SAMPLES: dict[str, str] = {
    "astronaut": "Eileen Collins, NASA astronaut (a person)",
    "chelsea": "Chelsea the cat",
    "coffee": "A cup of coffee on a saucer",
    "motorcycle_left": "A motorcycle (left view of a stereo pair)",
    "rocket": "A rocket on its launch pad",
}


@lru_cache(maxsize=8)
def load_sample(name: str) -> np.ndarray:
    """Return the sample as an RGB uint8 array (H, W, 3)."""
    from skimage import data  # imported lazily: the home page must not pay for it

    if name == "motorcycle_left":
        img = data.stereo_motorcycle()[0]
    elif name in SAMPLES:
        img = getattr(data, name)()
    else:
        raise ValueError(f"Unknown sample {name!r}; choose one of {sorted(SAMPLES)}")
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img[..., :3].astype(np.uint8)
    img.setflags(write=False)  # cached: nobody may paint on it
    return img


@lru_cache(maxsize=8)
def sample_png_bytes(name: str) -> bytes:
    """The sample encoded as PNG, for upload tests and downloads (cached: pages ask on every rerun)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(load_sample(name)).save(buf, format="PNG")
    return buf.getvalue()
