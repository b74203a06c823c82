"""Closed forms of rate-distortion theory (bits).

Binary Hamming, Shannon lower bound, Gaussian reverse water-filling, log-loss, and the binary convolution
``a * b``.

Each is an independent route for the solvers of :mod:`theory.semantic.rate_distortion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from theory._info import binary_entropy as h2
from theory._info import entropy_bits
from theory._result import TupleCompatible
from theory._validate import as_float_array, as_pmf, as_positive_float
from theory.semantic._alias import RateAlias


def star(a: float, b: float) -> float:
    """Binary convolution ``a * b = a (1 - b) + b (1 - a)``."""
    return a * (1 - b) + b * (1 - a)


def rd_binary_hamming(p: float, D: float) -> float:
    """``R(D) = h(p) - h(D)`` for ``0 <= D <= min(p, 1-p)``, else 0: Bernoulli(p), Hamming (bits)."""
    p = as_positive_float(p, "p", allow_zero=True)
    D = as_positive_float(D, "D", allow_zero=True)
    if p > 1:
        raise ValueError(f"p: must be in [0, 1], got {p}")
    return float(h2(p) - h2(D)) if D < min(p, 1 - p) else 0.0


def rd_hamming_slb(p: Any, D: float) -> float:
    """Shannon lower bound ``H(p) - h(D) - D log2(m - 1)`` for m-ary Hamming distortion (bits).

    A lower bound on R(D) for every D in [0, 1 - 1/m]; tight for uniform p there.
    """
    p = as_pmf(p, "p")
    D = as_positive_float(D, "D", allow_zero=True)
    m = p.size
    return float(entropy_bits(p) - h2(D) - D * np.log2(m - 1))


@dataclass(frozen=True)
class Waterfilling(RateAlias, TupleCompatible):
    """Reverse water-filling allocation of :func:`reverse_waterfilling` (a closed form).

    Unpacks like the former tuple ``(rate, distortions, theta)``.

    Attributes
    ----------
    value
        ``R(D) = sum_i 1/2 log2(s_i^2 / D_i)`` in bits. Alias: ``rate``.
    distortions
        ``D_i = min(theta, s_i^2)``, summing to ``D``.
    theta
        The water level.
    """

    _tuple_fields: ClassVar[tuple[str, ...]] = ("value", "distortions", "theta")

    value: float
    distortions: np.ndarray
    theta: float


def reverse_waterfilling(variances: Any, D: float) -> Waterfilling:
    """Parallel Gaussian sources, total MSE D: ``D_i = min(theta, s_i^2)``, ``sum D_i = D``.

    Returns the :class:`Waterfilling` allocation with ``R = sum_i 1/2 log2(s_i^2 / D_i)``; it
    unpacks as ``(rate_bits, D_i, theta)``. Cost O(m log m).
    """
    s = as_float_array(variances, "variances", ndim=1)
    if np.any(s <= 0):
        raise ValueError("variances: must be > 0")
    D = as_positive_float(D, "D")
    if D >= s.sum():
        return Waterfilling(0.0, s.copy(), float(s.max()))
    srt = np.sort(s)
    for i in range(srt.size):
        theta = (D - srt[:i].sum()) / (srt.size - i)
        if theta <= srt[i]:
            break
    Di = np.minimum(theta, s)
    return Waterfilling(float(0.5 * np.sum(np.log2(s / Di))), Di, float(theta))


def rd_logloss(p: Any, D: float) -> float:
    """Log-loss RD (reproduction a pmf, ``d = -log2 q(x)``): ``R(D) = [H(X) - D]^+`` bits.

    Courtade & Weissman 2014 (cited from secondary sources).
    """
    p = as_pmf(p, "p")
    D = as_positive_float(D, "D", allow_zero=True)
    return max(entropy_bits(p) - D, 0.0)
