import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from broedplaats.matching import optimal_assignment


def total(scores, assignment):
    return sum(scores[i, j] for i, j in enumerate(assignment) if j >= 0)


def is_matching(assignment, feasible):
    taken = [j for j in assignment if j >= 0]
    return len(taken) == len(set(taken)) and all(
        feasible[i, j] for i, j in enumerate(assignment) if j >= 0)


@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (40, 40), (30, 7), (7, 30), (200, 50)])
def test_all_feasible_equals_scipys_optimum(shape):
    rng = np.random.default_rng(sum(shape))
    scores = rng.uniform(0, 100, shape)
    rows, columns = linear_sum_assignment(scores, maximize=True)
    assignment = optimal_assignment(scores, np.ones(shape, dtype=bool))
    assert total(scores, assignment) == pytest.approx(scores[rows, columns].sum(), abs=1e-9)
    assert (assignment >= 0).sum() == min(shape)
    assert is_matching(assignment, np.ones(shape, dtype=bool))


def test_infeasible_pairs_are_never_assigned():
    scores = np.array([[100.0, 1.0], [100.0, 1.0]])
    feasible = np.array([[False, True], [False, True]])
    assignment = optimal_assignment(scores, feasible)
    assert sorted(assignment.tolist()) == [-1, 1]


def test_maximum_total_beats_maximum_count():
    # A huge penalty for infeasible pairs would take r0-s0 and r1-s1 (total 0): two pairs.
    # The highest total is r0-s1 alone (10).
    scores = np.array([[0.0, 10.0], [0.0, 0.0]])
    feasible = np.array([[True, True], [False, True]])
    assert optimal_assignment(scores, feasible).tolist() == [1, -1]


def test_equal_totals_prefer_more_pairs():
    # A feasible pair scored 0 is still taken when nobody loses by it.
    scores = np.array([[0.0, 50.0], [0.0, 0.0], [0.0, 0.0]])
    feasible = np.array([[False, True], [True, False], [False, False]])
    assert optimal_assignment(scores, feasible).tolist() == [1, 0, -1]


def test_negative_scores_are_not_worth_taking():
    scores = np.array([[-5.0, 3.0], [-1.0, -2.0]])
    assignment = optimal_assignment(scores, np.ones((2, 2), dtype=bool))
    assert assignment.tolist() == [1, -1]


@pytest.mark.parametrize("shape", [(0, 0), (0, 4), (4, 0)])
def test_empty_inputs_give_no_pairs(shape):
    assignment = optimal_assignment(np.zeros(shape), np.zeros(shape, dtype=bool))
    assert assignment.tolist() == [-1] * shape[0]
    assert assignment.dtype == np.int64


def test_nothing_feasible_gives_no_pairs():
    assert optimal_assignment(np.ones((3, 2)), np.zeros((3, 2), bool)).tolist() == [-1] * 3


def test_refusals():
    with pytest.raises(ValueError, match="same shape"):
        optimal_assignment(np.zeros((2, 3)), np.zeros((3, 2), bool))
    with pytest.raises(ValueError, match="finite"):
        optimal_assignment(np.array([[np.nan]]), np.ones((1, 1), bool))


def brute_force_best(scores, feasible):
    """(highest total, most pairs at that total) over every matching of feasible pairs."""
    n, m = scores.shape
    best = (0.0, 0)  # the empty matching
    for choice in itertools.product(range(-1, m), repeat=n):
        taken = [j for j in choice if j >= 0]
        if len(taken) != len(set(taken)) or not all(
                feasible[i, j] for i, j in enumerate(choice) if j >= 0):
            continue
        value = round(sum(scores[i, j] for i, j in enumerate(choice) if j >= 0), 9)
        best = max(best, (value, len(taken)))
    return best


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4).flatmap(lambda n: st.integers(0, 4).flatmap(lambda m: st.tuples(
    st.lists(st.lists(st.sampled_from([0.0, 1.0, 2.5, 10.0, 100.0]), min_size=m, max_size=m),
             min_size=n, max_size=n),
    st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n),
    st.just((n, m))))))
def test_small_instances_match_brute_force(instance):
    scores, feasible, shape = instance
    scores = np.array(scores, dtype=np.float64).reshape(shape)
    feasible = np.array(feasible, dtype=bool).reshape(shape)
    assignment = optimal_assignment(scores, feasible)
    assert is_matching(assignment, feasible)
    value, pairs = brute_force_best(scores, feasible)
    assert total(scores, assignment) == pytest.approx(value, abs=1e-9)
    assert (assignment >= 0).sum() == pairs
