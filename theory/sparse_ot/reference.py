"""Reference routines for tiny sizes: brute-force primal, cvxpy dual, exact OT by LP, named instances.

These are independent routes used by tests and claims to certify the solvers of
:mod:`theory.sparse_ot.solver`; none of them is used by the solvers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import linprog

from theory._cvx import solve as cvx_solve
from theory._validate import as_int
from theory.sparse_ot.solver import _support_feasible, sparse_ot_problem

#: Largest number of supports :func:`sparse_ot_bruteforce` enumerates by default.
MAX_SUPPORTS = 5000

_CLARABEL = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 500}


def _solve(prob: Any) -> None:
    """CLARABEL with tight tolerances; on a solver failure, once more with its defaults."""
    from cvxpy.error import SolverError

    try:
        cvx_solve(prob, "CLARABEL", **_CLARABEL)
    except SolverError:
        cvx_solve(prob, "CLARABEL")


@dataclass(frozen=True)
class BruteForceResult:
    """Exact nonconvex primal ``P_k``: ``value`` (``inf`` if infeasible), ``plan`` (``None`` then),
    the number of supports enumerated and how many were feasible."""

    value: float
    plan: np.ndarray | None
    n_supports: int
    n_feasible: int


def sparse_ot_bruteforce(a: object, b: object, C: object, *, k: int, gamma: float,
                         max_supports: int = MAX_SUPPORTS) -> BruteForceResult:
    """``P_k = min <T,C> + (gamma/2)||T||_F^2`` over ``U(a,b)`` with ``||t_j||_0 <= k``, exactly.

    Enumerates one ``min(k, m)``-subset of rows per column (every support with at most k nonzeros
    per column lies in one of them) and solves one convex QP per choice (cvxpy, CLARABEL, tight
    tolerances) whose support can carry the marginals (an LP decides); the best one wins.
    ``C(m, k)^n`` supports: tiny sizes only.

    Raises
    ------
    ValueError
        For invalid inputs, or when ``C(m, k)^n > max_supports``.
    """
    import cvxpy as cp  # imported here: slow to import, needed only by references

    P = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    max_supports = as_int(max_supports, "max_supports", min_value=1)
    m, n = P.shape
    count = math.comb(m, P.k) ** n
    if count > max_supports:
        raise ValueError(f"k: enumerating C({m},{P.k})^{n} = {count} supports exceeds max_supports="
                         f"{max_supports}; use smaller sizes")
    T = cp.Variable((m, n), nonneg=True)
    off = cp.Parameter((m, n), nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(P.C, T)) + 0.5 * P.gamma * cp.sum_squares(T)),
                      [cp.sum(T, axis=1) == P.a, cp.sum(T, axis=0) == P.b, cp.multiply(off, T) == 0])
    best, best_plan, feasible = float("inf"), None, 0
    subsets = list(itertools.combinations(range(m), P.k))
    for choice in itertools.product(subsets, repeat=n):
        mask = np.ones((m, n))
        for j, rows in enumerate(choice):
            mask[list(rows), j] = 0.0
        if not _support_feasible(P.a, P.b, mask == 0):
            continue
        off.value = mask
        _solve(prob)
        if prob.status not in ("optimal", "optimal_inaccurate") or T.value is None:
            continue
        feasible += 1
        plan = np.where(mask > 0, 0.0, np.maximum(T.value, 0.0))
        value = float(np.sum(plan * P.C) + 0.5 * P.gamma * np.sum(plan * plan))
        if value < best:
            best, best_plan = value, plan
    return BruteForceResult(best, best_plan, count, feasible)


def dual_cvx(a: object, b: object, C: object, *, k: int,
             gamma: float) -> tuple[float, np.ndarray, np.ndarray]:
    """``D_k`` by cvxpy (CLARABEL): ``max <alpha,a> + <beta,b> - (1/(2 gamma)) sum_j
    sum_largest([alpha + beta_j - c_j]_+^2, k)``. Returns ``(value, alpha, beta)``. Small sizes."""
    import cvxpy as cp  # imported here: slow to import, needed only by references

    P = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    m, n = P.shape
    al, be = cp.Variable(m), cp.Variable(n)
    terms = [cp.sum_largest(cp.square(cp.pos(al + be[j] - P.C[:, j])), P.k) for j in range(n)]
    prob = cp.Problem(cp.Maximize(al @ P.a + be @ P.b - cp.sum(cp.hstack(terms)) / (2.0 * P.gamma)))
    _solve(prob)
    return float(prob.value), np.asarray(al.value), np.asarray(be.value)


def relaxed_cvx(a: object, b: object, C: object, *, k: int, gamma: float) -> tuple[float, np.ndarray]:
    """``R_k = min_{T in U} <T,C> + (gamma/2) sum_j ||t_j||_{sp,k}^2`` by cvxpy, with the variational
    form ``||w||_{sp,k}^2 = min {sum_i w_i^2/theta_i : 0 <= theta <= 1, sum theta = k}``.
    Returns ``(value, plan)``. Small sizes."""
    import cvxpy as cp  # imported here: slow to import, needed only by references

    P = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    m, n = P.shape
    T = cp.Variable((m, n), nonneg=True)
    Th = cp.Variable((m, n), nonneg=True)
    quad = cp.sum(cp.hstack([cp.quad_over_lin(T[i, j], Th[i, j]) for i in range(m) for j in range(n)]))
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(P.C, T)) + 0.5 * P.gamma * quad),
                      [cp.sum(T, axis=1) == P.a, cp.sum(T, axis=0) == P.b, Th <= 1,
                       cp.sum(Th, axis=0) == P.k])
    _solve(prob)
    return float(prob.value), np.maximum(np.asarray(T.value), 0.0)


def exact_ot(a: object, b: object, C: object) -> float:
    """Unregularised OT value ``min_{T in U(a,b)} <T, C>`` by a linear program (scipy HiGHS)."""
    P = sparse_ot_problem(a, b, C, k=None, gamma=1.0)
    m, n = P.shape
    A = np.vstack([np.kron(np.eye(m), np.ones(n)), np.kron(np.ones(m), np.eye(n))])
    res = linprog(P.C.ravel(), A_eq=A, b_eq=np.concatenate([P.a, P.b]), bounds=(0, None), method="highs")
    if res.status != 0:
        raise ValueError(f"a, b, C: the OT linear program failed ({res.message})")
    return float(res.fun)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ReferenceInstance:
    """A named instance with exact values ``P_k``/``D_k`` (Fractions) for the listed k."""

    name: str
    a: np.ndarray
    b: np.ndarray
    C: np.ndarray
    gamma: float
    primal: dict[int, Fraction]
    dual: dict[int, Fraction]


def instance_a() -> ReferenceInstance:
    """Points 0, 1, 2 with squared-distance cost, uniform marginals, ``gamma = 8``: a duality gap
    at k = 2 (``P_2 = 167/144 > D_2 = 119/108``), none at k = 1 (4/3) and k = 3 (QOT, 19/18)."""
    C = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 1.0], [4.0, 1.0, 0.0]])
    u = np.full(3, 1.0 / 3.0)
    return ReferenceInstance("A", u, u.copy(), C, 8.0,
                             {1: Fraction(4, 3), 2: Fraction(167, 144), 3: Fraction(19, 18)},
                             {1: Fraction(4, 3), 2: Fraction(119, 108), 3: Fraction(19, 18)})


def instance_b() -> ReferenceInstance:
    """Sources 0, 1 (mass 1/2), targets 0, 0.2, 0.8, 1 (mass 1/4), squared distance, ``gamma = 0.1``:
    ``P_k = D_k = QOT = 13/400`` for k = 1, 2 and the OT plan is recovered."""
    x, y = np.array([0.0, 1.0]), np.array([0.0, 0.2, 0.8, 1.0])
    C = (x[:, None] - y[None, :]) ** 2
    v = Fraction(13, 400)
    return ReferenceInstance("B", np.full(2, 0.5), np.full(4, 0.25), C, 0.1, {1: v, 2: v}, {1: v, 2: v})


def gaussian_toy(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 1-D toy of the figures: two discretised Gaussians on ``0..n-1`` and a squared cost.

    ``a`` is centred at ``10n/32`` with width ``4n/32``, ``b`` at ``16n/32`` with width ``5n/32``
    (both normalised); ``C_ij = (i - j)^2 / max (i - j)^2``. Returns ``(a, b, C)``.
    """
    n = as_int(n, "n", min_value=2)
    x = np.arange(n, dtype=float)
    a = np.exp(-0.5 * ((x - 10 * n / 32) / (4 * n / 32)) ** 2)
    b = np.exp(-0.5 * ((x - 16 * n / 32) / (5 * n / 32)) ** 2)
    C = (x[:, None] - x[None, :]) ** 2
    return a / a.sum(), b / b.sum(), C / C.max()
