"""Capacity of a discrete memoryless channel by Arimoto's iteration, with certified bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import xlogy

from theory._info import LN2
from theory._result import SolverResult, TupleCompatible


@dataclass(frozen=True)
class CapacityResult(TupleCompatible, SolverResult):
    """Result of :func:`channel_capacity` (a :class:`theory._result.SolverResult`).

    Unpacks like the former tuple ``(lower, upper, input_law)``.

    Attributes
    ----------
    value
        ``I(r, W)`` of the returned input law (bits): an achievable rate, ``<= C``.
    status
        ``"optimal"`` (``upper - lower < tol``) or ``"max_iter"``.
    converged
        True for ``"optimal"``.
    n_iter
        Arimoto iterations.
    lower, upper
        Arimoto's bounds ``I(r, W) <= C <= max_x D(W(.|x) || rW)`` in bits.
    input_law
        The input law ``r``.
    """

    _tuple_fields: ClassVar[tuple[str, ...]] = ("lower", "upper", "input_law")

    lower: float
    upper: float
    input_law: np.ndarray


def channel_capacity(W: Any, *, tol: float = 1e-12, max_iter: int = 100_000) -> CapacityResult:
    """Capacity of a DMC ``W[x, y]`` by Arimoto's iteration ``r(x) <- r(x) exp D(W(.|x) || rW)``.

    Returns a :class:`CapacityResult` with ``I(r, W) <= C <= max_x D(W(.|x) || rW)`` in bits,
    stopped when the two differ by less than ``tol``; it unpacks as ``(lower, upper, r)``. Cost
    O(|X||Y|) per iteration.
    """
    from theory._validate import as_stochastic_matrix

    W = as_stochastic_matrix(W, "W")
    r = np.full(W.shape[0], 1.0 / W.shape[0])
    lo = hi = 0.0
    it, done = 0, False
    while it < max_iter:
        it += 1
        out = r @ W
        ratio = np.divide(W, out[None, :], out=np.ones_like(W), where=(W > 0) & (out[None, :] > 0))
        Dx = np.sum(xlogy(W, ratio), axis=1)
        lo, hi = float(np.dot(r, Dx)), float(Dx.max())
        if hi - lo < tol * LN2:
            done = True
            break
        r = r * np.exp(Dx - Dx.max())
        r = r / r.sum()
    return CapacityResult(lo / LN2, hi / LN2, r, value=lo / LN2, status="optimal" if done else "max_iter",
                          converged=done, n_iter=it, diagnostics={"bound_gap": (hi - lo) / LN2})
