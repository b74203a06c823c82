"""Rate-distortion on finite alphabets: Blahut-Arimoto with certified bounds, and a convex program.

``R(D) = min_{q(y|x): E d(X, Y) <= D} I(X; Y)`` (bits). At slope ``beta`` (nats per unit
distortion) the Blahut-Arimoto (BA) iteration (Blahut 1972; Arimoto 1972) with kernel
``K = exp(-beta d)`` is

    Z(x) = sum_y q(y) K(x, y),   c(y) = sum_x p(x) K(x, y) / Z(x),   q(y) <- q(y) c(y),

and for any output law ``q`` Blahut's bounds (nats; D the distortion of the induced channel)

    R_L = -beta D - sum_x p ln Z - max_y ln c  <=  R(D)  <=  R_U = -beta D - sum_x p ln Z - sum_y q c ln c

bracket the curve; ``R_U`` is the mutual information of the channel ``q(y) K / Z(x)`` and ``R_L``
is a supporting line of R valid at every D. The iteration stops on the gap ``R_U - R_L``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from theory._info import LN2, channel_mutual_information
from theory._info import binary_entropy as h2
from theory._validate import as_choice, as_float_array, as_int, as_positive_float
from theory.semantic._rd import D_TOL, DECIDED, RDProblem, RDResult, as_rd_problem, check_target, zero_rate
from theory.semantic.blahut import (
    GAP_TOL,
    BAState,
    ba_solve,
    blahut_arimoto,
    blahut_lower_term,
    validate_rd,
    warm_start,
)
from theory.semantic.capacity import CapacityResult, channel_capacity
from theory.semantic.closed_forms import (
    Waterfilling,
    rd_binary_hamming,
    rd_hamming_slb,
    rd_logloss,
    reverse_waterfilling,
    star,
)
from theory.semantic.reference import rate_distortion_cvx

# Names defined here and those re-exported from their new homes (_rd, closed_forms, capacity, _info)
# so that ``from theory.semantic.rate_distortion import ...`` keeps working.
__all__ = [
    "BISECTION_MAX_ITER", "D_TOL", "DECIDED", "GAP_TOL", "LN2", "BAState", "CapacityResult", "RDProblem",
    "RDResult",
    "Waterfilling", "blahut_arimoto", "channel_capacity", "h2", "match_slope", "rate_distortion",
    "rd_binary_hamming", "rd_curve", "rd_hamming_slb", "rd_logloss", "reverse_waterfilling", "star",
    "validate_rd",
]

#: Iteration cap of each BA run inside the bisection on beta.
BISECTION_MAX_ITER = 20_000


def _from_state(st: BAState, beta: float, D_target: float | None, n_iter: int, status: str | None = None,
                p: np.ndarray | None = None) -> RDResult:
    D_eval = st.distortion if D_target is None else D_target
    lower = (-beta * D_eval + st.lower_term) / LN2 if np.isfinite(beta) else st.lower_term / LN2
    return RDResult(value=st.upper / LN2, distortion=st.distortion, beta=beta, test_channel=st.channel,
                    lower_bound=min(lower, st.upper / LN2), n_iter=n_iter,
                    output_law=st.channel.T @ p if p is not None else st.q,
                    gap=st.gap / LN2, status=status or ("optimal" if st.converged else "max_iter"),
                    converged=(status or ("optimal" if st.converged else "max_iter")) in DECIDED)


def match_slope(solve: Callable[[float, Any], tuple[float, Any]], D: float, *, beta0: float = 1.0,
                d_tol: float = D_TOL, beta_rtol: float = 1e-15, max_evals: int = 200
                ) -> tuple[float, Any, Any, float, Any, int]:
    """Find beta with ``D(beta) = D`` for a non-increasing ``D(beta)`` by doubling then bisection.

    ``solve(beta, warm) -> (D_beta, state)`` (warm: the previous state). Stops when
    ``|D_beta - D| <= d_tol`` or the bracket is narrower than ``beta_rtol * beta``. Returns ``(beta, state,
    other_state, other_beta, ..., evals)``: the best state and, when ``D(beta)`` jumps over D (a
    linear piece of R), the state on the other side of the jump so callers can time-share.
    """
    lo, hi = 0.0, beta0
    st_lo = None
    D_hi, st_hi = solve(hi, None)
    evals = 1
    while D_hi > D and evals < max_evals:
        lo, st_lo = hi, st_hi
        hi *= 2.0
        D_hi, st_hi = solve(hi, st_hi)
        evals += 1
    best = (abs(D_hi - D), hi, st_hi)
    while evals < max_evals and best[0] > d_tol and hi - lo > beta_rtol * max(hi, 1.0):
        mid = 0.5 * (lo + hi)
        Dm, stm = solve(mid, st_hi)
        evals += 1
        if abs(Dm - D) < best[0]:
            best = (abs(Dm - D), mid, stm)
        if Dm > D:
            lo, st_lo = mid, stm
        else:
            hi, st_hi = mid, stm
    return best[1], best[2], st_lo, lo, st_hi, evals


def _rd_ba(p: np.ndarray, d: np.ndarray, D: float | None, beta: float | None, tol: float,
           max_iter: int, accelerate: bool) -> RDResult:
    if beta is not None:
        if beta == 0:
            return zero_rate(p, d)
        st = ba_solve(p, d, beta, tol=tol, max_iter=max_iter, accelerate=accelerate)
        return _from_state(st, beta, None, st.n_iter, p=p)
    assert D is not None
    col = p @ d
    D_max, D_min = float(col.min()), float(np.dot(p, d.min(axis=1)))
    if D >= D_max:
        return zero_rate(p, d)
    if D < D_min - D_TOL:
        r = zero_rate(p, d, status="infeasible")
        return RDResult(value=float("inf"), distortion=r.distortion, beta=float("inf"),
                        test_channel=r.test_channel, lower_bound=float("inf"), n_iter=0,
                        output_law=r.output_law, gap=0.0, status="infeasible", converged=True,
                        diagnostics={"D_min": D_min})
    if D <= D_min + D_TOL:
        K = (d <= d.min(axis=1, keepdims=True)).astype(float)
        st = ba_solve(p, d, np.inf, tol=tol, max_iter=max_iter, kernel=K)
        return _from_state(st, float("inf"), None, st.n_iter, p=p)
    total = [0]
    # Runs inside the bisection are capped: near the slope of a linear piece of R the iteration
    # slows down without bound, and those runs only locate the slope. The final run is polished.
    cap = min(max_iter, BISECTION_MAX_ITER)

    def solve(b: float, warm: BAState | None) -> tuple[float, BAState]:
        st = ba_solve(p, d, b, q0=None if warm is None else warm_start(warm.q), tol=tol,
                            max_iter=cap, accelerate=accelerate)
        total[0] += st.n_iter
        return st.distortion, st

    b, st, st_lo, b_lo, st_hi, evals = match_slope(solve, D, beta_rtol=1e-13)
    if abs(st.distortion - D) > D_TOL and st_lo is not None and st_hi is not None \
            and st_lo.distortion > D > st_hi.distortion:
        # D(beta) jumps over D: time-share the two optimal channels on the linear piece.
        lam = (st_lo.distortion - D) / (st_lo.distortion - st_hi.distortion)
        W = (1 - lam) * st_lo.channel + lam * st_hi.channel
        out = W.T @ p
        rate = channel_mutual_information(p, W, out) / LN2
        lower = max(st.lower_term, blahut_lower_term(p, d, b, out)) / LN2 - b * D / LN2
        gap = max(rate - lower, 0.0)
        return RDResult(value=rate, distortion=float(np.sum(p[:, None] * W * d)), beta=b, test_channel=W,
                        lower_bound=min(lower, rate), n_iter=total[0], output_law=out, gap=gap,
                        status="optimal" if gap * LN2 <= max(tol, 1e-9) else "max_iter",
                        converged=gap * LN2 <= max(tol, 1e-9),
                        diagnostics={"time_shared": lam, "evals": evals})
    if not st.converged and max_iter > cap:
        st = ba_solve(p, d, b, q0=st.q, tol=tol, max_iter=max_iter - cap, accelerate=accelerate)
        total[0] += st.n_iter
    res = _from_state(st, b, D, total[0], p=p)
    return replace(res, diagnostics={"evals": evals})


def rate_distortion(p: Any, d: Any = None, *, D: float | None = None, beta: float | None = None,
                    method: str = "ba", tol: float = GAP_TOL, max_iter: int = 200_000,
                    accelerate: bool | None = None) -> RDResult:
    """Rate-distortion function ``R(D)`` (bits) of a finite source, or the curve point at slope beta.

    Parameters
    ----------
    p
        Source pmf, shape (|X|,), or an :class:`RDProblem` (then ``d`` is omitted).
    d
        Non-negative distortion matrix, shape (|X|, |Y|).
    D
        Target distortion (exactly one of ``D`` and ``beta``).
    beta
        Slope in nats per unit distortion, ``beta = -dR/dD`` with R in nats.
    method
        ``"ba"``: Blahut-Arimoto in the (row-shifted) log domain, each run stopped when the
        Blahut gap is below ``tol`` nats; for a target D, doubling then bisection on beta until
        ``|D_beta - D| < 1e-12``, warm-started. ``D >= D_max = min_y sum_x p d`` gives rate 0
        and beta 0; ``D < D_min = sum_x p min_y d`` is infeasible (rate ``inf``); ``D = D_min`` is
        solved as the ``beta = inf`` problem on the distortion-minimising letters.
        ``"cvx"``: ``min sum rel_entr(p q(y|x), p (p q)(y))`` with cvxpy's exponential cone and
        Clarabel (constrained form for D, penalised ``I + beta E d`` for beta); ``beta`` is then
        the dual value of the distortion constraint.
    tol, max_iter, accelerate
        BA gap tolerance (nats), iteration cap per BA run and SQUAREM acceleration (default: on
        for a target D, where runs near a kink or a linear piece of R converge slowly; off at a
        fixed beta). Either way each run stops on the same certified gap.

    Returns
    -------
    RDResult
        With certified Blahut lower bound ``lower_bound <= R(D) <= rate`` for "ba".

    Notes
    -----
    Cost O(|X||Y|) per BA iteration; O(log(1/1e-12)) BA runs for a target D.

    Raises
    ------
    ValueError
        ``p`` not a pmf, ``d`` of the wrong shape or negative, ``D < 0``, ``beta < 0``, neither
        or both of ``D`` and ``beta``, unknown method.
    """
    problem = as_rd_problem(p, d)
    return replace(_rate_distortion(problem, D, beta, method, tol, max_iter, accelerate), problem=problem)


def _rate_distortion(problem: RDProblem, D: float | None, beta: float | None, method: str, tol: float,
                     max_iter: int, accelerate: bool | None) -> RDResult:
    method = as_choice(method, "method", ("ba", "cvx"))
    Dv, bv = check_target(D, beta)
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    if method == "cvx":
        return rate_distortion_cvx(problem, D=Dv, beta=bv)
    p, d = np.array(problem.p), np.array(problem.d)
    acc = (Dv is not None) if accelerate is None else bool(accelerate)
    return _rd_ba(p, d, Dv, bv, tol, max_iter, acc)


def rd_curve(p: Any, d: Any, betas: Any) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(D(beta), R(beta))`` (R in bits) of the curve by BA, warm-started along ``betas``."""
    p, d = validate_rd(p, d)
    bs = as_float_array(betas, "betas", ndim=1)
    Ds, Rs = [], []
    q = None
    for b in bs:
        if b <= 0:
            raise ValueError("betas: slopes must be > 0")
        st = ba_solve(p, d, float(b), q0=q)
        q = warm_start(st.q)
        Ds.append(st.distortion)
        Rs.append(st.upper / LN2)
    return np.array(Ds), np.array(Rs)
