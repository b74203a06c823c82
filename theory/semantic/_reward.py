"""Types and helpers shared by the directed rate-reward solver and its reference convex program.

Re-exported by :mod:`theory.semantic.reward` (the documented home of
:class:`DirectedRateRewardResult`); used by :mod:`theory.semantic.reference`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._result import SolverResult
from theory._validate import as_float_array, as_pmf, as_positive_float, as_stochastic_matrix
from theory.semantic._alias import RateAlias
from theory.semantic._causal import forward
from theory.semantic._joint import cmi, directed, feedback


@dataclass(frozen=True)
class DirectedRateRewardResult(RateAlias, SolverResult):
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


def validate_env(env: Any, r: Any) -> tuple[list[np.ndarray], np.ndarray, int, int, int]:
    """Validate the environment kernels and the reward; return ``(env, r, n, |X|, |Y|)``."""
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
        out.append(as_stochastic_matrix(e, f"env[{t}]"))
    return out, r, n, nx, ny


def check_target(rho: Any, beta: Any) -> tuple[float | None, float | None]:
    """Validate exactly one of a reward target ``rho`` and a slope ``beta >= 0``; ``(rho, beta)``."""
    if (rho is None) == (beta is None):
        raise ValueError("rho, beta: give exactly one of rho (reward target) or beta (slope)")
    bv = as_positive_float(beta, "beta", allow_zero=True) if beta is not None else None
    rv = float(as_float_array(rho, "rho", ndim=0)) if rho is not None else None
    return rv, bv


def result(joint: np.ndarray, policies: list[np.ndarray], r: np.ndarray, n: int, *, beta: float, status: str,
           n_iter: int = 0, diagnostics: dict[str, Any] | None = None) -> DirectedRateRewardResult:
    """Build the result of an interleaved joint law (directed, mutual, feedback information, reward)."""
    x, y = tuple(range(0, 2 * n, 2)), tuple(range(1, 2 * n, 2))
    converged = status in ("optimal", "zero_rate")
    return DirectedRateRewardResult(value=directed(joint, x, y), reward=float(np.sum(joint * r)),
                                    policies=policies, mutual_information=cmi(joint, x, y, ()),
                                    feedback_information=feedback(joint, x, y), beta=beta, joint=joint,
                                    status=status, n_iter=n_iter, converged=converged,
                                    diagnostics=diagnostics or {})


def zero_rate_result(env: list[np.ndarray], r: np.ndarray, n: int, nx: int, ny: int,
                     rho: float | None) -> DirectedRateRewardResult | None:
    """Return the best open-loop sequence when it already reaches ``rho`` (rate 0, beta 0), else None."""
    if rho is None:
        return None
    joint = best_open_loop_joint(env, r, n, nx, ny)
    if rho > float(np.sum(joint * r)):
        return None
    return result(joint, policies_from_joint(joint, n, ny), r, n, beta=0.0, status="zero_rate")


def policies_from_joint(joint: np.ndarray, n: int, ny: int) -> list[np.ndarray]:
    """``pi_t(y_t | x^t, y^{t-1})`` of an interleaved joint law (uniform where unreachable)."""
    out = []
    for t in range(1, n + 1):
        m = joint.sum(axis=tuple(range(2 * t, 2 * n))) if t < n else joint
        den = m.sum(axis=-1, keepdims=True)
        out.append(np.where(den > 0, m / np.where(den > 0, den, 1.0), 1.0 / ny))
    return out


def best_open_loop_joint(env: list[np.ndarray], r: np.ndarray, n: int, nx: int, ny: int) -> np.ndarray:
    """Joint law of the fixed output sequence ``y^n`` with the largest ``E r`` (the first one on ties)."""
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


