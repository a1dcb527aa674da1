import math

import numpy as np
import pytest

from broedplaats.matching import (
    best_feasible,
    order_by_lottery,
    order_by_score,
    serial_dictatorship,
)

SCORES = np.array([
    [90.0, 80.0, 70.0],
    [95.0, 60.0, 60.0],
    [10.0, 20.0, 30.0],
])
ALL = np.ones((3, 3), dtype=bool)


def test_each_takes_the_best_free_space_in_turn():
    # 1 takes 0 (95); 0 then takes 1 (80, 0 is gone); 2 takes what is left, 2.
    assert serial_dictatorship([1, 0, 2], SCORES, ALL).tolist() == [1, 0, 2]
    # 0 first takes 0 (90); 1 then ties 60 / 60 between 1 and 2: the lower column, 1.
    assert serial_dictatorship([0, 1, 2], SCORES, ALL).tolist() == [0, 1, 2]


def test_infeasible_spaces_are_never_taken():
    feasible = ALL.copy()
    feasible[1, 0] = False  # 1 may not have 0, its best
    feasible[2, :] = False  # 2 may have nothing
    assert serial_dictatorship([1, 2, 0], SCORES, feasible).tolist() == [0, 1, -1]


def test_rows_not_in_the_order_and_late_rows_get_nothing():
    scores = np.array([[5.0], [9.0], [7.0]])
    assignment = serial_dictatorship([2, 0], scores, np.ones((3, 1), dtype=bool))
    assert assignment.tolist() == [-1, -1, 0]
    assert assignment.dtype == np.int64


def test_equal_scores_go_to_the_lowest_column():
    scores = np.full((1, 4), 50.0)
    feasible = np.array([[False, True, True, True]])
    assert serial_dictatorship([0], scores, feasible).tolist() == [1]


def test_empty_inputs():
    assert serial_dictatorship([], np.zeros((0, 3)), np.zeros((0, 3), bool)).tolist() == []
    assert serial_dictatorship([0, 1], np.zeros((2, 0)), np.zeros((2, 0), bool)).tolist() == [-1, -1]


@pytest.mark.parametrize("order", [[0, 0], [3], [-1]])
def test_an_order_with_a_row_twice_or_outside_is_refused(order):
    with pytest.raises(ValueError, match="order holds"):
        serial_dictatorship(order, SCORES, ALL)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        serial_dictatorship([0], SCORES, ALL[:2])


def test_order_by_score_puts_the_highest_first_and_nan_last():
    values = np.array([50.0, math.nan, 70.0, 10.0])
    lottery = np.array([0.4, 0.1, 0.9, 0.2])
    assert order_by_score(values, lottery) == [2, 0, 3, 1]


def test_order_by_score_breaks_ties_by_lottery_then_row():
    values = np.array([60.0, 60.0, math.nan, 60.0, math.nan, 60.0])
    lottery = np.array([0.7, 0.2, 0.5, 0.3, 0.1, 0.2])
    # 60s by lottery: 1 (0.2) and 5 (0.2) tie, so row order; then 3 (0.3), 0 (0.7).
    # NaNs last, by lottery: 4 (0.1), 2 (0.5).
    assert order_by_score(values, lottery) == [1, 5, 3, 0, 4, 2]


def test_order_by_score_handles_negative_lottery_for_first_in_line():
    # A pathway's "first in line" subtracts 1 from the lottery number: it goes first among
    # equal values.
    assert order_by_score(np.array([5.0, 5.0]), np.array([0.1, 0.9 - 1.0])) == [1, 0]


def test_order_by_score_refuses_mismatched_or_nan_lottery():
    with pytest.raises(ValueError, match="same length"):
        order_by_score(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="NaN"):
        order_by_score(np.zeros(2), np.array([0.1, math.nan]))


def test_order_by_lottery_sorts_by_number():
    assert order_by_lottery(np.array([0.5, 0.1, 0.9, 0.1])) == [1, 3, 0, 2]


def test_best_feasible_is_the_highest_feasible_score_or_nan():
    feasible = np.array([[True, False, True], [False, False, False], [False, True, False]])
    best = best_feasible(SCORES, feasible)
    assert best[0] == 90.0 and math.isnan(best[1]) and best[2] == 20.0
    assert best_feasible(np.zeros((2, 0)), np.zeros((2, 0), bool)).shape == (2,)


def test_ranking_by_fit_end_to_end():
    rng = np.random.default_rng(4)
    scores = rng.uniform(0, 100, (30, 10)).round()
    feasible = rng.random((30, 10)) < 0.6
    lottery = rng.random(30)
    order = order_by_score(best_feasible(scores, feasible), lottery)
    assignment = serial_dictatorship(order, scores, feasible)
    taken = assignment[assignment >= 0]
    assert len(set(taken.tolist())) == len(taken)
    assert all(feasible[i, j] for i, j in enumerate(assignment) if j >= 0)
    # The first in line gets their best feasible space.
    first = order[0]
    assert scores[first, assignment[first]] == best_feasible(scores, feasible)[first]
