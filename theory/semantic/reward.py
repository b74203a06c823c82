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

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import logsumexp, xlogy

from theory._cvx import solve as cvx_solve
from theory._result import SolverResult
from theory._validate import as_choice, as_cost_matrix, as_float_array, as_pmf, as_positive_float
from theory.semantic._causal import causal_ba, forward, nu_conditionals, warm_reference
from theory.semantic.info import _cmi
from theory.semantic.rate_distortion import LN2, match_slope, rate_distortion


@dataclass(frozen=True)
class RateRewardResult(SolverResult):
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

    @property
    def rate(self) -> float:
        """Alias of ``value`` (bits)."""
        return self.value


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


@dataclass(frozen=True)
class DirectedRateRewardResult(SolverResult):
    """Result of :func:`directed_rate_reward` (information in bits, over the whole horizon).

    A :class:`theory._result.SolverResult`.

    Attributes
    ----------
    value
        ``I(X^n -> Y^n)`` of the returned policies. Alias: ``rate``.
    status
        ``"optimal"`` (certified; ``diagnostics["time_shared"]`` is the weight when two joint
        laws were time-shared on a linear piece), ``"zero_rate"``, ``"max_iter"``, or the cvxpy
        status (cvx).
    converged
        True for ``"optimal"`` and ``"zero_rate"``.
    n_iter
        BA-type sweeps (0 for cvx).
    diagnostics
        ``gap_nats`` (BA-type recursion), ``time_shared``.
    reward
        ``E r``.
    policies
        ``pi_t(y_t | x^t, y^{t-1})`` as interleaved arrays of shape ``(|X|, |Y|) * t``.
    mutual_information
        ``I(X^n; Y^n)``.
    feedback_information
        ``I(0*Y^{n-1} -> X^n) = I(X^n; Y^n) - I(X^n -> Y^n)``.
    beta
        Slope in nats per unit reward (dual value for cvx).
    joint
        Interleaved joint law of ``(x_1, y_1, ..., x_n, y_n)``.
    """

    reward: float
    policies: list[np.ndarray]
    mutual_information: float
    feedback_information: float
    beta: float
    joint: np.ndarray

    @property
    def rate(self) -> float:
        """Alias of ``value`` (bits)."""
        return self.value


def _validate_env(env: Any, r: Any) -> tuple[list[np.ndarray], np.ndarray, int, int, int]:
    if not isinstance(env, (list, tuple)) or not env:
        raise ValueError("env: expected a non-empty list [P(x1), P(x2|x1,y1), ...]")
    e0 = as_pmf(env[0], "env[0]")
    nx = e0.size
    r = as_float_array(r, "r")
    n = len(env)
    if r.ndim != 2 * n or any(r.shape[2 * i] != nx for i in range(n)):
        raise ValueError(f"r: expected shape (|X|, |Y|) * {n}, got {r.shape}")
    ny = r.shape[1]
    if r.shape != (nx, ny) * n:
        raise ValueError(f"r: expected shape {(nx, ny) * n}, got {r.shape}")
    out = [e0]
    for t in range(1, n):
        e = as_float_array(env[t], f"env[{t}]")
        if e.shape != (nx, ny) * t + (nx,):
            raise ValueError(f"env[{t}]: expected shape {(nx, ny) * t + (nx,)}, got {e.shape}")
        from theory._validate import as_stochastic_matrix

        out.append(as_stochastic_matrix(e, f"env[{t}]"))
    return out, r, n, nx, ny


def _summary(joint: np.ndarray, policies: list[np.ndarray], r: np.ndarray, n: int) -> dict[str, float]:
    x, y = tuple(range(0, 2 * n, 2)), tuple(range(1, 2 * n, 2))
    di = sum(_cmi(joint, x[: i + 1], (y[i],), y[:i]) for i in range(n))
    mi = _cmi(joint, x, y, ())
    fb = sum(_cmi(joint, y[:i], (x[i],), x[:i]) for i in range(1, n))
    return {"di": di, "mi": mi, "fb": fb, "reward": float(np.sum(joint * r))}


def _policies_from_joint(joint: np.ndarray, n: int, ny: int) -> list[np.ndarray]:
    out = []
    for t in range(1, n + 1):
        m = joint.sum(axis=tuple(range(2 * t, 2 * n))) if t < n else joint
        den = m.sum(axis=-1, keepdims=True)
        out.append(np.where(den > 0, m / np.where(den > 0, den, 1.0), 1.0 / ny))
    return out


