import numpy as np
import pytest

from broedplaats.matching import lottery_numbers, lottery_order, new_seed


def test_new_seed_lies_below_2_to_the_63():
    seeds = {new_seed() for _ in range(50)}
    assert all(0 <= seed < 2**63 for seed in seeds)
    assert len(seeds) == 50  # 63 random bits: a repeat would mean no randomness


def test_same_seed_and_ids_in_any_order_give_the_same_numbers():
    ids = [42, 7, 1001, 3, 18, 99]
    expected = lottery_numbers(2026, ids)
    for permutation in np.random.default_rng(0).permuted(np.tile(ids, (10, 1)), axis=1):
        assert lottery_numbers(2026, permutation.tolist()) == expected


def test_numbers_are_the_seeded_draws_over_the_sorted_ids():
    numbers = lottery_numbers(5, [30, 10, 20])
    draws = np.random.default_rng(5).random(3)
    assert numbers == {10: draws[0], 20: draws[1], 30: draws[2]}


def test_numbers_lie_in_the_unit_interval():
    numbers = lottery_numbers(123, range(1000))
    assert all(0.0 <= value < 1.0 for value in numbers.values())
    assert len(set(numbers.values())) == 1000


def test_different_seeds_give_different_orders():
    ids = list(range(1, 51))
    orders = {tuple(lottery_order(seed, ids)) for seed in range(20)}
    assert len(orders) == 20


def test_order_is_by_number_ascending():
    ids = [5, 3, 9, 1, 7]
    numbers = lottery_numbers(77, ids)
    order = lottery_order(77, ids)
    assert sorted(order) == sorted(ids)
    assert [numbers[pk] for pk in order] == sorted(numbers.values())


def test_empty_ids_give_an_empty_draw():
    assert lottery_numbers(1, []) == {}
    assert lottery_order(1, []) == []


@pytest.mark.parametrize("seed", [-1, 2**63, 1.5, True])
def test_seed_outside_the_range_is_refused(seed):
    with pytest.raises(ValueError, match="seed"):
        lottery_numbers(seed, [1, 2])


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="distinct"):
        lottery_numbers(1, [4, 2, 4])
