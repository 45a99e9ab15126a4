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


def torchvision_file(src: Source) -> Path:
    import torch

    url = torchvision_weights(src).url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


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
