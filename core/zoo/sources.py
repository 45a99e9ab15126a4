"""Where each kind of source keeps its files, whether it is there, and how to fetch it."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import urllib.request
from pathlib import Path
from typing import Callable

from core.zoo.card import Source

REPO_ROOT = Path(__file__).resolve().parents[2]
ProgressFn = Callable[[int, int], None]  # (bytes done, bytes total)


def onnx_dirs() -> list[Path]:
    """ONNX cache folders, searched in order: $KEYPOINT_ONNX_DIR (os.pathsep list), then
    $KEYPOINT_CACHE/onnx (default ~/.cache/keypoint/onnx), where `download` writes."""
    dirs = [Path(p) for p in os.environ.get("KEYPOINT_ONNX_DIR", "").split(os.pathsep) if p]
    return dirs + [onnx_download_dir()]


def onnx_download_dir() -> Path:
    base = os.environ.get("KEYPOINT_CACHE") or os.path.join(Path.home(), ".cache", "keypoint")
    return Path(base) / "onnx"


def onnx_path(src: Source) -> Path | None:
    for d in onnx_dirs():
        if (d / src.ref).is_file():
            return d / src.ref
    return None


def torchvision_weights(src: Source):
    from torchvision.models import get_weight

    return get_weight(src.ref)


# Each torchvision weights enum's file name (the basename of its URL), so that asking "is it cached?"
# (the Models page, every resolve) does not import torchvision (~400 MB with its detection models).
# tests/core/test_zoo_light.py holds this table equal to torchvision's own enums.
TORCHVISION_FILES = {
    "ResNet18_Weights.IMAGENET1K_V1": "resnet18-f37072fd.pth",
    "AlexNet_Weights.IMAGENET1K_V1": "alexnet-owt-7be5be79.pth",
    "VGG11_Weights.IMAGENET1K_V1": "vgg11-8a719046.pth",
    "GoogLeNet_Weights.IMAGENET1K_V1": "googlenet-1378be20.pth",
    "DenseNet121_Weights.IMAGENET1K_V1": "densenet121-a639ec97.pth",
    "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights.DEFAULT": "fasterrcnn_mobilenet_v3_large_320_fpn-907ea3f9.pth",
    "SSDLite320_MobileNet_V3_Large_Weights.DEFAULT": "ssdlite320_mobilenet_v3_large_coco-a79551df.pth",
    "DeepLabV3_MobileNet_V3_Large_Weights.DEFAULT": "deeplabv3_mobilenet_v3_large-fc3c493d.pth",
    "FasterRCNN_MobileNet_V3_Large_FPN_Weights.DEFAULT": "fasterrcnn_mobilenet_v3_large_fpn-fb6a3cc7.pth",
    "FasterRCNN_ResNet50_FPN_V2_Weights.DEFAULT": "fasterrcnn_resnet50_fpn_v2_coco-dd69338a.pth",
    "MaskRCNN_ResNet50_FPN_V2_Weights.DEFAULT": "maskrcnn_resnet50_fpn_v2_coco-73cbd019.pth",
    "SSD300_VGG16_Weights.DEFAULT": "ssd300_vgg16_coco-b556d3b4.pth",
    "DeepLabV3_ResNet50_Weights.DEFAULT": "deeplabv3_resnet50_coco-cd0a2569.pth",
}


def torch_hub_dir() -> Path:
    """torch.hub.get_dir() without importing torch: $TORCH_HOME/hub, else $XDG_CACHE_HOME/torch/hub."""
    import sys

    if "torch" in sys.modules:  # respects torch.hub.set_dir when torch is already loaded
        return Path(sys.modules["torch"].hub.get_dir())
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "torch")
    return Path(os.path.expanduser(home)) / "hub"


def torchvision_file(src: Source) -> Path:
    name = TORCHVISION_FILES.get(src.ref) or os.path.basename(torchvision_weights(src).url)
    return torch_hub_dir() / "checkpoints" / name


def hf_cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    hit = try_to_load_from_cache(repo_id, "config.json")
    return isinstance(hit, str)


def hf_load_kwargs(ref: str) -> dict:
    """Extra from_pretrained arguments for a Hugging Face id: a cached model loads with
    local_files_only, so a dead or black-holed network never delays a page (no update checks)."""
    if Path(ref).exists():  # a local folder: from_pretrained reads it without any network
        return {}
    return {"local_files_only": True} if hf_cached(ref) else {}


def is_local(src: Source) -> bool:
    """True when the weights are on this machine now (no network needed)."""
    if src.hub == "hf":
        return hf_cached(src.ref)
    if src.hub == "torchvision":
        return torchvision_file(src).is_file()
    if src.hub == "onnx":
        return onnx_path(src) is not None
    if src.hub == "pip":
        return importlib.util.find_spec(src.ref) is not None
    if src.hub == "assets":
        return (REPO_ROOT / src.ref).exists()
    raise ValueError(f"unknown hub {src.hub!r}")


def local_path(src: Source) -> Path | None:
    """The file or folder holding the weights, where one exists locally."""
    if src.hub == "onnx":
        return onnx_path(src)
    if src.hub == "assets":
        return REPO_ROOT / src.ref
    if src.hub == "torchvision":
        f = torchvision_file(src)
        return f if f.is_file() else None
    if src.hub == "pip":
        spec = importlib.util.find_spec(src.ref)
        return Path(spec.origin).parent if spec and spec.origin else None
    return None


def hf_cache_dir(repo_id: str) -> Path:
    """The folder huggingface_hub downloads repo_id into (models--org--name under HF_HUB_CACHE)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE) / ("models--" + repo_id.replace("/", "--"))


def destination(src: Source) -> tuple[str, str]:
    """(where `download` puts this pretrained source, where it fetches it from), without the network.
    Hugging Face repos are a folder of files (config, weights, tokenizer) the hub lists when asked."""
    if src.hub == "onnx":
        return str(onnx_download_dir() / src.ref), src.url
    if src.hub == "torchvision":
        return str(torchvision_file(src)), torchvision_weights(src).url
    if src.hub == "hf":
        patterns = ", ".join(HF_PATTERNS)
        return f"{hf_cache_dir(src.ref)} (files matching {patterns})", f"https://huggingface.co/{src.ref}"
    return str(local_path(src) or ""), ""


HF_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "vocab*", "merges*", "*.spm"]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch_url(url: str, dest: Path, progress: ProgressFn | None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    with urllib.request.urlopen(url, timeout=30) as r, open(tmp, "wb") as f:
        total = int(r.headers.get("Content-Length") or 0)
        done = 0
        while chunk := r.read(1 << 16):
            f.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    tmp.replace(dest)


def download(src: Source, progress: ProgressFn | None = None) -> Path | None:
    """Fetch a pretrained source into its standard cache. Returns where it landed."""
    if src.hub == "onnx":
        dest = onnx_download_dir() / src.ref
        _fetch_url(src.url, dest, progress)
        if src.sha256 and sha256_of(dest) != src.sha256:
            dest.unlink()
            raise ValueError(f"{src.ref}: checksum mismatch, file removed")
        return dest
    if src.hub == "torchvision":
        import torch

        torch.hub.load_state_dict_from_url(torchvision_weights(src).url, progress=progress is None)
        return torchvision_file(src)
    if src.hub == "hf":
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(src.ref, allow_patterns=HF_PATTERNS))
    return local_path(src)
