r"""Independent routes of :mod:`theory.semantic`: the convex programs (cvxpy with Clarabel).

Each function solves the same problem as a Blahut-Arimoto-type solver of the area by a different
method, an exponential-cone program over the joint law, and returns the same result type. Claims
and tests compare the two; the solvers' ``method="cvx"`` options dispatch here. The programs:

- :func:`rate_distortion_cvx`: ``R(D) = min I(X; Y)`` s.t. ``E d <= D``, as
  ``min sum rel_entr(p q(y|x), p (p q)(y))`` (Blahut 1972 states the problem; the conic form is
  standard, e.g. Boyd & Vandenberghe, Convex Optimization, sec. 4.6);
- :func:`sequential_rate_distortion_cvx`: the block, nonanticipative (block plus the causality
  equalities, Charalambous & Stavrou) and feed-forward (Venkataramanan & Pradhan) RDFs of a
  source ``X^n``, per letter;
- :func:`directed_rate_reward_cvx`: ``min I(X^n -> Y^n)`` over causal policies in a fixed
  environment with feedback, s.t. ``E r >= rho`` (our reading of Bai 2025, [proposed definition]).

Cost: one conic solve with as many variables as the joint law (``|X||Y|``, ``|X|^n |Y|^n`` or
``(|X||Y|)^n``); accurate to about 1e-8 with Clarabel's default tolerances. Units: bits, slopes
in nats (the dual value of the constraint).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from theory._cvx import solve as cvx_solve
from theory._info import LN2, channel_mutual_information
from theory._validate import as_choice
from theory.semantic._causal import forward
from theory.semantic._joint import directed
from theory.semantic._rd import DECIDED, RDResult, as_rd_problem, check_target, zero_rate
from theory.semantic._reward import (
    DirectedRateRewardResult,
    policies_from_joint,
    result,
    validate_env,
    zero_rate_result,
)
from theory.semantic._reward import check_target as check_reward_target
from theory.semantic._sequential import (
    NRDFResult,
    kernel_stats,
    limits,
    stage_distortions,
    validate_source,
)
from theory.semantic._sequential import zero_rate_result as zero_rate_sequential

__all__ = ["directed_rate_reward_cvx", "rate_distortion_cvx", "sequential_rate_distortion_cvx"]

#: Kinds of :func:`sequential_rate_distortion_cvx`.
SEQUENTIAL_KINDS = ("nonanticipative", "block", "feedforward")


def rate_distortion_cvx(p: Any, d: Any = None, *, D: float | None = None,
                        beta: float | None = None) -> RDResult:
    """Rate-distortion ``R(D)`` (bits) by the exponential-cone program, or the point at slope beta.

    ``min_{q(y|x)} sum_{x,y} rel_entr(p(x) q(y|x), p(x) (p q)(y))`` (nats) over row-stochastic
    ``q``, with ``sum p q d <= D`` (constrained form) or ``+ beta E d`` (penalised form); Clarabel.
    ``beta`` of the result is the dual value of the distortion constraint and ``lower_bound`` is
    Blahut's lower bound at the program's output law. ``D >= D_max = min_y sum_x p d`` gives the
    rate-0 channel without a solve; an infeasible ``D`` gets the solver's status.

    Parameters
    ----------
    p
        Source pmf, shape (|X|,), or a :class:`~theory.semantic.RDProblem` (then ``d`` is omitted).
    d
        Non-negative distortion matrix, shape (|X|, |Y|).
    D, beta
        Exactly one: target distortion, or slope in nats per unit distortion.

    Returns
    -------
    RDResult
        ``status`` is cvxpy's (``"optimal"``, ``"optimal_inaccurate"``, ...) or ``"zero_rate"``;
        ``n_iter`` is 0; ``diagnostics["objective_bits"]`` the program's optimum.

    Notes
    -----
    Source: Blahut (1972) for the problem; cost one conic solve with ``|X||Y|`` variables. The
    same route as ``rate_distortion(..., method="cvx")``.
    """
    problem = as_rd_problem(p, d)
    Dv, bv = check_target(D, beta)
    p_, d_ = np.array(problem.p), np.array(problem.d)
    if Dv is not None and Dv >= float((p_ @ d_).min()):
        res = zero_rate(p_, d_)
    else:
        res = _rd_program(p_, d_, Dv, bv)
    return replace(res, problem=problem)


def _rd_program(p: np.ndarray, d: np.ndarray, D: float | None, beta: float | None) -> RDResult:
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


def sequential_rate_distortion_cvx(source: Any, d: Any, *, D: float, kind: str = "nonanticipative",
                                   per_stage: bool = False) -> NRDFResult:
    """Per-letter RDF of a source ``X^n`` by a convex program over the kernel ``Q(y^n | x^n)`` (bits).

    ``kind="block"``: ``(1/n) min I(X^n; Y^n)``; ``"nonanticipative"``: the same plus the linear
    causality equalities "``P(y^t | x^n)`` does not depend on ``x_{t+1}^n``" (t < n), so that
    ``I(X^n; Y^n) = I(X^n -> Y^n)``; ``"feedforward"``: ``(1/n) min I(Y^n -> X^n)`` written as
    ``H(X^n) + sum_i sum rel_entr(P_{X^i Y^i}, P_{X^{i-1} Y^i})``. All under
    ``(1/n) sum_t E d(X_t, Y_t) <= D`` (or, with ``per_stage=True``, ``E d(X_t, Y_t) <= D`` for
    every t). ``beta`` is the mean of the stage duals (one dual with the per-letter budget).

    Parameters
    ----------
    source
        Joint pmf over ``X^n``, one axis per time step (each of length |X|).
    d
        Single-letter distortion matrix (|X|, |Y|), non-negative.
    D
        Per-letter distortion budget.
    kind
        ``"nonanticipative"`` (default), ``"block"`` or ``"feedforward"``.
    per_stage
        One budget per stage instead of the per-letter budget.

    Returns
    -------
    NRDFResult
        ``status`` is cvxpy's, or ``"zero_rate"`` for ``D >= D_max`` (without ``per_stage``).

    Raises
    ------
    ValueError
        Bad source or distortion, ``D < D_min`` (infeasible), unknown kind.
    RuntimeError
        Clarabel returned no solution.

    Notes
    -----
    Sources: Charalambous & Stavrou (nonanticipative RDF), Venkataramanan & Pradhan
    (feed-forward). Cost: ``|X|^n |Y|^n`` variables, plus
    ``sum_{t<n} |X|^t |Y|^t (|X|^{n-t} - 1)`` equalities for the nonanticipative kind.
    """
    src, d_, Dv = validate_source(source, d, D)
    kind = as_choice(kind, "kind", SEQUENTIAL_KINDS)
    per_stage = bool(per_stage)
    _, D_max = limits(src, d_, Dv)
    if Dv >= D_max and not per_stage:
        return zero_rate_sequential(src, d_)
    return _sequential_program(src, d_, Dv, causal=kind == "nonanticipative",
                               feedforward=kind == "feedforward", per_stage=per_stage)


def _sequential_program(src: np.ndarray, d: np.ndarray, D: float, *, causal: bool, feedforward: bool,
                        per_stage: bool) -> NRDFResult:
    import cvxpy as cp

    nx, ny = d.shape
    n = src.ndim
    N, M = nx ** n, ny ** n
    p = src.ravel()
    Q = cp.Variable((N, M), nonneg=True)
    P = cp.multiply(p[:, None], Q)
    cons: list[Any] = [cp.sum(Q, axis=1) == 1]
    stages = stage_distortions(d, n)
    if per_stage:
        dcons = [cp.sum(cp.multiply(P, s)) <= D for s in stages]
    else:
        dcons = [cp.sum(cp.multiply(P, sum(stages) / n)) <= D]
    cons += dcons
    if causal:
        for t in range(1, n):
            At = np.kron(np.eye(ny ** t), np.ones((ny ** (n - t), 1)))
            QA = Q @ At
            base = np.arange(nx ** t) * nx ** (n - t)
            for suf in range(1, nx ** (n - t)):
                cons.append(QA[base + suf, :] == QA[base, :])
    if feedforward:
        # sum_i -H(X_i | X^{i-1}, Y^i) = sum_i sum rel_entr(P_{X^i Y^i}, P_{X^{i-1} Y^i}) (nats)
        obj: Any = 0
        for i in range(1, n + 1):
            Bi = np.kron(np.eye(nx ** i), np.ones((nx ** (n - i), 1)))        # sums out x_{i+1}^n
            Bim = np.kron(np.eye(nx ** (i - 1)), np.ones((nx ** (n - i + 1), 1)))
            Ci = np.kron(np.eye(ny ** i), np.ones((ny ** (n - i), 1)))
            Ei = np.kron(np.eye(nx ** (i - 1)), np.ones((nx, 1)))           # repeats x^{i-1} rows
            Pi = Bi.T @ P @ Ci
            Pim = Ei @ (Bim.T @ P @ Ci)
            obj = obj + cp.sum(cp.rel_entr(Pi, Pim))
        objective = obj
    else:
        out = p @ Q
        prod = cp.multiply(p[:, None], np.ones((N, 1)) @ cp.reshape(out, (1, M), order="C"))
        objective = cp.sum(cp.rel_entr(P, prod))
    prob = cp.Problem(cp.Minimize(objective), cons)
    cvx_solve(prob, "CLARABEL")
    if Q.value is None:
        raise RuntimeError(f"cvxpy/Clarabel returned status {prob.status}")
    K = np.maximum(Q.value, 0.0)
    K = K / K.sum(axis=1, keepdims=True)
    st = kernel_stats(src, K, d)
    if feedforward:
        Jt = (p[:, None] * K).reshape((nx,) * n + (ny,) * n)
        x, y = tuple(range(n)), tuple(range(n, 2 * n))
        rate = directed(Jt, y, x) / n
    else:
        rate = st["mi"]
    duals = [float(c.dual_value) for c in dcons]
    beta = float(sum(duals)) / n  # slope of the per-letter rate in the per-letter budget
    return NRDFResult(value=rate, distortion=st["distortion"], beta=max(beta, 0.0), kernel=K,
                      mutual_information=st["mi"], directed_information=st["di"],
                      causality_violation=st["viol"], n_iter=0, status=str(prob.status),
                      converged=str(prob.status) in DECIDED,
                      diagnostics={"objective_nats": float(prob.value),
                                   **{f"dual_{t + 1}": v for t, v in enumerate(duals)}})


def directed_rate_reward_cvx(env: Any, r: Any, *, rho: float | None = None,
                             beta: float | None = None) -> DirectedRateRewardResult:
    """Directed rate-reward ``min I(X^n -> Y^n)`` s.t. ``E r >= rho`` (bits) by a convex program.

    [proposed definition] Our reading of Bai's "directed rate-reward function" (Bai 2025). The
    variable is the interleaved joint law ``J`` of ``(x_1, y_1, ..., x_n, y_n)``, constrained by
    the environment, ``J(x^t, y^{t-1}) = P(x_t | x^{t-1}, y^{t-1}) J(x^{t-1}, y^{t-1})``; the
    objective is ``D(J || P(x^n || y^{n-1}) P_Y(J))`` (nats), which equals ``I(X^n -> Y^n)`` on
    that set (Massey 1990; Kramer 1998 for causal conditioning). With ``beta`` the program is
    ``min I_nats - beta E r``; with ``rho``, ``beta`` is the dual value of the reward
    constraint. A target reached by an open-loop sequence gives rate 0 without a solve.

    Parameters
    ----------
    env
        ``[P(x_1), P(x_2 | x_1, y_1), ..., P(x_n | x^{n-1}, y^{n-1})]`` as for
        :func:`~theory.semantic.directed_rate_reward`.
    r
        Reward over the interleaved history.
    rho, beta
        Exactly one: reward target, or slope in nats per unit reward.

    Returns
    -------
    DirectedRateRewardResult
        ``status`` is cvxpy's or ``"zero_rate"``; ``n_iter`` is 0.

    Raises
    ------
    ValueError
        Bad kernels or reward, neither or both of rho and beta.
    RuntimeError
        Clarabel returned no solution (for instance rho above the best reward).

    Notes
    -----
    Cost: one conic solve with ``(|X||Y|)^n`` variables. The same route as
    ``directed_rate_reward(..., method="cvx")``.
    """
    env_, r_, n, nx, ny = validate_env(env, r)
    rv, bv = check_reward_target(rho, beta)
    zero = zero_rate_result(env_, r_, n, nx, ny, rv)
    if zero is not None:
        return zero
    joint, b, status = _drr_program(env_, r_, n, nx, ny, rv, bv)
    return result(joint, policies_from_joint(joint, n, ny), r_, n, beta=b, status=status)


def _drr_program(env: list[np.ndarray], r: np.ndarray, n: int, nx: int, ny: int, rho: float | None,
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
