"""Charts for the drawing views (what a drawn input gives)."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def class_probs_chart(probs: np.ndarray, class_names) -> alt.Chart:
    """Every class's probability as a bar, classes in their own order (0 to 9 for the digits)."""
    df = pd.DataFrame({"class": [str(c) for c in class_names], "probability": np.asarray(probs, float)})
    return alt.Chart(df).mark_bar(color="#4c78a8").encode(
        y=alt.Y("class:N", sort=list(df["class"]), title=None, axis=alt.Axis(labelOverlap=False)),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), title="probability"),
        tooltip=["class", alt.Tooltip("probability:Q", format=".3f")]).properties(
        title=f"All {len(df)} classes", height=26 * len(df))
