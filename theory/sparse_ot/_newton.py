"""Semi-smooth Newton ascent for the semi-duals of (sparsity-constrained) quadratic OT.

Both the sparsity-constrained semi-dual ``S_k`` and the quadratic OT restricted to a support (the
certificate's polishing step) have, column by column, the plan ``t_j = b_j [v_j - theta_j]_+`` on
a kept set, with ``v_j = (alpha - c_j) / (gamma b_j)`` and ``theta_j`` the simplex threshold. On the
support ``S_j = {i : t_ij > 0}`` (``s_j = |S_j|`` entries) the derivative of ``t_j`` in ``alpha``
is ``(1/gamma)(I - 1 1^T / s_j)`` (independent of ``b_j``), so a generalised Hessian of ``-S`` is

    H = (1/gamma) sum_j (diag(1_{S_j}) - 1_{S_j} 1_{S_j}^T / s_j),

the Laplacian of a graph on the rows (a clique of weight ``1/(gamma s_j)`` per column). It is
applied in O(n K) for K kept entries per column, never formed. One Newton step solves
``(H + D + mu diag(H + D)) d = grad`` by preconditioned conjugate gradients (a sparse direct
solve when they stall), where ``D`` lifts the
curvature of rows served by no column to ``1/(2 gamma)`` (about that of a row entering one column:
without it their step ``grad_i / mu`` is unbounded) and ``mu`` is a Levenberg-Marquardt damping,
divided by 3 after a full step and doubled after a shortened one; a backtracking (Armijo) line
search on the exact objective keeps the ascent monotone. This is the semi-smooth Newton method of
Lorenz, Manns and Meyer (Appl. Math. Optim. 2021) for quadratically regularised OT, applied to the
k-sparse semi-dual where its pieces (the top-k sets) are fixed; near a differentiable optimum it
identifies the supports and converges in a few steps. At a kink (``P_k > D_k``, or a tie between
the k-th and (k+1)-th entry of a column) it stalls, which the caller detects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix, diags
from scipy.sparse.linalg import spsolve

#: A step of Newton from ``alpha``: value, gradient, kept row indices (n, K), kept plan values (n, K).
Parts = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray, np.ndarray]]

#: Curvature given to rows outside every support, in units of ``1 / gamma``.
ISOLATED_CURVATURE = 0.5

#: Relative residual at which conjugate gradients stop, and their iteration cap.
CG_RTOL, CG_MAX_ITER = 1e-3, 200

#: Shortest step of the backtracking line search.
MIN_STEP = 2.0 ** -30


@dataclass
class NewtonRun:
    """Outcome of :func:`newton_ascent`: the point, its value and gradient norm, and the counts."""

    x: np.ndarray
    value: float
    grad_norm: float
    n_iter: int
    n_eval: int
    status: str
    trace: list[float]


def hessian(idx: np.ndarray, t: np.ndarray, m: int, gamma: float
            ) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
    """Return the product ``v -> H v`` and the diagonal of the generalised Hessian ``H`` (module docstring).

    ``idx`` (n, K) are the kept rows of every column and ``t`` (n, K) the plan there; the support is
    ``t > 0``. O(n K) per product.
    """
    sup = t > 0
    s = sup.sum(axis=1).astype(np.float64)
    inv_s = np.where(s > 0, 1.0 / np.maximum(s, 1.0), 0.0)
    flat = idx.ravel()
    diag = np.bincount(flat, weights=(sup * (1.0 - inv_s[:, None])).ravel(), minlength=m) / gamma

    def product(v: np.ndarray) -> np.ndarray:
        vk = v[idx]
        mean = np.sum(vk * sup, axis=1) * inv_s
        return np.bincount(flat, weights=(sup * (vk - mean[:, None])).ravel(), minlength=m) / gamma

    return product, diag


def _shifted(product: Callable[[np.ndarray], np.ndarray], shift: np.ndarray
             ) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``v -> product(v) + shift * v``."""
    return lambda v: product(v) + shift * v


