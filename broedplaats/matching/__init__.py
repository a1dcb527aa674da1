"""The allocation algorithms, on plain arrays: numpy and scipy only, no Django.

The Django side (`broedplaats.selectors.matching`, `broedplaats.services`) turns a round's
applications and spaces into these inputs and stores what comes out. Everything here indexes
applicants as rows 0..n-1 and spaces as columns 0..m-1; stages, chains and facilities are
small indices (0..63) combined into uint64 bitmasks (`bitmask`).

- `scoring`: `score_matrix(Applicants, Spaces, Weights)`, fit scores 0–100 as an (n, m)
  float32 matrix, vectorised and computed in chunks of rows; `components` per part and
  `breakdown` for one pair, to show why a score is what it is.
- `lottery`: `new_seed`, and `lottery_numbers(seed, ids)`, one number in [0, 1) per id,
  reproducible from the seed and the set of ids; lower is earlier in line.
"""

from broedplaats.matching.bits import bitmask, popcount
from broedplaats.matching.inputs import Applicants, Spaces
from broedplaats.matching.lottery import lottery_numbers, lottery_order, new_seed
from broedplaats.matching.scoring import COMPONENTS, Weights, breakdown, components, score_matrix

__all__ = [
    "COMPONENTS",
    "Applicants",
    "Spaces",
    "Weights",
    "bitmask",
    "breakdown",
    "components",
    "lottery_numbers",
    "lottery_order",
    "new_seed",
    "popcount",
    "score_matrix",
]
