"""Reference routines for tiny sizes: brute-force primal, cvxpy dual, exact OT by LP, named instances.

These are independent routes used by tests and claims to certify the solvers of
:mod:`theory.sparse_ot.solver`; none of them is used by the solvers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

from theory._cvx import solve as cvx_solve
from theory._result import SolverResult
from theory._validate import as_int
from theory.sparse_ot._certificate import from_mask, scale_to_marginals
from theory.sparse_ot._objectives import scatter
from theory.sparse_ot._problem import normalise
from theory.sparse_ot.instances import (  # noqa: F401  (former home, kept for compatibility)
    MAX_TOY_SIZE,
    ReferenceInstance,
    gaussian_toy,
    instance_a,
    instance_b,
    uniform_points,
)
from theory.sparse_ot.solver import sparse_ot_problem, support_feasible

#: Largest number of supports :func:`sparse_ot_bruteforce` enumerates by default.
MAX_SUPPORTS = 5000

_CLARABEL = {"tol_gap_abs": 1e-11, "tol_gap_rel": 1e-11, "tol_feas": 1e-11, "max_iter": 500}


def _solve(prob: Any) -> str:
    """Solve with CLARABEL at tight tolerances; on a solver failure, once more with its defaults.

    Returns cvxpy's status, or ``"solver_error"`` when both attempts raise.
    """
    from cvxpy.error import SolverError

    try:
        cvx_solve(prob, "CLARABEL", **_CLARABEL)
    except SolverError:
        try:
            cvx_solve(prob, "CLARABEL")
        except SolverError:
            return "solver_error"
    return str(prob.status)


#: cvxpy statuses whose value is returned.
_SOLVED = ("optimal", "optimal_inaccurate")


@dataclass(frozen=True)
class BruteForceResult:
    """Exact nonconvex primal ``P_k``.

    ``value`` (``inf`` if infeasible), ``plan`` (``None`` then), the number of supports enumerated and how
    many were feasible.
    """

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

    P0 = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    max_supports = as_int(max_supports, "max_supports", min_value=1)
    m, n = P0.shape
    count = math.comb(m, P0.k) ** n
    if count > max_supports:
        raise ValueError(f"k: enumerating C({m},{P0.k})^{n} = {count} supports exceeds max_supports="
                         f"{max_supports}; use smaller sizes")
    P, sc = normalise(P0)
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
        if not support_feasible(P.a, P.b, mask == 0):
            continue
        off.value = mask
        if _solve(prob) not in _SOLVED or T.value is None:
            continue
        feasible += 1
        # scale the solver's plan to the marginals on its support (zeros stay zero), so that the
        # value is that of a feasible plan: an upper bound on P_k whatever the solver's accuracy
        plan = np.where(mask > 0, 0.0, np.maximum(T.value, 0.0))
        S = from_mask(P, plan > 0)
        if S.idx.size == 0:
            continue
        t, _ = scale_to_marginals(np.where(S.valid, plan[S.idx, S.cols[:, None]], 0.0), S, P.a,
                                   P.b[S.cols])
        plan = scatter(S.idx, t, m, S.cols, n)
        value = float(np.sum(plan * P.C) + 0.5 * P.gamma * np.sum(plan * plan))
        if value < best:
            best, best_plan = value, plan
    if best_plan is None:
        return BruteForceResult(best, None, count, feasible)
    plan = sc.mass * best_plan
    return BruteForceResult(float(np.sum(plan * P0.C) + 0.5 * P0.gamma * np.sum(plan * plan)), plan,
                            count, feasible)


@dataclass(frozen=True)
class DualCvxResult(SolverResult):
    """``D_k`` by cvxpy: ``value``, potentials ``alpha`` (m,), ``beta`` (n,).

    The potentials are None when the solver failed. ``status`` is cvxpy's (``"optimal"``,
    ``"optimal_inaccurate"``, ``"infeasible"``, ``"unbounded"``, ...) or ``"solver_error"``; ``value`` is
    NaN unless the status is optimal or optimal_inaccurate. Unpacks and indexes as
    ``(value, alpha, beta)`` like the former tuple.
    """

    alpha: np.ndarray | None
    beta: np.ndarray | None

    def __iter__(self) -> Iterator[Any]:
        """Unpack as the former tuple ``(value, alpha, beta)``."""
        return iter((self.value, self.alpha, self.beta))

    def __getitem__(self, i: int) -> Any:
        """Index as the former tuple ``(value, alpha, beta)``."""
        return (self.value, self.alpha, self.beta)[i]


@dataclass(frozen=True)
class RelaxedCvxResult(SolverResult):
    """``R_k`` by cvxpy: ``value`` and ``plan`` (None when the solver failed).

    Statuses as :class:`DualCvxResult`. Unpacks and indexes as ``(value, plan)`` like the former tuple.
    """

    plan: np.ndarray | None

    def __iter__(self) -> Iterator[Any]:
        """Unpack as the former tuple ``(value, plan)``."""
        return iter((self.value, self.plan))

    def __getitem__(self, i: int) -> Any:
        """Index as the former tuple ``(value, plan)``."""
        return (self.value, self.plan)[i]


def dual_cvx(a: object, b: object, C: object, *, k: int, gamma: float) -> DualCvxResult:
    """Solve ``D_k`` by cvxpy (CLARABEL).

    ``max <alpha,a> + <beta,b> - (1/(2 gamma)) sum_j sum_largest([alpha + beta_j - c_j]_+^2, k)``, solved
    on the normalised problem (unit mass, reduced cost in [0, 1]; values and potentials mapped back), so
    that extreme scales do not defeat the solver. Small sizes.
    """
    import cvxpy as cp  # imported here: slow to import, needed only by references

    P, sc = normalise(sparse_ot_problem(a, b, C, k=k, gamma=gamma))
    m, n = P.shape
    al, be = cp.Variable(m), cp.Variable(n)
    terms = [cp.sum_largest(cp.square(cp.pos(al + be[j] - P.C[:, j])), P.k) for j in range(n)]
    prob = cp.Problem(cp.Maximize(al @ P.a + be @ P.b - cp.sum(cp.hstack(terms)) / (2.0 * P.gamma)))
    status = _solve(prob)
    if status not in _SOLVED or al.value is None:
        return DualCvxResult(None, None, value=float("nan"), status=status, converged=False)
    return DualCvxResult(sc.cost * np.asarray(al.value) + sc.u, sc.cost * np.asarray(be.value) + sc.v,
                         value=sc.value(float(prob.value)), status=status, converged=status == "optimal")


def relaxed_cvx(a: object, b: object, C: object, *, k: int, gamma: float) -> RelaxedCvxResult:
    """Solve ``R_k = min_{T in U} <T,C> + (gamma/2) sum_j ||t_j||_{sp,k}^2`` by cvxpy.

    Uses the variational form
    ``||w||_{sp,k}^2 = min {sum_i w_i^2/theta_i : 0 <= theta <= 1, sum theta = k}``,
    solved on the normalised problem (values and plan mapped back). Small sizes.
    """
    import cvxpy as cp  # imported here: slow to import, needed only by references

    P, sc = normalise(sparse_ot_problem(a, b, C, k=k, gamma=gamma))
    m, n = P.shape
    T = cp.Variable((m, n), nonneg=True)
    Th = cp.Variable((m, n), nonneg=True)
    quad = cp.sum(cp.hstack([cp.quad_over_lin(T[i, j], Th[i, j]) for i in range(m) for j in range(n)]))
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(P.C, T)) + 0.5 * P.gamma * quad),
                      [cp.sum(T, axis=1) == P.a, cp.sum(T, axis=0) == P.b, Th <= 1,
                       cp.sum(Th, axis=0) == P.k])
    status = _solve(prob)
    if status not in _SOLVED or T.value is None:
        return RelaxedCvxResult(None, value=float("nan"), status=status, converged=False)
    return RelaxedCvxResult(sc.mass * np.maximum(np.asarray(T.value), 0.0),
                            value=sc.value(float(prob.value)), status=status,
                            converged=status == "optimal")


def exact_ot(a: object, b: object, C: object) -> float:
    """Compute the unregularised OT value ``min_{T in U(a,b)} <T, C>`` by a linear program (scipy HiGHS).

    Solved on the normalised problem (unit mass, reduced cost in [0, 1]) and mapped back, so that masses
    of ``1e-300`` or costs of ``1e12`` keep their relative accuracy.
    """
    P, sc = normalise(sparse_ot_problem(a, b, C, k=None, gamma=1.0))
    m, n = P.shape
    A = np.vstack([np.kron(np.eye(m), np.ones(n)), np.kron(np.ones(m), np.eye(n))])
    res = linprog(P.C.ravel(), A_eq=A, b_eq=np.concatenate([P.a, P.b]), bounds=(0, None), method="highs")
    if res.status != 0:
        raise ValueError(f"a, b, C: the OT linear program failed ({res.message})")
    return sc.value(float(res.fun))  # type: ignore[arg-type]


@dataclass(frozen=True)
class POTTrace:
    """POT's sparsity-constrained semi-dual run to its own stopping point, with its dual trace.

    ``value`` is POT's final dual value, ``seconds`` its wall time, ``curve`` the pairs
    ``(seconds since the start, dual value)`` at every objective evaluation, ``alpha`` its
    potentials, ``status`` scipy's L-BFGS-B message and ``n_iter`` its iterations.
    """

    value: float
    seconds: float
    curve: list[tuple[float, float]]
    alpha: np.ndarray
    status: str
    n_iter: int


def pot_semi_dual_trace(a: object, b: object, C: object, *, k: int, gamma: float) -> POTTrace:
    """Run ``ot.smooth.smooth_ot_semi_dual(reg_type="sparsity_constrained", max_nz=k)`` with a trace.

    The anchor a POT user would pick (Liu, Puigcerver, Blondel's port to POT: scipy's L-BFGS-B,
    ``stopThr=1e-9``, ``numItermax=500``). POT's objective is wrapped to record the dual value
    and the time of every evaluation; the stdout POT prints on every evaluation is silenced.
    Returns no plan certificate: POT's plan (the gradient map) generally violates the row
    marginal.
    """
    import contextlib
    import io
    import time

    import ot.smooth

    P = sparse_ot_problem(a, b, C, k=k, gamma=gamma)
    curve: list[tuple[float, float]] = []
    orig = ot.smooth.semi_dual_obj_grad
    t0 = time.perf_counter()

    def recorded(alpha: np.ndarray, a_: np.ndarray, b_: np.ndarray, C_: np.ndarray,
                 regul: object) -> tuple[float, np.ndarray]:
        obj, grad = orig(alpha, a_, b_, C_, regul)
        curve.append((time.perf_counter() - t0, float(obj)))
        return obj, grad

    ot.smooth.semi_dual_obj_grad = recorded
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            _, log = ot.smooth.smooth_ot_semi_dual(P.a, P.b, P.C, P.gamma,
                                                   reg_type="sparsity_constrained", max_nz=int(P.k),
                                                   log=True)
    finally:
        ot.smooth.semi_dual_obj_grad = orig
    seconds = time.perf_counter() - t0
    res = log["res"]
    return POTTrace(-float(res.fun), seconds, curve, np.asarray(log["alpha"], dtype=np.float64),
                    str(res.message), int(res.nit))
