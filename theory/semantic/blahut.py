"""Blahut-Arimoto at a fixed slope on finite alphabets, in the log domain, with Blahut's bounds.

The iteration and its certificate are described in :mod:`theory.semantic.rate_distortion`, which
drives it (bisection on the slope for a target distortion). Cost O(|X||Y|) per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp

from theory._info import channel_mutual_information
from theory._validate import InputTypeError, as_float_array, as_int, as_nonnegative, as_pmf, as_positive_float
from theory.semantic._squarem import squarem_point

#: Default stop: Blahut gap in nats.
GAP_TOL = 1e-13


@dataclass(frozen=True)
class BAState:
    """One Blahut-Arimoto solve at a fixed slope (nats): output law, channel and bounds (nats)."""

    q: np.ndarray
    channel: np.ndarray
    distortion: float
    upper: float
    lower_term: float  # -sum p ln Z - max ln c  (R_L = -beta D + lower_term)
    gap: float
    n_iter: int
    converged: bool


def validate_rd(p: Any, d: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a source pmf and a non-negative distortion matrix of shape (|X|, |Y|)."""
    p = as_pmf(p, "p")
    d = as_float_array(d, "d", ndim=2)
    if d.shape[0] != p.shape[0]:
        raise ValueError(f"d: expected {p.shape[0]} rows (one per source letter), got shape {d.shape}")
    if np.any(d < 0):
        raise ValueError(f"d: distortions must be non-negative, smallest is {d.min():.3g}")
    return p, d


