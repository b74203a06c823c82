"""Types and helpers shared by the sequential RDF solvers and their reference convex programs.

Re-exported by :mod:`theory.semantic.sequential` (the documented home of :class:`NRDFResult`
and :func:`causality_violation`); used by :mod:`theory.semantic.reference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._result import SolverResult
from theory._validate import as_float_array, as_joint_pmf, as_positive_float
from theory.semantic._alias import RateAlias
from theory.semantic._joint import cmi, directed
from theory.semantic._rd import D_TOL


@dataclass(frozen=True)
class NRDFResult(RateAlias, SolverResult):
    """Result of the sequential RDFs, rates per letter in bits (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        Per-letter rate of the problem solved (bits/letter). Alias: ``rate``.
    status
        ``"optimal"``, ``"zero_rate"``, ``"max_iter"`` (BA-type recursion), ``"infeasible"``, or
        the cvxpy status (cvx).
    converged
        True when a decision was certified (``"optimal"``, ``"zero_rate"``, ``"infeasible"``).
    n_iter
        Iterations (BA-type sweeps or BA iterations; 0 for cvx).
    diagnostics
        ``lagrangian_nats``/``gap_nats`` (BA-type), ``objective_nats`` and the stage duals
        ``dual_1`` ... ``dual_n`` (cvx),
        ``lower_bound`` (block RDF).
    distortion
        ``(1/n) sum_t E d(X_t, Y_t)``.
    beta
        Slope (nats per unit per-letter distortion): dual value (cvx) or bisection value (ba).
    kernel
        ``Q(y^n | x^n)`` of shape ``(|X|^n, |Y|^n)`` (C order over time).
    mutual_information
        ``I(X^n; Y^n) / n`` of the returned kernel (bits/letter).
    directed_information
        ``I(X^n -> Y^n) / n`` of the returned kernel (bits/letter).
    causality_violation
        Largest change of ``P(y^t | x^n)`` across ``x_{t+1}^n`` (0 for causal kernels).
    """

    distortion: float
    beta: float
    kernel: np.ndarray
    mutual_information: float
    directed_information: float
    causality_violation: float


def validate_source(source: Any, d: Any, D: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """Validate a joint pmf over ``X^n``, a distortion matrix with ``|X|`` rows and a budget ``D >= 0``."""
    src = as_joint_pmf(source, "source")
    d = as_float_array(d, "d", ndim=2)
    if np.any(d < 0):
        raise ValueError(f"d: distortions must be non-negative, smallest is {d.min():.3g}")
    nx = d.shape[0]
    if any(s != nx for s in src.shape):
        raise ValueError(f"source: every axis must have length |X| = {nx} (rows of d), got shape {src.shape}")
    if D is None:
        raise ValueError("D: a target distortion is required")
    return src, d, as_positive_float(D, "D", allow_zero=True)


def stage_distortions(d: np.ndarray, n: int) -> list[np.ndarray]:
    """``d_t(x^n, y^n) = d(x_t, y_t)`` as (|X|^n, |Y|^n) matrices."""
    nx, ny = d.shape
    out = []
    for t in range(n):
        xi = (np.arange(nx ** n) // nx ** (n - 1 - t)) % nx
        yi = (np.arange(ny ** n) // ny ** (n - 1 - t)) % ny
        out.append(d[np.ix_(xi, yi)])
    return out


def causality_violation(kernel: np.ndarray, nx: int, ny: int) -> float:
    """``max_t max |P(y^t | x^t, x_{t+1}^n) - P(y^t | x^t, x_{t+1}^n = 0)|`` of a kernel (|X|^n, |Y|^n)."""
    n = int(round(np.log(kernel.shape[0]) / np.log(nx)))
    worst = 0.0
    for t in range(1, n):
        M = kernel.reshape(nx ** t, nx ** (n - t), ny ** t, ny ** (n - t)).sum(axis=3)
        worst = max(worst, float(np.max(np.abs(M - M[:, :1, :]))))
    return worst


def kernel_stats(src: np.ndarray, kernel: np.ndarray, d: np.ndarray) -> dict[str, float]:
    """Per-letter distortion, ``I(X^n; Y^n)/n``, ``I(X^n -> Y^n)/n`` (bits) and causality violation."""
    nx, ny = d.shape
    n = src.ndim
    p = src.ravel()
    J = p[:, None] * kernel
    stages = stage_distortions(d, n)
    dist = float(sum(np.sum(J * s) for s in stages) / n)
    # joint over (x_1..x_n, y_1..y_n) -> DI with x axes 0..n-1, y axes n..2n-1
    Jt = J.reshape((nx,) * n + (ny,) * n)
    x, y = tuple(range(n)), tuple(range(n, 2 * n))
    mi = cmi(Jt, x, y, ())
    di = directed(Jt, x, y)
    return {"distortion": dist, "mi": mi / n, "di": di / n,
            "viol": causality_violation(kernel, nx, ny)}


def zero_rate_result(src: np.ndarray, d: np.ndarray) -> NRDFResult:
    """Y deterministic: y_t = argmin_y E d(X_t, y)."""
    nx, ny = d.shape
    n = src.ndim
    ys = [int(np.argmin(src.sum(axis=tuple(a for a in range(n) if a != t)) @ d)) for t in range(n)]
    K = np.zeros((nx ** n, ny ** n))
    K[:, int(np.ravel_multi_index(ys, (ny,) * n))] = 1.0
    st = kernel_stats(src, K, d)
    return NRDFResult(value=0.0, distortion=st["distortion"], beta=0.0, kernel=K, mutual_information=0.0,
                      directed_information=0.0, causality_violation=st["viol"], n_iter=0, status="zero_rate",
                      converged=True)


def limits(src: np.ndarray, d: np.ndarray, D: float) -> tuple[float, float]:
    """``(D_min, D_max)`` of the per-letter budget; raises when ``D < D_min`` (infeasible)."""
    n = src.ndim
    marg = [src.sum(axis=tuple(a for a in range(n) if a != t)) for t in range(n)]
    D_max = float(sum(float((m @ d).min()) for m in marg) / n)
    D_min = float(sum(float(m @ d.min(axis=1)) for m in marg) / n)
    if D < D_min - D_TOL:
        raise ValueError(f"D: below D_min = {D_min:.12g}; the problem is infeasible")
    return D_min, D_max


