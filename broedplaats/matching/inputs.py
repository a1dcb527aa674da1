"""The arrays a fit score reads: `Applicants` (rows) and `Spaces` (columns).

Stages, chains and facilities are small indices (0..63) given by the caller: stages in stage
order (idea 0, making 1, distribution 2), chains and facilities in any fixed order. Sets of
them are uint64 bitmasks (`bits.bitmask`). The constructors convert lists to arrays of the
right dtype and refuse inconsistent input with ValueError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from broedplaats.matching.bits import MAX_BITS


def _vector(name: str, values, dtype) -> np.ndarray:
    if dtype == np.uint64:  # a bitmask: refuse negatives rather than wrap them around
        if not isinstance(values, np.ndarray):
            values = [int(value) for value in values]  # Python ints up to 2**64 - 1
            negative = any(value < 0 for value in values)
        else:
            negative = values.dtype.kind in "if" and bool((values < 0).any())
        if negative:
            raise ValueError(f"{name} is a bitmask: it must not be negative")
    array = np.asarray(values, dtype=dtype)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {array.shape}")
    return array


def _same_length(kind: str, arrays: dict[str, np.ndarray]) -> int:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{kind} arrays differ in length: {lengths}")
    return next(iter(lengths.values()))


def _index_range(name: str, values: np.ndarray, low: int, high: int) -> None:
    if values.size and (values.min() < low or values.max() > high):
        raise ValueError(f"{name} must lie in {low}..{high}")


def _optional_amount(name: str, values: np.ndarray) -> None:
    if np.isinf(values).any() or (values < 0).any():  # NaN compares False: allowed
        raise ValueError(f"{name} must be NaN (no wish) or a finite amount of at least 0")


@dataclass(eq=False)
class Applicants:
    """n applicants, one entry per array.

    stage: stage index 0..63 in stage order, -1 unknown. chain: chain index 0..63, -1
    unknown. min_area, max_area (m²), max_rent: wishes, NaN for none; min_area <= max_area
    where both are given. facilities: bitmask of wished facilities. wait_days: days waited,
    at least 0. bonus: priority points added to the score (pathways), at least 0."""

    stage: np.ndarray
    chain: np.ndarray
    min_area: np.ndarray
    max_area: np.ndarray
    max_rent: np.ndarray
    facilities: np.ndarray
    wait_days: np.ndarray
    bonus: np.ndarray

    def __post_init__(self) -> None:
        self.stage = _vector("stage", self.stage, np.int64)
        self.chain = _vector("chain", self.chain, np.int64)
        self.min_area = _vector("min_area", self.min_area, np.float64)
        self.max_area = _vector("max_area", self.max_area, np.float64)
        self.max_rent = _vector("max_rent", self.max_rent, np.float64)
        self.facilities = _vector("facilities", self.facilities, np.uint64)
        self.wait_days = _vector("wait_days", self.wait_days, np.int64)
        self.bonus = _vector("bonus", self.bonus, np.float64)
        _same_length("Applicants", vars(self))
        _index_range("stage", self.stage, -1, MAX_BITS - 1)
        _index_range("chain", self.chain, -1, MAX_BITS - 1)
        for name in ("min_area", "max_area", "max_rent"):
            _optional_amount(name, getattr(self, name))
        if (self.min_area > self.max_area).any():  # False where either is NaN
            raise ValueError("min_area must not exceed max_area")
        if (self.wait_days < 0).any():
            raise ValueError("wait_days must be at least 0")
        if not np.isfinite(self.bonus).all() or (self.bonus < 0).any():
            raise ValueError("bonus must be a finite number of at least 0")

    @property
    def n(self) -> int:
        return len(self.stage)

    @classmethod
    def from_lists(cls, *, stage: Sequence[int], chain: Sequence[int],
                   min_area: Sequence[float | None] | None = None,
                   max_area: Sequence[float | None] | None = None,
                   max_rent: Sequence[float | None] | None = None,
                   facilities: Sequence[int] | None = None,
                   wait_days: Sequence[int] | None = None,
                   bonus: Sequence[float] | None = None) -> Applicants:
        """Build from lists; an omitted list means no wish (or 0 days, 0 bonus) for
        everyone, and None inside a wish list means no wish for that applicant."""
        n = len(stage)

        def wishes(values):
            if values is None:
                return np.full(n, np.nan)
            return [np.nan if value is None else value for value in values]

        return cls(stage=stage, chain=chain, min_area=wishes(min_area),
                   max_area=wishes(max_area), max_rent=wishes(max_rent),
                   facilities=[0] * n if facilities is None else facilities,
                   wait_days=[0] * n if wait_days is None else wait_days,
                   bonus=[0.0] * n if bonus is None else bonus)

    def take(self, rows: Sequence[int] | np.ndarray) -> Applicants:
        """The applicants at `rows`, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return Applicants(**{name: array[rows] for name, array in vars(self).items()})


