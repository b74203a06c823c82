"""Nesterov smoothing of the top-k selection in the dual, with continuation in the smoothing.

The dual conjugate ``Omega_k^*(s) = (1/(2 gamma)) sum_{i in topk(s)} [s_i]_+^2`` is a maximum over
the ``k``-subsets, hence nonsmooth where a column's k-th and (k+1)-th entries tie. Written as
``max_{0 <= w <= 1, sum w = k} <w, q>`` with ``q_i = [s_i]_+^2 / (2 gamma)`` and smoothed by
``-(mu/2)||w||^2`` (Nesterov, Math. Program. 2005) it becomes differentiable; the maximiser ``w``
is the projection of ``q / mu`` onto the capped simplex. Maximising the smoothed dual for a
decreasing sequence of ``mu`` walks around the kinks where L-BFGS and Newton stall; the exact
semi-dual ``S(alpha)`` of every stage's point is a valid lower bound on ``P_k``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from theory.sparse_ot._lbfgs import weak_wolfe_lbfgs
from theory.sparse_ot._objectives import semi_dual_objective
from theory.sparse_ot._problem import SparseOTProblem
from theory.sparse_ot.conjugates import topk_last as topk_last


def capped_simplex_rows(Z: np.ndarray, k: int) -> np.ndarray:
    """Row-wise projection onto ``{0 <= w <= 1, sum(w) = k}``: ``w = clip(Z - tau, 0, 1)``.

    ``f(tau) = sum_i clip(z_i - tau, 0, 1)`` is piecewise linear and nonincreasing with breakpoints
    ``z_i`` and ``z_i - 1``; it is evaluated at all 2m breakpoints of every row and ``tau`` found
    exactly by linear interpolation on the segment where ``f`` crosses k (for ``k < m``).
    O(n m^2) time and memory: used for small problems only (m n <= 2500).
    """
    n, m = Z.shape
    B = np.sort(np.concatenate([Z, Z - 1.0], axis=1), axis=1)  # (n, 2m) ascending
    F = np.clip(Z[:, None, :] - B[:, :, None], 0.0, 1.0).sum(axis=2)  # f at each breakpoint, descending
    F[:, 0] = m  # B_0 = min(z) - 1: exactly m (rounding may give m - 1 ulp)
    # last breakpoint with f >= k, and the next one (f < k there)
    idx = np.clip(np.sum(F >= k, axis=1) - 1, 0, 2 * m - 2)
    rows = np.arange(n)
    t0, t1 = B[rows, idx], B[rows, idx + 1]
    f0, f1 = F[rows, idx], F[rows, idx + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(f0 > f1, t0 + (f0 - k) * (t1 - t0) / (f0 - f1), t0)
    return np.clip(Z - tau[:, None], 0.0, 1.0)


def smoothed_dual(z: np.ndarray, P: SparseOTProblem, mu: float, width: int | None = None
                  ) -> tuple[float, np.ndarray]:
    """Evaluate the dual with the top-k selection smoothed.

    ``Omega_k^*(s) = max_{0<=w<=1, sum w = k} sum_i w_i q_i`` with ``q_i = [s_i]_+^2/(2 gamma)`` becomes
    ``max_w <w, q> - (mu/2)||w||^2``, a differentiable function with gradient ``w_i [s_i]_+/gamma``. It
    exceeds the true dual by at most ``n k mu/2``. With ``width`` (< m) only the ``width`` largest
    entries of every column take part (re-selected at every evaluation, O(mn + n width^2)): the
    other entries would get ``w_i = 0`` unless a column's ``width`` largest ``q_i`` are nearly
    tied, so the function is the smoothed dual up to that truncation, a search direction only
    (every value the solver reports is the exact ``S``).
    """
    m = P.a.shape[0]
    alpha, beta = z[:m], z[m:]
    St = alpha[None, :] + beta[:, None] - P.Ct
    if width is None or width >= m:
        pos = np.maximum(St, 0.0)
        Q = pos * pos / (2.0 * P.gamma)
        W = capped_simplex_rows(Q / mu, P.k)
        T = W * pos / P.gamma
        value = float(alpha @ P.a + beta @ P.b - np.sum(W * Q) + 0.5 * mu * np.sum(W * W))
        return value, np.concatenate([P.a - T.sum(axis=0), P.b - T.sum(axis=1)])
    idx = topk_last(St, width)
    pos = np.maximum(np.take_along_axis(St, idx, axis=1), 0.0)
    Q = pos * pos / (2.0 * P.gamma)
    W = capped_simplex_rows(Q / mu, P.k)
    T = W * pos / P.gamma
    value = float(alpha @ P.a + beta @ P.b - np.sum(W * Q) + 0.5 * mu * np.sum(W * W))
    rows = np.bincount(idx.ravel(), weights=T.ravel(), minlength=m)
    return value, np.concatenate([P.a - rows, P.b - T.sum(axis=1)])


def smoothing_continuation(P: SparseOTProblem, alpha: np.ndarray, beta: np.ndarray, tol: float,
                           max_iter: int, *, mus: Sequence[float], stage_iter: int = 1000,
                           width: int | None = None,
                           on_stage: Callable[[np.ndarray, float], bool] | None = None
                           ) -> tuple[np.ndarray, float, int, int]:
    """Maximise the smoothed dual for the decreasing ``mus``, each stage warm-started by the last.

    Nesterov smoothing with continuation: a stage runs our L-BFGS for at most ``stage_iter``
    iterations on :func:`smoothed_dual` (``width`` candidate rows per column). Returns the
    ``alpha`` with the largest exact semi-dual value ``S(alpha)`` seen after a stage, that value,
    the iterations and the evaluations of the smoothed dual. ``on_stage(alpha, S(alpha))`` is
    called after every stage (the caller's certificates); it returns True to stop.
    """
    m = P.a.shape[0]
    z = np.concatenate([alpha, beta])
    best_alpha, best = alpha, semi_dual_objective(alpha, P)[0]
    n_iter = n_eval = 0
    for mu in mus:
        if n_iter >= max_iter:
            break

        def neg(x: np.ndarray, mu: float = mu) -> tuple[float, np.ndarray]:
            v, g = smoothed_dual(x, P, mu, width)
            return -v, -g

        with np.errstate(over="ignore", invalid="ignore"):  # overflow: checked just below
            z_new, _, it, ev, _ = weak_wolfe_lbfgs(neg, z, tol, min(stage_iter, max_iter - n_iter), [])
        n_iter, n_eval = n_iter + it, n_eval + ev
        if not np.all(np.isfinite(z_new)):
            break  # [s]_+^2 / gamma overflowed (gamma tiny against the cost): keep the best point
        z = z_new
        value = semi_dual_objective(z[:m], P)[0]
        if value > best:
            best_alpha, best = z[:m].copy(), value
        if on_stage is not None and on_stage(z[:m].copy(), value):
            break
    return best_alpha, best, n_iter, n_eval
