"""Fit scores from 0 to 100 of applicants (rows) for spaces (columns), vectorised.

A score is the sum of seven components and the applicant's bonus, clipped to [0, 100]. Each
component earns a fraction from 0 to 1 of its points; the points are the `Weights` scaled to
sum to 100 (`Weights.normalised`):

- stage: 1 if the space serves the applicant's stage or the next one (a space serving every
  stage serves both); 0 if the applicant's stage is unknown.
- chain: 1 if the applicant's chain is in the chain focus of the space's building.
- completeness: 1 if the chain is in focus and the building houses no current tenant of that
  chain in the applicant's stage (the applicant fills a missing link); 0 if stage or chain
  is unknown.
- area: 1 without a wish or within [min, max]; below min 1 - (min - area) / min, above max
  1 - (area - max) / max, clipped to [0, 1].
- rent: 1 without a wish or at most the maximum; above it 1 - (rent - max) / max, clipped to
  [0, 1] (a maximum of 0 gives 0 for any rent above 0).
- facilities: the share of the wished facilities the space has; 1 without wishes.
- wait: min(wait_days / wait_full_days, 1).

Scores are float32. `score_matrix` works through the rows in chunks of about `CHUNK` pairs,
so its extra memory stays under a few megabytes whatever the size of the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from broedplaats.matching.bits import MAX_BITS, popcount
from broedplaats.matching.inputs import Applicants, Spaces

COMPONENTS = ("stage", "chain", "completeness", "area", "rent", "facilities", "wait")
# Pairs a chunk of rows covers: float32 temporaries of 256 KB, which stay in the CPU's
# cache (measured at 5,000 x 1,000: 40 ms at this size, 45 ms at 1 MB, 70 ms at 16 MB).
CHUNK = 1 << 16
# Stands for 1 / 0 where a wished maximum is 0: anything above it then scores 0, and
# 0 * _HUGE stays 0 (1 / 0 would give inf, and 0 * inf NaN).
_HUGE = np.float32(1e30)


@dataclass(frozen=True)
class Weights:
    """Relative points per component (integers from 0), and the waiting time in days that
    earns the full waiting points. Only the ratios matter: see `normalised`."""

    stage: int = 25
    chain: int = 20
    completeness: int = 10
    area: int = 15
    rent: int = 15
    facilities: int = 10
    wait: int = 5
    wait_full_days: int = 730

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
                raise ValueError(f"weight {name} must be an integer of at least 0, not {value!r}")
        days = self.wait_full_days
        if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
            raise ValueError(f"wait_full_days must be an integer of at least 1, not {days!r}")

    def normalised(self) -> dict[str, float]:
        """The points of each component scaled so that the seven sum to 100, in the order of
        `COMPONENTS`. Raises ValueError when all seven are 0."""
        total = sum(int(getattr(self, name)) for name in COMPONENTS)
        if total == 0:
            raise ValueError("all seven weights are 0: at least one must be above 0")
        return {name: int(getattr(self, name)) * 100.0 / total for name in COMPONENTS}


def components(applicants: Applicants, spaces: Spaces,
               weights: Weights | None = None) -> dict[str, np.ndarray]:
    """Each component's points for every pair: {name: (n, m) float32}, in the order of
    `COMPONENTS`, already multiplied by the normalised weight. Holds seven full matrices:
    for large inputs use `score_matrix`, which never does."""
    prepared = _Prepared(applicants, spaces, weights or Weights())
    n, m = prepared.n, prepared.m
    result = {name: np.empty((n, m), dtype=np.float32) for name in COMPONENTS}
    for rows in _chunks(n, m):
        for name, block in prepared.parts(rows).items():
            result[name][rows] = block
    return result


def score_matrix(applicants: Applicants, spaces: Spaces,
                 weights: Weights | None = None) -> np.ndarray:
    """Fit scores, (n, m) float32: the sum of the components plus each applicant's bonus,
    clipped to [0, 100]."""
    prepared = _Prepared(applicants, spaces, weights or Weights())
    scores = np.empty((prepared.n, prepared.m), dtype=np.float32)
    for rows in _chunks(prepared.n, prepared.m):
        scores[rows] = prepared.total(rows)
    return scores


def breakdown(applicants: Applicants, spaces: Spaces, weights: Weights | None, i: int,
              j: int) -> dict[str, float]:
    """The points of each component for applicant `i` and space `j`, then "bonus" and
    "total"; "total" equals `score_matrix(...)[i, j]` exactly. Only that row and column are
    computed."""
    if not -applicants.n <= i < applicants.n:
        raise IndexError(f"applicant {i} is outside 0..{applicants.n - 1}")
    if not -spaces.m <= j < spaces.m:
        raise IndexError(f"space {j} is outside 0..{spaces.m - 1}")
    prepared = _Prepared(applicants.take([i]), spaces.take([j]), weights or Weights())
    whole = slice(0, 1)
    result = {name: float(block[0, 0]) for name, block in prepared.parts(whole).items()}
    result["bonus"] = float(prepared.bonus[0])
    result["total"] = float(prepared.total(whole)[0, 0])
    return result


def _chunks(n: int, m: int) -> list[slice]:
    step = max(1, CHUNK // max(m, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


class _Prepared:
    """What the components need, derived once per call: per applicant its bounds and
    weights as float32, and per distinct (stage, chain) of the applicants one row over the
    spaces of the stage, chain and completeness points (these depend on nothing else)."""

    def __init__(self, applicants: Applicants, spaces: Spaces, weights: Weights) -> None:
        chains = spaces.housed.shape[1]
        known = applicants.chain[applicants.chain >= 0]
        if known.size and known.max() >= chains:
            raise ValueError(f"applicant chain index {int(known.max())} is beyond the "
                             f"{chains} chains of Spaces.housed")
        points = {name: np.float32(value) for name, value in weights.normalised().items()}
        self.points = points
        self.n, self.m = applicants.n, spaces.m
        f32 = np.float32

        # Stage, chain, completeness: one table row per distinct (stage, chain).
        key = (applicants.stage + 1) * (MAX_BITS + 1) + (applicants.chain + 1)
        keys, self.combo = np.unique(key, return_inverse=True)
        self.combo = self.combo.reshape(-1)
        stage = keys // (MAX_BITS + 1) - 1
        chain = keys % (MAX_BITS + 1) - 1
        self.stage_table, self.chain_table, self.completeness_table = _categorical_tables(
            stage, chain, spaces, points)
        self.categorical = (self.stage_table + self.chain_table) + self.completeness_table

        # Area and rent: a missing minimum is 0 (never undershot), a missing maximum
        # +inf (never exceeded); the inverse of a bound that cannot bite is 0.
        min_area = np.nan_to_num(applicants.min_area, nan=0.0).astype(f32)
        self.min_area = min_area
        self.inv_min_area = _inverse(min_area, zero=f32(0))
        self.max_area = np.where(np.isnan(applicants.max_area), np.inf,
                                 applicants.max_area).astype(f32)
        self.inv_max_area = _inverse(self.max_area, zero=_HUGE)
        self.max_rent = np.where(np.isnan(applicants.max_rent), np.inf,
                                 applicants.max_rent).astype(f32)
        self.inv_max_rent = _inverse(self.max_rent, zero=_HUGE)
        self.area = spaces.area.astype(f32)
        self.rent = spaces.rent.astype(f32)

        # Facilities: the count of wished ones, and 1 for applicants who wish none (their
        # share is (0 + 1) / 1).
        self.wished = applicants.facilities
        wished_count = popcount(applicants.facilities).astype(f32)
        self.no_wish = (wished_count == 0).astype(f32)
        self.wished_count = np.maximum(wished_count, f32(1))
        self.has = spaces.facilities

        waited = np.minimum(applicants.wait_days / weights.wait_full_days, 1.0)
        self.wait = waited.astype(f32) * points["wait"]
        self.bonus = applicants.bonus.astype(f32)

    def area_points(self, rows: slice) -> np.ndarray:
        below = np.subtract(self.min_area[rows, None], self.area[None, :])
        np.maximum(below, 0, out=below)
        below *= self.inv_min_area[rows, None]
        above = np.subtract(self.area[None, :], self.max_area[rows, None])
        np.maximum(above, 0, out=above)
        above *= self.inv_max_area[rows, None]
        fraction = np.subtract(np.float32(1), below, out=below)
        fraction -= above
        np.clip(fraction, 0, 1, out=fraction)
        fraction *= self.points["area"]
        return fraction

    def rent_points(self, rows: slice) -> np.ndarray:
        above = np.subtract(self.rent[None, :], self.max_rent[rows, None])
        np.maximum(above, 0, out=above)
        above *= self.inv_max_rent[rows, None]
        fraction = np.subtract(np.float32(1), above, out=above)
        np.clip(fraction, 0, 1, out=fraction)
        fraction *= self.points["rent"]
        return fraction

    def facility_points(self, rows: slice) -> np.ndarray:
        present = popcount(self.wished[rows, None] & self.has[None, :]).astype(np.float32)
        present += self.no_wish[rows, None]
        present /= self.wished_count[rows, None]
        present *= self.points["facilities"]
        return present

    def parts(self, rows: slice) -> dict[str, np.ndarray]:
        """The seven components' points for `rows` and every space."""
        combo = self.combo[rows]
        count = len(combo)
        return {
            "stage": self.stage_table[combo],
            "chain": self.chain_table[combo],
            "completeness": self.completeness_table[combo],
            "area": self.area_points(rows),
            "rent": self.rent_points(rows),
            "facilities": self.facility_points(rows),
            "wait": np.repeat(self.wait[rows, None], self.m, axis=1).reshape(count, self.m),
        }

    def total(self, rows: slice) -> np.ndarray:
        """The scores of `rows` for every space (the same operations in the same order for
        any chunk, so that a single pair gives the same float32 as the whole matrix)."""
        scores = self.categorical[self.combo[rows]]
        scores += self.area_points(rows)
        scores += self.rent_points(rows)
        scores += self.facility_points(rows)
        scores += self.wait[rows, None]
        scores += self.bonus[rows, None]
        np.clip(scores, 0, 100, out=scores)
        return scores


