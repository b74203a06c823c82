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
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from theory._cvx import solve as cvx_solve
from theory._info import LN2, channel_mutual_information
from theory._info import binary_entropy as h2
from theory._result import SolverResult
from theory._validate import (
    as_choice,
    as_float_array,
    as_int,
    as_positive_float,
)
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

# Names defined here and those re-exported from their new homes (closed_forms, capacity, _info)
# so that ``from theory.semantic.rate_distortion import ...`` keeps working.
__all__ = [
    "BISECTION_MAX_ITER", "D_TOL", "DECIDED", "GAP_TOL", "LN2", "BAState", "CapacityResult", "RDProblem",
    "RDResult",
    "Waterfilling", "blahut_arimoto", "channel_capacity", "h2", "match_slope", "rate_distortion",
    "rd_binary_hamming", "rd_curve", "rd_hamming_slb", "rd_logloss", "reverse_waterfilling", "star",
    "validate_rd",
]

#: Default tolerance on |D_beta - D| in the bisection on beta.
D_TOL = 1e-12
#: Iteration cap of each BA run inside the bisection on beta.
BISECTION_MAX_ITER = 20_000


@dataclass(frozen=True, eq=False)
class RDProblem:
    """A validated rate-distortion problem: source law ``p`` and distortion matrix ``d``.

    Build it once and hand it to :func:`rate_distortion` (any ``method``) in place of ``(p, d)``;
    each result keeps it as ``result.problem``. The arrays are validated on construction (a pmf
    and a finite non-negative matrix with ``|X|`` rows) and stored read-only.

    Attributes
    ----------
    p
        Source pmf, shape ``(|X|,)``.
    d
        Distortion matrix, shape ``(|X|, |Y|)``.
    """

    p: np.ndarray
    d: np.ndarray

    def __post_init__(self) -> None:
        """Validate ``p`` and ``d`` and store read-only copies."""
        p, d = validate_rd(self.p, self.d)
        p, d = p.copy(), d.copy()
        p.flags.writeable = False
        d.flags.writeable = False
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "d", d)

    @property
    def D_max(self) -> float:
        """``min_y sum_x p(x) d(x, y)``: the smallest distortion at rate 0."""
        return float((self.p @ self.d).min())

    @property
    def D_min(self) -> float:
        """``sum_x p(x) min_y d(x, y)``: the smallest achievable distortion."""
        return float(np.dot(self.p, self.d.min(axis=1)))

    def distortion(self, W: np.ndarray) -> float:
        """``E d(X, Y)`` of a test channel ``W`` (rows q(.|x)); not validated."""
        return float(np.sum(self.p[:, None] * W * self.d))

    def rate(self, W: np.ndarray) -> float:
        """``I(X; Y)`` in bits of a test channel ``W``; not validated."""
        return channel_mutual_information(self.p, W) / LN2


@dataclass(frozen=True)
class RDResult(SolverResult):
    """Result of :func:`rate_distortion` (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        ``R(D)``: I(X; Y) of the returned test channel, bits (``inf`` when infeasible). Alias:
        ``rate``.
    status
        ``"optimal"``, ``"zero_rate"``, ``"infeasible"`` or ``"max_iter"`` (and the cvxpy status
        for cvx).
    converged
        True when a decision was certified: ``"optimal"``, ``"zero_rate"`` or ``"infeasible"``.
    n_iter
        Total BA iterations (0 for cvx).
    diagnostics
        ``evals`` (bisection evaluations), ``time_shared`` (weight of the time-sharing, when
        used), ``D_min`` (infeasible), ``objective_bits`` (cvx).
    distortion
        E d(X, Y) of the test channel.
    beta
        Slope in nats per unit distortion (``-dR/dD`` in nats); cvx: the dual value.
    test_channel
        q(y|x), shape (|X|, |Y|).
    lower_bound
        Blahut lower bound on R at the requested D (bits); for cvx, evaluated at its output law.
    output_law
        q(y).
    gap
        Upper minus lower Blahut bound at the final iterate (bits).
    problem
        The :class:`RDProblem` solved (``joint`` and ``distortion_error`` derive from it).
    """

    distortion: float
    beta: float
    test_channel: np.ndarray
    lower_bound: float
    output_law: np.ndarray
    gap: float
    problem: RDProblem | None = None

    @property
    def rate(self) -> float:
        """Alias of ``value`` (bits)."""
        return self.value

    @property
    def joint(self) -> np.ndarray:
        """Joint law ``p(x) q(y|x)`` of source and reproduction (needs ``problem``)."""
        if self.problem is None:
            raise ValueError("problem: this result was built without its problem")
        return self.problem.p[:, None] * self.test_channel

    @property
    def distortion_error(self) -> float:
        """``|E d - distortion|`` recomputed from the problem: 0 up to rounding for a sound result."""
        if self.problem is None:
            raise ValueError("problem: this result was built without its problem")
        return abs(self.problem.distortion(self.test_channel) - self.distortion)


