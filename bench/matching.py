"""Benchmark: the matching algorithms of `broedplaats.matching` against reference solvers.

1. Scoring and optimal assignment, 5,000 applicants x 1,000 spaces (`--applicants`,
   `--spaces`): `score_matrix` followed by `optimal_assignment` (the whole of what the
   "optimal assignment" method computes from its inputs), timed against a bare
   `scipy.optimize.linear_sum_assignment(scores, maximize=True)` on the same finished score
   matrix, the floor. Target: within 5x. Scoring alone is printed on its own line.
   The inputs are synthetic arrays built by `inputs_from_arrays`: 8 chains, 3 stages, 40
   buildings, wishes drawn the way applicants fill in the form, and feasibility as the
   Django side defines it (a space is open to an applicant who applied to one of its calls:
   here each applicant applies to 7 of 10 calls, so about 70 % of pairs are feasible).
   `inputs_from_arrays` is the part to swap for a loader that reads a seeded round from the
   database (the selector `round_inputs` of `broedplaats.selectors.matching`), returning the
   same four things; the rest of the benchmark does not change.
1b. The same end to end from the database (default; `--no-database` skips it): a city-wide
   round of 5,000 applicants x 1,000 spaces over ten calls (each applicant applying to 7)
   written into a throwaway PostgreSQL database beside `--database-url`
   (bench/matching_db.py), then `round_inputs` (every query, the rows turned into arrays,
   the scores) and `optimal_assignment`, timed against a bare `linear_sum_assignment` on the
   finished matrix (`solver_matrix`: exactly what `optimal_assignment` hands to scipy).
   Target: within 5x. This ratio is the last line's `lsa_ratio`.
2. Stable matching, 2,000 applicants x 400 spaces of capacity 1–3, ten ranked choices each
   (`--stable-applicants`, `--stable-spaces`): `deferred_acceptance` against the `matching`
   package's `HospitalResident` (resident-optimal) on the same instance. Applicants rank the
   ten feasible spaces they like best (fit plus a personal taste); spaces prefer higher fit
   to one decimal, the lottery breaking ties, as a round does. Both solutions must be the
   same matching (else MISMATCH and exit status 1). Ours is timed from the preference lists
   to the assignment, validation and ranking included; the package from its dictionaries
   (the spaces' ranked lists built beforehand, not timed) through `create_from_dictionaries`
   (which deep-copies every player) and `solve`, and `solve` alone. Target: at least 10x.
   The package recurses once per player when copying, so the recursion limit is raised and
   it runs in a thread with a large stack.
3. Stable matching at city scale, 20,000 x 2,000 with ten choices each, ours alone:
   scoring (with the peak memory it allocates, the result included, from `tracemalloc`),
   and `deferred_acceptance` with the priority given per listed pair (a callable) and as a
   dense matrix, then `blocking_pairs` to check the result.

Every timing is the median of `--repeat` runs (the baseline and ours taking turns) after
one warm-up run, each run after a `gc.collect()`.

    .venv/bin/python bench/matching.py [--repeat 5] [--seed 2026]

Last line: `matching: lsa_ratio=<x> stable_speedup=<y>`: part 1b's time over the bare
`linear_sum_assignment` (part 1's with `--no-database`), and part 2's package time (create
and solve) over ours.
"""

import argparse
import gc
import platform
import statistics
import sys
import threading
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path, and this file is called
# matching.py: it would shadow the `matching` package it compares against.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from broedplaats.matching import (  # noqa: E402
    Applicants,
    Spaces,
    Weights,
    blocking_pairs,
    deferred_acceptance,
    optimal_assignment,
    score_matrix,
)
from broedplaats.matching.assignment import solver_matrix  # noqa: E402

LSA_TARGET, STABLE_TARGET = 5.0, 10.0
CHAINS, STAGES, BUILDINGS, FACILITIES, CALLS, CALLS_APPLIED = 8, 3, 40, 12, 10, 7
CHOICES = 10


