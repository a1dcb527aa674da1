import math

import numpy as np
import pytest

from broedplaats.matching import (
    COMPONENTS,
    Applicants,
    Spaces,
    Weights,
    bitmask,
    breakdown,
    components,
    popcount,
    score_matrix,
    scoring,
)
from broedplaats.matching.bits import _popcount_by_bytes

# Three stages (idea 0, making 1, distribution 2), two chains (film 0, music 1).
# Building 0: focus {film}; houses film tenants in making.
# Building 1: focus {film, music}; houses film in idea and music in distribution.
# Space 0: building 0, serves idea, 30 m², €500, facilities {0, 1}.
# Space 1: building 0, serves every stage, 60 m², €800, facilities {2}.
# Space 2: building 1, serves distribution, 20 m², €0, no facilities.
SPACES = Spaces.from_lists(
    stages=[bitmask([0]), 0, bitmask([2])],
    building=[0, 0, 1],
    area=[30.0, 60.0, 20.0],
    rent=[500.0, 800.0, 0.0],
    facilities=[bitmask([0, 1]), bitmask([2]), 0],
    focus=[bitmask([0]), bitmask([0, 1])],
    housed=[[bitmask([1]), 0], [bitmask([0]), bitmask([2])]],
)
# The default weights sum to 100, so the points are the weights themselves.
WEIGHTS = Weights()


def applicants(n=1, **lists):
    lists.setdefault("stage", [-1] * n)
    lists.setdefault("chain", [-1] * n)
    return Applicants.from_lists(**lists)


def part(name, **lists):
    return components(applicants(**lists), SPACES, WEIGHTS)[name]


def test_stage_counts_the_applicants_stage_and_the_next():
    points = part("stage", n=4, stage=[0, 1, 2, -1])
    # idea: space 0 serves idea, space 1 every stage, space 2 only distribution (not the next).
    # making: space 2 serves distribution, the next stage.
    # distribution: no next stage; space 0 serves idea only.
    # unknown: 0, even where the space serves every stage.
    assert points.tolist() == [[25, 25, 0], [0, 25, 25], [0, 25, 25], [0, 0, 0]]


def test_stage_of_the_last_bit_has_no_next():
    spaces = Spaces.from_lists(stages=[bitmask([63]), bitmask([62])], building=[0, 0],
                               area=[1, 1], rent=[1, 1], focus=[0], housed=[[]])
    points = components(applicants(stage=[63]), spaces, WEIGHTS)["stage"]
    assert points.tolist() == [[25, 0]]


def test_chain_counts_the_buildings_focus():
    points = part("chain", n=3, chain=[0, 1, -1])
    # film: in both buildings' focus; music: only in building 1's; unknown: nowhere.
    assert points.tolist() == [[20, 20, 20], [0, 0, 20], [0, 0, 0]]


def test_completeness_needs_focus_and_a_missing_stage():
    points = part("completeness", n=5, stage=[1, 0, 2, -1, 0], chain=[0, 1, 1, 0, -1])
    # making film: building 0 houses film in making (0, 0); building 1 only film in idea: 10.
    # idea music: building 0 lacks music in its focus; building 1 has no music in idea: 10.
    # distribution music: building 1 houses music in distribution.
    # unknown stage, unknown chain: 0.
    assert points.tolist() == [[0, 0, 10], [0, 0, 10], [0, 0, 0], [0, 0, 0], [0, 0, 0]]


def test_area_scales_down_below_the_minimum_and_above_the_maximum():
    nan = math.nan
    points = part("area", n=5, min_area=[40, nan, 10, nan, 30], max_area=[50, 25, nan, nan, 30])
    # [40, 50]: 30 m² is 1 - (40 - 30) / 40 = 0.75 -> 11.25; 60 m² is 1 - (60 - 50) / 50
    #   = 0.8 -> 12; 20 m² is 1 - (40 - 20) / 40 = 0.5 -> 7.5.
    # up to 25: 30 m² is 1 - 5 / 25 = 0.8 -> 12; 60 m² is 1 - 35 / 25 < 0 -> 0; 20 m² fits.
    # from 10: all fit. No wish: all fit.
    # exactly 30: 60 m² is 1 - 30 / 30 = 0; 20 m² is 1 - 10 / 30 = 2/3 -> 10.
    np.testing.assert_allclose(points, [[11.25, 12, 7.5], [12, 0, 15], [15, 15, 15],
                                        [15, 15, 15], [15, 0, 10]], rtol=1e-6)


