"""The data a regression is fitted to: a noisy line, d generated features with a collinearity knob,
or the user's CSV (parsed here, with a clear ValueError for every way a file can be wrong)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_CSV_MB = 10  # larger uploads are refused before parsing (the page's uploader caps at 25 MB)
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class LineData:
    x: np.ndarray  # float64[n] inputs
    y: np.ndarray  # float64[n] noisy targets
    true_w: np.ndarray  # float64[degree + 1] the coefficients that generated y


def make_data(n: int = 50, slope: float = 2.0, intercept: float = -1.0, noise: float = 0.5,
              degree: int = 1, seed: int = 0) -> LineData:
    """y = intercept + slope·x (+ small higher-order terms if degree > 1) + Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=n)
    true_w = np.array([intercept, slope] + [0.5 / k for k in range(2, degree + 1)], dtype=np.float64)
    y = design_matrix(x, degree) @ true_w + rng.normal(0, noise, size=n)
    return LineData(x=x, y=y, true_w=true_w)


def design_matrix(x: np.ndarray, degree: int = 1) -> np.ndarray:
    """X[n, degree + 1] = [1, x, x², ...]: the bias is just a feature that is always 1."""
    return np.stack([x**k for k in range(degree + 1)], axis=1)


def add_bias(features: np.ndarray) -> np.ndarray:
    """features [n, d] -> X [n, d + 1] with a first column of ones (the intercept's feature)."""
    return np.column_stack([np.ones(len(features)), features])


@dataclass
class Dataset:
    features: np.ndarray  # float64[n, d] the inputs, without the bias column
    y: np.ndarray  # float64[n] the target
    feature_names: list[str]  # d names, in column order
    target_name: str = "y"  # what y is called in the CSV
    true_w: np.ndarray | None = None  # float64[d + 1] the generating coefficients (bias first), if known
    notes: list[str] = field(default_factory=list)  # things worth telling the user (e.g. an exact collinearity)

    @property
    def X(self) -> np.ndarray:
        """The design matrix [n, d + 1]: a column of ones, then the features."""
        return add_bias(self.features)

    def standardised(self) -> "Dataset":
        """Each feature shifted to mean 0 and scaled to std 1 (a constant feature is only centred),
        before gradient descent; y is left alone."""
        mu = self.features.mean(axis=0)
        sd = self.features.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        return Dataset((self.features - mu) / sd, self.y, self.feature_names, self.target_name, None, self.notes)


def make_features(n: int = 100, d: int = 3, collinearity: float = 0.0, noise: float = 0.5,
                  seed: int = 0) -> Dataset:
    """n rows of d standard-normal features; feature 2 = c·feature 1 + (1 − c)·fresh noise, so as
    c = collinearity goes to 1, x2 becomes a copy of x1 and cond(X) grows like 1/(1 − c)
    (c = 1 − 1e-8: cond(X) ≈ 1e8, cond(XᵀX) ≈ 1e16; c = 1: an exact copy and XᵀX is singular).
    y = 1 + Σ_j w_j x_j + noise with w = 1, −2, 0.5, 3, ... (bias first)."""
    if d < 1:
        raise ValueError("need at least one feature")
    if not 0.0 <= collinearity <= 1.0:
        raise ValueError("collinearity must be between 0 and 1")
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, d))  # [n, d]
    if d >= 2:
        F[:, 1] = collinearity * F[:, 0] + (1.0 - collinearity) * F[:, 1]
    base = np.array([1.0, -2.0, 0.5, 3.0, -1.0, 2.0])
    true_w = np.concatenate([[1.0], np.resize(base, d)])  # [d + 1]
    y = add_bias(F) @ true_w + rng.normal(0, noise, size=n)
    names = [f"x{j + 1}" for j in range(d)]
    notes = ["x2 is an exact copy of x1: XᵀX is singular"] if d >= 2 and collinearity == 1.0 else []
    return Dataset(F, y, names, "y", true_w, notes)


def _check_size(raw: bytes) -> None:
    mb = len(raw) / 2**20
    if mb > MAX_CSV_MB:
        raise ValueError(f"the file is {mb:.0f} MB; the limit is {MAX_CSV_MB} MB. Take a sample of its rows.")


