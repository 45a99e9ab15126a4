"""TEACHING COPY. The Hungarian algorithm (min-cost assignment), as DETR's matcher uses it; the cost it
solves on the page is the one matcher's (core.vision.matcher), which trains with SciPy's solver.

Shortest augmenting paths with row/column potentials, O(n²·m). Rows are the smaller side;
a rectangular cost is handled by transposing. The tests check it against
scipy.optimize.linear_sum_assignment.
"""
from __future__ import annotations

import numpy as np


def hungarian(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cost [n, m] -> (row indices, column indices) of the assignment with the least total cost,
    min(n, m) pairs, rows sorted (the same format as scipy's linear_sum_assignment)."""
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f"the cost must be a matrix [n, m], got shape {cost.shape}")
    if cost.size == 0:  # no predictions or no objects: nothing to match (integer arrays, as scipy)
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if cost.shape[0] > cost.shape[1]:
        cols, rows = hungarian(cost.T)
        order = np.argsort(rows)
        return rows[order], cols[order]
    n, m = cost.shape
    INF = float("inf")
    u = np.zeros(n + 1)  # row potentials
    v = np.zeros(m + 1)  # column potentials
    match = np.zeros(m + 1, dtype=int)  # match[j] = row (1-based) assigned to column j; 0 = free
    way = np.zeros(m + 1, dtype=int)
    for i in range(1, n + 1):
        match[0] = i  # column 0 is a virtual start holding the new row
        j0 = 0
        minv = np.full(m + 1, INF)
        used = np.zeros(m + 1, dtype=bool)
        while True:  # grow the tree of tight edges until it reaches a free column
            used[j0] = True
            i0 = match[j0]
            reduced = cost[i0 - 1] - u[i0] - v[1:]  # reduced costs from row i0 to every column
            better = (~used[1:]) & (reduced < minv[1:])
            minv[1:][better] = reduced[better]
            way[1:][better] = j0
            free_cols = np.where(~used[1:])[0] + 1
            j1 = free_cols[np.argmin(minv[free_cols])]
            delta = minv[j1]
            u[match[used]] += delta  # shift potentials so the new edge becomes tight
            v[used] -= delta
            minv[~used] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:  # flip the augmenting path
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    rows, cols = [], []
    for j in range(1, m + 1):
        if match[j]:
            rows.append(match[j] - 1)
            cols.append(j - 1)
    order = np.argsort(rows)
    return np.asarray(rows, np.int64)[order], np.asarray(cols, np.int64)[order]