def _inverse(bound: np.ndarray, *, zero: np.float32) -> np.ndarray:
    """1 / bound, as float32; `zero` where the bound is 0 and 0 where it is infinite."""
    with np.errstate(divide="ignore"):
        inverse = np.float32(1) / bound
    inverse[bound == 0] = zero
    return inverse.astype(np.float32)


def _categorical_tables(stage: np.ndarray, chain: np.ndarray, spaces: Spaces,
                        points: dict[str, np.float32]
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stage, chain and completeness points, (k, m) float32, of each (stage, chain)
    pair given (index -1: unknown) for every space."""
    one = np.uint64(1)
    # The stages an applicant may move into: their own and the next one (if there are bits
    # left for it; a real next stage always has one).
    wanted = np.array([0 if s < 0 else (1 << int(s)) | ((1 << (int(s) + 1)) if s + 1 < MAX_BITS
                                                      else 0) for s in stage], dtype=np.uint64)
    serves = (spaces.stages[None, :] == 0) | ((spaces.stages[None, :] & wanted[:, None]) != 0)
    serves &= (stage >= 0)[:, None]

    focus = spaces.focus[spaces.building]  # (m,) the chain focus of each space's building
    chain_bit = np.left_shift(one, np.maximum(chain, 0).astype(np.uint64))
    in_focus = ((focus[None, :] & chain_bit[:, None]) != 0) & (chain >= 0)[:, None]

    housed = spaces.housed[spaces.building]  # (m, C) stages housed per chain, per space
    if housed.shape[1]:
        housed_here = housed[:, np.maximum(chain, 0)].T  # (k, m) for each pair's chain
    else:  # no chains at all: every applicant's chain is unknown
        housed_here = np.zeros((len(chain), spaces.m), dtype=np.uint64)
    stage_bit = np.left_shift(one, np.maximum(stage, 0).astype(np.uint64))
    missing = (housed_here & stage_bit[:, None]) == 0
    fills_gap = in_focus & missing & (stage >= 0)[:, None]

    def scaled(flags: np.ndarray, name: str) -> np.ndarray:
        return flags.astype(np.float32) * points[name]

    return (scaled(serves, "stage"), scaled(in_focus, "chain"),
            scaled(fills_gap, "completeness"))