@dataclass(eq=False)
class Spaces:
    """m spaces in B buildings, for C chains.

    Per space: stages, bitmask of the stage indices it serves (0: every stage); building,
    index 0..B-1 into the per-building arrays; area (m²) and rent, finite and at least 0;
    facilities, bitmask of the facilities it has.
    Per building: focus, (B,) bitmask of the chain indices in its chain focus; housed,
    (B, C) bitmask of the stage indices the building houses now for chain c (it has a
    current tenant of chain c in that stage)."""

    stages: np.ndarray
    building: np.ndarray
    area: np.ndarray
    rent: np.ndarray
    facilities: np.ndarray
    focus: np.ndarray
    housed: np.ndarray

    def __post_init__(self) -> None:
        self.stages = _vector("stages", self.stages, np.uint64)
        self.building = _vector("building", self.building, np.int64)
        self.area = _vector("area", self.area, np.float64)
        self.rent = _vector("rent", self.rent, np.float64)
        self.facilities = _vector("facilities", self.facilities, np.uint64)
        _same_length("Spaces", {name: getattr(self, name)
                                for name in ("stages", "building", "area", "rent", "facilities")})
        self.focus = _vector("focus", self.focus, np.uint64)
        housed = self.housed
        if not isinstance(housed, np.ndarray):
            housed = [[int(value) for value in row] for row in housed]
        self.housed = np.asarray(housed, dtype=np.uint64)
        if self.housed.size == 0 and len(self.focus) == 0:
            self.housed = self.housed.reshape(0, 0)
        if self.housed.ndim != 2 or len(self.housed) != len(self.focus):
            raise ValueError(f"housed must have shape (B, C) with B = len(focus) = "
                             f"{len(self.focus)}, not {self.housed.shape}")
        if self.housed.shape[1] > MAX_BITS:
            raise ValueError(f"at most {MAX_BITS} chains, not {self.housed.shape[1]}")
        _index_range("building", self.building, 0, len(self.focus) - 1)
        for name in ("area", "rent"):
            values = getattr(self, name)
            if not np.isfinite(values).all() or (values < 0).any():
                raise ValueError(f"{name} must be finite and at least 0")

    @property
    def m(self) -> int:
        return len(self.stages)

    @classmethod
    def from_lists(cls, *, stages: Sequence[int], building: Sequence[int], area: Sequence[float],
                   rent: Sequence[float], focus: Sequence[int], housed: Sequence[Sequence[int]],
                   facilities: Sequence[int] | None = None) -> Spaces:
        """Build from lists; omitted facilities means none for every space."""
        return cls(stages=stages, building=building, area=area, rent=rent,
                   facilities=[0] * len(stages) if facilities is None else facilities,
                   focus=focus, housed=housed)

    def take(self, columns: Sequence[int] | np.ndarray) -> Spaces:
        """The spaces at `columns`, in that order (the per-building arrays unchanged)."""
        columns = np.asarray(columns, dtype=np.int64)
        return Spaces(stages=self.stages[columns], building=self.building[columns],
                      area=self.area[columns], rent=self.rent[columns],
                      facilities=self.facilities[columns], focus=self.focus,
                      housed=self.housed)
