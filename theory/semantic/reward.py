"""Rate-reward and directed rate-reward, with the KL-regularised RL duality.

Rate-reward (Tishby & Polani 2011; Genewein et al. 2015; Lai & Gershman 2021):
``R(rho) = min_pi I(X; Y)`` s.t. ``E r(X, Y) >= rho`` (bits): the RDF with ``d = max r - r``;
convex and non-decreasing, 0 for ``rho <= max_y E r(X, y)``. Its BA solution is ``pi ∝ nu e^{beta r}``.

KL-regularised RL: ``J(beta) = max_pi E r - E KL(pi || pi_ref) / beta = (1/beta) E_x ln sum_y
pi_ref e^{beta r}`` with ``pi* ∝ pi_ref e^{beta r}``. With ``F(beta) = max_pi {E r - I/beta}
= max_nu (1/beta) E_x ln sum_y nu e^{beta r}``, ``J(beta) <= F(beta)`` with equality iff
``pi_ref`` is the optimal output law.

[proposed definition] Bai (2025) names a "directed rate-reward function" for RL post-training:
read here as ``min I(X^n -> Y^n)`` over causal policies ``pi_t(y_t | x^t, y^{t-1})`` s.t.
``E r >= rho``, for a fixed environment ``P(x_{t+1} | x^t, y^t)`` that sees the policy's outputs
(feedback); the mutual information then exceeds it by the feedback information.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp, xlogy

from theory._result import SolverResult
from theory._validate import as_choice, as_cost_matrix, as_float_array, as_pmf, as_positive_float
from theory.semantic._alias import RateAlias
from theory.semantic._causal import causal_ba, nu_conditionals, warm_reference
from theory.semantic._reward import (
    DirectedRateRewardResult,
    best_open_loop_joint,
    check_target,
    policies_from_joint,
    result,
    validate_env,
    zero_rate_result,
)
from theory.semantic.rate_distortion import LN2, match_slope, rate_distortion
from theory.semantic.reference import directed_rate_reward_cvx

__all__ = ["DirectedRateRewardResult", "RateRewardResult", "directed_rate_reward", "free_energy",
           "kl_regularized_value", "open_loop_value", "rate_reward", "rlhf_kl_penalty"]


@dataclass(frozen=True)
class RateRewardResult(RateAlias, SolverResult):
    """Result of :func:`rate_reward` (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        ``R(rho)``, bits (``inf`` when infeasible). Alias: ``rate``.
    status
        That of the underlying :func:`~theory.semantic.rate_distortion` run: ``"optimal"``,
        ``"zero_rate"``, ``"infeasible"``, ``"max_iter"`` (or the cvxpy status for cvx).
    converged, n_iter, diagnostics
        As in :class:`~theory.semantic.RDResult`.
    reward
        ``E r`` of the policy.
    policy
        ``pi(y|x)``, shape ``(|X|, |Y|)``.
    beta
        Slope in nats per unit reward.
    output_law
        ``P(y)``.
    lower_bound
        Blahut lower bound on the rate (bits).
    """

    reward: float
    policy: np.ndarray
    beta: float
    output_law: np.ndarray
    lower_bound: float


def rate_reward(p: Any, r: Any, *, rho: float | None = None, beta: float | None = None,
                method: str = "ba") -> RateRewardResult:
    """Rate-reward function ``R(rho) = min I(X; Y)`` s.t. ``E r >= rho`` (bits), or the point at slope beta.

    Solved as the RDF with distortion ``d = max(r) - r`` and ``D = max(r) - rho`` (see
    :func:`theory.semantic.rate_distortion`); ``beta = dR/drho`` in nats per unit reward.
    ``rho <= max_y E r(X, y)`` gives rate 0; ``rho > E max_y r(X, y)`` is infeasible (rate inf).
    Cost O(|X||Y|) per BA iteration.

    Raises
    ------
    ValueError
        ``p`` not a pmf, ``r`` not finite of shape (|X|, |Y|), neither or both of rho and beta,
        beta < 0, unknown method.
    """
    p = as_pmf(p, "p")
    r = as_cost_matrix(r, "r")
    if r.shape[0] != p.size:
        raise ValueError(f"r: expected {p.size} rows, got shape {r.shape}")
    method = as_choice(method, "method", ("ba", "cvx"))
    if (rho is None) == (beta is None):
        raise ValueError("rho, beta: give exactly one of rho (reward target) or beta (slope)")
    top = float(r.max())
    d = top - r
    if rho is not None:
        rv = float(as_float_array(rho, "rho", ndim=0))
        res = rate_distortion(p, d, D=max(top - rv, 0.0), method=method) if top - rv >= 0 else None
        if res is None:
            return RateRewardResult(value=float("inf"), reward=float("nan"), policy=np.full(r.shape, np.nan),
                                    beta=float("inf"), output_law=np.full(r.shape[1], np.nan),
                                    lower_bound=float("inf"), status="infeasible", converged=True)
    else:
        res = rate_distortion(p, d, beta=as_positive_float(beta, "beta", allow_zero=True), method=method)
    W = res.test_channel
    reward = float(np.sum(p[:, None] * W * r)) if res.status != "infeasible" else float("nan")
    return RateRewardResult(value=res.rate, reward=reward, policy=W, beta=res.beta, output_law=res.output_law,
                            lower_bound=res.lower_bound, status=res.status, converged=res.converged,
                            n_iter=res.n_iter, diagnostics=res.diagnostics)


def kl_regularized_value(p: Any, r: Any, ref: Any, beta: float) -> tuple[float, np.ndarray]:
    """``J(beta) = max_pi E r - E KL(pi(.|X) || ref) / beta = (1/beta) E_x ln sum_y ref(y) e^{beta r}``.

    Returns ``(J, pi*)`` with ``pi* ∝ ref e^{beta r}``. Cost O(|X||Y|).
    """
    p = as_pmf(p, "p")
    ref = as_pmf(ref, "ref")
    r = as_cost_matrix(r, "r", shape=(p.size, ref.size))
    beta = as_positive_float(beta, "beta")
    lZ = logsumexp(beta * r, b=np.broadcast_to(ref, r.shape), axis=1)
    pi = ref[None, :] * np.exp(beta * r - lZ[:, None])
    return float(np.dot(p, lZ) / beta), pi


def free_energy(p: Any, r: Any, beta: float) -> tuple[float, np.ndarray]:
    """``F(beta) = max_pi {E r - I_nats(X; Y) / beta}``; returns ``(F, nu*)``, nu* the optimal output law.

    Computed from the BA solution of the rate-reward problem at slope beta as ``E r - I / beta``.
    """
    res = rate_reward(p, r, beta=beta)
    return res.reward - res.rate * LN2 / float(beta), res.output_law


def open_loop_value(env: Any, r: Any) -> float:
    """Largest ``E r`` of a policy that ignores X (a fixed output sequence y^n): the zero-rate value."""
    env_, r_, n, nx, ny = validate_env(env, r)
    return float(np.sum(best_open_loop_joint(env_, r_, n, nx, ny) * r_))


def directed_rate_reward(env: Any, r: Any, *, rho: float | None = None, beta: float | None = None,
                         method: str = "cvx") -> DirectedRateRewardResult:
    """Directed rate-reward ``min I(X^n -> Y^n)`` over causal policies s.t. ``E r >= rho`` (bits, total).

    [proposed definition] Our reading of Bai's "directed rate-reward function" (Bai 2025).

    Parameters
    ----------
    env
        ``[P(x_1), P(x_2 | x_1, y_1), ..., P(x_n | x^{n-1}, y^{n-1})]``; entry t has shape
        ``(|X|, |Y|) * t + (|X|,)`` and sees the policy's past outputs (feedback).
    r
        Reward over the interleaved history ``(x_1, y_1, ..., x_n, y_n)``.
    rho, beta
        Exactly one: a reward target, or the slope (nats per unit reward) of the penalised
        problem ``min I_nats - beta E r``.
    method
        ``"cvx"``: convex program over the joint law with the linear environment constraints
        ``J(x^t, y^{t-1}) = P(x_t | x^{t-1}, y^{t-1}) J(x^{t-1}, y^{t-1})`` and objective
        ``D(J || P(x^n || y^{n-1}) P_Y(J))`` (Clarabel). ``"ba"``: soft-Bellman backward recursion
        with the policy's own output marginal as reference, ``V_{n+1} = -beta r``, plus bisection
        on beta for a target rho.

    Notes
    -----
    Cost O((|X||Y|)^n) per BA sweep; cvx has (|X||Y|)^n variables.

    Raises
    ------
    ValueError
        Bad kernels or reward shape, neither or both of rho and beta, rho above the best
        achievable reward, unknown method.
    """
    env_, r_, n, nx, ny = validate_env(env, r)
    method = as_choice(method, "method", ("cvx", "ba"))
    rv, bv = check_target(rho, beta)
    zero = zero_rate_result(env_, r_, n, nx, ny, rv)
    if zero is not None:
        return zero
    if method == "cvx":
        return directed_rate_reward_cvx(env_, r_, rho=rv, beta=bv)
    total = [0]

    def solve(b: float, warm: Any) -> tuple[float, Any]:
        logw = [np.zeros((nx, ny) * t) for t in range(1, n)] + [b * r_]
        nu = None if warm is None else warm_reference(nu_conditionals(warm.joint, n, ny), ny)
        st = causal_ba(env_, logw, nx, ny, nu=nu, tol=1e-13, max_iter=20_000)
        total[0] += st.n_iter
        return -float(np.sum(st.joint * r_)), st

    st_lo = st_hi = None
    if bv is not None:
        _, st = solve(bv, None)
        b = bv
    else:
        assert rv is not None
        b, st, st_lo, _, st_hi, _ = match_slope(solve, -rv, d_tol=1e-10, beta_rtol=1e-9)
    joint, policies = st.joint, st.policies
    diag: dict[str, Any] = {"gap_nats": st.gap}
    status = "optimal" if st.converged else "max_iter"
    if rv is not None and st_lo is not None and st_hi is not None \
            and abs(float(np.sum(joint * r_)) - rv) > 1e-8:
        # The reward jumps over rho at this slope (a linear piece of the curve, where the
        # recursion also slows down): time-share the two joint laws, which is optimal there
        # because the directed information is convex in the joint law (environment fixed).
        lo_r, hi_r = float(np.sum(st_lo.joint * r_)), float(np.sum(st_hi.joint * r_))
        if lo_r < rv < hi_r:
            lam = (rv - lo_r) / (hi_r - lo_r)
            joint = (1 - lam) * st_lo.joint + lam * st_hi.joint
            policies = policies_from_joint(joint, n, ny)
            status, diag["time_shared"] = "optimal", lam
    return result(joint, policies, r_, n, beta=b, status=status, n_iter=total[0], diagnostics=diag)


def rlhf_kl_penalty(joint: np.ndarray, policies: list[np.ndarray], nu: list[np.ndarray], n: int) -> float:
    """Per-token KL penalty ``sum_t E KL(pi_t(.|X^t, Y^{t-1}) || nu(.|Y^{t-1}))`` in bits.

    Equals ``I(X^n -> Y^n) + D(P_{Y^n} || nu)``: it upper-bounds the directed rate.
    """
    total = 0.0
    for t in range(1, n + 1):
        Pt = joint.sum(axis=tuple(range(2 * t, 2 * n))) if t < n else joint
        shape: list[int] = []
        for s in nu[t - 1].shape:
            shape += [1, s]
        ratio = np.divide(policies[t - 1], nu[t - 1].reshape(shape), out=np.ones_like(Pt), where=Pt > 0)
        total += float(np.sum(xlogy(Pt, ratio)))
    return total / LN2