def test_rent_scales_down_above_the_maximum():
    points = part("rent", n=4, max_rent=[400, 0, None, 1000])
    # up to 400: €500 is 1 - 100 / 400 = 0.75 -> 11.25; €800 is 1 - 400 / 400 = 0; €0 fits.
    # up to 0: anything above 0 gets nothing; €0 fits. No wish, or up to 1000: all fit.
    np.testing.assert_allclose(points, [[11.25, 0, 15], [0, 0, 15], [15, 15, 15],
                                        [15, 15, 15]])


def test_facilities_count_the_share_of_wishes_met():
    points = part("facilities", n=3, facilities=[bitmask([0, 2]), bitmask([1]), 0])
    # {0, 2}: space 0 has 0 (1 of 2 -> 5), space 1 has 2 (1 of 2 -> 5), space 2 none.
    # {1}: only space 0. No wishes: full everywhere.
    assert points.tolist() == [[5, 5, 0], [10, 0, 0], [10, 10, 10]]


def test_wait_grows_to_full_at_wait_full_days():
    points = part("wait", n=4, wait_days=[0, 365, 730, 5000])
    # 365 / 730 = 0.5 -> 2.5; from 730 days on the full 5.
    assert points.tolist() == [[0] * 3, [2.5] * 3, [5] * 3, [5] * 3]


def test_total_adds_the_components_and_the_bonus():
    a = applicants(stage=[1], chain=[0], min_area=[40], max_area=[50], max_rent=[400],
                   facilities=[bitmask([0, 2])], wait_days=[365], bonus=[3])
    scores = score_matrix(a, SPACES, WEIGHTS)
    # space 0: stage 0 + chain 20 + completeness 0 + area 11.25 + rent 11.25
    #          + facilities 5 + wait 2.5 + bonus 3 = 53
    # space 1: 25 + 20 + 0 + 12 + 0 + 5 + 2.5 + 3 = 67.5
    # space 2: 25 + 20 + 10 + 7.5 + 15 + 0 + 2.5 + 3 = 83
    np.testing.assert_allclose(scores, [[53, 67.5, 83]], rtol=1e-6)
    assert scores.dtype == np.float32


def test_bonus_is_clipped_at_100():
    # making film, no wishes, waited long (area, rent, facilities and wait all full: 45):
    # space 0: stage 0 + chain 20 + completeness 0 + 45 = 65, plus 10 bonus = 75.
    # space 1: 25 + 20 + 0 + 45 = 90, plus 10 = 100.
    # space 2: 25 + 20 + 10 + 45 = 100, plus 10 = 110 -> clipped to 100.
    a = applicants(stage=[1], chain=[0], wait_days=[1000], bonus=[10])
    np.testing.assert_allclose(score_matrix(a, SPACES, WEIGHTS), [[75, 100, 100]])


def test_weights_are_scaled_to_sum_to_100():
    weights = Weights(stage=1, chain=1, completeness=0, area=0, rent=0, facilities=0, wait=2)
    assert weights.normalised() == {"stage": 25.0, "chain": 25.0, "completeness": 0.0,
                                    "area": 0.0, "rent": 0.0, "facilities": 0.0, "wait": 50.0}
    assert list(Weights().normalised()) == list(COMPONENTS)
    assert sum(Weights(stage=3, chain=7, wait=11).normalised().values()) == pytest.approx(100)
    # idea film at space 0, no wishes, no wait: stage 25 + chain 25 + wait 0.
    a = applicants(stage=[0], chain=[0])
    assert score_matrix(a, SPACES, weights)[0, 0] == 50


def test_all_zero_weights_are_refused():
    weights = Weights(stage=0, chain=0, completeness=0, area=0, rent=0, facilities=0, wait=0)
    with pytest.raises(ValueError, match="all seven weights are 0"):
        weights.normalised()
    with pytest.raises(ValueError, match="all seven weights are 0"):
        score_matrix(applicants(), SPACES, weights)


@pytest.mark.parametrize("bad", [{"stage": -1}, {"chain": 2.5}, {"wait_full_days": 0},
                                 {"area": True}])
def test_weights_must_be_integers_of_at_least_0(bad):
    with pytest.raises(ValueError):
        Weights(**bad)


