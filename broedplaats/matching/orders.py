"""Turn-taking allocation: an order of applicants, and each in turn taking a space.

Rows are applicant indices (0..n-1) and columns space indices (0..m-1) of a score matrix and
a boolean feasibility matrix of the same shape, as `scoring.score_matrix` gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def serial_dictatorship(order: Sequence[int], scores: np.ndarray,
                        feasible: np.ndarray) -> np.ndarray:
    """Applicants take turns in `order` (row indices, each at most once); each takes the
    feasible space not yet taken with the highest score, the lowest column index among
    equal scores, and none when no feasible space is left. Returns (n,) int64: the column
    of each row, -1 for none (and for rows not in `order`)."""
    scores, feasible = _matrices(scores, feasible)
    n, m = scores.shape
    order = _order(order, n)
    assignment = np.full(n, -1, dtype=np.int64)
    free = np.ones(m, dtype=bool)
    for i in order:
        open_here = np.flatnonzero(feasible[i] & free)
        if open_here.size == 0:
            continue
        j = int(open_here[np.argmax(scores[i, open_here])])  # argmax: first of the highest
        assignment[i] = j
        free[j] = False
    return assignment


def order_by_score(values: np.ndarray, lottery: np.ndarray) -> list[int]:
    """Row indices by `values` descending (NaN, e.g. no score, last), equal values by
    `lottery` ascending, then by row index. Used for ranking by fit (value: the applicant's
    best feasible score) and by committee (value: the mean committee score)."""
    values = np.asarray(values, dtype=np.float64)
    lottery = np.asarray(lottery, dtype=np.float64)
    if values.ndim != 1 or values.shape != lottery.shape:
        raise ValueError(f"values and lottery must be one-dimensional of the same length, "
                         f"not {values.shape} and {lottery.shape}")
    if np.isnan(lottery).any():
        raise ValueError("lottery numbers must not be NaN")
    missing = np.isnan(values)
    # lexsort sorts by the last key first and is stable, so the row index breaks what's left.
    return np.lexsort((lottery, -np.where(missing, 0.0, values), missing)).tolist()


def order_by_lottery(lottery: np.ndarray) -> list[int]:
    """Row indices by lottery number ascending, equal numbers by row index."""
    lottery = np.asarray(lottery, dtype=np.float64)
    return order_by_score(np.zeros(lottery.shape), lottery)


def best_feasible(scores: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Each row's highest feasible score, (n,) float64; NaN for a row with no feasible
    space. The value `order_by_score` ranks by fit."""
    scores, feasible = _matrices(scores, feasible)
    if scores.shape[1] == 0:
        return np.full(scores.shape[0], np.nan)
    best = np.where(feasible, scores, -np.inf).max(axis=1).astype(np.float64)
    best[~feasible.any(axis=1)] = np.nan
    return best


def _matrices(scores: np.ndarray, feasible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores)
    feasible = np.asarray(feasible, dtype=bool)
    if scores.ndim != 2 or scores.shape != feasible.shape:
        raise ValueError(f"scores and feasible must be matrices of the same shape, not "
                         f"{scores.shape} and {feasible.shape}")
    if np.isnan(scores[feasible]).any():
        raise ValueError("scores of feasible pairs must not be NaN")
    return scores, feasible


def _order(order: Sequence[int], n: int) -> list[int]:
    order = [int(i) for i in order]
    if any(not 0 <= i < n for i in order):
        raise ValueError(f"order holds a row outside 0..{n - 1}")
    if len(set(order)) != len(order):
        raise ValueError("order holds a row twice")
    return order
