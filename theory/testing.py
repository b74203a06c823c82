"""Certificate checks shared by claims and tests: each returns a non-negative violation.

A solver's answer is trusted when a certificate recomputed from scratch holds. These functions
measure how far a candidate is from one, as a single float that is 0 when it holds exactly, so
that a claim can report the worst of several and a test can compare it with a tolerance:

- :func:`primal_violation`: how far constraints ``g >= lower`` are violated;
- :func:`dual_violation`: how negative multipliers that must be ``>= 0`` are;
- :func:`complementarity`: largest ``|lambda_i (g_i - lower)|``;
- :func:`duality_gap`: ``|primal - dual|``, optionally relative;
- :func:`law_error`: how far an array is from a probability law (rows of a kernel or the whole
  array), counting negative mass.

The inputs are arrays the caller already holds; nothing is validated (these are checks, not
public solvers). Each costs one pass over its input.
"""

from __future__ import annotations

import numpy as np


def primal_violation(values: np.ndarray, lower: float = 1.0) -> float:
    """``max(0, lower - min(values))``: the largest violation of ``values >= lower``."""
    return max(0.0, lower - float(np.min(values)))


def dual_violation(multipliers: np.ndarray) -> float:
    """``max(0, -min(multipliers))``: the largest violation of ``multipliers >= 0``."""
    return max(0.0, -float(np.min(multipliers)))


def complementarity(multipliers: np.ndarray, values: np.ndarray, lower: float = 1.0, *,
                    scale: float = 1.0) -> float:
    """``max_i |lambda_i (g_i - lower)| / scale``: complementary slackness of ``g >= lower``."""
    return float(np.max(np.abs(multipliers * (values - lower)))) / scale


def duality_gap(primal: float, dual: float, *, relative: bool = False) -> float:
    """``|primal - dual|``, divided by ``max(1, |primal|)`` when ``relative``."""
    gap = abs(float(primal) - float(dual))
    return gap / max(1.0, abs(float(primal))) if relative else gap


def law_error(P: np.ndarray, axis: int | None = None) -> float:
    """Distance of ``P`` from a probability law: ``max(|sum - 1|, negative mass)``.

    With ``axis=None`` the whole array must sum to 1 (a joint law); with an axis, every slice along
    it must (``axis=-1``: the rows of a stochastic kernel).
    """
    sums = np.sum(P, axis=axis)
    return max(float(np.max(np.abs(sums - 1.0))), dual_violation(P))