def _ba_kernel(p: np.ndarray, K: np.ndarray, q0: np.ndarray, *, tol: float, max_iter: int,
               accelerate: bool) -> tuple[np.ndarray, int, bool]:
    """Iterate ``q <- q c`` with a precomputed (row-shifted) kernel until the Blahut gap < tol.

    Returns the final q, iterations and whether the gap criterion was met. With ``accelerate``
    a SQUAREM step (Varadhan & Roland 2008) extrapolates two BA steps, stepping back towards the
    plain double step until it stays positive, and is accepted only when it does not increase the
    Lagrangian ``-sum p ln Z``.
    """
    q = q0.copy()

    def step(q: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        Z = K @ q
        c = (p / Z) @ K
        lc = np.log(np.maximum(c, 1e-300))
        return q * c, float(np.max(lc) - np.dot(q * c, lc)), Z

    it = 0
    while it < max_iter:
        q1, gap, Z = step(q)
        it += 1
        if gap < tol:
            return q1 / q1.sum(), it, True
        if accelerate:
            q2, _, _ = step(q1)
            it += 1
            qx = squarem_point(q, q1, q2)
            if qx is not None:
                Zx = K @ qx
                if np.all(Zx > 0) and -np.dot(p, np.log(Zx)) <= -np.dot(p, np.log(K @ q2)):
                    q = qx
                    continue
            q = q2 / q2.sum()
        else:
            q = q1 / q1.sum()
    return q, it, False


def blahut_arimoto(p: Any, d: Any, beta: float, *, q0: Any = None, tol: float = GAP_TOL,
                   max_iter: int = 200_000, accelerate: bool = False, kernel: Any = None) -> BAState:
    """Blahut-Arimoto at slope ``beta`` (nats), vectorised, stopping on the Blahut gap.

    The row-shifted kernel ``exp(-beta (d - min_y d))`` is computed once; ``beta min_y d`` is added
    back into ``ln Z`` for the bounds. When a row of ``K q`` underflows the iteration falls back
    to log-sum-exp updates. ``kernel`` replaces ``exp(-beta d)`` (e.g. the 0/1 indicator of the
    distortion-minimising letters, the ``beta = inf`` limit). Cost O(|X||Y|) per iteration.

    Parameters
    ----------
    p
        Source pmf, shape (|X|,).
    d
        Non-negative distortion matrix, shape (|X|, |Y|).
    beta
        Slope, finite and >= 0 (``inf`` only together with ``kernel``).
    q0
        Initial output law, a pmf of shape (|Y|,) (default uniform).
    tol
        Blahut-gap tolerance (nats), > 0.
    max_iter
        Iteration cap, >= 1.
    accelerate
        SQUAREM extrapolation.
    kernel
        Optional non-negative (|X|, |Y|) kernel with a positive entry in every row.

    Raises
    ------
    ValueError
        Naming the argument, for a malformed input (a ``p`` that is not a pmf, a negative or
        mis-shaped ``d``, ...): unvalidated input gave a negative mutual information marked
        converged (``p = [0.9, 0.9]``: -0.468).
    """
    p, d = validate_rd(p, d)
    if kernel is None:
        b = as_positive_float(beta, "beta", allow_zero=True)
    else:
        try:
            b = float(beta)
        except (TypeError, ValueError):
            raise ValueError(f"beta: expected a number, got {beta!r}") from None
        if not b >= 0:
            raise ValueError(f"beta: must be >= 0 (inf allowed with a kernel), got {beta!r}")
        kernel = as_nonnegative(kernel, "kernel", ndim=2)
        if kernel.shape != d.shape:
            raise ValueError(f"kernel: expected the shape of d {d.shape}, got {kernel.shape}")
        if np.any(kernel.max(axis=1) <= 0):
            raise ValueError("kernel: every row needs a positive entry")
    if q0 is not None:
        q0 = as_pmf(q0, "q0", size=d.shape[1])
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    if not isinstance(accelerate, (bool, np.bool_)):
        raise InputTypeError(f"accelerate: expected a bool, got {type(accelerate).__name__}")
    return ba_solve(p, d, b, q0=q0, tol=tol, max_iter=max_iter, accelerate=bool(accelerate),
                           kernel=kernel)


def ba_solve(p: np.ndarray, d: np.ndarray, beta: float, *, q0: np.ndarray | None = None,
                    tol: float = GAP_TOL, max_iter: int = 200_000, accelerate: bool = False,
                    kernel: np.ndarray | None = None) -> BAState:
    """:func:`blahut_arimoto` on validated inputs (the solvers of this module call it directly)."""
    n, m = d.shape
    q = np.full(m, 1.0 / m) if q0 is None else np.asarray(q0, dtype=float)
    if kernel is None:
        shift = beta * d.min(axis=1)
        A = -(beta * d - shift[:, None])  # log of the row-shifted kernel, max 0 per row
        K = np.exp(A)
    else:
        shift = np.zeros(n)
        K = kernel
    use_log = kernel is None and bool(np.any(K @ q < 1e-250))
    if not use_log:
        q, it, ok = _ba_kernel(p, K, q, tol=tol, max_iter=max_iter, accelerate=accelerate)
        use_log = kernel is None and bool(np.any(K @ q < 1e-250))
    if use_log:
        q, it, ok = _ba_log(p, A, q, tol=tol, max_iter=max_iter)
        lq = np.log(np.maximum(q, 1e-300))
        lZs = logsumexp(A + lq[None, :], axis=1)
        W = np.exp(A + lq[None, :] - lZs[:, None])
        lc = logsumexp(A - lZs[:, None], b=p[:, None], axis=0)
    else:
        Zs = K @ q
        lZs = np.log(Zs)
        W = q[None, :] * K / Zs[:, None]
        lc = np.log(np.maximum((p / Zs) @ K, 1e-300))
    W = W / W.sum(axis=1, keepdims=True)
    out = p @ W
    dist = float(np.sum(p[:, None] * W * d))
    upper = channel_mutual_information(p, W, out)  # I(p, W) in nats
    lower_term = float(-np.dot(p, lZs - shift) - np.max(lc))
    r_lower = lower_term - (beta * dist if kernel is None else 0.0)
    return BAState(q=q, channel=W, distortion=dist, upper=upper, lower_term=lower_term,
                   gap=max(upper - r_lower, 0.0), n_iter=it, converged=ok)


def _ba_log(p: np.ndarray, A: np.ndarray, q: np.ndarray, *, tol: float,
            max_iter: int) -> tuple[np.ndarray, int, bool]:
    """Log-domain BA (log-sum-exp updates) for kernels ``exp(A)`` whose rows underflow."""
    lq = np.log(np.maximum(q, 1e-300))
    pm = p[:, None]
    for it in range(1, max_iter + 1):
        lZ = logsumexp(A + lq[None, :], axis=1)
        lc = logsumexp(A - lZ[:, None], b=pm, axis=0)
        qc = np.exp(lq + lc)
        gap = float(np.max(lc) - np.dot(qc, lc))
        lq = lq + lc
        lq = lq - logsumexp(lq)
        if gap < tol:
            return np.exp(lq), it, True
    return np.exp(lq), max_iter, False



def blahut_lower_term(p: np.ndarray, d: np.ndarray, beta: float, q: np.ndarray) -> float:
    """``-sum_x p ln Z - max_y ln c`` (nats) of Blahut's lower bound at output law ``q``."""
    A = -(beta * d - beta * d.min(axis=1, keepdims=True))
    lq = np.log(np.maximum(q, 1e-300))
    lZs = logsumexp(A + lq[None, :], axis=1)
    lc = logsumexp(A - lZs[:, None], b=p[:, None], axis=0)
    return float(-np.dot(p, lZs - beta * d.min(axis=1)) - np.max(lc))



def warm_start(q: np.ndarray) -> np.ndarray:
    """Return a strictly positive copy of the output law ``q`` (floor 1e-12), to warm-start BA."""
    q = np.maximum(q, 1e-12)
    return q / q.sum()


