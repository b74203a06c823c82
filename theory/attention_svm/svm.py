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
Clarabel (SCS as fallback) by :func:`theory.attention_svm.reference.solve_att_svm_cvxpy`;
feasibility is decided first by the exact Frobenius route, since both problems share their
feasible set.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from theory._validate import as_choice, as_float_array, as_int
from theory.attention_svm._core import (
    INFEASIBLE_RTOL,
    NORMS,
    SUPPORT_TOL,
    AttSVMResult,
    certificates,
    infeasible_result,
    ldp,
    result,
)
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
from theory.attention_svm.reference import solve_att_svm_cvxpy

# Re-exported from their own modules (_core, problem, flatten, reference) so that imports from svm
# keep working.
__all__ = [
    "INFEASIBLE_RTOL", "SUPPORT_TOL", "AttSVMProblem", "AttSVMResult", "Constraints", "FlatQueries",
    "build_constraints", "correlation",
    "enumerate_alphas", "flatten_queries", "is_feasible", "is_locally_optimal", "optimal_tokens",
    "solve_att_svm", "solve_att_svm_cvxpy", "token_scores",
]

#: Frobenius routes of :func:`solve_att_svm`.
METHODS = ("auto", "active_set", "nnls")
#: ``m (d^2 + 1)`` up to which ``method="auto"`` falls back to NNLS when the active set is undecided.
NNLS_FALLBACK_ENTRIES = 2_000_000
#: Active-set budget of ``method="auto"`` on those small problems before the fallback.
SMALL_BUDGET = 300


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
        w, lam = ldp(cons.G)
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
        return infeasible_result(n, T, d, "fro", sol.solver, n_iter=sol.n_iter)
    W, lam, margins = sol.W, sol.lam, sol.margins
    value = float(np.linalg.norm(W))
    recon = (cons.D * lam[:, None]).T @ cons.Q if lam.size else np.zeros((d, d))
    diag = certificates(margins, lam, float(np.linalg.norm(W - recon)), abs(float(lam.sum()) - value**2),
                        value=value, norm="fro")
    return result(margins, lam, cons, n, T, W=W, value=value, status=sol.status, n_iter=sol.n_iter,
                  diagnostics=diag, norm="fro", solver=sol.solver)


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
        return infeasible_result(n, T, d, norm, solver)
    if sol.status != "optimal":
        return infeasible_result(n, T, d, norm, solver, status="max_iter", n_iter=sol.n_iter)
    return solve_att_svm_cvxpy(problem, norm="nuc", solver=(solver, "SCS"))


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