def hessian_matrix(idx: np.ndarray, t: np.ndarray, m: int, gamma: float) -> csr_matrix:
    """Return the generalised Hessian ``H`` of :func:`hessian` as a sparse (m, m) matrix.

    ``sum_j s_j^2`` stored entries before summation; used when conjugate gradients stall on an
    ill-conditioned ``H`` (long chains of rows, condition number ~ m^2).
    """
    sup = t > 0
    s = sup.sum(axis=1)
    inv_s = np.where(s > 0, 1.0 / np.maximum(s, 1), 0.0)
    pair = sup[:, :, None] & sup[:, None, :]
    K = idx.shape[1]
    w = np.where(np.eye(K, dtype=bool)[None], 1.0, 0.0) - inv_s[:, None, None]
    rows = np.broadcast_to(idx[:, :, None], pair.shape)[pair]
    cols = np.broadcast_to(idx[:, None, :], pair.shape)[pair]
    return coo_matrix((w[pair] / gamma, (rows, cols)), shape=(m, m)).tocsr()


def _pcg(product: Callable[[np.ndarray], np.ndarray], diag: np.ndarray, rhs: np.ndarray
         ) -> tuple[np.ndarray, bool]:
    """Solve ``A x = rhs`` (``A`` symmetric positive definite, ``diag`` its diagonal) by Jacobi-PCG.

    Returns the solution and whether the relative residual reached ``CG_RTOL``.
    """
    x = np.zeros_like(rhs)
    r = rhs.copy()
    inv = 1.0 / diag
    z = inv * r
    p = z.copy()
    rz = float(r @ z)
    stop = CG_RTOL * float(np.linalg.norm(rhs))
    for _ in range(CG_MAX_ITER):
        Ap = product(p)
        pAp = float(p @ Ap)
        if pAp <= 0.0:
            break
        step = rz / pAp
        x += step * p
        r -= step * Ap
        if float(np.linalg.norm(r)) <= stop:
            return x, True
        z = inv * r
        rz_new = float(r @ z)
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x, False


def newton_ascent(parts: Parts, x0: np.ndarray, gamma: float, *, tol: float, max_iter: int,
                  ftol: float = 0.0, window: int = 10) -> NewtonRun:
    """Maximise a concave piecewise-quadratic semi-dual by damped semi-smooth Newton steps.

    ``parts(x)`` returns the value, the gradient ``a - T 1`` and the kept entries ``(idx, t)`` of
    the plan ``T(x)``. Stops with ``status="converged"`` at ``||grad||_inf <= tol``, ``"stalled"``
    when the line search finds no ascent or the last ``window`` steps gained at most ``ftol``
    together (a kink), ``"max_iter"`` otherwise. Cost per iteration: one or more evaluations of
    ``parts`` plus at most ``CG_MAX_ITER`` products with ``H`` (O(n K) each).
    """
    x = np.asarray(x0, dtype=np.float64).copy()
    m = x.shape[0]
    value, g, idx, t = parts(x)
    n_eval, trace = 1, [value]
    mu, status, it = 1e-3, "max_iter", 0
    floor = ISOLATED_CURVATURE / gamma
    while it < max_iter:
        if float(np.max(np.abs(g))) <= tol:
            status = "converged"
            break
        product, diag = hessian(idx, t, m, gamma)
        lift = np.maximum(0.0, floor - diag)
        full = diag + lift
        damp = mu * full
        d, solved = _pcg(_shifted(product, lift + damp), full + damp, g)
        if not solved:  # ill-conditioned: a sparse direct solve
            A = hessian_matrix(idx, t, m, gamma) + diags(lift + damp)
            d = np.asarray(spsolve(A.tocsc(), g), dtype=np.float64)
            if not np.all(np.isfinite(d)):
                d = g / (full + damp)
        slope = float(g @ d)
        step = 1.0
        while step >= MIN_STEP:
            xn = x + step * d
            vn, gn, idxn, tn = parts(xn)
            n_eval += 1
            if np.isfinite(vn) and vn >= value + 1e-4 * step * slope:
                break
            step *= 0.5
        it += 1
        if step < MIN_STEP:
            status = "stalled"
            break
        mu = mu / 3.0 if step == 1.0 else min(mu * 2.0, 1e6)
        x, value, g, idx, t = xn, vn, gn, idxn, tn
        trace.append(value)
        if len(trace) > window and trace[-1] - trace[-1 - window] <= ftol:
            status = "stalled"
            break
    return NewtonRun(x, value, float(np.max(np.abs(g))), it, n_eval, status, trace)
