"""Sparsity-constrained optimal transport: the driver :func:`solve_sparse_ot` and its result.

Problem (Liu, Puigcerver, Blondel, "Sparsity-Constrained Optimal Transport", ICLR 2023)::

    P_k = min_{T in U(a, b)} <T, C> + (gamma/2) ||T||_F^2   s.t.  ||t_j||_0 <= k  for every column j

with ``U(a, b) = {T >= 0 : T 1 = a, T^T 1 = b}``. The primal is nonconvex; its two duals are convex::

    D_k = max_{alpha, beta} <alpha, a> + <beta, b> - sum_j Omega_k^*(alpha + beta_j 1 - c_j)
    S_k = max_alpha <alpha, a> - sum_j b_j M_{k, gamma b_j}(alpha - c_j)

and ``S(alpha) = D(alpha, beta(alpha))`` exactly with ``beta_j(alpha) = -gamma b_j theta_j(alpha)``
(``theta_j`` the threshold of the sparse simplex projection), so ``S_k = D_k``. Both equal the
relaxation ``R_k = min_{T in U} <T, C> + (gamma/2) sum_j ||t_j||_{sp,k}^2 <= P_k``. Plans are the
gradient maps of the conjugates; they have at most k nonzeros per column by construction.

Every run ends with a certificate (:mod:`theory.sparse_ot._certificate`): a feasible k-sparse
plan polished on the dual's support, whose objective minus the dual value bounds the
suboptimality of both. The pieces live in private modules re-exported here: ``_problem``
(validation, normalisation), ``_objectives`` (objectives, gradients, plan recovery), ``_lbfgs``
(our L-BFGS), ``_qot`` (quadratic OT, exact-OT potentials), ``_certificate`` (polishing, repair).
Everything is numpy/scipy; POT is used only for the exact-OT potentials (``ot.emd``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from theory._result import SolverResult
from theory._validate import (
    as_choice,
    as_cost_matrix,
    as_float_array,
    as_int,
    as_nonnegative,
    as_positive_float,
)
from theory.sparse_ot._certificate import Polished, certify, polish_on_support, support_feasible
from theory.sparse_ot._lbfgs import LBFGSRun, maximize
from theory.sparse_ot._newton import newton_ascent
from theory.sparse_ot._objectives import (
    beta_from_alpha,
    dual_objective,
    marginal_error,
    objective_and_cost,
    plan_from_dual,
    plan_from_semi_dual,
    relaxed_primal_value,
    semi_dual_objective,
    semi_dual_parts,
)
from theory.sparse_ot._problem import MASS_RTOL, SparseOTProblem, normalise, sparse_ot_problem
from theory.sparse_ot._qot import PlanAliases, QuadraticOTResult, ot_potentials, qot_run, quadratic_ot
from theory.sparse_ot._smoothing import smoothing_continuation

__all__ = [
    "FORMULATIONS", "MASS_RTOL", "SPARSITIES", "STATUSES", "QuadraticOTResult", "SparseOTProblem",
    "SparseOTResult", "_Run", "_maximize", "_support_feasible", "beta_from_alpha", "dual_objective",
    "plan_from_dual", "plan_from_semi_dual", "polish_on_support", "quadratic_ot", "relaxed_primal_value",
    "semi_dual_objective", "solve_sparse_ot", "sparse_ot_problem",
]

#: Former names of internals that this module exported, kept for compatibility.
_Run, _maximize, _support_feasible = LBFGSRun, maximize, support_feasible

FORMULATIONS = ("semi-dual", "dual")
SPARSITIES = ("column", "row")

#: Statuses of :class:`SparseOTResult`.
STATUSES = ("optimal", "feasible", "infeasible", "no_feasible_plan", "max_iter")

#: Largest m * n for the smoothing-continuation finish of stalled runs.
_SMOOTH_MAX_SIZE = 2500

#: Most semi-smooth Newton iterations on the semi-dual before the L-BFGS rounds.
_NEWTON_MAX_ITER = 200

#: Large problems whose Newton phase stalls: L-BFGS iterations per smoothing stage, candidate rows
#: per column beyond k, and the stages (``mu`` from 100 times the median largest ``q`` of a column,
#: divided by 10 at every stage).
_SMOOTH_STAGE_ITER, _SMOOTH_EXTRA_ROWS, _SMOOTH_STAGES = 100, 7, 6

#: Rounds of (dual L-BFGS, exact beta update) for ``formulation="dual"``.
_DUAL_ROUNDS = 10

#: Largest L-BFGS budget of the quadratic-OT warm start for ``1 < k < m``.
_WARM_MAX_ITER = 100

#: A dual round that gains less than this fraction of the remaining gap ends the run.
_STAGNATION = 1e-2

#: Most dual rounds (each followed by a certificate) of one run.
_MAX_ROUNDS = 25

#: L-BFGS iterations of the first dual round between two certificates (doubled every round).
_FIRST_CHUNK = 50


@dataclass(frozen=True)
class SparseOTResult(PlanAliases, SolverResult):
    """Result of :func:`solve_sparse_ot` (core fields of :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        Dual value at the returned potentials, ``S(alpha) = D(alpha, beta(alpha))`` (both
        formulations; the semi-dual form is the numerically stable one): a certified lower bound
        on ``D_k <= P_k`` (evaluated exactly, whatever the iterate).
    status
        ``"optimal"`` when the certified relative gap ``relative_gap <= tol``; ``"feasible"`` when a
        feasible k-sparse plan was found but the gap stays above ``tol`` after the dual stopped
        (the nonconvex primal may have a duality gap ``P_k > D_k``, as instance A at k = 2, or the
        plan may be suboptimal); ``"no_feasible_plan"`` when no k-sparse plan carrying the
        marginals was found (for generic marginals none exists when ``n k < m + n - 1``);
        ``"infeasible"`` when the mixed-integer LP over all rows proved that none exists;
        ``"max_iter"`` when the iteration budget ended before the certificate.
    converged
        ``status == "optimal"`` or the dual maximiser met its gradient test (k = 1: the exact-OT
        potentials are optimal).
    n_iter
        L-BFGS iterations on the dual (warm start included); polishing iterations are in
        ``diagnostics["n_iter_polish"]``.
    plan
        Recovered plan (gradient map of the conjugate): at most k nonzeros per column (per row for
        ``sparsity="row"``); the semi-dual plan has exact column sums, its row sums equal ``a``
        only at a differentiable optimum (no duality gap).
    primal_value, transport_cost
        ``<T, C> + (gamma/2)||T||_F^2`` and ``<T, C>`` of ``plan`` (not an upper bound on ``P_k``
        unless ``marginal_error`` is ~0; it may lie below ``value`` in gap cases).
    alpha, beta
        Potentials of ``a`` (length m) and ``b`` (length n); semi-dual: ``beta = beta(alpha)``.
    marginal_error
        ``max(||T 1 - a||_inf, ||T^T 1 - b||_inf)`` of ``plan``.
    polished_value, polished_plan
        The certificate: a feasible plan with at most k nonzeros per column (marginal error
        ``diagnostics["certificate_marginal_error"]``, below ``1e-9`` relative to the mass) and its
        objective, an upper bound on ``P_k``; ``inf``/``None`` when none was found. Computed on
        every run (the ``polish`` option is kept for compatibility).
    gap, relative_gap
        ``polished_value - value >= P_k - D_k >= 0`` (it can be negative at rounding level, about
        1e-10 relative), and the same divided by ``max(polished_value - shift, 1e-12 sum(a) s)``
        where ``shift = <u, a> + <v, b>`` removes the row and column minima ``u, v`` of the cost
        (then every objective is positive) and ``s`` is the range of the reduced cost; invariant
        under shifts and scalings of the cost and the masses. ``inf`` without a feasible plan.
    k, gamma, formulation, sparsity
        The (clipped) sparsity and the options of the run.
    diagnostics
        ``n_eval``, ``restarts``, ``trace`` (objective value at every evaluation, original units),
        ``n_iter_polish``, ``certificate_route`` (``"top-k"`` mask of the dual, ``"hall"``,
        ``"emd"``, ``"milp"`` or ``"chain"`` repair, ``"none"``), ``certificate_marginal_error``,
        ``dual_status`` (the maximiser's own status: ``"converged"``, ``"stalled"``,
        ``"max_iter"``, ``"exact_warm_start"``), ``smoothed`` (a stalled run continued by
        smoothing the top-k selection; ``n_eval_smoothing`` evaluations of the smoothed dual),
        ``stagnated`` (stopped because a dual round gained less than 1e-2 of the remaining gap),
        ``gap_bound`` (= ``gap``), ``gap_scale`` (the denominator of ``relative_gap`` in the units
        of the problem: ``(U - D) / gap_scale`` is the relative gap of any pair of bounds),
        ``certificates``
        (``(seconds, value, upper bound)`` at every certificate, original units).
    """

    plan: np.ndarray
    primal_value: float
    transport_cost: float
    alpha: np.ndarray
    beta: np.ndarray
    marginal_error: float
    polished_value: float
    polished_plan: np.ndarray | None
    gap: float
    relative_gap: float
    k: int
    gamma: float
    formulation: str
    sparsity: str

    @property
    def feasible_plan(self) -> np.ndarray | None:
        """Alias of ``polished_plan`` (the certificate's feasible k-sparse plan)."""
        return self.polished_plan


@dataclass
class _Solved:
    """Outcome of :func:`_solve_columns` on the normalised problem."""

    alpha: np.ndarray
    beta: np.ndarray
    value: float
    plan: np.ndarray
    status: str
    converged: bool
    n_iter: int
    polished: Polished | None
    relative_gap: float
    diagnostics: dict[str, Any]


def solve_sparse_ot(a: object, b: object, C: object, *, k: int, gamma: float,
                    formulation: str = "semi-dual", sparsity: str = "column", polish: bool = False,
                    tol: float = 1e-10, max_iter: int = 10000, warm_start: bool = True,
                    alpha_init: object | None = None) -> SparseOTResult:
    """Sparsity-constrained OT: at most ``k`` nonzeros per column (or row) of the plan, certified.

    Maximises the semi-dual ``S_k(alpha)`` or the dual ``D_k(alpha, beta)`` (both convex, equal
    optima, nonsmooth for ``k < m``), recovers the plan as the gradient map (Liu, Puigcerver,
    Blondel, ICLR 2023), and certifies the run. The semi-dual is first climbed by semi-smooth
    Newton steps (:mod:`theory.sparse_ot._newton`; generalised Hessian = a graph Laplacian on the
    rows, conjugate gradients, Armijo line search), which converge in tens of steps near a
    differentiable optimum; where Newton stalls at a kink of a large problem, Nesterov smoothing
    of the top-k selection with continuation (:mod:`theory.sparse_ot._smoothing`) follows. Then
    rounds of our L-BFGS (weak-Wolfe line search, analytic gradients; the dual formulation
    alternates joint steps with the exact update ``beta <- beta(alpha)`` and skips Newton) of 50,
    100, 200, ... iterations, each followed by a certificate: the quadratic OT restricted to the
    k best rows of every column (the dual's support) gives a feasible k-sparse plan of value
    ``U >= P_k`` and restricted potentials ``alpha_hat`` whose ``S(alpha_hat)`` often closes the
    gap (an active-set step). The run stops when ``(U - value) / scale <= tol``
    (``status="optimal"``), when the dual stops improving (or after 25 rounds), or at
    ``max_iter``. A top-k support that cannot carry the marginals is repaired by swaps (Hall's
    condition), replaced by a pruned exact-OT support, on small problems by one from a
    mixed-integer LP, and as a last resort (k >= 2) by a support built from the masses alone
    (:mod:`theory.sparse_ot._feasible`: at most 2 rows per column, filled up with the dual's
    best rows, with the basic solution of the transport LP on it); small stalled runs are
    finished by smoothing the top-k selection.

    The problem is solved in a normalised form (unit mass, cost reduced by its row/column minima
    and divided by its range, ``gamma`` rescaled accordingly; spec Sec. 2.7), so extreme masses
    or magnitudes (``1e-300``, ``1e12``) behave like ordinary ones.

    Parameters
    ----------
    a, b
        Non-negative marginals (m,), (n,) with equal totals (relative ``1e-9``; ``b`` is then
        rescaled by a factor within ``1e-9`` of 1 so that the totals match exactly).
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
        Kept for compatibility: the certificate (``polished_value``, ``polished_plan``) is always
        computed.
    tol
        Target relative gap and the L-BFGS gradient tolerance (normalised units).
    max_iter
        Dual iteration budget (warm start, Newton, smoothing and L-BFGS together); polishing
        has its own budget of the same size per certificate.
    warm_start
        Start at exact-OT potentials for ``k = 1`` (optimal: then no iterations are run); for
        ``1 < k < m`` at whichever of the quadratic-OT semi-dual solution (a quarter of
        ``max_iter``, at most 100 iterations) and the exact-OT potentials has the larger
        ``S_k``, except for the semi-dual of problems with ``m n > 2500``, where Newton starts at
        ``alpha = 0`` (measured faster: m = n = 2000, k = 20, 4.8 s against 10.6 s after the
        100-iteration warm start); ``False`` starts at ``alpha = 0``.
    alpha_init
        Explicit starting ``alpha`` (length m, or n for rows); overrides ``warm_start``.

    Returns
    -------
    SparseOTResult
        Statuses: ``"optimal"``, ``"feasible"``, ``"infeasible"``, ``"no_feasible_plan"``,
        ``"max_iter"``.

    Notes
    -----
    One dual evaluation costs O(mn + n k log k) time, O(mn) memory; a certificate one LP on the
    n k candidate entries plus O(n k log k) per restricted evaluation. For ``k = 1`` the
    semi-dual is the OT semi-dual plus ``(gamma/2)||b||^2``, so ``value = OT + (gamma/2)||b||^2``;
    ties among the maximisers of a column are broken by the largest entry of the exact OT plan.
    The one-hot plan is generally infeasible (``P_1 > D_1``).
    """
    form = as_choice(formulation, "formulation", FORMULATIONS)
    spars = as_choice(sparsity, "sparsity", SPARSITIES)
    if not isinstance(polish, bool):
        raise ValueError(f"polish: expected a bool, got {polish!r}")
    if not isinstance(warm_start, bool):
        raise ValueError(f"warm_start: expected a bool, got {warm_start!r}")
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
    Pn, sc = normalise(P)
    x0 = None
    if alpha_init is not None:
        x0 = as_float_array(alpha_init, "alpha_init", ndim=1)
        if x0.shape != (m,):
            raise ValueError(f"alpha_init: expected length {m}, got shape {x0.shape}")
        x0 = (x0 - sc.u) / sc.cost
    s = _solve_columns(Pn, form, tol, max_iter, warm_start and x0 is None, x0)
    T = sc.mass * s.plan
    primal_value, cost = objective_and_cost(T, P.C, P.gamma)
    diag = dict(s.diagnostics)
    diag["trace"] = [sc.value(v) for v in diag["trace"]]
    diag["certificates"] = [(t, sc.value(lo), sc.value(up)) for t, lo, up in diag["certificates"]]
    if s.polished is not None:
        T_cert = sc.mass * s.polished.plan
        T_pol: np.ndarray | None = T_cert
        pol_value = objective_and_cost(T_cert, P.C, P.gamma)[0]
        gap = sc.gap(s.polished.value - s.value)
        diag["certificate_marginal_error"] = sc.mass * s.polished.marginal_error
        diag["gap_scale"] = sc.gap(max(abs(s.polished.value), 1e-12))
    else:
        T_pol, pol_value, gap = None, float("inf"), float("inf")
    diag["gap_bound"] = gap
    res = SparseOTResult(
        T, primal_value, cost, sc.cost * s.alpha + sc.u, sc.cost * s.beta + sc.v,
        marginal_error(T, P.a, P.b), pol_value, T_pol, gap, s.relative_gap, P.k, P.gamma, form,
        "column", value=sc.value(s.value), status=s.status, converged=s.converged, n_iter=s.n_iter,
        diagnostics=diag)
    if spars == "column":
        return res
    return replace(res, plan=res.plan.T, alpha=res.beta, beta=res.alpha, sparsity="row",
                   polished_plan=None if T_pol is None else T_pol.T)


def _rel_gap(upper: float, lower: float) -> float:
    """Compute ``(U - L) / max(U, 1e-12)`` on the normalised problem (unit mass, costs in [0, 1]).

    Here ``U >= gamma ||b||^2 / (2k) > 0``; the floor keeps it finite when the reduced cost and ``gamma``
    vanish together.
    """
    return (upper - lower) / max(abs(upper), 1e-12)


def _solve_columns(P: SparseOTProblem, form: str, tol: float, max_iter: int, warm: bool,
                   x0: np.ndarray | None) -> _Solved:
    """Return the column problem ``P`` (normalised): warm start, dual rounds, certificates."""
    t_start = time.perf_counter()
    m, n = P.shape
    k = P.k
    tie_plan: np.ndarray | None = None
    n_iter = 0
    dual_status = "max_iter"
    trace: list[float] = []
    n_eval = restarts = 0

    def S(x: np.ndarray) -> tuple[float, np.ndarray]:
        return semi_dual_objective(x, P)

    # Gradient test relative to the marginals; stall test relative to the objective, whose scale
    # is bounded below by the quadratic term: U >= gamma ||b||^2 / (2k) (spec Sec. 2.5).
    gtol = tol * float(min(np.max(P.a), np.max(P.b)))
    ftol = 1e-2 * tol * 0.5 * P.gamma * float(P.b @ P.b) / k

    if x0 is None and warm and k == 1:
        pot = ot_potentials(P)
        if pot is not None:
            x0, tie_plan = pot
            dual_status = "exact_warm_start"
    newton_start = form == "semi-dual" and 1 < k < m and m * n > _SMOOTH_MAX_SIZE
    if x0 is None and warm and not newton_start:
        # the full solve when k = m; otherwise a warm start with a quarter of the budget
        # (large semi-dual problems start Newton at alpha = 0: measured faster than any warm start)
        budget = max_iter if k == m else max(10, min(max_iter // 4, _WARM_MAX_ITER))
        qrun = qot_run(P, gtol, budget, finish=k == m, ftol=ftol)
        x0, n_iter = qrun.x, qrun.n_iter
        n_eval, trace = qrun.n_eval, list(qrun.trace)
        if k == m:
            dual_status = qrun.status
        else:
            # Exact-OT potentials are the better start for small gamma: keep the larger S_k.
            pot = ot_potentials(P)
            if pot is not None and S(pot[0])[0] > S(x0)[0]:
                x0 = pot[0]
    if x0 is None:
        x0 = np.zeros(m)
    alpha = np.asarray(x0, dtype=np.float64)

    if form == "dual" and tie_plan is None:
        with np.errstate(over="ignore", invalid="ignore"):  # see _dual_rounds
            alpha, n_it, n_ev, tr, dual_status, restarts = _dual_rounds(P, alpha, gtol, max_iter - n_iter)
        n_iter, n_eval = n_iter + n_it, n_eval + n_ev
        trace.extend(tr)
    smooth_first = False
    if form == "semi-dual" and tie_plan is None and 1 < k < m and n_iter < max_iter:
        # semi-smooth Newton: converges in a few steps near a differentiable optimum; where it
        # stalls (a kink) the L-BFGS rounds below take over from its point
        newton = newton_ascent(lambda x: semi_dual_parts(x, P, k)[:4], alpha, P.gamma, tol=gtol,
                               max_iter=min(_NEWTON_MAX_ITER, max_iter - n_iter), ftol=ftol)
        alpha, n_iter, n_eval = newton.x, n_iter + newton.n_iter, n_eval + newton.n_eval
        trace.extend(newton.trace)
        dual_status = "converged" if newton.status == "converged" else dual_status
        smooth_first = newton.status != "converged" and newton_start
    value = S(alpha)[0]
    if not trace:
        trace.append(value)
    dual_done = dual_status in ("converged", "exact_warm_start")
    best: Polished | None = None
    route = "none"
    n_iter_polish = 0
    chunk = _FIRST_CHUNK
    smoothed = proven_infeasible = stagnated = False
    n_eval_smoothing = rounds = 0
    certificates: list[tuple[float, float, float]] = []
    cache: dict[str, Any] = {}
    ptol = max(1e-15, 1e-2 * gtol)

    def certify_at(alpha: np.ndarray, value: float) -> tuple[np.ndarray, float]:
        nonlocal best, route, n_iter_polish, proven_infeasible
        cert = certify(P, alpha, beta_from_alpha(alpha, P), tol=ptol, max_iter=max_iter,
                       repair=not proven_infeasible, cache=cache)
        proven_infeasible = proven_infeasible or cert.infeasible
        pol = cert.polished
        if pol is not None:
            n_iter_polish += pol.n_iter
            if best is None or pol.value < best.value:
                best, route = pol, cert.route
            if tie_plan is None:  # an active-set step: the restricted potentials as a dual point
                v_hat = S(pol.alpha)[0]
                if v_hat > value + 1e-13 * max(1.0, abs(value)):  # more than rounding
                    trace.append(v_hat)
                    alpha, value = pol.alpha, v_hat
        certificates.append((time.perf_counter() - t_start, value,
                             float("inf") if best is None else best.value))
        return alpha, value

    if smooth_first:
        # Newton stalled at a kink of a large problem: smoothing with continuation, certifying
        # every third stage (a stage's exact S(alpha) is a lower bound whatever its smoothing);
        # the last stage's point is certified by the first round below
        stage = 0

        def on_stage(x: np.ndarray, v: float) -> bool:
            nonlocal alpha, value, stage
            stage += 1
            if v > value:
                alpha, value = x, v
            if stage % 3 == 0 and stage < len(mus):
                alpha, value = certify_at(alpha, value)
                return best is not None and _rel_gap(best.value, value) <= tol
            return False

        beta = beta_from_alpha(alpha, P)
        mus = _smoothing_schedule(P, alpha, beta)
        _, _, it_s, n_eval_smoothing = smoothing_continuation(
            P, alpha, beta, gtol, max_iter - n_iter, mus=mus,
            stage_iter=_SMOOTH_STAGE_ITER, width=min(m, k + _SMOOTH_EXTRA_ROWS), on_stage=on_stage)
        n_iter += it_s
        smoothed = True
        trace.append(value)
    while True:
        alpha, value = certify_at(alpha, value)
        if best is not None and _rel_gap(best.value, value) <= tol:
            break
        if dual_done or n_iter >= max_iter:
            break
        run = maximize(S, alpha, tol=gtol, max_iter=min(chunk, max_iter - n_iter),
                        ftol=max(ftol, 1e-2 * tol * abs(value)))
        n_iter, n_eval, restarts = n_iter + run.n_iter, n_eval + run.n_eval, restarts + run.restarts
        trace.extend(run.trace)
        gain = run.value - value
        if gain > 0 or (run.status == "converged" and gain >= -1e-13 * abs(value)):
            # a converged point is a maximiser whose gradient map is a feasible plan: prefer it to
            # an equally good point (restricted potentials) whose tie-breaking may not be
            alpha, value = run.x, run.value
        dual_status = run.status
        if run.status == "converged" or (run.status == "stalled" or best is None) and \
                gain <= 1e-2 * tol * abs(value):
            dual_done = True  # converged, or no longer moving (a kink, or no plan to certify)
        rounds += 1
        if rounds >= _MAX_ROUNDS:
            dual_done = True
        if best is not None and gain <= _STAGNATION * (best.value - value):
            # the dual moves by a small fraction of the gap: the gap is the primal's (or a duality
            # gap of the nonconvex problem), more dual iterations would not certify
            dual_done, stagnated = True, True
        chunk *= 2

    certified = best is not None and _rel_gap(best.value, value) <= tol
    if not certified and 1 < k < m and m * n <= _SMOOTH_MAX_SIZE and n_iter < max_iter and \
            dual_status not in ("converged", "exact_warm_start"):
        # Small problems: finish by smoothing the top-k selection with continuation.
        scale = max(1.0, float(np.max(np.abs(P.C))))
        a_s, v_s, it_s, n_eval_smoothing = smoothing_continuation(
            P, alpha, beta_from_alpha(alpha, P), gtol, max_iter - n_iter,
            mus=[mu * scale for mu in (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)])
        n_iter += it_s
        if v_s > value + 1e-13 * abs(value):  # more than rounding
            alpha, value, smoothed = a_s, v_s, True
            trace.append(value)
            alpha, value = certify_at(alpha, value)
    beta = beta_from_alpha(alpha, P)
    if tie_plan is not None:
        T = _one_hot_plan(alpha, P, tie_plan)
    elif form == "semi-dual":
        T = plan_from_semi_dual(alpha, P)
    else:
        T = plan_from_dual(alpha, beta, P)
    rel = float("inf") if best is None else _rel_gap(best.value, value)
    if rel <= tol:
        status = "optimal"
    elif best is None and proven_infeasible:
        status = "infeasible"
    elif best is None:
        status = "no_feasible_plan" if (dual_done or n_iter < max_iter) else "max_iter"
    elif not dual_done and n_iter >= max_iter:
        status = "max_iter"
    else:
        status = "feasible"
    converged = status == "optimal" or dual_status in ("converged", "exact_warm_start")
    diag: dict[str, Any] = {"n_eval": n_eval, "restarts": restarts, "trace": trace,
                            "n_iter_polish": n_iter_polish, "certificate_route": route,
                            "dual_status": dual_status, "smoothed": smoothed,
                            "certificates": certificates, "stagnated": stagnated,
                            "n_eval_smoothing": n_eval_smoothing}
    return _Solved(alpha, beta, float(value), T, status, converged, n_iter, best, rel, diag)


def _dual_rounds(P: SparseOTProblem, alpha: np.ndarray, tol: float, max_iter: int
                 ) -> tuple[np.ndarray, int, int, list[float], str, int]:
    """Run L-BFGS on ``(alpha, beta)`` alternating with the exact block update ``beta <- beta(alpha)``.

    The update raises ``D`` to ``S(alpha)``; a round that gains at most ``tol * max(1, |D|)`` ends it.
    Returns ``alpha``, iterations, evaluations, trace, the last status and restarts.
    """
    m = P.a.shape[0]

    def fun(z: np.ndarray) -> tuple[float, np.ndarray]:
        # for gamma ~ 1e-300 (tiny masses) [s]_+^2 / gamma overflows: an infinite value is
        # rejected by the line search, and the semi-dual rounds that follow are stable
        v, ga, gb = dual_objective(z[:m], z[m:], P)
        return v, np.concatenate([ga, gb])

    z0 = np.concatenate([alpha, beta_from_alpha(alpha, P)])
    drun = maximize(fun, z0, tol=tol, max_iter=max(max_iter, 1))
    n_iter, n_eval, trace = drun.n_iter, drun.n_eval, list(drun.trace)
    z, value, status = drun.x, drun.value, drun.status
    for _ in range(_DUAL_ROUNDS):
        if status == "converged" or n_iter >= max_iter:
            break
        z_b = np.concatenate([z[:m], beta_from_alpha(z[:m], P)])
        nxt = maximize(fun, z_b, tol=tol, max_iter=max_iter - n_iter)
        n_iter, n_eval = n_iter + nxt.n_iter, n_eval + nxt.n_eval + 1
        trace.extend(nxt.trace)
        gain = nxt.value - value
        if gain > 0:
            z, value, status = nxt.x, nxt.value, nxt.status
        if gain <= tol * max(1.0, abs(value)):
            break
    return z[:m], n_iter, n_eval, trace, status, drun.restarts


def _smoothing_schedule(P: SparseOTProblem, alpha: np.ndarray, beta: np.ndarray) -> list[float]:
    """Return the smoothing levels ``mu_s = 100 q_med 10^-s``, ``s < _SMOOTH_STAGES``.

    ``q_med`` is the median over columns of the largest ``[alpha_i + beta_j - c_ij]_+^2 / (2 gamma)``
    (the scale of the quantities the smoothing blurs); the first stages move far (Nesterov
    smoothing with a large ``mu`` averages many k-subsets), the last ones approach the exact dual.
    """
    top = np.max(alpha[None, :] + beta[:, None] - P.Ct, axis=1)
    q = np.maximum(top, 0.0) ** 2 / (2.0 * P.gamma)
    q_med = float(np.median(q[q > 0])) if np.any(q > 0) else 1.0
    return [100.0 * q_med * 10.0 ** -s for s in range(_SMOOTH_STAGES)]


def _one_hot_plan(alpha: np.ndarray, P: SparseOTProblem, tie_plan: np.ndarray) -> np.ndarray:
    """Return the K = 1 plan ``T[:, j] = b_j e_{i_j}``.

    ``i_j`` is the largest entry of the exact OT plan's column (it lies in the argmax set of
    ``alpha - c_j`` by complementary slackness).
    """
    m, n = P.shape
    T = np.zeros((m, n))
    cols = np.flatnonzero(P.b > 0)
    T[np.argmax(tie_plan[:, cols], axis=0), cols] = P.b[cols]
    return T
