"""Every way a CSV can be wrong gets a ValueError a student can act on."""
import numpy as np
import pytest

from core.learn import linreg
from core.learn.linreg.data import MAX_CSV_MB

GOOD = b"a,b,y\n1,2,3\n2,1,4\n3,5,9\n4,4,8\n"


def test_a_good_csv_and_the_sample():
    data = linreg.load_csv(GOOD)
    assert data.feature_names == ["a", "b"] and data.target_name == "y"
    np.testing.assert_allclose(data.features, [[1, 2], [2, 1], [3, 5], [4, 4]])
    sample = linreg.read_csv(linreg.sample_csv())
    assert list(sample.columns) == ["area_m2", "rooms", "age_years", "price_k"] and len(sample) == 60
    d = linreg.dataset_from_frame(sample, "price_k", ["area_m2", "age_years"])
    assert d.X.shape == (60, 3)
    semi = linreg.load_csv(GOOD.replace(b",", b";"), delimiter=";")
    np.testing.assert_allclose(semi.y, data.y)


@pytest.mark.parametrize("raw, kwargs, message", [
    (b"a,b,y\n1,2,3\n2,oops,4\n3,5,9\n4,4,8\n", {}, "column 'b' has text where a number should be: 'oops' in data row 2"),
    (b"a,b,y\n1,2,3\n2,,4\n3,5,9\n4,4,8\n", {}, "column 'b' has 1 missing"),
    (b"a,b,y\n1,2,3\n2,NaN,4\n3,5,9\n4,4,8\n", {}, "column 'b' has 1 missing"),
    (b"a,b,y\n1,2,3\n2,inf,4\n3,5,9\n4,4,8\n", {}, "column 'b' has infinite values in data row(s) 2"),
    (b"a,b,y\n1,2,3\n", {}, "1 data row; a line needs at least 2"),
    (b"a,b,c,d,y\n1,2,3,4,5\n2,1,4,4,1\n3,5,9,0,2\n", {}, "3 rows but 5 unknowns"),
    (b"a;b;y\n1;2;3\n2;1;4\n3;5;9\n", {}, "the header looks semicolon-separated"),
    (b"only\n1\n2\n3\n", {}, "only one column"),
    (b"", {}, "empty"),
    (b"\xff\xfe\x00binary", {}, "not a text file"),
    (GOOD, {"target": "z"}, "no column 'z'"),
    (b"a ,a,y\n1,2,3\n2,1,4\n3,5,9\n4,4,8\n", {}, "columns 1, 2 are all called 'a' once the spaces"),
    (b"x,  rate ,rate\t,y\n1,2,3,1\n2,1,4,2\n3,5,9,0\n4,4,8,1\n", {}, "columns 2, 3 are all called 'rate'"),
    (GOOD, {"target": "y", "features": ["y"]}, "at least one feature"),
])
def test_bad_csvs_raise_a_clear_error(raw, kwargs, message):
    with pytest.raises(ValueError) as e:
        linreg.load_csv(raw, **kwargs)
    assert message in str(e.value)


def test_a_50_mb_file_is_refused_before_parsing():
    raw = b"a,y\n" + b"1,2\n" * (50 * 2**20 // 4)
    assert len(raw) > MAX_CSV_MB * 2**20
    with pytest.raises(ValueError, match="50 MB; the limit is"):
        linreg.read_csv(raw)


def test_generated_features_collinearity():
    loose = linreg.make_features(n=500, d=3, collinearity=0.0, seed=0)
    tight = linreg.make_features(n=500, d=3, collinearity=0.999, seed=0)
    corr = lambda d: np.corrcoef(d.features[:, 0], d.features[:, 1])[0, 1]  # noqa: E731
    assert abs(corr(loose)) < 0.15 and corr(tight) > 0.99
    assert np.linalg.cond(tight.X) > 10 * np.linalg.cond(loose.X)
    with pytest.raises(ValueError):
        linreg.make_features(collinearity=1.5)
