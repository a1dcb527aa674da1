import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broedplaats.matching import blocking_pairs, deferred_acceptance


def test_a_worked_example():
    # Space 0 ranks 2 > 1 > 0; space 1 ranks 0 > 2. Capacity 1 each.
    # 0 proposes to 0 (held); 1 proposes to 0, which prefers 1: 0 is displaced and proposes
    # to 1 (held); 2 proposes to 0, which prefers 2: 1 is displaced with nothing left.
    preferences = [[0, 1], [0], [0, 1]]
    priority = np.array([[1.0, 9.0], [2.0, 0.0], [3.0, 5.0]])
    assignment = deferred_acceptance(preferences, priority, [1, 1])
    assert assignment.tolist() == [1, -1, 0]
    assert assignment.dtype == np.int64
    assert blocking_pairs(preferences, priority, [1, 1], assignment) == []


def test_capacity_holds_the_best_proposals():
    # Space 0 takes two: of 0, 1, 2 (priorities 5, 7, 6) it keeps 1 and 2; 0 goes to 1.
    preferences = [[0, 1], [0, 1], [0, 1]]
    priority = np.array([[5.0, 1.0], [7.0, 1.0], [6.0, 1.0]])
    assert deferred_acceptance(preferences, priority, [2, 1]).tolist() == [1, 0, 0]


def test_equal_priorities_go_by_tie_break_then_by_index():
    preferences = [[0], [0], [0]]
    priority = np.zeros((3, 1))
    assert deferred_acceptance(preferences, priority, [1]).tolist() == [0, -1, -1]
    tie_break = np.array([0.5, 0.2, 0.2])  # 1 and 2 tie on the lottery too: 1, the lower
    assert deferred_acceptance(preferences, priority, [1], tie_break).tolist() == [-1, 0, -1]


def test_priority_may_be_given_per_listed_pair():
    preferences = [[1, 0], [], [0]]
    dense = np.array([[3.0, 4.0], [0.0, 0.0], [8.0, 0.0]])
    calls = []

    def priority(applicants, spaces):
        calls.append((applicants.tolist(), spaces.tolist()))
        return dense[applicants, spaces]

    assert (deferred_acceptance(preferences, priority, [1, 1]).tolist()
            == deferred_acceptance(preferences, dense, [1, 1]).tolist() == [1, -1, 0])
    assert calls == [([0, 0, 2], [1, 0, 0])]  # once, every listed pair in list order


def test_space_of_capacity_0_takes_nobody_and_empty_lists_stay_unmatched():
    preferences = [[0, 1], [], [1]]
    assert deferred_acceptance(preferences, np.ones((3, 2)), [0, 1]).tolist() == [1, -1, -1]
    assert deferred_acceptance([], np.zeros((0, 2)), [1, 1]).tolist() == []
    assert deferred_acceptance([[], []], np.zeros((2, 0)), []).tolist() == [-1, -1]


@pytest.mark.parametrize("preferences, priority, capacities, tie_break, message", [
    ([[0, 0]], np.zeros((1, 1)), [1], None, "same space twice"),
    ([[1]], np.zeros((1, 1)), [1], None, "outside 0..0"),
    ([[0]], np.zeros((2, 1)), [1], None, "shape"),
    ([[0]], np.array([[np.nan]]), [1], None, "NaN"),
    ([[0]], np.zeros((1, 1)), [-1], None, "capacities"),
    ([[0]], np.zeros((1, 1)), [1], [0.1, 0.2], "tie_break"),
    ([[0]], lambda a, s: np.zeros(2), [1], None, "returned shape"),
])
def test_inconsistent_input_is_refused(preferences, priority, capacities, tie_break, message):
    with pytest.raises(ValueError, match=message):
        deferred_acceptance(preferences, priority, capacities, tie_break)


def test_blocking_pairs_finds_what_would_rather_match():
    preferences = [[0, 1], [0], [0, 1]]
    priority = np.array([[1.0, 9.0], [2.0, 0.0], [3.0, 5.0]])
    # 1 holds space 0 though space 0 prefers 2, who wants it most: (2, 0) blocks. Space 1 is
    # empty and 0 wants it: (0, 0) does not block (space 0 prefers 1), (0, 1) does.
    assert blocking_pairs(preferences, priority, [1, 1], np.array([-1, 0, -1])) == [
        (0, 1), (2, 0), (2, 1)]
    with pytest.raises(ValueError, match="assignment"):
        blocking_pairs(preferences, priority, [1, 1], np.array([0, 2, -1]))


# --- properties over random instances -----------------------------------------------------

