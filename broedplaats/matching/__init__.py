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
- `orders`: `serial_dictatorship` (applicants in an order each take their best free feasible
  space), `order_by_score` (by fit or committee mean, lottery breaking ties),
  `order_by_lottery`, `best_feasible`.
- `stable`: `deferred_acceptance`, the applicant-optimal stable matching with capacities
  (hospital–residents), and `blocking_pairs` to check one.
- `assignment`: `optimal_assignment`, the maximum total score over feasible pairs.

Assignments are returned as (n,) int64 arrays: the space of each applicant, -1 for none.
"""

from broedplaats.matching.assignment import optimal_assignment
from broedplaats.matching.bits import bitmask, popcount
from broedplaats.matching.inputs import Applicants, Spaces
from broedplaats.matching.lottery import lottery_numbers, lottery_order, new_seed
from broedplaats.matching.orders import (
    best_feasible,
    order_by_lottery,
    order_by_score,
    serial_dictatorship,
)
from broedplaats.matching.scoring import COMPONENTS, Weights, breakdown, components, score_matrix
from broedplaats.matching.stable import blocking_pairs, deferred_acceptance

__all__ = [
    "COMPONENTS",
    "Applicants",
    "Spaces",
    "Weights",
    "best_feasible",
    "bitmask",
    "blocking_pairs",
    "breakdown",
    "components",
    "deferred_acceptance",
    "lottery_numbers",
    "lottery_order",
    "new_seed",
    "optimal_assignment",
    "order_by_lottery",
    "order_by_score",
    "popcount",
    "score_matrix",
    "serial_dictatorship",
]
