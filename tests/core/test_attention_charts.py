"""Pooling long attention maps for the charts keeps rows summing to 1 (numpy reference)."""
import numpy as np
import torch

from core.viz.attention import heatmap, model_view, pool, small_multiples, token_labels


def test_pool_against_numpy_blocks():
    g = torch.Generator().manual_seed(0)
    A = torch.softmax(torch.randn(2, 10, 10, generator=g), -1)
    P, names, b = pool(A, [str(i) for i in range(10)], max_side=4)
    assert b == 3 and P.shape == (2, 4, 4) and names[-1] == "9–9"
    a = A[1].numpy()
    blocks = [(0, 3), (3, 6), (6, 9), (9, 10)]
    ref = np.array([[a[r0:r1, c0:c1].sum(1).mean() for c0, c1 in blocks] for r0, r1 in blocks])
    np.testing.assert_allclose(P[1].numpy(), ref, atol=1e-6)
    np.testing.assert_allclose(P.sum(-1).numpy(), 1.0, atol=1e-5)


def test_charts_carry_the_real_weights():
    A = torch.softmax(torch.randn(3, 2, 5, 5), -1)
    tokens = ["The", " cat", " sat", " on", " the"]
    spec = heatmap(A[0, 1], tokens).to_dict()
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(values) == 25 and abs(values[7]["weight"] - float(A[0, 1, 1, 2])) < 1e-6
    assert token_labels(tokens)[1] == "1 ␣cat"
    mv = model_view(A, selected=(1, 0)).to_dict()
    rows = next(d for d in mv["datasets"].values() if "weight" in d[0])
    assert len(rows) == 3 * 2 * 25 and mv["params"][0]["name"] == "pick"  # clickable: a point selection
    cell = next(r for r in rows if (r["layer"], r["head"], r["x"], r["y"]) == (1, 0, 3, 1 * (5 + 2) + 2))
    assert abs(cell["weight"] - float(A[1, 0, 2, 3])) < 1e-6 and cell["shade"] == -cell["weight"]  # chosen: orange
    small_multiples(A[2], tokens).to_dict()
    plain = model_view(A).to_dict()  # nothing selected: every shade is the weight itself
    assert all(r["shade"] == r["weight"] for d in plain["datasets"].values() if "weight" in d[0] for r in d)
