"""Quadratically-regularised OT (the k-free reference) and exact-OT potentials."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import ot

from theory._result import SolverResult
from theory._validate import as_int, as_positive_float
from theory.sparse_ot._lbfgs import LBFGSRun, maximize
from theory.sparse_ot._objectives import (
    beta_from_alpha,
    marginal_error,
    objective_and_cost,
    plan_from_semi_dual,
    semi_dual_objective,
)
from theory.sparse_ot._problem import SparseOTProblem, normalise, sparse_ot_problem


class PlanAliases:
    """The older names ``solution`` (of ``plan``) and ``iterations`` (of ``n_iter``) of a result."""

    plan: np.ndarray
    n_iter: int

    @property
    def solution(self) -> np.ndarray:
        """Alias of ``plan``."""
        return self.plan

    @property
    def iterations(self) -> int:
        """Alias of ``n_iter``."""
        return self.n_iter


@dataclass(frozen=True)
class QuadraticOTResult(PlanAliases, SolverResult):
    """Quadratically-regularised OT: ``min_{T in U(a,b)} <T,C> + (gamma/2)||T||_F^2``.

    ``value`` is the semi-dual value at ``alpha`` (a lower bound, equal to the optimum at
    convergence); ``primal_value`` the objective of ``plan``; ``status`` the L-BFGS status
    (``"converged"``: gradient test met, ``"stalled"``, ``"max_iter"``); ``diagnostics``
    ``n_eval``, ``restarts``.
    """

    plan: np.ndarray
    primal_value: float
    alpha: np.ndarray
    beta: np.ndarray
    marginal_error: float



def qot_run(P: SparseOTProblem, tol: float, max_iter: int, finish: bool = True,
         ftol: float | None = None) -> LBFGSRun:
    Pm = replace(P, k=P.a.shape[0])
    return maximize(lambda x: semi_dual_objective(x, Pm), np.zeros(P.a.shape[0]), tol=tol,
                     max_iter=max_iter, finish=finish, ftol=ftol)


def quadratic_ot(a: object, b: object, C: object, *, gamma: float, tol: float = 1e-10,
                 max_iter: int = 10000) -> QuadraticOTResult:
    """Quadratically-regularised OT ``min_{T in U(a,b)} <T,C> + (gamma/2)||T||_F^2``.

    Blondel, Seguy, Rolet, AISTATS 2018; solved by its smooth semi-dual with the full simplex projection.

    ``S(alpha) = <alpha,a> - sum_j b_j M_{gamma b_j}(alpha - c_j)`` has a ``(n/gamma)``-Lipschitz
    gradient ``a - T 1``; ``T[:, j] = b_j P_simplex((alpha - c_j)/(gamma b_j))``. Our L-BFGS
    (:mod:`theory.sparse_ot._lbfgs`) from ``alpha = 0`` on the normalised problem, stopping at
    ``||a - T 1||_inf <= tol`` (unit mass). One evaluation costs O(mn) when the columns of the plan
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
        Gradient tolerance (normalised units) and iteration budget.
    """
    P = sparse_ot_problem(a, b, C, k=None, gamma=gamma)
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    Pn, sc = normalise(P)
    run = qot_run(Pn, tol, max_iter)
    T = sc.mass * plan_from_semi_dual(run.x, Pn)
    pv, _ = objective_and_cost(T, P.C, P.gamma)
    return QuadraticOTResult(T, pv, sc.cost * run.x + sc.u, sc.cost * beta_from_alpha(run.x, Pn) + sc.v,
                             marginal_error(T, P.a, P.b), value=sc.value(run.value),
                             status=run.status, converged=run.status == "converged",
                             n_iter=run.n_iter, diagnostics={"n_eval": run.n_eval, "restarts": run.restarts})


def ot_potentials(P: SparseOTProblem) -> tuple[np.ndarray, np.ndarray] | None:
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

