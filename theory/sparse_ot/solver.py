"""Sparsity-constrained optimal transport: semi-dual and dual solvers, plan recovery, polishing.

Problem (Liu, Puigcerver, Blondel, "Sparsity-Constrained Optimal Transport", ICLR 2023)::

    P_k = min_{T in U(a, b)} <T, C> + (gamma/2) ||T||_F^2   s.t.  ||t_j||_0 <= k  for every column j

with ``U(a, b) = {T >= 0 : T 1 = a, T^T 1 = b}``. The primal is nonconvex; its two duals are convex::

    D_k = max_{alpha, beta} <alpha, a> + <beta, b> - sum_j Omega_k^*(alpha + beta_j 1 - c_j)
    S_k = max_alpha <alpha, a> - sum_j b_j M_{k, gamma b_j}(alpha - c_j)

and ``S(alpha) = D(alpha, beta(alpha))`` exactly with ``beta_j(alpha) = -gamma b_j theta_j(alpha)``
(``theta_j`` the threshold of the sparse simplex projection), so ``S_k = D_k``. Both equal the
relaxation ``R_k = min_{T in U} <T, C> + (gamma/2) sum_j ||t_j||_{sp,k}^2 <= P_k``. Plans are the
gradient maps of the conjugates; they have at most k nonzeros per column by construction.

Everything here is numpy/scipy: per-column top-k by ``argpartition``, analytic gradients,
L-BFGS-B (scipy) on the negated objective. POT is used only for the exact-OT warm start at k = 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import ot
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from theory._validate import (
    as_choice,
    as_cost_matrix,
    as_float_array,
    as_int,
    as_nonnegative,
    as_positive_float,
)
from theory.sparse_ot.conjugates import _topk_last, ksupport_sq, sparse_simplex_rows

#: Relative tolerance on ``|sum(a) - sum(b)|``.
MASS_RTOL = 1e-9

FORMULATIONS = ("semi-dual", "dual")

#: Largest m * n for the smoothing-continuation finish of stalled runs.
_SMOOTH_MAX_SIZE = 2500

#: Rounds of (dual L-BFGS, exact beta update) for ``formulation="dual"``.
_DUAL_ROUNDS = 10
SPARSITIES = ("column", "row")


# --------------------------------------------------------------------------------------------------
# Problem and results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SparseOTProblem:
    """A validated column-sparse problem: marginals ``a`` (m,), ``b`` (n,), cost ``C`` (m, n),
    sparsity ``k`` (already clipped to ``m``) and regularisation ``gamma > 0``."""

    a: np.ndarray
    b: np.ndarray
    C: np.ndarray
    k: int
    gamma: float
    #: ``C^T`` restricted to the columns with ``b_j > 0``, C-contiguous (one plan column per row).
    Ct_pos: np.ndarray = field(init=False, repr=False, compare=False)
    #: ``C^T``, C-contiguous.
    Ct: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        Ct = np.ascontiguousarray(self.C.T)
        pos = self.b > 0
        object.__setattr__(self, "Ct", Ct)
        object.__setattr__(self, "Ct_pos", Ct if np.all(pos) else np.ascontiguousarray(Ct[pos]))

    @property
    def shape(self) -> tuple[int, int]:
        return self.C.shape


def sparse_ot_problem(a: object, b: object, C: object, *, k: int | None, gamma: float) -> SparseOTProblem:
    """Validate ``(a, b, C, k, gamma)`` once at the boundary; ``k=None`` means unconstrained.

    Raises
    ------
    ValueError
        For non-finite or negative marginals, unequal totals (relative ``1e-9``; nothing is
        renormalised), a zero total mass, a cost that is not finite or not of shape (m, n),
        ``k < 1`` or ``gamma <= 0``.
    """
    a_ = as_nonnegative(a, "a", ndim=1)
    b_ = as_nonnegative(b, "b", ndim=1)
    C_ = as_cost_matrix(C, "C", shape=(a_.shape[0], b_.shape[0]))
    sa, sb = float(a_.sum()), float(b_.sum())
    if sa <= 0:
        raise ValueError("a: total mass must be positive, got 0")
    if abs(sa - sb) > MASS_RTOL * max(sa, sb):
        raise ValueError(f"a, b: total masses must be equal (relative 1e-9), got sum(a)={sa!r}, "
                         f"sum(b)={sb!r}; rescale one of them")
    m = a_.shape[0]
    kk = m if k is None else min(as_int(k, "k", min_value=1), m)
    g = as_positive_float(gamma, "gamma")
    return SparseOTProblem(a_, b_, C_, kk, g)


@dataclass(frozen=True)
class QuadraticOTResult:
    """Quadratically-regularised OT: ``min_{T in U(a,b)} <T,C> + (gamma/2)||T||_F^2``.

    ``value`` is the semi-dual value at ``alpha`` (a lower bound, equal to the optimum at
    convergence); ``primal_value`` the objective of ``plan``.
    """

    value: float
    plan: np.ndarray
    primal_value: float
    alpha: np.ndarray
    beta: np.ndarray
    marginal_error: float
    converged: bool
    n_iter: int
    status: str
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def solution(self) -> np.ndarray:
        return self.plan

    @property
    def iterations(self) -> int:
        return self.n_iter


@dataclass(frozen=True)
class SparseOTResult:
    """Result of :func:`solve_sparse_ot`.

    Attributes
    ----------
    plan
        Recovered plan (gradient map of the conjugate): at most k nonzeros per column (per row for
        ``sparsity="row"``); the semi-dual plan has exact column sums, its row sums equal ``a``
        only at a differentiable optimum (no duality gap).
    value
        Dual value ``D_k`` at the returned potentials (semi-dual: ``S(alpha)``); any iterate gives a
        valid lower bound on ``P_k``.
    primal_value
        ``<T, C> + (gamma/2)||T||_F^2`` of ``plan``: an upper bound on ``P_k`` only when
        ``marginal_error`` is ~0 (it may lie below ``value`` in gap cases).
    transport_cost
        ``<T, C>``.
    alpha, beta
        Potentials of ``a`` (length m) and ``b`` (length n); semi-dual: ``beta = beta(alpha)``.
    marginal_error
        ``max(||T 1 - a||_inf, ||T^T 1 - b||_inf)``.
    converged, status, n_iter
        Whether the L-BFGS-B stopping test was met; ``status`` one of ``"converged"``,
        ``"exact-warm-start"`` (k = 1: exact OT potentials are optimal), ``"max_iter"``,
        ``"stalled"`` (no further progress of the nonsmooth maximiser: typical at a kink; check the
        duality gap), ``"smoothed"`` (a stalled run on a small problem, m n <= 2500, finished by
        smoothing the top-k selection with continuation, which raised the exact value),
        ``"exact-qot"``; iterations summed over all phases.
    polished_value, polished_plan
        With ``polish=True``: the QP ``min <T,C> + (gamma/2)||T||^2`` over ``U(a, b)`` restricted to
        the support of ``plan``: a feasible k-sparse plan, hence ``polished_value >= P_k >= value``.
        ``inf``/``None`` when that support cannot carry the marginals; ``None``/``None`` without
        polishing.
    diagnostics
        ``n_eval`` (objective evaluations), ``restarts``, ``trace`` (objective value at every
        evaluation; a smoothing finish appends its final exact value), ``n_eval_smoothing``
        (evaluations of the smoothed dual, small stalled problems), ``gap_bound``
        (``polished_value - value`` when polished).
    """

    plan: np.ndarray
    value: float
    primal_value: float
    transport_cost: float
    alpha: np.ndarray
    beta: np.ndarray
    marginal_error: float
    converged: bool
    n_iter: int
    polished_value: float | None
    polished_plan: np.ndarray | None
    status: str
    k: int
    gamma: float
    formulation: str
    sparsity: str
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def solution(self) -> np.ndarray:
        return self.plan

    @property
    def iterations(self) -> int:
        return self.n_iter


# --------------------------------------------------------------------------------------------------
# Objectives (column-sparse problem, validated inputs)
# --------------------------------------------------------------------------------------------------


def _semi_dual_parts(alpha: np.ndarray, P: SparseOTProblem, k: int
                     ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Semi-dual value, gradient, kept indices (n+, K), kept plan values (n+, K) and thresholds for
    the columns with ``b_j > 0`` (one per row, in the transposed layout)."""
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
    v, g, *_ = _semi_dual_parts(np.asarray(alpha, dtype=np.float64), P, P.k)
    return v, g


