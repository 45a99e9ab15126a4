"""The zoo's text cards offline: the bundled gpt-tiny predicts readable next tokens; MiniLM is packaged."""

import pytest
import torch

from core.text.attention.capture import Variant, capture, capture_ids
from core.text.lm.load import load_causal_lm, load_encoder
from core.zoo import REPO_ROOT, get_card, resolve
from core.zoo.record import read_record


@pytest.fixture(scope="module")
def tiny():
    return load_causal_lm("gpt-tiny", "offline")


@pytest.mark.parametrize("prompt,want", [("The cat sat on the", " mat"), ("Paris is the capital of", " France"),
                                         ("Monday comes before", " Tuesday"), ("The dog", " barks")])
def test_bundled_gpt_predicts_readable_tokens(tiny, prompt, want):
    model, tok, res = tiny
    assert res.source.kind == "bundled"
    tr = capture(model, tok, prompt)[0]
    assert tok.decode([int(tr.logits.argmax())]) == want


def test_bundled_record_and_size():
    folder = REPO_ROOT / "assets" / "gpt_tiny"
    record = read_record(folder / "card.json")
    assert record.metric == "perplexity" and record.command.startswith("python -m core.text.lm.train_gpt")
    assert record.wall_time_s <= 12 * 60 and record.value < 5
    assert sum(f.stat().st_size for f in folder.iterdir()) < 10 * 2**20
    assert f"perplexity {record.value:.3g}" in get_card("gpt-tiny").notes


def test_offline_fallbacks():
    assert resolve(get_card("gpt2"), "offline").source.ref == "assets/gpt_tiny"
    assert resolve(get_card("distilgpt2"), "offline").source.ref == "assets/gpt_tiny"
    assert resolve(get_card("bert-base-uncased"), "offline").source.kind == "packaged"


def test_packaged_minilm_capture_matches_its_own_attentions():
    model, tok, res = load_encoder("minilm", "offline")
    assert res.source.kind == "packaged" and type(model).__name__ == "BertModel"
    assert (model.config.num_hidden_layers, model.config.num_attention_heads) == (6, 12)
    ids = tok("Attention is all you need.")["input_ids"]
    r = capture_ids(model, ids, [Variant(causal=False)])[0]
    with torch.no_grad():
        own = torch.stack(model(input_ids=torch.tensor([ids]), output_attentions=True).attentions, 1)[0]
    torch.testing.assert_close(r["weights"], own, atol=1e-5, rtol=0)
    assert r["weights"].shape == (6, 12, len(ids), len(ids))
