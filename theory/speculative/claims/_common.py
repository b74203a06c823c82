"""Tolerances and helpers shared by the speculative claim modules."""

from __future__ import annotations

import numpy as np

from theory.speculative.schemes import acceptance_rate, exact_scheme

#: Tolerance of exact routes (closed forms, enumerations).
EXACT = 1e-12
#: Tolerance of LP routes (HiGHS feasibility tolerance ~1e-7).
LP = 1e-7


def support(q: np.ndarray) -> int:
    """Return the number of tokens of positive probability."""
    return int(np.count_nonzero(q > 0))


def lossless_errors(scheme: str, p: np.ndarray, q: np.ndarray, k: int) -> tuple[float, float]:
    """(|exact acceptance - closed-form acceptance|, TV(exact output law, p)) of a scheme."""
    ex = exact_scheme(scheme, p, q, k)
    return abs(ex.acceptance - acceptance_rate(scheme, p, q, k)), 0.5 * float(np.abs(ex.law - p).sum())