#: Statuses of :class:`RDResult` that certify a decision (``converged=True``).
DECIDED = frozenset({"optimal", "zero_rate", "infeasible"})


def _zero_rate(p: np.ndarray, d: np.ndarray, status: str = "zero_rate") -> RDResult:
    col = p @ d
    j = int(np.argmin(col))
    W = np.zeros_like(d)
    W[:, j] = 1.0
    q = np.zeros(d.shape[1])
    q[j] = 1.0
    return RDResult(value=0.0, distortion=float(col[j]), beta=0.0, test_channel=W, lower_bound=0.0,
                    n_iter=0, output_law=q, gap=0.0, status=status,
                    converged=status in DECIDED)


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
            return _zero_rate(p, d)
        st = ba_solve(p, d, beta, tol=tol, max_iter=max_iter, accelerate=accelerate)
        return _from_state(st, beta, None, st.n_iter, p=p)
    assert D is not None
    col = p @ d
    D_max, D_min = float(col.min()), float(np.dot(p, d.min(axis=1)))
    if D >= D_max:
        return _zero_rate(p, d)
    if D < D_min - D_TOL:
        r = _zero_rate(p, d, status="infeasible")
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


def _rd_cvx(p: np.ndarray, d: np.ndarray, D: float | None, beta: float | None) -> RDResult:
    import cvxpy as cp

    n, m = d.shape
    Q = cp.Variable((n, m), nonneg=True)
    P = cp.multiply(p[:, None], Q)
    out = p @ Q
    prod = cp.multiply(p[:, None], np.ones((n, 1)) @ cp.reshape(out, (1, m), order="C"))
    mi = cp.sum(cp.rel_entr(P, prod))
    dist = cp.sum(cp.multiply(P, d))
    cons: list[Any] = [cp.sum(Q, axis=1) == 1]
    if D is not None:
        dc = dist <= D
        cons.append(dc)
        prob = cp.Problem(cp.Minimize(mi), cons)
    else:
        prob = cp.Problem(cp.Minimize(mi + beta * dist), cons)
    cvx_solve(prob, "CLARABEL")
    if Q.value is None:
        return RDResult(value=float("inf"), distortion=float("nan"), beta=float("nan"),
                        test_channel=np.full((n, m), np.nan), lower_bound=float("inf"), n_iter=0,
                        output_law=np.full(m, np.nan), gap=float("nan"), status=str(prob.status),
                        converged=False)
    W = np.maximum(Q.value, 0.0)
    W = W / W.sum(axis=1, keepdims=True)
    b = float(dc.dual_value) if D is not None else float(beta)  # type: ignore[arg-type]
    b = max(b, 0.0)
    q = W.T @ p
    rate = channel_mutual_information(p, W, q) / LN2
    distortion = float(np.sum(p[:, None] * W * d))
    # Blahut lower bound at the solver's output law and slope.
    K = np.exp(-b * (d - d.min(axis=1, keepdims=True)))
    Z = K @ q
    lnZ = np.log(Z) - b * d.min(axis=1)
    c = (p / Z) @ K
    D_eval = distortion if D is None else D
    lower = (-b * D_eval - np.dot(p, lnZ) - np.max(np.log(c))) / LN2
    return RDResult(value=rate, distortion=distortion, beta=b, test_channel=W, lower_bound=float(lower),
                    n_iter=0, output_law=q, gap=max(rate - float(lower), 0.0), status=str(prob.status),
                    converged=str(prob.status) in DECIDED,
                    diagnostics={"objective_bits": float(prob.value) / LN2})


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
    if isinstance(p, RDProblem):
        if d is not None:
            raise ValueError("d: omit d when p is an RDProblem (it holds the distortion)")
        problem = p
    else:
        if d is None:
            raise ValueError("d: missing; pass the distortion matrix d, or an RDProblem as p")
        problem = RDProblem(p, d)
    return replace(_rate_distortion(problem, D, beta, method, tol, max_iter, accelerate), problem=problem)


def _rate_distortion(problem: RDProblem, D: float | None, beta: float | None, method: str, tol: float,
                     max_iter: int, accelerate: bool | None) -> RDResult:
    p, d = np.array(problem.p), np.array(problem.d)
    method = as_choice(method, "method", ("ba", "cvx"))
    if (D is None) == (beta is None):
        raise ValueError("D, beta: give exactly one of D (target distortion) or beta (slope)")
    Dv = as_positive_float(D, "D", allow_zero=True) if D is not None else None
    bv = as_positive_float(beta, "beta", allow_zero=True) if beta is not None else None
    tol = as_positive_float(tol, "tol")
    max_iter = as_int(max_iter, "max_iter", min_value=1)
    if method == "cvx":
        if Dv is not None:
            col = p @ d
            if Dv >= float(col.min()):
                return _zero_rate(p, d)
        return _rd_cvx(p, d, Dv, bv)
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
