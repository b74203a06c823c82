"""Semi-dual and dual objectives, their gradients, plan recovery and primal values."""

from __future__ import annotations

import numpy as np

from theory._validate import as_cost_matrix, as_float_array, as_int, as_nonnegative, as_positive_float
from theory.sparse_ot._problem import SparseOTProblem
from theory.sparse_ot.conjugates import ksupport_sq, sparse_simplex_rows, topk_last


def _problem(P: object) -> SparseOTProblem:
    """``P`` itself when it is a :class:`SparseOTProblem` (``TypeError`` naming ``P`` otherwise)."""
    if not isinstance(P, SparseOTProblem):
        raise TypeError("P: expected a SparseOTProblem built by sparse_ot_problem(a, b, C, k=..., "
                        f"gamma=...), got {type(P).__name__}")
    return P


def _potential(x: object, name: str, size: int) -> np.ndarray:
    """Return a finite float vector of length ``size`` (ValueError naming ``name`` otherwise)."""
    arr = as_float_array(x, name, ndim=1)
    if arr.shape[0] != size:
        raise ValueError(f"{name}: expected length {size}, got {arr.shape[0]}")
    return arr


def semi_dual_parts(alpha: np.ndarray, P: SparseOTProblem, k: int
                     ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate the semi-dual on the columns with ``b_j > 0``.

    Returns the value, gradient, kept indices (n+, K), kept plan values (n+, K) and thresholds (one per
    row, in the transposed layout).
    """
    a, b, gamma = P.a, P.b, P.gamma
    bp = b[b > 0]
    Xt = alpha[None, :] - P.Ct_pos  # row j: alpha - c_j
    idx, y, theta = sparse_simplex_rows(Xt, k, gamma * bp)
    t = y * bp[:, None]
    xk = np.take_along_axis(Xt, idx, axis=1)
    value = float(alpha @ a - np.sum(t * xk) + 0.5 * gamma * np.sum(t * t))
    rows = np.bincount(idx.ravel(), weights=t.ravel(), minlength=a.shape[0])
    return value, a - rows, idx, t, theta


def semi_dual_objective(alpha: np.ndarray, P: SparseOTProblem) -> tuple[float, np.ndarray]:
    """``S_k(alpha) = <alpha, a> - sum_j b_j M_{k, gamma b_j}(alpha - c_j)`` and its gradient ``a - T 1``.

    Columns with ``b_j = 0`` contribute 0. Cost O(mn + n k log k).
    """
    v, g, *_ = semi_dual_parts(_potential(alpha, "alpha", _problem(P).shape[0]), P, P.k)
    return v, g


def dual_objective(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """``D_k(alpha, beta) = <alpha,a> + <beta,b> - sum_j Omega_k^*(alpha + beta_j - c_j)``.

    Returns the value and the gradients ``a - T 1`` and ``b - T^T 1`` with
    ``T_ij = [s_ij]_+/gamma`` on the top-k entries of column ``s_j``. Cost O(mn + n k).
    """
    value, ga, gb, *_ = dual_parts(_potential(alpha, "alpha", _problem(P).shape[0]),
                                    _potential(beta, "beta", P.shape[1]), P)
    return value, ga, gb


def dual_parts(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem
                ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    St = alpha[None, :] + beta[:, None] - P.Ct  # row j: alpha + beta_j - c_j
    idx = topk_last(St, P.k)
    s = np.maximum(np.take_along_axis(St, idx, axis=1), 0.0)
    t = s / P.gamma
    value = float(alpha @ P.a + beta @ P.b - np.sum(s * s) / (2.0 * P.gamma))
    rows = np.bincount(idx.ravel(), weights=t.ravel(), minlength=P.a.shape[0])
    return value, P.a - rows, P.b - t.sum(axis=1), idx, t


def beta_from_alpha(alpha: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """Return the maximiser ``beta(alpha)`` of ``D(alpha, .)``: ``beta_j = -gamma b_j theta_j(alpha)``.

    ``theta_j`` is the threshold of ``P_{simplex,k}((alpha - c_j)/(gamma b_j))``; the top-k set of
    ``alpha + beta_j - c_j`` does not depend on ``beta_j``, hence ``S(alpha) = D(alpha, beta(alpha))``.
    For ``b_j = 0``: ``beta_j = min_i (c_ij - alpha_i)`` (column of zeros). Cost O(mn + n k log k).
    """
    alpha = _potential(alpha, "alpha", _problem(P).shape[0])
    pos = P.b > 0
    limit = np.min(P.C - alpha[:, None], axis=0)
    beta = limit.copy()
    if np.any(pos):
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: replaced just below
            *_, theta = semi_dual_parts(alpha, P, P.k)
            beta[pos] = -P.gamma * P.b[pos] * theta
        # gamma b_j so small (subnormal) that (alpha - c_j)/(gamma b_j) overflowed: the b_j -> 0
        # limit min_i (c_ij - alpha_i) is within gamma b_j of beta_j
        bad = ~np.isfinite(beta)
        beta[bad] = limit[bad]
    return beta


def scatter(idx: np.ndarray, t: np.ndarray, m: int, cols: np.ndarray, n: int) -> np.ndarray:
    """Plan (m, n) from kept entries in the transposed layout: ``T[idx[r, l], cols[r]] += t[r, l]``."""
    flat = idx * n + cols[:, None]
    return np.bincount(flat.ravel(), weights=t.ravel(), minlength=m * n).reshape(m, n)


def plan_from_semi_dual(alpha: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """``T[:, j] = b_j P_{simplex,k}((alpha - c_j)/(gamma b_j))`` (exact column sums). O(mn)."""
    m, n = _problem(P).shape
    *_, idx, t, _ = semi_dual_parts(_potential(alpha, "alpha", m), P, P.k)
    return scatter(idx, t, m, np.flatnonzero(P.b > 0), n)


def plan_from_dual(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """``T_ij = [alpha_i + beta_j - c_ij]_+/gamma`` on the k largest entries of each column. O(mn)."""
    m, n = _problem(P).shape
    *_, idx, t = dual_parts(_potential(alpha, "alpha", m), _potential(beta, "beta", n), P)
    return scatter(idx, t, m, np.arange(n), n)


def marginal_error(T: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float(max(np.max(np.abs(T.sum(axis=1) - a)), np.max(np.abs(T.sum(axis=0) - b))))


def objective_and_cost(T: np.ndarray, C: np.ndarray, gamma: float) -> tuple[float, float]:
    cost = float(np.sum(T * C))
    return cost + 0.5 * gamma * float(np.sum(T * T)), cost


def relaxed_primal_value(T: object, C: object, k: int, gamma: float) -> float:
    """``R(T) = <T, C> + (gamma/2) sum_j ||t_j||_{sp,k}^2``, the convex relaxation of ``P_k``.

    Its minimum over ``U(a, b)`` equals ``D_k`` (the biconjugate of the k-sparse regulariser is the
    squared k-support norm). For k-sparse columns it equals ``<T,C> + (gamma/2)||T||^2``.
    Cost O(mn log m).
    """
    T_ = as_nonnegative(T, "T", ndim=2)
    C_ = as_cost_matrix(C, "C", shape=T_.shape)
    g = as_positive_float(gamma, "gamma")
    kk = as_int(k, "k", min_value=1)
    return float(np.sum(T_ * C_) + 0.5 * g * sum(ksupport_sq(T_[:, j], kk) for j in range(T_.shape[1])))