def timed(function, *args, **kwargs):
    """(seconds, result) of one call. Collects garbage first, so that no run can pay for
    the reference cycles an earlier one left (the package's players are full of them)."""
    gc.collect()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def medians(repeat: int, **runs) -> dict[str, tuple[float, object]]:
    """One warm-up of each run, then `repeat` timed rounds taking turns: {name: (median
    seconds, last result)}."""
    results = {name: run() for name, run in runs.items()}
    seconds = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            elapsed, results[name] = timed(run)
            seconds[name].append(elapsed)
    return {name: (statistics.median(seconds[name]), results[name]) for name in runs}


# --- inputs ---------------------------------------------------------------------------------

def inputs_from_arrays(n: int, m: int, rng: np.random.Generator
                       ) -> tuple[Applicants, Spaces, Weights, np.ndarray]:
    """A synthetic round: n applicants, m spaces in 40 buildings, the default weights and the
    (n, m) feasibility matrix. To be swapped for a database loader returning the same."""
    # Applicants: stage idea 30 %, making 50 %, distribution 18 %, unknown 2 %; chains
    # uneven (visual arts and music the most common); two in three give an area range,
    # three in four a rent ceiling, most wish a few facilities.
    stage = rng.choice([0, 1, 2, -1], size=n, p=[0.30, 0.50, 0.18, 0.02])
    chain_share = np.array([0.22, 0.18, 0.14, 0.12, 0.10, 0.10, 0.08, 0.06])
    chain = np.where(rng.random(n) < 0.01, -1, rng.choice(CHAINS, size=n, p=chain_share))
    ranged = rng.random(n) < 0.65
    low = rng.choice([10.0, 15.0, 20.0, 30.0, 40.0, 60.0], size=n)
    min_area = np.where(ranged, low, np.nan)
    max_area = np.where(ranged, low * rng.choice([1.5, 2.0, 3.0], size=n), np.nan)
    max_rent = np.where(rng.random(n) < 0.75, np.round(rng.lognormal(np.log(450), 0.4, n)),
                        np.nan)
    wished = (rng.random((n, FACILITIES)) < rng.choice([0.0, 0.1, 0.25], size=(n, 1)))
    applicants = Applicants(
        stage=stage, chain=chain, min_area=min_area, max_area=max_area, max_rent=max_rent,
        facilities=_masks(wished), wait_days=rng.exponential(400, n).astype(np.int64),
        bonus=np.where(rng.random(n) < 0.03, 10.0, 0.0))

    # Spaces: a fifth serve every stage, most one stage, some two adjacent ones; area
    # log-normal around 30 m², rent €10–18 a m² a month; each building focuses on 1–3
    # chains and houses some (chain, stage) cells now.
    kind = rng.choice(3, size=m, p=[0.2, 0.7, 0.1])
    first = rng.integers(0, STAGES, m)
    one = np.left_shift(1, first)
    two = one | np.left_shift(1, np.minimum(first + 1, STAGES - 1))
    stages = np.select([kind == 0, kind == 1], [0, one], two).astype(np.uint64)
    area = np.clip(np.round(rng.lognormal(np.log(30), 0.6, m)), 8, 200)
    focus = np.zeros(BUILDINGS, dtype=np.uint64)
    for b in range(BUILDINGS):
        focus[b] = sum(1 << int(c) for c in rng.choice(CHAINS, size=rng.integers(1, 4),
                                                       replace=False))
    spaces = Spaces(
        stages=stages, building=rng.integers(0, BUILDINGS, m), area=area,
        rent=np.round(area * rng.uniform(10, 18, m)),
        facilities=_masks(rng.random((m, FACILITIES)) < 0.3), focus=focus,
        housed=_masks(rng.random((BUILDINGS * CHAINS, STAGES)) < 0.4).reshape(
            BUILDINGS, CHAINS))

    # Feasible: the space is in one of the calls the applicant applied to.
    call_of_space = rng.integers(0, CALLS, m)
    applied = np.zeros((n, CALLS), dtype=bool)
    for i in range(n):
        applied[i, rng.choice(CALLS, size=CALLS_APPLIED, replace=False)] = True
    feasible = applied[:, call_of_space]
    return applicants, spaces, Weights(), feasible


