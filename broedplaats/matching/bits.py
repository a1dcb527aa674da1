"""Bitmasks of small indices (stages, chains, facilities) as Python ints and uint64 arrays."""

from collections.abc import Iterable

import numpy as np

MAX_BITS = 64


def bitmask(indices: Iterable[int]) -> int:
    """The bitmask with bit `k` set for each index `k` in `indices` (0 <= k < 64).

    `bitmask([0, 2]) == 0b101`; `bitmask([]) == 0`."""
    mask = 0
    for index in indices:
        index = int(index)
        if not 0 <= index < MAX_BITS:
            raise ValueError(f"bit index {index} is outside 0..{MAX_BITS - 1}")
        mask |= 1 << index
    return mask


def _popcount_by_bytes(values: np.ndarray) -> np.ndarray:
    """Set bits per element of a uint64 array, by a lookup table over its eight bytes
    (for numpy < 2.0, which has no `np.bitwise_count`)."""
    values = np.ascontiguousarray(values, dtype=np.uint64)
    counts = _BYTE_COUNTS[values.view(np.uint8)].reshape(*values.shape, 8)
    return counts.sum(axis=-1, dtype=np.uint8)


_BYTE_COUNTS = np.array([bin(byte).count("1") for byte in range(256)], dtype=np.uint8)


def popcount(values: np.ndarray) -> np.ndarray:
    """The number of set bits of each element of a uint64 array, as uint8 of the same shape."""
    values = np.asarray(values, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    return _popcount_by_bytes(values)
