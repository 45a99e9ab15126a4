"""Every download a page offers, checked on its bytes: CSVs parse with the right columns, PNGs decode to
the picture's size, JSON reloads to the trace the page shows. The pages' export buttons all go through
app_pages.parts.export._button, which the test replaces with a recorder (AppTest runs pages in-process)."""
import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from app_pages.parts import export
from tests.app.helpers import page


@pytest.fixture
def files(monkeypatch):
    """file name -> bytes of every download button rendered."""
    got: dict[str, bytes] = {}

    def record(label, data, name, mime, where, key):
        assert isinstance(data, bytes) and name not in got or got[name] == data
        got[name] = data

    monkeypatch.setattr(export, "_button", record)
    return got


def _one(files, prefix: str, ext: str) -> tuple[str, bytes]:
    hits = [(n, b) for n, b in files.items() if n.startswith(prefix) and n.endswith(ext)]
    assert len(hits) == 1, (prefix, ext, sorted(files))
    return hits[0]


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data))


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.slow
def test_decoding_beam_trace_and_nbest(files):
    at = page("app_pages/decoding/page.py").run(timeout=240)
    assert not at.exception, at.exception
    name, raw = _one(files, "beam_k4_alpha1.0_", ".json")
    trace = json.loads(raw)
    shown = next(d.value for d in at.dataframe if "log-prob (raw)" in d.value.columns)
    assert [h["text"] for h in trace["hypotheses"]] == list(shown["output"])  # the n-best the page shows
    assert [round(h["score"], 4) for h in trace["hypotheses"]] == list(shown["log-prob (raw)"])
    assert len(trace["steps"]) == len(at.select_slider(key=next(s.key for s in at.select_slider
                                                                 if s.key.startswith("dec_step"))).options)
    assert (trace["method"], trace["alpha"]) == ("beam", 1.0)
    _, csv = _one(files, "nbest_k4_alpha1.0_", ".csv")
    pd.testing.assert_frame_equal(_csv(csv), shown.reset_index(drop=True), check_dtype=False)


@pytest.mark.slow
def test_attention_heatmap_png_and_weights_json(files):
    at = page("app_pages/attention/page.py").run(timeout=240)
    assert not at.exception, at.exception
    _, raw = _one(files, "attention_", ".json")
    doc = json.loads(raw)
    W = np.array(doc["weights"])
    T = len(doc["tokens"])
    assert W.shape == (T, T) and np.allclose(W.sum(1), 1, atol=1e-4)  # softmax rows of the head shown
    if doc["causal"]:
        assert np.allclose(np.triu(W, 1), 0)
    _, png = _one(files, "attention_", ".png")
    img = _png(png)
    assert img.shape == (16 * T, 16 * T, 3)
    brightest = np.unravel_index(img.astype(int).sum(-1)[::16, ::16].argmax(), (T, T))
    assert W[brightest] == pytest.approx(W.max())  # the brightest square is the largest weight


@pytest.mark.slow
def test_sequence_models_histories_and_tables(files):
    def open_tab(label):  # a tab bound to the link: the link's value wins over session state, so set both
        at.session_state["seq_tab"] = at.query_params["seq_tab"] = label
        at.run(timeout=300)

    at = page("app_pages/sequence_models/page.py")
    open_tab("RNN, GRU and LSTM cells")
    assert not at.exception, at.exception
    name, raw = _one(files, "char-lm-history_", ".csv")
    assert name == "char-lm-history_hidden32_steps150_seed0_gru.csv"
    hist = _csv(raw)
    assert list(hist.columns) == ["step", "loss (nats/char)", "bits per character", "gradient norm"]
    assert hist["step"].iloc[-1] == 150 and np.allclose(hist["bits per character"], hist["loss (nats/char)"] / np.log(2))
    open_tab("Perplexity, every model")
    shown = next(d.value for d in at.dataframe if "bits per character" in d.value.columns)
    _, raw = _one(files, "perplexity_", ".csv")
    assert list(_csv(raw).columns) == list(shown.columns) and len(_csv(raw)) == len(shown)
    open_tab("Vanishing gradients & clipping")
    at.button(key="clip_go").click().run(timeout=300)
    _, raw = _one(files, "clipping_", ".csv")
    runs = _csv(raw)
    assert {"run", "step", "bits per character", "norm before", "norm after"} <= set(runs.columns)
    assert runs["run"].nunique() == 2


@pytest.mark.slow
def test_linear_regression_solver_table(files):
    at = page("app_pages/linear_regression/page.py").run(timeout=240)
    assert not at.exception, at.exception
    _, raw = _one(files, "solvers_", ".csv")
    table = _csv(raw)
    assert "‖Xw − y‖" in table.columns and len(table) >= 3


@pytest.mark.slow
def test_cnn_layer_table_and_grad_cam(files):
    at = page("app_pages/cnns/page.py").run(timeout=300)
    assert not at.exception, at.exception
    _, raw = _one(files, "layers_", ".csv")
    assert list(_csv(raw).columns) == ["layer", "type", "output", "params", "FLOPs", "receptive field"]
    _, raw = _one(files, "gradcam_", ".png")
    img = _png(raw)
    shown = [i for el in at.get("image") for i in el.proto.imgs if i.caption.startswith("Grad-CAM")]
    assert shown and img.ndim == 3 and min(img.shape[:2]) >= 64


@pytest.mark.slow
def test_mae_reconstruction_png(files):
    at = page("app_pages/vision_transformers/page.py").run(timeout=300)
    assert not at.exception, at.exception
    name, raw = _one(files, "mae-reconstruction_", ".png")
    img = _png(raw)
    assert img.shape[0] == img.shape[1] and img.shape[0] >= 32
    assert name.endswith("-hidden.png")


@pytest.mark.slow
def test_detection_picture_and_coco_json(files):
    at = page("app_pages/detection/page.py").run(timeout=300)
    assert not at.exception, at.exception
    name, raw = _one(files, "yolox-nano_score", ".png")
    img = _png(raw)
    _, doc_raw = _one(files, "yolox-nano_score", ".json")
    doc = json.loads(doc_raw)
    assert (doc["images"][0]["width"], doc["images"][0]["height"]) == (img.shape[1], img.shape[0])
    assert len(doc["annotations"]) >= 1 and all(len(a["bbox"]) == 4 for a in doc["annotations"])
