"""Independent route of :mod:`theory.attention_svm`: Att-SVM as a conic program in cvxpy.

:func:`solve_att_svm_cvxpy` solves the Att-SVM problem of Tarzanagh, Li, Thrampoulidis & Oymak
("Transformers as Support Vector Machines", arXiv 2308.16898),

    min_W ||W||  s.t.  (x_{i alpha_i} - x_it)^T W z_i >= 1  for every visible t != alpha_i,

as a second-order cone program (Frobenius norm) or a semidefinite program (nuclear norm,
``||W||_* <= t`` through cvxpy's ``normNuc``), with Clarabel by default. It shares nothing with
the exact active-set/NNLS route of :func:`theory.attention_svm.solve_att_svm` but the problem
and the result type, so claims and tests compare the two; the nuclear norm of
:func:`~theory.attention_svm.solve_att_svm` is solved here after its exact feasibility check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from theory._cvx import solve as cvx_solve
from theory._validate import as_choice
from theory.attention_svm._core import NORMS, AttSVMResult, certificates, infeasible_result, result
from theory.attention_svm.problem import Constraints, as_problem

__all__ = ["solve_att_svm_cvxpy"]


def solve_att_svm_cvxpy(X: Any, Z: Any = None, alpha: Any = None, *, norm: str = "fro", mask: Any = None,
                        solver: str | Sequence[str] = "CLARABEL",
                        solver_options: Mapping[str, Any] | None = None) -> AttSVMResult:
    """Att-SVM through cvxpy alone (the independent reference route; cost of one conic solve).

    Same problem and result type as :func:`~theory.attention_svm.solve_att_svm`; infeasibility is
    the conic solver's verdict. The Frobenius diagnostics include ``kkt_residual`` with the
    definition of :func:`~theory.attention_svm.solve_att_svm` (cvxpy's duals, which are those
    of ``min ||W||_F``, rescaled to ``W = sum lambda A``).

    Parameters
    ----------
    X
        Tokens, shape (n, T, d), or an :class:`~theory.attention_svm.AttSVMProblem` (then ``Z``,
        ``alpha`` and ``mask`` are omitted).
    Z, alpha, mask
        Queries (n, d), selected tokens (n,) and optional visibility mask (n, T), as for
        :func:`~theory.attention_svm.solve_att_svm`.
    norm
        ``"fro"`` (second-order cone) or ``"nuc"`` (semidefinite).
    solver
        A cvxpy solver name, or several tried in turn until one returns ``optimal`` or
        ``infeasible`` (``solve_att_svm`` uses ``(solver, "SCS")`` for the nuclear norm).
    solver_options
        Passed to ``Problem.solve``, e.g. ``{"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10,
        "tol_feas": 1e-10}`` for Clarabel; at Clarabel's defaults W is accurate to about 1e-4 in
        its entries.

    Returns
    -------
    AttSVMResult
        ``status`` ``"optimal"``, ``"infeasible"`` or ``"failed"`` (no solver gave a solution);
        ``n_iter`` is the conic solver's iteration count; ``solver`` the one that answered.

    Notes
    -----
    Source: arXiv 2308.16898 (Att-SVM problem). Cost: one interior-point solve with ``d^2``
    variables and ``m <= n (T - 1)`` constraints (plus a ``2d x 2d`` semidefinite cone for the
    nuclear norm).
    """
    problem = as_problem(X, Z, alpha, mask)
    norm = as_choice(norm, "norm", NORMS)
    solvers = (solver,) if isinstance(solver, str) else tuple(solver)
    if not solvers or not all(isinstance(s, str) for s in solvers):
        raise TypeError(f"solver: expected a cvxpy solver name or a sequence of names, got {solver!r}")
    n, T, d = problem.X.shape
    res = _solve_conic(problem.constraints, n, T, d, norm, solvers, dict(solver_options or {}))
    return replace(res, problem=problem)


def _solve_conic(cons: Constraints, n: int, T: int, d: int, norm: str, solvers: tuple[str, ...],
                 options: dict[str, Any]) -> AttSVMResult:
    import cvxpy as cp

    W = cp.Variable((d, d))
    m = cons.D.shape[0]
    objective = cp.normNuc(W) if norm == "nuc" else cp.norm(W, "fro")
    constraints = [cp.sum(cp.multiply(cons.D @ W, cons.Q), axis=1) >= 1] if m else []
    prob = cp.Problem(cp.Minimize(objective), constraints)
    used = solvers[0]
    for name in solvers:
        used = name
        try:
            # optimal_inaccurate: next solver, then status "failed"
            cvx_solve(prob, name, **options)
        except cp.error.SolverError:
            continue
        if prob.status in (cp.OPTIMAL, cp.INFEASIBLE):
            break
    if prob.status == cp.INFEASIBLE:
        return infeasible_result(n, T, d, norm, used)
    if prob.status != cp.OPTIMAL or W.value is None:
        return infeasible_result(n, T, d, norm, used, status="failed")
    Wv = np.asarray(W.value, dtype=float)
    margins = np.einsum("kd,de,ke->k", cons.D, Wv, cons.Q)
    lam = np.asarray(constraints[0].dual_value, dtype=float).reshape(-1) if m else np.zeros(0)
    S = (cons.D * lam[:, None]).T @ cons.Q if m else np.zeros((d, d))
    value = float(np.linalg.norm(Wv, "nuc") if norm == "nuc" else np.linalg.norm(Wv))
    if norm == "nuc":
        stationarity = float(np.linalg.norm(S, 2)) - 1.0 if m else 0.0
        gap = abs(float(lam.sum()) - value)
    else:
        # cvxpy's duals are for min ||W||_F: W = S / ||W||_F, sum lambda = ||W||_F.
        stationarity = float(np.linalg.norm(Wv - S * value)) if m else float(np.linalg.norm(Wv))
        gap = abs(float(lam.sum()) - value)
        lam = lam * value
    diag = certificates(margins, lam, stationarity, gap, value=value, norm=norm)
    its = prob.solver_stats.num_iters if prob.solver_stats is not None else None
    return result(margins, lam, cons, n, T, W=Wv, value=value, status="optimal", n_iter=int(its or 0),
                  diagnostics=diag, norm=norm, solver=used)