def test_breakdown_equals_the_matrix_entry():
    a, s = random_inputs(np.random.default_rng(7), 40, 30)
    scores = score_matrix(a, s, WEIGHTS)
    parts = components(a, s, WEIGHTS)
    for i in range(a.n):
        for j in range(s.m):
            result = breakdown(a, s, WEIGHTS, i, j)
            assert list(result) == [*COMPONENTS, "bonus", "total"]
            assert result["total"] == scores[i, j]
            assert all(result[name] == parts[name][i, j] for name in COMPONENTS)
            assert result["bonus"] == np.float32(a.bonus[i])


def test_breakdown_of_a_pair_outside_is_refused():
    with pytest.raises(IndexError):
        breakdown(applicants(), SPACES, WEIGHTS, 1, 0)
    with pytest.raises(IndexError):
        breakdown(applicants(), SPACES, WEIGHTS, 0, 3)


def test_components_sum_with_the_bonus_to_the_score():
    a, s = random_inputs(np.random.default_rng(3), 200, 50)
    parts = components(a, s, WEIGHTS)
    summed = np.clip(sum(parts[name] for name in COMPONENTS) + a.bonus[:, None], 0, 100)
    np.testing.assert_allclose(score_matrix(a, s, WEIGHTS), summed, atol=1e-4)


def test_chunks_do_not_change_the_scores(monkeypatch):
    a, s = random_inputs(np.random.default_rng(11), 300, 70)
    whole = score_matrix(a, s, WEIGHTS)
    monkeypatch.setattr(scoring, "CHUNK", 1)  # one row a chunk
    assert np.array_equal(score_matrix(a, s, WEIGHTS), whole)
    monkeypatch.setattr(scoring, "CHUNK", 500)  # 7 rows a chunk, the last one short
    assert np.array_equal(score_matrix(a, s, WEIGHTS), whole)


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_scores_equal_a_pair_by_pair_reference(seed):
    rng = np.random.default_rng(seed)
    a, s = random_inputs(rng, int(rng.integers(1, 60)), int(rng.integers(1, 40)))
    weights = Weights(**{name: int(rng.integers(0, 30)) for name in COMPONENTS},
                      wait_full_days=int(rng.integers(1, 1000)))
    if sum(int(getattr(weights, name)) for name in COMPONENTS) == 0:
        weights = Weights()
    scores = score_matrix(a, s, weights)
    parts = components(a, s, weights)
    for i in range(a.n):
        for j in range(s.m):
            expected = reference(a, s, weights, i, j)
            for name in COMPONENTS:
                assert parts[name][i, j] == pytest.approx(expected[name], abs=1e-4), name
            assert scores[i, j] == pytest.approx(expected["total"], abs=1e-3)


def test_empty_inputs_give_empty_matrices():
    none = Applicants.from_lists(stage=[], chain=[])
    assert score_matrix(none, SPACES, WEIGHTS).shape == (0, 3)
    no_spaces = Spaces.from_lists(stages=[], building=[], area=[], rent=[], focus=[0],
                                  housed=[[0, 0]])
    assert score_matrix(applicants(n=2), no_spaces, WEIGHTS).shape == (2, 0)
    assert components(none, SPACES, WEIGHTS)["area"].shape == (0, 3)


def test_popcount_counts_set_bits_with_and_without_bitwise_count():
    values = np.array([0, 1, 0b1011, 2**63, 2**64 - 1], dtype=np.uint64)
    assert popcount(values).tolist() == [0, 1, 3, 1, 64]
    assert _popcount_by_bytes(values.reshape(1, 5)).tolist() == [[0, 1, 3, 1, 64]]


def test_bitmask_sets_one_bit_per_index():
    assert bitmask([0, 2]) == 0b101
    assert bitmask([]) == 0
    assert bitmask([63]) == 2**63
    with pytest.raises(ValueError):
        bitmask([64])


@pytest.mark.parametrize("bad, message", [
    ({"chain": [0, 1]}, "differ in length"),
    ({"stage": [64]}, "stage must lie in -1..63"),
    ({"chain": [-2]}, "chain must lie in -1..63"),
    ({"min_area": [50], "max_area": [40]}, "min_area must not exceed max_area"),
    ({"max_rent": [-1]}, "max_rent must be NaN"),
    ({"wait_days": [-3]}, "wait_days"),
    ({"bonus": [math.inf]}, "bonus"),
    ({"facilities": [-1]}, "bitmask"),
])
def test_inconsistent_applicants_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        applicants(**bad)


