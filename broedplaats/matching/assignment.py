"""Optimal assignment: the matching of applicants to spaces with the highest total score.

Solved with `scipy.optimize.linear_sum_assignment` (a shortest augmenting path method,
O(k^2 K) for a k x K matrix with k <= K). That solver pairs every row or every column of a
rectangular matrix, so infeasible pairs need a stand-in value. A very negative one would make
the solver take as many feasible pairs as possible before it looks at scores: with scores
r0-s0: 0, r0-s1: 10, r1-s1: 0 (r1-s0 infeasible) it would pick r0-s0 and r1-s1 (total 0)
over r0-s1 alone (total 10). Here infeasible pairs count 0 and feasible ones their score plus
a tiny bonus (`EPSILON_SHARE` of the largest score, spread over the pairs), so the solver
maximises the total score first and the number of feasible pairs among equal totals; the
infeasible pairs it had to take are then dropped. Feasible pairs with a negative score are
never worth taking and are dropped likewise.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

# Everything the cardinality bonus adds up to, as a share of the largest |score|: totals
# closer than this count as equal.
EPSILON_SHARE = 1e-6


def optimal_assignment(scores: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """The assignment with the maximum total score over feasible pairs, each applicant (row)
    to at most one space (column) and each space to at most one applicant; among totals
    equal to within a millionth of the largest score, one with the most pairs. Returns (n,)
    int64: each row's column, -1 for none. Scores must be finite on feasible pairs."""
    scores = np.asarray(scores)
    feasible = np.asarray(feasible, dtype=bool)
    if scores.ndim != 2 or scores.shape != feasible.shape:
        raise ValueError(f"scores and feasible must be matrices of the same shape, not "
                         f"{scores.shape} and {feasible.shape}")
    n, m = scores.shape
    assignment = np.full(n, -1, dtype=np.int64)
    if n == 0 or m == 0 or not feasible.any():
        return assignment
    rows, columns = linear_sum_assignment(solver_matrix(scores, feasible), maximize=True)
    keep = feasible[rows, columns] & (scores[rows, columns] >= 0)
    assignment[rows[keep]] = columns[keep]
    return assignment


def solver_matrix(scores: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """What `optimal_assignment` hands to `linear_sum_assignment`: each feasible pair's score
    plus a bonus too small to change any total (so that more pairs win among equal totals),
    infeasible and negative pairs 0. Works in place on one float64 copy (a city-wide round's
    matrix has millions of pairs). The benchmark times the bare solver on it."""
    feasible = np.asarray(feasible, dtype=bool)
    worth = np.array(scores, dtype=np.float64)  # the one copy
    infeasible = ~feasible
    np.copyto(worth, 0.0, where=infeasible)
    if not np.isfinite(worth).all():
        raise ValueError("scores of feasible pairs must be finite")
    n, m = worth.shape
    # The largest |score| of a feasible pair (infeasible ones are 0 now), at least 1.
    largest = max(float(worth.max(initial=0.0)), -float(worth.min(initial=0.0)), 1.0)
    epsilon = EPSILON_SHARE * largest / max(min(n, m), 1)
    np.add(worth, epsilon, out=worth, where=feasible)
    np.maximum(worth, 0.0, out=worth)  # a negative pair is worth no more than none
    return worth