def read_csv(raw: bytes, delimiter: str = ",") -> pd.DataFrame:
    """Parse an uploaded CSV (with a header row) into a DataFrame of strings-or-numbers.

    Raises ValueError with a sentence a student can act on: too large, not text, empty, one column
    only (usually the wrong delimiter; we say which one the header looks like), fewer than 2 rows."""
    _check_size(raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("this is not a text file (it is not UTF-8): save it as CSV") from None
    if not text.strip():
        raise ValueError("the file is empty")
    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, csv.Error) as e:
        raise ValueError(f"it does not parse as a CSV with the {DELIMITERS.get(delimiter, repr(delimiter))} "
                         f"delimiter: {str(e).strip().splitlines()[-1]}") from None
    except pd.errors.EmptyDataError:
        raise ValueError("the file has no columns") from None
    if df.shape[1] < 2:
        header = text.splitlines()[0]
        guess = [name for sep, name in DELIMITERS.items() if sep != delimiter and sep in header]
        hint = (f"; the header looks {guess[0]}-separated: choose that delimiter" if guess else
                "; a regression needs a target column and at least one feature column")
        raise ValueError(f"only one column was found with the {DELIMITERS.get(delimiter, repr(delimiter))} "
                         f"delimiter{hint}")
    if len(df) < 2:
        raise ValueError(f"the file has {len(df)} data row{'s' if len(df) != 1 else ''}; a line needs at least 2")
    names = [str(c).strip() for c in df.columns]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash is not None:
        cols = [i + 1 for i, n in enumerate(names) if n == clash]
        raise ValueError(f"columns {', '.join(map(str, cols))} are all called '{clash}' once the spaces around "
                         "the names are trimmed: give each column its own name in the header row")
    df.columns = names
    return df


def _numeric_column(df: pd.DataFrame, name: str) -> np.ndarray:
    """One column as float64, or a ValueError naming the first bad cell (text, empty, NaN or inf)."""
    raw = df[name].astype(str).str.strip()
    values = pd.to_numeric(raw, errors="coerce")
    empty = raw.eq("") | raw.str.lower().isin(["nan", "na", "null", "none"])
    text = values.isna() & ~empty
    if text.any():
        i = int(np.flatnonzero(text.to_numpy())[0])
        raise ValueError(f"column '{name}' has text where a number should be: {raw.iloc[i]!r} in data row {i + 1}"
                         f"{f' (and {int(text.sum()) - 1} more)' if text.sum() > 1 else ''}")
    if empty.any():
        rows = np.flatnonzero(empty.to_numpy())[:5] + 1
        raise ValueError(f"column '{name}' has {int(empty.sum())} missing (empty or NaN) value(s), "
                         f"first in data row(s) {', '.join(map(str, rows))}: fill or drop those rows")
    out = values.to_numpy(dtype=np.float64)
    if not np.isfinite(out).all():
        rows = np.flatnonzero(~np.isfinite(out))[:5] + 1
        raise ValueError(f"column '{name}' has infinite values in data row(s) {', '.join(map(str, rows))}")
    return out


def dataset_from_frame(df: pd.DataFrame, target: str, features: list[str]) -> Dataset:
    """Pick the target and feature columns; every chosen cell must be a finite number, and there must
    be more rows than unknowns (the d feature weights + the bias)."""
    if target not in df.columns:
        raise ValueError(f"there is no column '{target}'")
    features = [f for f in features if f != target]
    if not features:
        raise ValueError("choose at least one feature column (other than the target)")
    missing = [f for f in features if f not in df.columns]
    if missing:
        raise ValueError(f"there is no column {missing[0]!r}")
    n, unknowns = len(df), len(features) + 1
    if n <= unknowns:
        raise ValueError(f"{n} rows but {unknowns} unknowns ({len(features)} feature weights + the bias): "
                         f"least squares needs more rows than columns. Choose fewer features or add rows.")
    y = _numeric_column(df, target)
    F = np.column_stack([_numeric_column(df, f) for f in features])  # [n, d]
    return Dataset(F, y, list(features), target)


def load_csv(raw: bytes, target: str | None = None, features: list[str] | None = None,
             delimiter: str = ",") -> Dataset:
    """read_csv + dataset_from_frame in one call; defaults: the last column is the target, the rest features."""
    df = read_csv(raw, delimiter)
    target = df.columns[-1] if target is None else target
    features = [c for c in df.columns if c != target] if features is None else features
    return dataset_from_frame(df, target, features)


def sample_csv(n: int = 60, seed: int = 0) -> bytes:
    """A small made-up housing table (area, rooms, age -> price) to try the CSV path with."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 160, n).round(1)  # m²
    rooms = np.clip(np.round(area / 30 + rng.normal(0, 0.7, n)), 1, 7).astype(int)
    age = rng.integers(0, 60, n)  # years
    price = (50 + 2.1 * area + 8.0 * rooms - 0.9 * age + rng.normal(0, 15, n)).round(1)  # thousands
    df = pd.DataFrame({"area_m2": area, "rooms": rooms, "age_years": age, "price_k": price})
    return df.to_csv(index=False).encode()