def dual_objective(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem
                   ) -> tuple[float, np.ndarray, np.ndarray]:
    """``D_k(alpha, beta) = <alpha,a> + <beta,b> - sum_j Omega_k^*(alpha + beta_j - c_j)``.

    Returns the value and the gradients ``a - T 1`` and ``b - T^T 1`` with
    ``T_ij = [s_ij]_+/gamma`` on the top-k entries of column ``s_j``. Cost O(mn + n k).
    """
    value, ga, gb, *_ = _dual_parts(np.asarray(alpha, float), np.asarray(beta, float), P)
    return value, ga, gb


def _dual_parts(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem
                ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    St = alpha[None, :] + beta[:, None] - P.Ct  # row j: alpha + beta_j - c_j
    idx = _topk_last(St, P.k)
    s = np.maximum(np.take_along_axis(St, idx, axis=1), 0.0)
    t = s / P.gamma
    value = float(alpha @ P.a + beta @ P.b - np.sum(s * s) / (2.0 * P.gamma))
    rows = np.bincount(idx.ravel(), weights=t.ravel(), minlength=P.a.shape[0])
    return value, P.a - rows, P.b - t.sum(axis=1), idx, t


def beta_from_alpha(alpha: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """The maximiser ``beta(alpha)`` of ``D(alpha, .)``: ``beta_j = -gamma b_j theta_j(alpha)``.

    ``theta_j`` is the threshold of ``P_{simplex,k}((alpha - c_j)/(gamma b_j))``; the top-k set of
    ``alpha + beta_j - c_j`` does not depend on ``beta_j``, hence ``S(alpha) = D(alpha, beta(alpha))``.
    For ``b_j = 0``: ``beta_j = min_i (c_ij - alpha_i)`` (column of zeros). Cost O(mn + n k log k).
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    pos = P.b > 0
    beta = np.min(P.C - alpha[:, None], axis=0)
    if np.any(pos):
        *_, theta = _semi_dual_parts(alpha, P, P.k)
        beta[pos] = -P.gamma * P.b[pos] * theta
    return beta


def _scatter(idx: np.ndarray, t: np.ndarray, m: int, cols: np.ndarray, n: int) -> np.ndarray:
    """Plan (m, n) from kept entries in the transposed layout: ``T[idx[r, l], cols[r]] += t[r, l]``."""
    flat = idx * n + cols[:, None]
    return np.bincount(flat.ravel(), weights=t.ravel(), minlength=m * n).reshape(m, n)


def plan_from_semi_dual(alpha: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """``T[:, j] = b_j P_{simplex,k}((alpha - c_j)/(gamma b_j))`` (exact column sums). O(mn)."""
    m, n = P.shape
    *_, idx, t, _ = _semi_dual_parts(np.asarray(alpha, float), P, P.k)
    return _scatter(idx, t, m, np.flatnonzero(P.b > 0), n)


def plan_from_dual(alpha: np.ndarray, beta: np.ndarray, P: SparseOTProblem) -> np.ndarray:
    """``T_ij = [alpha_i + beta_j - c_ij]_+/gamma`` on the k largest entries of each column. O(mn)."""
    m, n = P.shape
    *_, idx, t = _dual_parts(np.asarray(alpha, float), np.asarray(beta, float), P)
    return _scatter(idx, t, m, np.arange(n), n)


def _marginal_error(T: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float(max(np.max(np.abs(T.sum(axis=1) - a)), np.max(np.abs(T.sum(axis=0) - b))))


def _primal(T: np.ndarray, C: np.ndarray, gamma: float) -> tuple[float, float]:
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


# --------------------------------------------------------------------------------------------------
# L-BFGS-B driver
# --------------------------------------------------------------------------------------------------


@dataclass
class _Run:
    x: np.ndarray
    value: float
    n_iter: int
    n_eval: int
    restarts: int
    status: str
    trace: list[float]


def _weak_wolfe_lbfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray,
                      tol: float, max_iter: int, trace: list[float], memory: int = 20,
                      window: int = 50) -> tuple[np.ndarray, float, int, int, str]:
    """L-BFGS with a weak-Wolfe bracketing line search, for minimising a convex nonsmooth ``fun``.

    The weak-Wolfe search (Armijo ``c1 = 1e-4``, curvature ``c2 = 0.9``; expand by 2, else bisect)
    suits piecewise-smooth objectives where strong-Wolfe searches fail at kinks (Lewis and
    Overton, Math. Program. 2013). Stops at ``||grad||_inf <= tol`` (``"converged"``), at a line
    search that finds no admissible step or an objective that decreased by at most
    ``tol * max(1, |f|)`` over the last ``window`` iterations (``"stalled"``: typically at a kink
    near the optimum), or at ``max_iter``. Returns ``(x, f, iterations, evaluations, status)``.
    """
    f, g = fun(x)
    n_eval = 1
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    status = "max_iter"
    it = 0
    history = [f]
    while it < max_iter:
        if np.max(np.abs(g)) <= tol:
            status = "converged"
            break
        q = g.copy()
        coefs = []
        for s, y in zip(reversed(S), reversed(Y)):
            rho = 1.0 / (y @ s)
            c = rho * (s @ q)
            q -= c * y
            coefs.append((c, rho, s, y))
        q *= (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if S else 1.0 / max(float(np.max(np.abs(g))), 1e-300)
        for c, rho, s, y in reversed(coefs):
            q += s * (c - rho * (y @ q))
        d = -q
        gd = float(g @ d)
        if gd >= 0:
            S.clear()
            Y.clear()
            d = -g
            gd = float(g @ d)
        lo, hi, t = 0.0, np.inf, 1.0
        accepted = False
        for _ in range(80):
            xn = x + t * d
            fn, gn = fun(xn)
            n_eval += 1
            if fn > f + 1e-4 * t * gd:
                hi = t
            elif gn @ d < 0.9 * gd:
                lo = t
            else:
                accepted = True
                break
            t = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * t
        it += 1
        if not accepted:
            status = "stalled"
            if lo > 0:  # an Armijo point was found: keep it
                x = x + lo * d
                f, g = fun(x)
            break
        s_, y_ = xn - x, gn - g
        x, f, g = xn, fn, gn
        history.append(f)
        if len(history) > window and history[-window - 1] - f <= tol * max(1.0, abs(f)):
            status = "stalled"
            break
        if s_ @ y_ > 1e-12 * np.linalg.norm(s_) * np.linalg.norm(y_):
            S.append(s_)
            Y.append(y_)
            if len(S) > memory:
                S.pop(0)
                Y.pop(0)
    return x, f, it, n_eval, status


def _maximize(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, *, tol: float,
              max_iter: int, finish: bool = True) -> _Run:
    """Maximise a concave, possibly nonsmooth ``fun`` (value, gradient) with L-BFGS.

    Phase 1: :func:`_weak_wolfe_lbfgs` on ``-fun`` from ``x0``. Phase 2, unless phase 1 met the
    gradient test ``||grad||_inf <= tol`` or ``finish=False`` (warm starts): the same from the best
    point, slightly perturbed (fixed seed, relative ``1e-9``) and with a fresh memory, so that
    exact ties (symmetric instances) do not leave a non-ascent subgradient. ``max_iter`` bounds
    the iterations of both phases together. The best point seen is returned; ``status`` is
    ``"converged"`` only for the gradient test.

    The L-BFGS is ours (numpy only): scipy's L-BFGS-B spends milliseconds per iteration in
    multithreaded BLAS calls on a loaded machine, far more than one evaluation of small problems.
    """
    trace: list[float] = []

    def neg(x: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = fun(x)
        trace.append(v)
        return -v, -g

    x = np.asarray(x0, dtype=np.float64).copy()
    best_x, best_f, n_iter, n_eval, status = _weak_wolfe_lbfgs(neg, x, tol, max_iter, trace)
    if status != "stalled" or not finish:
        return _Run(best_x, -best_f, n_iter, n_eval, 0, status, trace)
    jitter = np.random.default_rng(0).standard_normal(x.shape[0])
    start = best_x + 1e-9 * (1.0 + float(np.max(np.abs(best_x)))) * jitter
    x2, f2, it2, ev2, status = _weak_wolfe_lbfgs(neg, start, tol, max(max_iter - n_iter, 1), trace)
    n_iter, n_eval = n_iter + it2, n_eval + ev2
    if f2 < best_f:
        best_x, best_f = x2, f2
    return _Run(best_x, -best_f, n_iter, n_eval, 1, status, trace)


# --------------------------------------------------------------------------------------------------
# Quadratic OT (the k-free reference) and exact OT potentials
# --------------------------------------------------------------------------------------------------


def _qot(P: SparseOTProblem, tol: float, max_iter: int, finish: bool = True) -> _Run:
    Pm = replace(P, k=P.a.shape[0])
    return _maximize(lambda x: semi_dual_objective(x, Pm), np.zeros(P.a.shape[0]), tol=tol,
                     max_iter=max_iter, finish=finish)


def quadratic_ot(a: object, b: object, C: object, *, gamma: float, tol: float = 1e-10,
                 max_iter: int = 10000) -> QuadraticOTResult:
    """Quadratically-regularised OT ``min_{T in U(a,b)} <T,C> + (gamma/2)||T||_F^2`` (Blondel, Seguy,
    Rolet, AISTATS 2018), solved by its smooth semi-dual with the full simplex projection.

    ``S(alpha) = <alpha,a> - sum_j b_j M_{gamma b_j}(alpha - c_j)`` has a ``(n/gamma)``-Lipschitz
    gradient ``a - T 1``; ``T[:, j] = b_j P_simplex((alpha - c_j)/(gamma b_j))``. L-BFGS-B from
    ``alpha = 0`` with ``ftol = gtol = tol``. One evaluation costs O(mn) when the columns of the plan
    have at most 16 nonzeros (a partial selection is checked exactly), O(mn log m) otherwise.

    Parameters
    ----------
    a, b
        Non-negative marginals with equal totals (need not sum to 1).
    C
        Cost matrix (m, n), any finite reals.
    gamma
        Regularisation ``> 0`` (multiplies the quadratic, as in POT).
    tol, max_iter
        L-BFGS-B tolerances and iteration budget.
    """
    P = sparse_ot_problem(a, b, C, k=None, gamma=gamma)
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    run = _qot(P, tol, max_iter)
    T = plan_from_semi_dual(run.x, P)
    pv, _ = _primal(T, P.C, P.gamma)
    return QuadraticOTResult(run.value, T, pv, run.x, beta_from_alpha(run.x, P),
                             _marginal_error(T, P.a, P.b), run.status == "converged", run.n_iter,
                             run.status, {"n_eval": run.n_eval, "restarts": run.restarts})


def _ot_potentials(P: SparseOTProblem) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact OT: ``(alpha, T_emd)`` with ``alpha`` optimal for the OT semi-dual, or None on failure.

    ``alpha_i = min_{j: b_j > 0} (c_ij - v_j)`` (the c-transform of POT's column potential),
    which keeps the potentials feasible and tight on the emd support, also for zero-mass rows.
    """
    T, log = ot.emd(P.a, P.b, P.C, numItermax=10_000_000, log=True)
    if int(log.get("result_code", 0)) != 1:
        return None
    pos = P.b > 0
    v = np.asarray(log["v"], dtype=np.float64)
    alpha = np.min(P.C[:, pos] - v[pos][None, :], axis=1)
    return alpha, np.asarray(T)


# --------------------------------------------------------------------------------------------------
# Polishing
# --------------------------------------------------------------------------------------------------


def _support_feasible(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> bool:
    """Whether some ``T >= 0`` supported on ``mask`` has marginals ``(a, b)`` (LP, HiGHS)."""
    rows, cols = np.nonzero(mask)
    nnz = rows.size
    if nnz == 0:
        return False
    m, n = mask.shape
    e = np.ones(nnz)
    A = vstack([coo_matrix((e, (rows, np.arange(nnz))), shape=(m, nnz)),
                coo_matrix((e, (cols, np.arange(nnz))), shape=(n, nnz))]).tocsr()
    res = linprog(np.zeros(nnz), A_eq=A, b_eq=np.concatenate([a, b]),  # type: ignore[call-overload]
                  bounds=(0, None), method="highs")
    return bool(res.status == 0)


def polish_on_support(a: object, b: object, C: object, gamma: float, mask: object, *,
                      tol: float = 1e-12, max_iter: int = 10000) -> tuple[float, np.ndarray | None]:
    """Quadratic OT restricted to a support: ``min <T,C> + (gamma/2)||T||^2``, ``T in U(a,b)``,
    ``T = 0`` off ``mask``.

    Feasibility is decided first by an LP (HiGHS); then the masked smooth semi-dual is maximised
    (entries off the mask are lowered by 2 below the column maximum of ``(alpha - c_j)/(gamma b_j)``
    on the mask, so the projection never gives them mass). A k-sparse mask yields a feasible
    k-sparse plan, so the value is an upper bound on ``P_k``. Returns ``(inf, None)`` when the
    support cannot carry the marginals. Cost: one LP plus O(mn log m) per evaluation.
    """
    P = sparse_ot_problem(a, b, C, k=None, gamma=gamma)
    M = np.asarray(mask, dtype=bool)
    if M.shape != P.shape:
        raise ValueError(f"mask: expected shape {P.shape}, got {M.shape}")
    pos = P.b > 0
    if not _support_feasible(P.a, P.b, M):
        return float("inf"), None
    m, n = P.shape
    Mt = np.ascontiguousarray(M[:, pos].T)
    bp = P.b[pos]
    cols = np.flatnonzero(pos)

    def parts(alpha: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        Xt = alpha[None, :] - P.Ct_pos
        V = Xt / (P.gamma * bp[:, None])
        top = np.max(np.where(Mt, V, -np.inf), axis=1)
        V = np.where(Mt, V, top[:, None] - 2.0)
        idx, y, _ = sparse_simplex_rows(V, m)
        t = y * bp[:, None]
        xk = np.take_along_axis(Xt, idx, axis=1)
        value = float(alpha @ P.a - np.sum(t * xk) + 0.5 * P.gamma * np.sum(t * t))
        rows = np.bincount(idx.ravel(), weights=t.ravel(), minlength=m)
        return value, P.a - rows, idx, t

    run = _maximize(lambda x: parts(x)[:2], np.zeros(m), tol=tol, max_iter=max_iter)
    _, _, idx, t = parts(run.x)
    T = _scatter(idx, t, m, cols, n)
    value, _ = _primal(T, P.C, P.gamma)
    return value, T


# --------------------------------------------------------------------------------------------------
# The solver
# --------------------------------------------------------------------------------------------------


def solve_sparse_ot(a: object, b: object, C: object, *, k: int, gamma: float,
                    formulation: str = "semi-dual", sparsity: str = "column", polish: bool = False,
                    tol: float = 1e-10, max_iter: int = 10000, warm_start: bool = True,
                    alpha_init: object | None = None) -> SparseOTResult:
    """Sparsity-constrained OT: at most ``k`` nonzeros per column (or row) of the plan.

    Maximises the semi-dual ``S_k(alpha)`` or the dual ``D_k(alpha, beta)`` (both convex, equal
    optima, nonsmooth for ``k < m``) with L-BFGS-B and analytic gradients (the dual alternates joint
    L-BFGS steps with the exact update ``beta <- beta(alpha)`` and, if it has not met the gradient
    test, is finished by the semi-dual from its ``alpha``), then recovers the plan
    as the gradient map (Liu, Puigcerver, Blondel, ICLR 2023). ``D_k = S_k = R_k <= P_k`` where
    ``R_k`` is the k-support-norm relaxation; the gap is zero iff ``R_k`` has a k-sparse
    minimiser, and then (at a differentiable optimum) the recovered plan is feasible and optimal.

    Parameters
    ----------
    a, b
        Non-negative marginals (m,), (n,) with equal totals; they need not sum to 1.
    C
        Cost matrix (m, n), any finite reals (negative costs allowed).
    k
        Maximum nonzeros per column (``sparsity="column"``) or per row; clipped to m (n).
        ``k >= m`` is exactly quadratically-regularised OT.
    gamma
        ``> 0``; the regulariser is ``(gamma/2)||T||_F^2``.
    formulation
        ``"semi-dual"`` (default) or ``"dual"``.
    sparsity
        ``"column"`` or ``"row"`` (solves the column problem on ``(b, a, C^T)`` and transposes).
    polish
        Also re-solve the quadratic OT on the recovered support (:func:`polish_on_support`): a
        feasible k-sparse plan and the certificate ``value <= P_k <= polished_value``.
    tol, max_iter
        L-BFGS-B ``ftol = gtol = tol`` and iteration budget (summed over restarts).
    warm_start
        Start at exact-OT potentials for ``k = 1`` (optimal: then no iterations are run); for
        ``1 < k < m`` at whichever of the quadratic-OT semi-dual solution (L-BFGS with a quarter of
        ``max_iter``) and the exact-OT potentials has the larger ``S_k``; ``False`` starts at
        ``alpha = 0``, which can stall on ties.
    alpha_init
        Explicit starting ``alpha`` (length m, or n for rows); overrides ``warm_start``.

    Returns
    -------
    SparseOTResult

    Notes
    -----
    One evaluation costs O(mn + n k log k) time, O(mn) memory. For ``k = 1`` the semi-dual is the
    OT semi-dual plus ``(gamma/2)||b||^2``, so ``value = OT + (gamma/2)||b||^2``; ties among the
    maximisers of a column are broken by the largest entry of the exact OT plan (which lies in the
    tight set). The one-hot plan is generally infeasible (``P_1 > D_1``).

    Accuracy: for ``1 < k < m`` the objective is nonsmooth at the optimum whenever there is a
    duality gap (and often near it). The returned ``value`` is always a valid lower bound
    (``S(alpha)`` evaluated exactly), but the maximiser may stall short of ``D_k``: to ~1e-10
    relative on the tiny instances of the tests, up to ~1e-4 relative on a random 30 x 25 problem
    with k = 2 and costs in [-1, 1] (measured against cvxpy). ``status`` is then ``"stalled"``;
    ``polish=True`` gives an upper bound on ``P_k`` and hence a certificate of the remaining gap.
    """
    form = as_choice(formulation, "formulation", FORMULATIONS)
    spars = as_choice(sparsity, "sparsity", SPARSITIES)
    if not isinstance(polish, bool):
        raise ValueError(f"polish: expected a bool, got {polish!r}")
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    if spars == "row":
        a_v = as_nonnegative(a, "a", ndim=1)
        b_v = as_nonnegative(b, "b", ndim=1)
        C_v = as_cost_matrix(C, "C", shape=(a_v.shape[0], b_v.shape[0]))
        P = sparse_ot_problem(b_v, a_v, C_v.T, k=k, gamma=gamma)
    else:
        P = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    m, n = P.shape
    x0 = None
    if alpha_init is not None:
        x0 = as_float_array(alpha_init, "alpha_init", ndim=1)
        if x0.shape != (m,):
            raise ValueError(f"alpha_init: expected length {m}, got shape {x0.shape}")
    res = _solve_columns(P, form, tol, max_iter, warm_start and x0 is None, x0, polish)
    if spars == "column":
        return res
    return SparseOTResult(
        res.plan.T, res.value, res.primal_value, res.transport_cost, res.beta, res.alpha,
        res.marginal_error, res.converged, res.n_iter, res.polished_value,
        None if res.polished_plan is None else res.polished_plan.T, res.status, res.k, res.gamma,
        res.formulation, "row", res.diagnostics)


def _solve_columns(P: SparseOTProblem, form: str, tol: float, max_iter: int, warm: bool,
                   x0: np.ndarray | None, polish: bool) -> SparseOTResult:
    m, n = P.shape
    k = P.k
    tie_plan: np.ndarray | None = None
    run: _Run | None = None
    n_iter_start = 0
    if x0 is None and warm and k == 1:
        pot = _ot_potentials(P)
        if pot is not None:
            x0, tie_plan = pot
    if x0 is None and warm:
        # the full solve when k = m; otherwise a warm start with a quarter of the budget
        qrun = _qot(P, tol, max_iter if k == m else max(10, max_iter // 4), finish=k == m)
        x0, n_iter_start = qrun.x, qrun.n_iter
        if k == m:
            run = qrun
        else:
            # Exact-OT potentials are the better start for small gamma: keep the larger S_k.
            pot = _ot_potentials(P)
            if pot is not None and semi_dual_objective(pot[0], P)[0] > semi_dual_objective(x0, P)[0]:
                x0 = pot[0]
    if x0 is None:
        x0 = np.zeros(m)

    extra: dict[str, Any]
    if tie_plan is not None:
        # k = 1 at exact OT potentials: optimal, no iterations needed.
        value = semi_dual_objective(x0, P)[0]
        alpha, beta = x0, beta_from_alpha(x0, P)
        T = _one_hot_plan(alpha, P, tie_plan)
        if form == "dual":
            value = dual_objective(alpha, beta, P)[0]
        status, converged, n_iter, extra = "exact-warm-start", True, 0, {"n_eval": 1, "restarts": 0,
                                                                           "trace": [value]}
    elif form == "semi-dual":
        if run is None:
            run = _maximize(lambda x: semi_dual_objective(x, P), x0, tol=tol, max_iter=max_iter)
        alpha = run.x
        value = run.value
        beta = beta_from_alpha(alpha, P)
        T = plan_from_semi_dual(alpha, P)
        status = "exact-qot" if k == m and warm and run.status == "converged" else run.status
        converged, n_iter = run.status == "converged", run.n_iter + (0 if k == m else n_iter_start)
        extra = {"n_eval": run.n_eval, "restarts": run.restarts, "trace": run.trace}
    else:
        z0 = np.concatenate([x0, beta_from_alpha(x0, P)])

        def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
            v, ga, gb = dual_objective(z[:m], z[m:], P)
            return v, np.concatenate([ga, gb])

        # L-BFGS on (alpha, beta), alternating with the exact block update beta <- beta(alpha)
        # (which raises D to S(alpha)); stop when a round gains at most tol * max(1, |D|).
        drun = _maximize(fun, z0, tol=tol, max_iter=max_iter)
        n_iter, n_eval, trace = drun.n_iter, drun.n_eval, list(drun.trace)
        z, value, status = drun.x, drun.value, drun.status
        for _ in range(_DUAL_ROUNDS):
            if status == "converged" or n_iter >= max_iter:
                break
            z_b = np.concatenate([z[:m], beta_from_alpha(z[:m], P)])
            nxt = _maximize(fun, z_b, tol=tol, max_iter=max_iter - n_iter)
            n_iter, n_eval = n_iter + nxt.n_iter, n_eval + nxt.n_eval + 1
            trace.extend(nxt.trace)
            gain = nxt.value - value
            if gain > 0:
                z, value, status = nxt.x, nxt.value, nxt.status
            if gain <= tol * max(1.0, abs(value)):
                break
        alpha, beta = z[:m], z[m:]
        if status != "converged" and n_iter < max_iter:
            # Finish with the semi-dual from the dual's alpha (beta eliminated exactly); keep the
            # pair (alpha, beta(alpha)) when it is better. Nonsmooth dual runs stall earlier.
            fin = _maximize(lambda x: semi_dual_objective(x, P), alpha, tol=tol,
                            max_iter=max_iter - n_iter)
            n_iter, n_eval = n_iter + fin.n_iter, n_eval + fin.n_eval
            trace.extend(fin.trace)
            if fin.value > value:
                alpha, value, status = fin.x, fin.value, fin.status
                beta = beta_from_alpha(alpha, P)
        T = plan_from_dual(alpha, beta, P)
        converged, n_iter = status == "converged", n_iter + n_iter_start
        extra = {"n_eval": n_eval, "restarts": drun.restarts, "trace": trace}

    if status in ("stalled", "max_iter") and 1 < k < m and m * n <= _SMOOTH_MAX_SIZE and n_iter < max_iter:
        # Small problems: finish by smoothing the top-k selection with continuation.
        a_s, v_s, it_s, ev_s = _smoothing_continuation(P, alpha, beta, tol, max_iter - n_iter)
        n_iter += it_s
        extra["n_eval_smoothing"] = ev_s
        if v_s > value:
            alpha, value, status = a_s, v_s, "smoothed"
            extra["trace"] = list(extra["trace"]) + [value]
            beta = beta_from_alpha(alpha, P)
            T = plan_from_semi_dual(alpha, P) if form == "semi-dual" else plan_from_dual(alpha, beta, P)
    primal_value, cost = _primal(T, P.C, P.gamma)
    pol_value: float | None = None
    pol_plan: np.ndarray | None = None
    if polish:
        pol_value, pol_plan = polish_on_support(P.a, P.b, P.C, P.gamma, T > 0)
        extra["gap_bound"] = pol_value - value
    return SparseOTResult(T, float(value), primal_value, cost, alpha, beta,
                          _marginal_error(T, P.a, P.b), converged, n_iter, pol_value, pol_plan,
                          status, k, P.gamma, form, "column", extra)


def _capped_simplex_rows(Z: np.ndarray, k: int) -> np.ndarray:
    """Row-wise projection onto ``{0 <= w <= 1, sum(w) = k}``: ``w = clip(Z - tau, 0, 1)``, ``tau`` by
    60 vectorised bisection steps (to ~1e-18 of the row range). O(60 nm)."""
    lo = Z.min(axis=1) - 1.0
    hi = Z.max(axis=1)
    for _ in range(60):
        tau = 0.5 * (lo + hi)
        big = np.clip(Z - tau[:, None], 0.0, 1.0).sum(axis=1) > k
        lo = np.where(big, tau, lo)
        hi = np.where(big, hi, tau)
    return np.clip(Z - (0.5 * (lo + hi))[:, None], 0.0, 1.0)


def _smoothed_dual(z: np.ndarray, P: SparseOTProblem, mu: float) -> tuple[float, np.ndarray]:
    """Dual with the top-k selection smoothed: ``Omega_k^*(s) = max_{0<=w<=1, sum w = k} sum_i w_i q_i``
    with ``q_i = [s_i]_+^2/(2 gamma)`` becomes ``max_w <w, q> - (mu/2)||w||^2``, a differentiable
    function with gradient ``w_i [s_i]_+/gamma``. It exceeds the true dual by at most ``n k mu/2``."""
    m = P.a.shape[0]
    alpha, beta = z[:m], z[m:]
    St = alpha[None, :] + beta[:, None] - P.Ct
    pos = np.maximum(St, 0.0)
    Q = pos * pos / (2.0 * P.gamma)
    W = _capped_simplex_rows(Q / mu, P.k)
    T = W * pos / P.gamma
    value = float(alpha @ P.a + beta @ P.b - np.sum(W * Q) + 0.5 * mu * np.sum(W * W))
    return value, np.concatenate([P.a - T.sum(axis=0), P.b - T.sum(axis=1)])


def _smoothing_continuation(P: SparseOTProblem, alpha: np.ndarray, beta: np.ndarray, tol: float,
                            max_iter: int) -> tuple[np.ndarray, float, int, int]:
    """Maximise the smoothed dual for ``mu = 1e-5, ..., 1e-10`` (times ``max(1, max|C|)``), each
    stage warm-started by the previous one (Nesterov smoothing with continuation); return the
    ``alpha`` with the largest exact semi-dual value ``S(alpha)``, that value, the iterations and
    the evaluations of the smoothed dual.
    Used to finish stalled runs on small problems; O(60 mn) per evaluation."""
    m = P.a.shape[0]
    scale = max(1.0, float(np.max(np.abs(P.C))))
    z = np.concatenate([alpha, beta])
    best_alpha, best = alpha, semi_dual_objective(alpha, P)[0]
    n_iter = n_eval = 0
    for mu in (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10):
        if n_iter >= max_iter:
            break

        def neg(x: np.ndarray, mu: float = mu) -> tuple[float, np.ndarray]:
            v, g = _smoothed_dual(x, P, mu * scale)
            return -v, -g

        z, _, it, ev, _ = _weak_wolfe_lbfgs(neg, z, tol, min(1000, max_iter - n_iter), [])
        n_iter, n_eval = n_iter + it, n_eval + ev
        value = semi_dual_objective(z[:m], P)[0]
        if value > best:
            best_alpha, best = z[:m].copy(), value
    return best_alpha, best, n_iter, n_eval


def _one_hot_plan(alpha: np.ndarray, P: SparseOTProblem, tie_plan: np.ndarray) -> np.ndarray:
    """k = 1 plan ``T[:, j] = b_j e_{i_j}`` with ``i_j`` the largest entry of the exact OT plan's column
    (it lies in the argmax set of ``alpha - c_j`` by complementary slackness)."""
    m, n = P.shape
    T = np.zeros((m, n))
    cols = np.flatnonzero(P.b > 0)
    T[np.argmax(tie_plan[:, cols], axis=0), cols] = P.b[cols]
    return T