def _drr_cvx(env: list[np.ndarray], r: np.ndarray, n: int, nx: int, ny: int, rho: float | None,
             beta: float | None) -> tuple[np.ndarray, float, str]:
    import cvxpy as cp

    dims = [nx, ny] * n
    N = int(np.prod(dims))

    def marg(L: int) -> np.ndarray:  # sums out coordinates L.. of the flattened joint
        return np.kron(np.eye(int(np.prod(dims[:L]))), np.ones((1, int(np.prod(dims[L:])))))

    c = forward(env, [np.ones((nx, ny) * t) for t in range(1, n + 1)]).ravel()  # prod of env kernels
    yidx = np.zeros(N, dtype=int)
    for k, idx in enumerate(np.ndindex(*dims)):
        yidx[k] = int(np.ravel_multi_index(idx[1::2], (ny,) * n))
    G = np.zeros((ny ** n, N))
    G[yidx, np.arange(N)] = 1.0
    j = cp.Variable(N, nonneg=True)
    cons: list[Any] = [cp.sum(j) == 1]
    for t in range(1, n + 1):
        L, Lp = 2 * t - 1, 2 * t - 2
        E = np.kron(np.eye(int(np.prod(dims[:Lp]))), np.ones((nx, 1)))
        kern = env[t - 1].ravel()
        cons.append(marg(L) @ j == cp.multiply(kern, E @ (marg(Lp) @ j)))
    sup = c > 0
    if np.any(~sup):
        cons.append(j[np.flatnonzero(~sup)] == 0)
    S = np.flatnonzero(sup)
    second = cp.multiply(c[S], (G.T @ (G @ j))[S])
    info = cp.sum(cp.rel_entr(j[S], second))
    rew = r.ravel() @ j
    if rho is not None:
        rc = rew >= rho
        cons.append(rc)
        prob = cp.Problem(cp.Minimize(info), cons)
    else:
        prob = cp.Problem(cp.Minimize(info - beta * rew), cons)
    cvx_solve(prob, "CLARABEL")
    if j.value is None:
        raise RuntimeError(f"cvxpy/Clarabel returned status {prob.status}")
    J = np.maximum(j.value, 0.0)
    J = (J / J.sum()).reshape(dims)
    b = float(rc.dual_value) if rho is not None else float(beta)  # type: ignore[arg-type]
    return J, max(b, 0.0), str(prob.status)


def open_loop_value(env: Any, r: Any) -> float:
    """Largest ``E r`` of a policy that ignores X (a fixed output sequence y^n): the zero-rate value."""
    env_, r_, n, nx, ny = _validate_env(env, r)
    best = -np.inf
    for ys in itertools.product(range(ny), repeat=n):
        pols = []
        for t in range(1, n + 1):
            q = np.zeros((nx, ny) * t)
            q[..., ys[t - 1]] = 1.0
            pols.append(q)
        best = max(best, float(np.sum(forward(env_, pols) * r_)))
    return best


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
    env_, r_, n, nx, ny = _validate_env(env, r)
    method = as_choice(method, "method", ("cvx", "ba"))
    if (rho is None) == (beta is None):
        raise ValueError("rho, beta: give exactly one of rho (reward target) or beta (slope)")
    bv = as_positive_float(beta, "beta", allow_zero=True) if beta is not None else None
    rv = float(as_float_array(rho, "rho", ndim=0)) if rho is not None else None
    n_iter = 0
    if rv is not None:
        if rv <= open_loop_value(env_, r_):
            bv, rv = 0.0, None  # zero rate: the best open-loop sequence (beta = 0 limit)
            joint = _best_open_loop_joint(env_, r_, n, nx, ny)
            s = _summary(joint, [], r_, n)
            return DirectedRateRewardResult(value=s["di"], reward=s["reward"],
                                            policies=_policies_from_joint(joint, n, ny),
                                            mutual_information=s["mi"], feedback_information=s["fb"],
                                            beta=0.0,
                                            joint=joint, status="zero_rate", n_iter=0, converged=True)
    diag: dict[str, Any] = {}
    if method == "cvx":
        joint, b, status = _drr_cvx(env_, r_, n, nx, ny, rv, bv)
        policies = _policies_from_joint(joint, n, ny)
    else:
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
        joint, policies, n_iter = st.joint, st.policies, total[0]
        diag = {"gap_nats": st.gap}
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
                policies = _policies_from_joint(joint, n, ny)
                status, diag["time_shared"] = "optimal", lam
    s = _summary(joint, policies, r_, n)
    return DirectedRateRewardResult(value=s["di"], reward=s["reward"], policies=policies,
                                    mutual_information=s["mi"], feedback_information=s["fb"], beta=b,
                                    joint=joint, status=status, n_iter=n_iter,
                                    converged=status in ("optimal", "zero_rate"), diagnostics=diag)


def _best_open_loop_joint(env: list[np.ndarray], r: np.ndarray, n: int, nx: int, ny: int) -> np.ndarray:
    best, arg = -np.inf, np.zeros(1)
    for ys in itertools.product(range(ny), repeat=n):
        pols = []
        for t in range(1, n + 1):
            q = np.zeros((nx, ny) * t)
            q[..., ys[t - 1]] = 1.0
            pols.append(q)
        J = forward(env, pols)
        v = float(np.sum(J * r))
        if v > best:
            best, arg = v, J
    return arg


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
