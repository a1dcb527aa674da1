"""The round's lottery: one number in [0, 1) per applicant from a published seed.

The numbers are drawn with `np.random.default_rng(seed)` over the ids sorted ascending, so
the same seed and the same set of ids give every id the same number, in whatever order the
ids are passed. A lower number is earlier in line. Anyone holding the seed and the list of
ids can draw the numbers again and check the order.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np

SEED_LIMIT = 2**63


def new_seed() -> int:
    """A fresh random seed, 0 <= seed < 2**63, from the operating system's secure source."""
    return secrets.randbelow(SEED_LIMIT)


def _sorted_ids(ids: Sequence[int]) -> list[int]:
    ordered = sorted(int(pk) for pk in ids)
    if any(a == b for a, b in zip(ordered, ordered[1:], strict=False)):
        raise ValueError("lottery ids must be distinct")
    return ordered


def lottery_numbers(seed: int, ids: Sequence[int]) -> dict[int, float]:
    """{id: number in [0, 1)}: the k-th smallest id gets the k-th number drawn by
    `np.random.default_rng(seed).random`. Ids must be distinct; 0 <= seed < 2**63."""
    if isinstance(seed, bool) or not 0 <= int(seed) < SEED_LIMIT or int(seed) != seed:
        raise ValueError(f"seed must be an integer with 0 <= seed < 2**63, not {seed!r}")
    ordered = _sorted_ids(ids)
    numbers = np.random.default_rng(int(seed)).random(len(ordered))
    return dict(zip(ordered, numbers.tolist(), strict=True))


def lottery_order(seed: int, ids: Sequence[int]) -> list[int]:
    """The ids in line: by lottery number ascending (equal numbers, which a 53-bit draw
    practically never gives, by id)."""
    numbers = lottery_numbers(seed, ids)
    return sorted(numbers, key=lambda pk: (numbers[pk], pk))