@st.composite
def instances(draw, max_n=8, max_m=5):
    """Small instances with many ties (priorities 0..3, tie-breaks 0..2 or none)."""
    n = draw(st.integers(0, max_n))
    m = draw(st.integers(0, max_m))
    preferences = []
    for _ in range(n):
        ranked = draw(st.permutations(list(range(m))))
        preferences.append(ranked[:draw(st.integers(0, m))])
    priority = np.array(draw(st.lists(st.lists(st.integers(0, 3), min_size=m, max_size=m),
                                      min_size=n, max_size=n)), dtype=float).reshape(n, m)
    capacities = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    tie_break = draw(st.none() | st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return preferences, priority, capacities, tie_break


def space_key(priority, tie_break, i, j):
    """How space j ranks applicant i: smaller is better."""
    return (-priority[i, j], 0 if tie_break is None else tie_break[i], i)


def naive_blocking_pairs(preferences, priority, capacities, tie_break, assignment):
    """Blocking pairs straight from the definition, pair by pair."""
    found = []
    for i, listed in enumerate(preferences):
        mine = assignment[i]
        for position, j in enumerate(listed):
            if mine in listed and listed.index(mine) <= position:
                break  # i has j or something it likes better
            holders = [h for h in range(len(preferences)) if assignment[h] == j]
            worse = [h for h in holders if j not in preferences[h]
                     or space_key(priority, tie_break, h, j) > space_key(priority, tie_break, i, j)]
            if len(holders) < capacities[j] or worse:
                found.append((i, j))
    return found


@settings(max_examples=2000, deadline=None)
@given(instances())
def test_deferred_acceptance_is_stable_and_respects_lists_and_capacities(instance):
    preferences, priority, capacities, tie_break = instance
    assignment = deferred_acceptance(preferences, priority, capacities, tie_break)
    assert assignment.shape == (len(preferences),)
    for i, j in enumerate(assignment.tolist()):
        assert j == -1 or j in preferences[i]
    counts = np.bincount(assignment[assignment >= 0], minlength=len(capacities))
    assert (counts <= np.array(capacities, dtype=int)).all()
    assert naive_blocking_pairs(preferences, priority, capacities, tie_break,
                                assignment.tolist()) == []
    assert blocking_pairs(preferences, priority, capacities, assignment, tie_break) == []


@settings(max_examples=500, deadline=None)
@given(instances(), st.data())
def test_blocking_pairs_agrees_with_the_definition_on_any_assignment(instance, data):
    preferences, priority, capacities, tie_break = instance
    m = len(capacities)
    assignment = data.draw(st.lists(st.integers(-1, m - 1), min_size=len(preferences),
                                    max_size=len(preferences)))
    assert blocking_pairs(preferences, priority, capacities, np.array(assignment, dtype=int),
                          tie_break) == naive_blocking_pairs(
        preferences, priority, capacities, tie_break, assignment)


@settings(max_examples=300, deadline=None)
@given(instances(max_n=25, max_m=8))
def test_equals_the_matching_packages_resident_optimal_solution(instance):
    from matching.games import HospitalResident

    preferences, priority, capacities, tie_break = instance
    ours = deferred_acceptance(preferences, priority, capacities, tie_break)
    # The package refuses spaces of capacity 0 and applicants with empty lists; leaving
    # them out changes nothing (such a space rejects everyone).
    open_spaces = {j for j, capacity in enumerate(capacities) if capacity > 0}
    resident_prefs = {i: [j for j in listed if j in open_spaces]
                      for i, listed in enumerate(preferences)}
    resident_prefs = {i: listed for i, listed in resident_prefs.items() if listed}
    hospital_prefs = {}
    for i, listed in resident_prefs.items():
        for j in listed:
            hospital_prefs.setdefault(j, []).append(i)
    for j, applicants in hospital_prefs.items():
        applicants.sort(key=lambda i, j=j: space_key(priority, tie_break, i, j))
    theirs = np.full(len(preferences), -1)
    if resident_prefs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            game = HospitalResident.create_from_dictionaries(
                resident_prefs, hospital_prefs, {j: capacities[j] for j in hospital_prefs})
            solution = game.solve(optimal="resident")
        for hospital, residents in solution.items():
            for resident in residents:
                theirs[resident.name] = hospital.name
    assert ours.tolist() == theirs.tolist()


def test_larger_random_instances_are_stable():
    rng = np.random.default_rng(2026)
    n, m = 3000, 400
    preferences = [rng.choice(m, size=10, replace=False).tolist() for _ in range(n)]
    fit = rng.integers(0, 100, (n, m)).astype(float)  # many ties, broken by the lottery
    lottery = rng.random(n)
    capacities = rng.integers(1, 4, m).tolist()
    assignment = deferred_acceptance(preferences, fit, capacities, lottery)
    assert blocking_pairs(preferences, fit, capacities, assignment, lottery) == []
    # Applicant-optimal whatever the order of proposals: renumbering the applicants (with
    # their lottery numbers) renumbers the result.
    permutation = rng.permutation(n)
    shuffled = deferred_acceptance([preferences[i] for i in permutation], fit[permutation],
                                   capacities, lottery[permutation])
    assert shuffled.tolist() == assignment[permutation].tolist()


def test_more_applicants_or_spaces_than_int16_holds():
    # Places in the lottery's line and space indices are sorted as int16 when they fit;
    # beyond 32,767 as int64.
    rng = np.random.default_rng(1)
    n = 40_000
    preferences = [[int(j)] for j in rng.integers(0, 3, n)]
    lottery = rng.random(n)
    assignment = deferred_acceptance(preferences, lambda a, s: np.zeros(len(a)), [5, 5, 5],
                                     tie_break=lottery)
    for j in range(3):
        listed = [i for i in range(n) if preferences[i] == [j]]
        first = sorted(listed, key=lambda i: lottery[i])[:5]
        assert sorted(np.flatnonzero(assignment == j).tolist()) == sorted(first)
    m = 40_000
    preferences = [[m - 1, 0], [m - 1], [0]]
    assignment = deferred_acceptance(preferences, lambda a, s: np.ones(len(a)), [1] * m,
                                     tie_break=np.array([0.3, 0.1, 0.2]))
    assert assignment.tolist() == [-1, m - 1, 0]
