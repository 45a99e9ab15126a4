"""The Models page's "loaded now" section: what the process-wide model budget holds (issue 25)."""
from __future__ import annotations

import streamlit as st


def show_loaded_models() -> None:
    """One row per model loaded in this server process (every page and session), its measured size
    (parameters + buffers), and how much of KEYPOINT_MODEL_BUDGET_MB they take together."""
    from core.zoo.budget import BUDGET, MB, loaded_rows

    st.subheader("Loaded on this server now")
    rows = loaded_rows()
    used, budget = BUDGET.used() / MB, BUDGET.budget / MB
    st.progress(min(used / budget, 1.0) if budget else 1.0,
                text=f"{used:,.1f} MB of the {budget:,.0f} MB model budget (`KEYPOINT_MODEL_BUDGET_MB`) "
                     f"in {len(rows)} model{'s' if len(rows) != 1 else ''}")
    if not rows:
        st.caption("No model is loaded yet: pages load theirs on first use.")
    else:
        st.dataframe(rows, hide_index=True, width="stretch", column_config={
            "model": st.column_config.TextColumn("loader (arguments)", width="large"),
            "mb": st.column_config.NumberColumn("size (MB)", format="%.1f", help="parameters + buffers, measured"),
            "load_s": st.column_config.NumberColumn("load (s)", format="%.1f"),
            "loaded_min_ago": st.column_config.NumberColumn("loaded (min ago)", format="%.0f"),
            "in_use": st.column_config.NumberColumn("running jobs", help="held models are never evicted"),
            "reloads": st.column_config.NumberColumn("reloads", help="times loaded again after an eviction"),
        })
    evicted = len(BUDGET.evictions)
    st.caption("When a new model would pass the budget, the least recently used one that no running job "
               "holds is unloaded; a page that needs it again reloads it and says so."
               + (f" Unloaded so far: {evicted}." if evicted else ""))
