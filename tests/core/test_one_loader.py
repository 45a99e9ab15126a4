"""Issue 20 item 2: every model, text or vision, loads through core.zoo.load (lock, fallback to the
next source, the loaded-model record, the tokenizer guard); no copy of the loop is left."""
from __future__ import annotations



from core.catalog import ROOT
from core.zoo import load as zload


def test_no_copy_of_the_load_loop_outside_the_zoo():
    """The fallback loop (resolve, then try the card's later sources) is written once."""
    copies = []
    for path in (ROOT / "core").rglob("*.py"):
        if path.parts[-2:] == ("zoo", "load.py") or path.parts[-2] == "zoo":
            continue
        text = path.read_text()
        if "card.sources.index(res.source)" in text or "def source_location" in text:
            copies.append(str(path.relative_to(ROOT)))
    assert copies == []


def test_the_vit_loader_is_the_zoo_loader():
    from core.vision.vit import load as vit_load

    assert vit_load.load_hf is zload.load_hf


def test_cnn_classifier_falls_back_to_bundled_when_the_pretrained_load_fails(monkeypatch):
    from core.vision.cnn import classifiers
    from core.zoo import sources

    real = sources.is_local
    monkeypatch.setattr(sources, "is_local", lambda s: True if s.hub == "torchvision" else real(s))

    def broken(*a, **k):
        raise OSError("truncated checkpoint")

    monkeypatch.setattr(classifiers, "torchvision_model", broken)
    clf, res = classifiers.load_classifier("cnn-resnet18", "offline")
    assert res.source.kind == "bundled"
    assert "pretrained" in res.reason and "OSError" in res.reason  # says why it fell back
    assert zload.loaded()["cnn-resnet18"].source.kind == "bundled"  # the Models page's column agrees
    assert "bundled" in clf.label and not clf.imagenet


def test_vision_and_bert_loads_are_recorded_and_tokenizers_guarded():
    from core.text.bert.models import load_mlm
    from core.vision.vit.load import load_vit

    _, processor, res = load_vit("offline")
    assert zload.loaded()["vit-base-patch16-224"] == res
    model, tok, res, _ = load_mlm("offline")
    assert zload.loaded()["bert-base-uncased-mlm"] == res
    assert getattr(tok._encode_plus, "_keypoint_locked", False)  # shared across sessions: guarded
    assert not model.training


def test_load_hf_falls_through_to_the_next_local_source(monkeypatch):
    """A source whose from_pretrained fails is skipped for the card's next local source."""
    from transformers import AutoTokenizer, GPT2LMHeadModel

    calls = []

    class Flaky(GPT2LMHeadModel):
        @classmethod
        def from_pretrained(cls, where, **kw):
            calls.append(where)
            if len(calls) == 1:
                raise RuntimeError("broken cache")
            return GPT2LMHeadModel.from_pretrained(where, **kw)

    from core.zoo import sources

    real = sources.is_local
    monkeypatch.setattr(sources, "is_local", lambda s: True if s.hub == "hf" else real(s))
    model, tok, res, _ = zload.load_hf("gpt2", Flaky, AutoTokenizer, "offline")
    assert calls[0] == "gpt2" and res.source.ref == "assets/gpt_tiny"
    assert "RuntimeError" in res.reason