@pytest.mark.parametrize("bad, message", [
    ({"area": [1.0]}, "differ in length"),
    ({"building": [0, 2]}, "building must lie in 0..1"),
    ({"housed": [[0, 0]]}, "housed must have shape"),
    ({"rent": [1.0, math.nan]}, "rent must be finite"),
])
def test_inconsistent_spaces_are_refused(bad, message):
    lists = {"stages": [0, 0], "building": [0, 1], "area": [1.0, 2.0], "rent": [1.0, 2.0],
             "focus": [0, 0], "housed": [[0], [0]], **bad}
    with pytest.raises(ValueError, match=message):
        Spaces.from_lists(**lists)


def test_chain_beyond_the_housed_columns_is_refused():
    with pytest.raises(ValueError, match="beyond the 2 chains"):
        score_matrix(applicants(chain=[2]), SPACES, WEIGHTS)


# --- random inputs and the reference --------------------------------------------------------

def random_inputs(rng, n, m, stages=3, chains=4, buildings=3, facilities=5):
    """Applicants and spaces with every kind of edge: unknown stage and chain, no wishes,
    bounds of 0, equal bounds, spaces for every stage, no facilities."""

    def sometimes(values, share, other):
        return np.where(rng.random(len(values)) < share, other, values)

    min_area = sometimes(rng.choice([0, 10, 25, 40.5], n), 0.3, np.nan)
    max_area = min_area + sometimes(rng.choice([0, 5, 30], n), 0.2, np.nan)
    max_area = np.where(np.isnan(min_area) & (rng.random(n) < 0.5), rng.choice([0, 30], n),
                        max_area)
    a = Applicants(
        stage=rng.integers(-1, stages, n), chain=rng.integers(-1, chains, n),
        min_area=min_area, max_area=max_area,
        max_rent=sometimes(rng.choice([0.0, 300.0, 750.0], n), 0.3, np.nan),
        facilities=rng.integers(0, 2**facilities, n).astype(np.uint64),
        wait_days=rng.integers(0, 2000, n),
        bonus=sometimes(np.zeros(n), 0.2, rng.choice([5.0, 40.0], n)),
    )
    s = Spaces(
        stages=rng.integers(0, 2**stages, m).astype(np.uint64),
        building=rng.integers(0, buildings, m),
        area=rng.choice([0.0, 12.0, 25.0, 40.5, 80.0], m),
        rent=rng.choice([0.0, 250.0, 300.0, 900.0], m),
        facilities=rng.integers(0, 2**facilities, m).astype(np.uint64),
        focus=rng.integers(0, 2**chains, buildings).astype(np.uint64),
        housed=rng.integers(0, 2**stages, (buildings, chains)).astype(np.uint64),
    )
    return a, s


def reference(a, s, weights, i, j):
    """The components and total of one pair, from the definitions, in Python floats."""
    points = weights.normalised()
    stage, chain = int(a.stage[i]), int(a.chain[i])
    building = int(s.building[j])
    serves = int(s.stages[j])
    focus = int(s.focus[building])
    fraction = {}
    fraction["stage"] = stage >= 0 and (serves == 0 or bool(serves >> stage & 1)
                                        or bool(serves >> (stage + 1) & 1))
    in_focus = chain >= 0 and bool(focus >> chain & 1)
    fraction["chain"] = in_focus
    fraction["completeness"] = in_focus and stage >= 0 and not (
        int(s.housed[building, chain]) >> stage & 1)
    area, low, high = float(s.area[j]), float(a.min_area[i]), float(a.max_area[i])
    value = 1.0
    if not math.isnan(low) and area < low:
        value = 1 - (low - area) / low
    if not math.isnan(high) and area > high:
        value = 0.0 if high == 0 else 1 - (area - high) / high
    fraction["area"] = min(max(value, 0.0), 1.0)
    rent, most = float(s.rent[j]), float(a.max_rent[i])
    value = 1.0
    if not math.isnan(most) and rent > most:
        value = 0.0 if most == 0 else 1 - (rent - most) / most
    fraction["rent"] = min(max(value, 0.0), 1.0)
    wished, has = int(a.facilities[i]), int(s.facilities[j])
    fraction["facilities"] = (1.0 if wished == 0
                              else bin(wished & has).count("1") / bin(wished).count("1"))
    fraction["wait"] = min(int(a.wait_days[i]) / weights.wait_full_days, 1.0)
    result = {name: float(fraction[name]) * points[name] for name in COMPONENTS}
    result["total"] = min(max(sum(result.values()) + float(a.bonus[i]), 0.0), 100.0)
    return result