def _masks(flags: np.ndarray) -> np.ndarray:
    """Rows of booleans as uint64 bitmasks (bit k set where column k is True)."""
    weights = np.left_shift(np.uint64(1), np.arange(flags.shape[1], dtype=np.uint64))
    return (flags.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def ranked_choices(scores: np.ndarray, feasible: np.ndarray, rng: np.random.Generator,
                   choices: int = CHOICES) -> list[list[int]]:
    """Each applicant's `choices` feasible spaces they like best, best first: fit plus a
    personal taste (normal, sd 10 points), in chunks of rows."""
    n = scores.shape[0]
    result: list[list[int]] = []
    for start in range(0, n, 1000):
        rows = slice(start, min(start + 1000, n))
        liking = scores[rows] + rng.normal(0, 10, scores[rows].shape).astype(np.float32)
        liking[~feasible[rows]] = -np.inf
        top = np.argpartition(-liking, choices - 1, axis=1)[:, :choices]
        order = np.argsort(-np.take_along_axis(liking, top, axis=1), axis=1, kind="stable")
        ranked = np.take_along_axis(top, order, axis=1)
        keep = np.take_along_axis(liking, ranked, axis=1) > -np.inf
        result += [row[ok].tolist() for row, ok in zip(ranked, keep, strict=True)]
    return result


# --- the parts ------------------------------------------------------------------------------

def part_assignment(n: int, m: int, repeat: int, rng: np.random.Generator) -> float:
    applicants, spaces, weights, feasible = inputs_from_arrays(n, m, rng)
    print(f"1. scoring + optimal assignment, {n:,} applicants x {m:,} spaces "
          f"({feasible.mean():.0%} of pairs feasible)", flush=True)
    scores = score_matrix(applicants, spaces, weights)

    def ours():
        return optimal_assignment(score_matrix(applicants, spaces, weights), feasible)

    runs = medians(repeat,
                   floor=lambda: linear_sum_assignment(scores, maximize=True),
                   ours=ours,
                   scoring=lambda: score_matrix(applicants, spaces, weights))
    floor, ours_s, scoring = runs["floor"][0], runs["ours"][0], runs["scoring"][0]
    assignment = runs["ours"][1]
    matched = assignment >= 0
    rows, columns = runs["floor"][1]
    print(f"   bare linear_sum_assignment (floor) {floor * 1000:9.1f} ms  "
          f"total {scores[rows, columns].sum():,.1f}, all {len(rows):,} pairs")
    print(f"   score_matrix alone                 {scoring * 1000:9.1f} ms")
    print(f"   score_matrix + optimal_assignment  {ours_s * 1000:9.1f} ms  "
          f"total {scores[matched, assignment[matched]].sum():,.1f}, {matched.sum():,} "
          f"feasible pairs")
    ratio = ours_s / floor
    print(f"   ratio {ratio:.2f}x (target <= {LSA_TARGET:g}x: "
          f"{'met' if ratio <= LSA_TARGET else 'missed'})\n", flush=True)
    return ratio


def part_database(database_url: str, n: int, m: int, repeat: int, seed: int) -> float:
    """Part 1 end to end from the database (bench/matching_db.py): `round_inputs` (the
    queries, the rows turned into arrays, the scores) and `optimal_assignment`, against a
    bare `linear_sum_assignment` on the finished matrix: the scores with infeasible pairs at
    0, the matrix `optimal_assignment` itself hands to scipy (less its tie bonus)."""
    from matching_db import database_round

    start = time.perf_counter()
    with database_round(database_url, n, m, seed) as load:
        print(f"1b. the same from the database: a city-wide round of {n:,} applicants x "
              f"{m:,} spaces over 10 calls, written in {time.perf_counter() - start:.1f} s "
              f"(not timed)", flush=True)
        scores, feasible, _assignment = load()
        finished = solver_matrix(scores, feasible)
        runs = medians(repeat, floor=lambda: linear_sum_assignment(finished, maximize=True),
                       ours=load)
        floor, ours_s = runs["floor"][0], runs["ours"][0]
        scores, feasible, assignment = runs["ours"][1]
        rows, columns = runs["floor"][1]
        matched = assignment >= 0
        print(f"   {scores.shape[0]:,} taking part, {feasible.mean():.0%} of pairs feasible")
        print(f"   bare linear_sum_assignment (floor) {floor * 1000:9.1f} ms  "
              f"total {finished[rows, columns].sum():,.1f}")
        print(f"   round_inputs + optimal_assignment  {ours_s * 1000:9.1f} ms  "
              f"total {scores[matched, assignment[matched]].sum():,.1f}, {matched.sum():,} "
              f"pairs")
        ratio = ours_s / floor
        print(f"   ratio {ratio:.2f}x (target <= {LSA_TARGET:g}x: "
              f"{'met' if ratio <= LSA_TARGET else 'missed'})\n", flush=True)
    return ratio


def package_assignment(preferences, key, capacities) -> tuple[float, float, np.ndarray]:
    """Solve with the matching package: (seconds to create, seconds to solve, assignment)."""
    from matching.games import HospitalResident

    resident_prefs = {i: listed for i, listed in enumerate(preferences) if listed}
    hospital_prefs: dict[int, list[int]] = {}
    for i, listed in resident_prefs.items():
        for j in listed:
            hospital_prefs.setdefault(j, []).append(i)
    for j, applicants in hospital_prefs.items():
        applicants.sort(key=lambda i, j=j: key(i, j))
    result = {}

    def solve():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            created, game = timed(HospitalResident.create_from_dictionaries, resident_prefs,
                                  hospital_prefs, {j: capacities[j] for j in hospital_prefs})
            solved, solution = timed(game.solve, optimal="resident")
        assignment = np.full(len(preferences), -1, dtype=np.int64)
        for hospital, residents in solution.items():
            for resident in residents:
                assignment[resident.name] = hospital.name
        result["value"] = (created, solved, assignment)

    # Copying and solving recurse once per player: room for that on a thread of its own.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1_000_000))
    threading.stack_size(1 << 29)
    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    return result["value"]


def part_stable(n: int, m: int, repeat: int, rng: np.random.Generator) -> tuple[float, bool]:
    applicants, spaces, weights, feasible = inputs_from_arrays(n, m, rng)
    capacities = rng.integers(1, 4, m).tolist()
    scores = score_matrix(applicants, spaces, weights)
    preferences = ranked_choices(scores, feasible, rng)
    priority = np.round(scores.astype(np.float64), 1)
    lottery = rng.random(n)
    print(f"2. stable matching, {n:,} applicants x {m:,} spaces (capacity 1-3, "
          f"{sum(capacities):,} places), {CHOICES} ranked choices each", flush=True)

    def key(i, j):  # how space j ranks applicant i, as deferred_acceptance does
        return (-priority[i, j], lottery[i], i)

    ours_runs, created_runs, solved_runs = [], [], []
    ours = deferred_acceptance(preferences, priority, capacities, tie_break=lottery)  # warm-up
    theirs = package_assignment(preferences, key, capacities)[2]
    for _ in range(repeat):
        ours_s, ours = timed(deferred_acceptance, preferences, priority, capacities,
                             tie_break=lottery)
        created, solved, theirs = package_assignment(preferences, key, capacities)
        ours_runs.append(ours_s)
        created_runs.append(created)
        solved_runs.append(solved)
    ours_s, created, solved = (statistics.median(runs)
                               for runs in (ours_runs, created_runs, solved_runs))
    same = np.array_equal(ours, theirs)
    blocking = blocking_pairs(preferences, priority, capacities, ours, tie_break=lottery)
    print(f"   matching package: create_from_dictionaries {created * 1000:8.1f} ms, "
          f"solve {solved * 1000:8.1f} ms, together {(created + solved) * 1000:8.1f} ms")
    print(f"   deferred_acceptance                        {ours_s * 1000:8.1f} ms  "
          f"{(ours >= 0).sum():,} matched, {len(blocking)} blocking pairs")
    speedup = (created + solved) / ours_s
    print(f"   same matching: {'yes' if same else 'NO'}; speed-up {speedup:.2f}x against "
          f"create + solve, {solved / ours_s:.2f}x against solve alone (target >= "
          f"{STABLE_TARGET:g}x: {'met' if speedup >= STABLE_TARGET else 'missed'})\n",
          flush=True)
    if not same:
        differ = np.flatnonzero(ours != theirs)
        print(f"MISMATCH: {len(differ)} applicants differ, e.g. {differ[:5].tolist()}")
    return speedup, same


def part_city(n: int, m: int, rng: np.random.Generator) -> None:
    applicants, spaces, weights, feasible = inputs_from_arrays(n, m, rng)
    capacities = rng.integers(1, 4, m).tolist()
    print(f"3. stable matching at city scale, {n:,} applicants x {m:,} spaces, {CHOICES} "
          f"ranked choices each (one run each)", flush=True)
    scoring, scores = timed(score_matrix, applicants, spaces, weights)
    tracemalloc.start()  # numpy reports its allocations to tracemalloc
    score_matrix(applicants, spaces, weights)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"   score_matrix                            {scoring:7.2f} s  "
          f"(the result {scores.nbytes / 2**20:,.0f} MB float32; peak memory allocated "
          f"{peak / 2**20:,.0f} MB, in a second, untimed run)")
    preferences = ranked_choices(scores, feasible, rng)
    lottery = rng.random(n)

    def listed(rows, columns):  # the priority of the listed pairs only
        return np.round(scores[rows, columns].astype(np.float64), 1)

    per_pair, assignment = timed(deferred_acceptance, preferences, listed, capacities,
                                 tie_break=lottery)
    print(f"   deferred_acceptance, priority per pair  {per_pair:7.2f} s  "
          f"{(assignment >= 0).sum():,} matched of {sum(capacities):,} places")
    dense_prep, priority = timed(lambda: np.round(scores.astype(np.float64), 1))
    dense, again = timed(deferred_acceptance, preferences, priority, capacities,
                         tie_break=lottery)
    print(f"   deferred_acceptance, dense priority     {dense:7.2f} s  (plus {dense_prep:.2f} s "
          f"and {priority.nbytes / 2**20:,.0f} MB to build it; same result: "
          f"{'yes' if np.array_equal(assignment, again) else 'NO'})")
    checking, blocking = timed(blocking_pairs, preferences, listed, capacities, assignment,
                               tie_break=lottery)
    print(f"   blocking_pairs                          {checking:7.2f} s  {len(blocking)} "
          f"blocking pairs\n", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs of each measurement (the median counts)")
    parser.add_argument("--seed", type=int, default=2026, help="for the synthetic inputs")
    parser.add_argument("--applicants", type=int, default=5000)
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--stable-applicants", type=int, default=2000)
    parser.add_argument("--stable-spaces", type=int, default=400)
    parser.add_argument("--city-applicants", type=int, default=20000)
    parser.add_argument("--city-spaces", type=int, default=2000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server for part 1b (a throwaway database is made "
                             "beside this one and dropped)")
    parser.add_argument("--no-database", action="store_true",
                        help="skip part 1b; the last line's lsa_ratio is then part 1's")
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    import matching

    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy "
          f"{scipy.__version__}, matching {getattr(matching, '__version__', '?')}; seed "
          f"{options.seed}, {options.repeat} runs a median\n", flush=True)
    rng = np.random.default_rng(options.seed)
    lsa_ratio = part_assignment(options.applicants, options.spaces, options.repeat, rng)
    if not options.no_database:
        sys.path.insert(1, str(ROOT / "bench"))  # for matching_db, after the package's path
        lsa_ratio = part_database(options.database_url, options.applicants, options.spaces,
                                  options.repeat, options.seed)
        sys.path.remove(str(ROOT / "bench"))
    speedup, same = part_stable(options.stable_applicants, options.stable_spaces,
                                options.repeat, rng)
    part_city(options.city_applicants, options.city_spaces, rng)
    print(f"matching: lsa_ratio={lsa_ratio:.2f} stable_speedup={speedup:.2f}")
    raise SystemExit(0 if same else 1)


if __name__ == "__main__":
    main()
