"""The Att-SVM result type and the pieces that the exact solver and the reference route share.

Re-exported by :mod:`theory.attention_svm.svm` (the documented home of :class:`AttSVMResult`);
used by :mod:`theory.attention_svm.reference` and :mod:`theory.attention_svm.equivalence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.optimize import nnls

from theory._result import SolverResult
from theory.attention_svm.problem import AttSVMProblem, Constraints

#: The relative size of the min-norm hull point below which the problem is declared infeasible.
INFEASIBLE_RTOL = 1e-8
#: Margin slack below which a constraint counts as active (support), per norm.
SUPPORT_TOL = {"fro": 1e-6, "nuc": 1e-4}
NORMS = ("fro", "nuc")
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


def ldp(G: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
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


def per_token(values: np.ndarray, cons: Constraints, n: int, T: int) -> np.ndarray:
    out = np.full((n, T), np.nan)
    out[cons.sample, cons.token] = values
    return out


def support_sets(margins: np.ndarray, tol: float) -> tuple[np.ndarray, ...]:
    with np.errstate(invalid="ignore"):
        active = np.where(np.isnan(margins), False, margins <= 1.0 + tol)
    return tuple(np.flatnonzero(row) for row in active)


def infeasible_result(n: int, T: int, d: int, norm: str, solver: str, status: str = "infeasible",
                n_iter: int = 0) -> AttSVMResult:
    return AttSVMResult(value=float("inf"), status=status, converged=status == "infeasible", n_iter=n_iter,
                        W=np.full((d, d), np.nan), margins=np.full((n, T), np.nan),
                        support=tuple(np.zeros(0, int) for _ in range(n)), multipliers=None, norm=norm,
                        solver=solver)




def certificates(margins: np.ndarray, lam: np.ndarray, stationarity: float, duality_gap: float, *,
                 value: float, norm: str) -> dict[str, float]:
    """KKT certificates of a solution (see :class:`AttSVMResult`), per constraint in original units.

    ``primal_violation = max(0, 1 - min margin)``, ``dual_violation = max(0, -min lambda)``,
    ``complementarity = max |lambda (m - 1)|``, the given stationarity and duality gap and, for
    the Frobenius norm, ``kkt_residual``: the largest of the first three (complementarity over
    ``max(1, max lambda)``) and stationarity over ``max(1, ||W||_F)``.
    """
    m = margins.size
    diag = {
        "primal_violation": max(0.0, 1.0 - float(margins.min())) if m else 0.0,
        "dual_violation": max(0.0, -float(lam.min())) if m else 0.0,
        "complementarity": float(np.max(np.abs(lam * (margins - 1.0)))) if m else 0.0,
        "stationarity": stationarity,
        "duality_gap": duality_gap,
    }
    if norm == "fro":
        lam_max = max(1.0, float(lam.max())) if m else 1.0
        diag["kkt_residual"] = max(diag["primal_violation"], diag["dual_violation"],
                                   diag["complementarity"] / lam_max, stationarity / max(1.0, value))
    return diag


def result(margins: np.ndarray, lam: np.ndarray, cons: Constraints, n: int, T: int, *, W: np.ndarray,
           value: float, status: str, n_iter: int, diagnostics: dict[str, float], norm: str,
           solver: str) -> AttSVMResult:
    """Build the result of a solution given per constraint (margins, multipliers) in original units."""
    mt = per_token(margins, cons, n, T)
    return AttSVMResult(value=value, status=status, converged=status == "optimal", n_iter=n_iter,
                        diagnostics=diagnostics, W=W, margins=mt, support=support_sets(mt, SUPPORT_TOL[norm]),
                        multipliers=per_token(lam, cons, n, T), norm=norm, solver=solver)
