r"""Att-SVM: the hard-margin SVM that gradient-trained softmax attention converges to.

For sequences ``X_i`` (T tokens of dimension d), queries ``z_i`` and selected tokens ``alpha_i``,

.. math::

    W^{mm}_\alpha = \arg\min_W \|W\| \quad\text{s.t.}\quad
    (x_{i\alpha_i} - x_{it})^\top W z_i \ge 1 \quad \forall i,\ \text{visible } t \ne \alpha_i ,

with the Frobenius norm (the limit of gradient descent on ``W``) or the nuclear norm (the limit
of gradient descent on ``(K, Q)`` with ``W = K Q^T``). Sources: Tarzanagh, Li, Thrampoulidis,
Oymak, "Transformers as Support Vector Machines" (arXiv 2308.16898); Tarzanagh, Li, Zhang, Oymak,
"Max-Margin Token Selection in Attention Mechanism" (NeurIPS 2023, arXiv 2306.13596).

Frobenius route (exact). With ``A_it = (x_{i alpha_i} - x_it) z_i^T`` the constraints read
``<W, A_it> >= 1``: a bias-free hard-margin SVM in R^{d x d}. Its dual is
``max_{lambda >= 0} sum(lambda) - 0.5 ||sum lambda A||_F^2`` with ``W = sum lambda* A`` and
``sum lambda* = ||W||_F^2``; equivalently ``W = p*/||p*||^2`` with ``p*`` the minimum-norm point
of ``conv{A_it}``, so the problem is infeasible iff ``0`` lies in that hull. Two exact routes:

- ``method="active_set"`` (:mod:`theory.attention_svm.active_set`): accelerated projected
  gradient on the dual, then primal-dual active-set rounds that solve the KKT system
  ``G_SS lambda_S = 1`` on the Gram matrix ``G_kl = <A_k, A_l> = (d_k . d_l)(z_k . z_l)`` of
  the support; every product uses the rank-one structure (no ``d^2 x m`` matrix). Ends with a
  KKT certificate at 1e-12 or the status ``"max_iter"``.
- ``method="nnls"``: the Lawson-Hanson reduction of the least-distance program to one
  non-negative least-squares problem (``scipy.optimize.nnls`` on the dense ``(d^2 + 1) x m``
  matrix), then a polish on the detected support by the same KKT system.

The default ``"auto"`` runs the active set and falls back to NNLS on small problems it leaves
undecided (infeasible ones among them). Both decide infeasibility by the same rule: the
min-norm hull point of the rows scaled to ``max ||A_k|| = 1`` is shorter than
``INFEASIBLE_RTOL``.

Nuclear route: the SDP ``min ||W||_*`` under the same constraints, solved with cvxpy and
Clarabel (SCS as fallback); feasibility is decided first by the exact Frobenius route, since
both problems share their feasible set.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import nnls

from theory._cvx import solve as cvx_solve
from theory._result import SolverResult
from theory._validate import as_choice, as_float_array, as_int
from theory.attention_svm._inputs import labels
from theory.attention_svm.active_set import RankOneConstraints, solve_rank_one_ldp
from theory.attention_svm.flatten import FlatQueries, flatten_queries
from theory.attention_svm.problem import (
    AttSVMProblem,
    Constraints,
    as_problem,
    build_constraints,
    validate_problem,
)

# Re-exported from their own modules (problem, flatten) so that imports from svm keep working.
__all__ = [
    "AttSVMProblem", "AttSVMResult", "Constraints", "FlatQueries", "build_constraints", "correlation",
    "enumerate_alphas", "flatten_queries", "is_feasible", "is_locally_optimal", "optimal_tokens",
    "solve_att_svm", "solve_att_svm_cvxpy", "token_scores",
]

#: The relative size of the min-norm hull point below which the problem is declared infeasible.
INFEASIBLE_RTOL = 1e-8
#: Margin slack below which a constraint counts as active (support), per norm.
SUPPORT_TOL = {"fro": 1e-6, "nuc": 1e-4}
NORMS = ("fro", "nuc")
#: Frobenius routes of :func:`solve_att_svm`.
METHODS = ("auto", "active_set", "nnls")
#: ``m (d^2 + 1)`` up to which ``method="auto"`` falls back to NNLS when the active set is undecided.
NNLS_FALLBACK_ENTRIES = 2_000_000
#: Active-set budget of ``method="auto"`` on those small problems before the fallback.
SMALL_BUDGET = 300


@dataclass(frozen=True)
class AttSVMResult(SolverResult):
    """Solution of an Att-SVM problem (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        ``||W||_F`` (``norm="fro"``) or ``||W||_*`` (``norm="nuc"``); ``inf`` when infeasible or
        failed. Alias: ``objective``.
    status
        ``"optimal"`` (KKT certificate met), ``"infeasible"`` (0 lies in the constraint hull),
        ``"max_iter"`` (Frobenius active-set route only: the budget ran out before a certificate;
        ``W`` is the last iterate, see ``diagnostics``) or ``"failed"`` (the conic solver gave
        no solution; nuclear norm and the cvxpy route only).
    converged
        True for ``"optimal"`` and ``"infeasible"`` (a decision was reached).
    n_iter
        Gradient steps plus active-set rounds (``solver="active_set"``), 0 for ``"nnls"`` (scipy
        does not report it), the conic solver's iterations for cvxpy. Alias: ``iterations``.
    diagnostics
        Certificates: ``primal_violation`` (max(0, 1 - min margin)), ``dual_violation``
        (max(0, -min lambda)), ``complementarity`` (max |lambda (m - 1)|), ``stationarity``
        (``||W - sum lambda A||_F``, Frobenius; ``||sum lambda A||_op - 1``, nuclear),
        ``duality_gap`` (``|sum lambda - ||W||_F^2|`` or ``|sum lambda - ||W||_*|``) and, for the
        Frobenius norm, ``kkt_residual``: the largest of primal violation, dual violation,
        complementarity over ``max(1, max lambda)`` and stationarity over ``max(1, ||W||_F)``.
    W
        The (d, d) solution; all-NaN when infeasible or failed.
    margins
        (n, T) values ``(x_{i alpha_i} - x_it)^T W z_i``; NaN at ``alpha_i`` and masked tokens.
    support
        Per sample, the indices t with margin ``<= 1 + SUPPORT_TOL[norm]`` (the support tokens).
    multipliers
        (n, T) dual variables ``lambda_it`` with ``W = sum lambda_it A_it`` (Frobenius) or the
        conic solver's duals (nuclear); NaN at ``alpha_i`` and masked tokens; None if infeasible.
    norm
        ``"fro"`` or ``"nuc"``.
    solver
        ``"active_set"``, ``"nnls"`` or the cvxpy solver used.
    problem
        The :class:`AttSVMProblem` solved.
    """

    W: np.ndarray
    margins: np.ndarray
    support: tuple[np.ndarray, ...]
    multipliers: np.ndarray | None
    norm: str
    solver: str
    problem: AttSVMProblem | None = None

    @property
    def objective(self) -> float:
        """Alias of ``value`` (``||W||_F`` or ``||W||_*``)."""
        return self.value

    @property
    def iterations(self) -> int:
        """Alias of ``n_iter``."""
        return self.n_iter


def _ldp(G: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Least-distance program ``min ||w|| s.t. G w >= 1`` (Lawson-Hanson via NNLS, then polish).

    Returns ``(w, lam)`` with ``w = G^T lam``, or ``(None, None)`` when infeasible.
    """
    m, p = G.shape
    if m == 0:
        return np.zeros(p), np.zeros(0)
    scale = float(np.max(np.linalg.norm(G, axis=1)))
    if scale == 0.0:
        return None, None
    Gs = G / scale  # rows of norm <= 1: w_s = scale * w, lam = lam_s / scale^2
    E = np.vstack([Gs.T, np.ones((1, m))])
    f = np.zeros(p + 1)
    f[-1] = 1.0
    u, _ = nnls(E, f, maxiter=50 * (m + p + 1))
    total = float(u.sum())
    if total <= 0.0:
        return None, None
    # h = Gs^T u / sum(u) is the min-norm point p* of conv(rows of Gs); w_s = h / ||h||^2.
    # (Computing it from h rather than from 1 - sum(u) avoids the cancellation in that gap.)
    h = Gs.T @ (u / total)
    hh = float(h @ h)
    if hh < INFEASIBLE_RTOL**2:
        return None, None
    lam_s = (u / total) / hh
    lam_s = _polish(Gs, lam_s)
    w_s = Gs.T @ lam_s
    return w_s / scale, lam_s / scale**2


def _polish(Gs: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Re-solve the KKT system ``G_S G_S^T lam_S = 1`` on the support ``S``.

    Cholesky, two steps of iterative refinement; the result is kept when its multipliers are positive and
    its margins are no worse.
    """
    S = lam > 0
    if not np.any(S):
        return lam
    GS = Gs[S]
    gram = GS @ GS.T
    ones = np.ones(int(S.sum()))
    try:
        factor = cho_factor(gram)
    except np.linalg.LinAlgError:  # dependent support rows: keep the NNLS multipliers
        return lam
    sol = cho_solve(factor, ones)
    for _ in range(2):
        sol = sol + cho_solve(factor, ones - gram @ sol)
    if not np.all(np.isfinite(sol)) or np.any(sol <= 0):
        return lam
    cand = np.zeros_like(lam)
    cand[S] = sol
    old_w, new_w = Gs.T @ lam, Gs.T @ cand
    old_viol = max(0.0, 1.0 - float(np.min(Gs @ old_w)))
    new_viol = max(0.0, 1.0 - float(np.min(Gs @ new_w)))
    return cand if new_viol <= max(old_viol, 1e-13) else lam


def _per_token(values: np.ndarray, cons: Constraints, n: int, T: int) -> np.ndarray:
    out = np.full((n, T), np.nan)
    out[cons.sample, cons.token] = values
    return out


def _support(margins: np.ndarray, tol: float) -> tuple[np.ndarray, ...]:
    with np.errstate(invalid="ignore"):
        active = np.where(np.isnan(margins), False, margins <= 1.0 + tol)
    return tuple(np.flatnonzero(row) for row in active)


def _infeasible(n: int, T: int, d: int, norm: str, solver: str, status: str = "infeasible",
                n_iter: int = 0) -> AttSVMResult:
    return AttSVMResult(value=float("inf"), status=status, converged=status == "infeasible", n_iter=n_iter,
                        W=np.full((d, d), np.nan), margins=np.full((n, T), np.nan),
                        support=tuple(np.zeros(0, int) for _ in range(n)), multipliers=None, norm=norm,
                        solver=solver)


@dataclass(frozen=True)
class _FroSolution:
    """Outcome of the Frobenius route: W, multipliers and margins per constraint (original units)."""

    status: str  # "optimal" | "infeasible" | "max_iter"
    W: np.ndarray | None
    lam: np.ndarray | None
    margins: np.ndarray | None
    solver: str
    n_iter: int = 0


def _solve_fro(cons: Constraints, Z: np.ndarray, d: int, method: str, max_iter: int) -> _FroSolution:
    """Frobenius Att-SVM by the active-set route (NNLS fallback for small undecided problems) or NNLS.

    Infeasibility is decided as in the Lawson-Hanson route: the scaled min-norm hull point ``p*``
    (rows ``A_k / max ||A_k||``) has ``||p*|| < INFEASIBLE_RTOL``; the active-set optimum gives
    ``||p*|| = 1 / ||W_s||`` and any row gives ``||p*|| <= ||A_k|| / max ||A_k||``.
    """
    m = cons.D.shape[0]
    if method == "nnls":
        w, lam = _ldp(cons.G)
        if w is None or lam is None:
            return _FroSolution("infeasible", None, None, None, "nnls")
        W = w.reshape(d, d)
        return _FroSolution("optimal", W, lam, cons.G @ w, "nnls")
    if m == 0:
        return _FroSolution("optimal", np.zeros((d, d)), np.zeros(0), np.zeros(0), "active_set")
    norms = np.linalg.norm(cons.D, axis=1) * np.linalg.norm(cons.Q, axis=1)
    scale = float(norms.max())
    if scale == 0.0 or float(norms.min()) < INFEASIBLE_RTOL * scale:
        return _FroSolution("infeasible", None, None, None, "active_set")
    op = RankOneConstraints(D=cons.D / scale, Z=Z, sample=cons.sample)
    small = m * (d * d + 1) <= NNLS_FALLBACK_ENTRIES
    budget = min(max_iter, SMALL_BUDGET) if (method == "auto" and small) else max_iter
    out = solve_rank_one_ldp(op, max_iter=budget)
    if out.status == "optimal":
        if float(np.linalg.norm(out.W)) * INFEASIBLE_RTOL > 1.0:
            return _FroSolution("infeasible", None, None, None, "active_set", out.n_iter)
        return _FroSolution("optimal", out.W / scale, out.lam / scale**2, out.margins, "active_set",
                            out.n_iter)
    if method == "auto" and small:
        fallback = _solve_fro(cons, Z, d, "nnls", max_iter)
        return _FroSolution(fallback.status, fallback.W, fallback.lam, fallback.margins, "nnls", out.n_iter)
    return _FroSolution("max_iter", out.W / scale, out.lam / scale**2, out.margins, "active_set", out.n_iter)


def _fro_result(sol: _FroSolution, cons: Constraints, n: int, T: int, d: int) -> AttSVMResult:
    if sol.W is None or sol.lam is None or sol.margins is None:
        return _infeasible(n, T, d, "fro", sol.solver, n_iter=sol.n_iter)
    W, lam, margins = sol.W, sol.lam, sol.margins
    value = float(np.linalg.norm(W))
    recon = (cons.D * lam[:, None]).T @ cons.Q if lam.size else np.zeros((d, d))
    diag = {
        "primal_violation": max(0.0, 1.0 - float(margins.min())) if margins.size else 0.0,
        "dual_violation": max(0.0, -float(lam.min())) if lam.size else 0.0,
        "complementarity": float(np.max(np.abs(lam * (margins - 1.0)))) if lam.size else 0.0,
        "stationarity": float(np.linalg.norm(W - recon)),
        "duality_gap": abs(float(lam.sum()) - value**2),
    }
    lam_max = max(1.0, float(lam.max())) if lam.size else 1.0
    diag["kkt_residual"] = max(diag["primal_violation"], diag["dual_violation"],
                               diag["complementarity"] / lam_max, diag["stationarity"] / max(1.0, value))
    mt = _per_token(margins, cons, n, T)
    return AttSVMResult(value=value, status=sol.status, converged=sol.status == "optimal", n_iter=sol.n_iter,
                        diagnostics=diag, W=W, margins=mt, support=_support(mt, SUPPORT_TOL["fro"]),
                        multipliers=_per_token(lam, cons, n, T), norm="fro", solver=sol.solver)


def solve_att_svm(X: Any, Z: Any = None, alpha: Any = None, *, norm: str = "fro", mask: Any = None,
                  solver: str = "CLARABEL", method: str = "auto", max_iter: int = 5000) -> AttSVMResult:
    r"""Solve Att-SVM(alpha) in the Frobenius or the nuclear norm.

    .. math:: \min_W \|W\| \ \text{s.t.}\ (x_{i\alpha_i} - x_{it})^\top W z_i \ge 1,
              \ t \ne \alpha_i \text{ visible}.

    Parameters
    ----------
    X
        Tokens, shape (n, T, d), or an :class:`AttSVMProblem` (then ``Z``, ``alpha`` and ``mask``
        are omitted).
    Z
        Queries, shape (n, d).
    alpha
        Selected token per sample, integers in [0, T), shape (n,).
    norm
        ``"fro"``: exact route (see ``method``) with a KKT certificate at 1e-12; ``"nuc"``:
        cvxpy SDP (``solver``, SCS as fallback), ~1e-8 in the objective.
    mask
        Optional (n, T) booleans: False tokens are invisible (no constraint). ``mask[i, alpha_i]``
        must be True. Several queries and causal masks are flattened with :func:`flatten_queries`.
    solver
        cvxpy solver for ``norm="nuc"`` (default ``"CLARABEL"``).
    method
        Frobenius route (also used to decide feasibility for ``"nuc"``): ``"active_set"``
        (accelerated projected gradient on the dual, then primal-dual active-set rounds on the
        Gram matrix of the support, :mod:`theory.attention_svm.active_set`); ``"nnls"`` (the
        Lawson-Hanson least-distance route: one NNLS on the dense ``(d^2 + 1) x m`` matrix, then
        a KKT polish); ``"auto"`` (default): active set, and on problems with
        ``m (d^2 + 1) <= 2e6`` that it does not certify within 300 iterations (for instance
        infeasible ones), NNLS.
    max_iter
        Budget of the active-set route (gradient steps plus active-set rounds); when it runs
        out the status is ``"max_iter"``.

    Returns
    -------
    AttSVMResult
        Infeasibility (0 in the hull of the ``A_it``: the scaled min-norm hull point is below
        ``INFEASIBLE_RTOL``) is a status, never an exception; with no constraint at all the
        solution is ``W = 0``.

    Notes
    -----
    Source: TF-SVM (arXiv 2308.16898), Att-SVM problem; the dual is a non-negative
    least-distance program. Complexity, active set: ``O(K (m d + n d^2) + R (s^2 d + s^3))``
    for K gradient steps and R rounds on a support of size s (``m = n (T - 1)`` constraints at
    most), memory ``O(m d + s^2)``; NNLS: about ``O(m d^4)`` flops, memory ``O(m d^2)``.
    """
    problem = as_problem(X, Z, alpha, mask)
    norm = as_choice(norm, "norm", NORMS)
    method = as_choice(method, "method", METHODS)
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    return replace(_solve_att_svm(problem, norm, solver, method, max_iter), problem=problem)


def _solve_att_svm(problem: AttSVMProblem, norm: str, solver: str, method: str,
                   max_iter: int) -> AttSVMResult:
    X, Z, alpha, mask = (np.array(a) for a in (problem.X, problem.Z, problem.alpha, problem.mask))
    n, T, d = X.shape
    cons = build_constraints(X, Z, alpha, mask)
    sol = _solve_fro(cons, Z, d, method, max_iter)
    if norm == "fro":
        return _fro_result(sol, cons, n, T, d)
    if sol.status == "infeasible":
        return _infeasible(n, T, d, norm, solver)
    if sol.status != "optimal":
        return _infeasible(n, T, d, norm, solver, status="max_iter", n_iter=sol.n_iter)
    return _solve_conic(cons, n, T, d, "nuc", solver, fallback="SCS")


def solve_att_svm_cvxpy(X: Any, Z: Any = None, alpha: Any = None, *, norm: str = "fro", mask: Any = None,
                        solver: str = "CLARABEL", solver_options: Mapping[str, Any] | None = None
                        ) -> AttSVMResult:
    """Att-SVM through cvxpy alone (the independent reference route; cost of one conic solve).

    Same problem and result type as :func:`solve_att_svm`; infeasibility is the conic solver's
    verdict. With Clarabel's default tolerances W is accurate to about 1e-4 in its entries;
    ``solver_options`` (e.g. ``{"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}``
    for Clarabel) go to ``Problem.solve``. The Frobenius diagnostics include ``kkt_residual``
    with the definition of :func:`solve_att_svm` (duals rescaled to ``W = sum lambda A``).
    """
    problem = as_problem(X, Z, alpha, mask)
    norm = as_choice(norm, "norm", NORMS)
    n, T, d = problem.X.shape
    res = _solve_conic(problem.constraints, n, T, d, norm, solver, fallback=None,
                       options=dict(solver_options or {}))
    return replace(res, problem=problem)


def _solve_conic(cons: Constraints, n: int, T: int, d: int, norm: str, solver: str,
                 fallback: str | None, options: dict[str, Any] | None = None) -> AttSVMResult:
    import cvxpy as cp

    W = cp.Variable((d, d))
    m = cons.D.shape[0]
    objective = cp.normNuc(W) if norm == "nuc" else cp.norm(W, "fro")
    constraints = [cp.sum(cp.multiply(cons.D @ W, cons.Q), axis=1) >= 1] if m else []
    prob = cp.Problem(cp.Minimize(objective), constraints)
    used = solver
    for name in [solver] + ([fallback] if fallback else []):
        used = name
        try:
            # optimal_inaccurate: fallback solver, then status "failed"
            cvx_solve(prob, name, **(options or {}))
        except cp.error.SolverError:
            continue
        if prob.status in (cp.OPTIMAL, cp.INFEASIBLE):
            break
    if prob.status == cp.INFEASIBLE:
        return _infeasible(n, T, d, norm, used)
    if prob.status != cp.OPTIMAL or W.value is None:
        return _infeasible(n, T, d, norm, used, status="failed")
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
    diag = {
        "primal_violation": max(0.0, 1.0 - float(margins.min())) if m else 0.0,
        "dual_violation": max(0.0, -float(lam.min())) if m else 0.0,
        "complementarity": float(np.max(np.abs(lam * (margins - 1.0)))) if m else 0.0,
        "stationarity": stationarity,
        "duality_gap": gap,
    }
    if norm == "fro":
        lam_max = max(1.0, float(lam.max())) if m else 1.0
        diag["kkt_residual"] = max(diag["primal_violation"], diag["dual_violation"],
                                   diag["complementarity"] / lam_max, stationarity / max(1.0, value))
    mt = _per_token(margins, cons, n, T)
    its = prob.solver_stats.num_iters if prob.solver_stats is not None else None
    return AttSVMResult(value=value, status="optimal", converged=True, n_iter=int(its or 0), diagnostics=diag,
                        W=Wv, margins=mt, support=_support(mt, SUPPORT_TOL[norm]),
                        multipliers=_per_token(lam, cons, n, T), norm=norm, solver=used)


def is_feasible(X: Any, Z: Any, alpha: Any, *, mask: Any = None) -> bool:
    """Whether Att-SVM(alpha) is feasible, i.e. 0 is not in ``conv{A_it}``.

    Decided by the Frobenius route of :func:`solve_att_svm` (``method="auto"``).

    Raises
    ------
    RuntimeError
        When that route ends undecided (``"max_iter"``, large problems only).
    """
    X, Z, alpha, mask = validate_problem(X, Z, alpha, mask)
    sol = _solve_fro(build_constraints(X, Z, alpha, mask), Z, X.shape[2], "auto", 5000)
    if sol.status == "max_iter":
        raise RuntimeError("is_feasible: the active-set route ran out of iterations; call solve_att_svm "
                           "with a larger max_iter")
    return sol.status == "optimal"


def token_scores(X: Any, Y: Any, v: Any) -> np.ndarray:
    """Scores ``gamma_it = Y_i v^T x_it`` of a linear head, shape (n, T). Cost O(n T d)."""
    X = as_float_array(X, "X", ndim=3)
    Y = labels(Y, X.shape[0])
    v = as_float_array(v, "v", ndim=1)
    if v.shape != (X.shape[2],):
        raise ValueError(f"v: expected shape ({X.shape[2]},), got {v.shape}")
    return Y[:, None] * (X @ v)


def optimal_tokens(X: Any, Y: Any, v: Any) -> np.ndarray:
    """Return the optimal tokens ``opt_i = argmax_t Y_i v^T x_it`` (linear head), shape (n,).

    Raises
    ------
    ValueError
        On a tie: the two largest scores of a sample differ by at most ``1e-12 * max|gamma_i|``.
    """
    gamma = token_scores(X, Y, v)
    opt = np.argmax(gamma, axis=1)
    if gamma.shape[1] > 1:
        top2 = np.sort(gamma, axis=1)[:, -2:]
        scale = np.max(np.abs(gamma), axis=1)
        tied = top2[:, 1] - top2[:, 0] <= 1e-12 * scale
        if np.any(tied):
            raise ValueError(f"X, Y, v: the optimal token of sample {int(np.flatnonzero(tied)[0])} is not "
                             "unique (tied scores); perturb the data")
    return opt


def is_locally_optimal(X: Any, Z: Any, alpha: Any, scores: Any, *, norm: str = "fro",
                       mask: Any = None) -> bool:
    """Whether alpha is locally optimal: Att-SVM(alpha) is feasible and every support token scores lower.

    ``scores[i, alpha_i] > scores[i, t]`` for every support token ``t`` of sample i (tokens
    with margin 1 at the solution in ``norm``); interior tokens may score higher (TF-SVM,
    definition of locally optimal indices). Cost: one :func:`solve_att_svm`.
    """
    X, Z, alpha, mask = validate_problem(X, Z, alpha, mask)
    n, T, _ = X.shape
    scores = as_float_array(scores, "scores", ndim=2)
    if scores.shape != (n, T):
        raise ValueError(f"scores: expected shape ({n}, {T}), got {scores.shape}")
    res = solve_att_svm(X, Z, alpha, norm=norm, mask=mask)
    if res.status != "optimal":
        return False
    return all(bool(np.all(scores[i, alpha[i]] > scores[i, sup])) for i, sup in enumerate(res.support))


def correlation(A: Any, B: Any) -> float:
    """Cosine ``<A, B>_F / (||A||_F ||B||_F)`` (the papers' "correlation coefficient"). Cost O(size).

    Raises
    ------
    ValueError
        On a shape mismatch, non-finite entries or a zero matrix.
    """
    A = as_float_array(A, "A")
    B = as_float_array(B, "B")
    if A.shape != B.shape:
        raise ValueError(f"A, B: shapes differ, {A.shape} vs {B.shape}")
    na, nb = float(np.linalg.norm(A)), float(np.linalg.norm(B))
    if na == 0.0 or nb == 0.0:
        raise ValueError("A, B: correlation is undefined for a zero matrix")
    return float(np.vdot(A, B) / na / nb)


#: Largest number ``T**n`` of index vectors :func:`enumerate_alphas` enumerates.
MAX_ALPHAS = 10**7


def enumerate_alphas(n: int, T: int) -> Iterator[np.ndarray]:
    """All ``T**n`` index vectors alpha in lexicographic order (small n, T only).

    ``n`` and ``T`` are validated when called (not when the iterator is first advanced):
    integers >= 1 with ``T**n <= MAX_ALPHAS`` (and ``n <= MAX_ALPHAS``), else ``ValueError``
    naming them. The vectors are produced lazily, O(n) memory each.
    """
    nn = as_int(n, "n", min_value=1, max_value=MAX_ALPHAS)
    tt = as_int(T, "T", min_value=1, max_value=MAX_ALPHAS)
    if tt > 1 and nn * math.log(tt) > math.log(MAX_ALPHAS):
        raise ValueError(f"n, T: T**n = {tt}**{nn} index vectors exceed {MAX_ALPHAS:.0e}; "
                         "enumerate only small instances")
    return (np.array(combo, dtype=np.int64) for combo in itertools.product(range(tt), repeat=nn))
