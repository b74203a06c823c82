"""Causal (sequential) Blahut-Arimoto engine on interleaved joint laws ``(x_1, y_1, ..., x_n, y_n)``.

An environment emits ``X_t ~ e_t(x_t | x^{t-1}, y^{t-1})``, a causal policy/kernel emits
``Y_t ~ q_t(y_t | x^t, y^{t-1})``. For stage log-weights ``w_t(x^t, y^t)`` (``-beta d`` or
``beta r``) the engine minimises the Lagrangian

    L(q) = I(X^n -> Y^n) - sum_t E w_t        (nats)

by alternating minimisation (Csiszar & Tusnady 1984) over q and a reference law ``nu`` on
``Y^n``, using the variational form ``I(X^n -> Y^n) = min_nu E ln[P(Y^n || X^n) / nu(Y^n)]``. For
fixed ``nu`` the optimal q is the soft Bellman backward recursion (``F_{n+1} = 0``)

    A_t = w_t + E_{e_{t+1}}[F_{t+1}],  q_t = nu(y_t | y^{t-1}) exp(A_t - F_t),
    F_t = ln sum_{y_t} nu(y_t | y^{t-1}) exp(A_t),

and then ``nu <- P_{Y^n}``. Every half-step lowers L. Cost O(n (|X||Y|)^n) per sweep.

Certificate [derived here]: ``V(nu) = min_q L(q, nu) = -E F_1`` is convex in ``nu`` (a partial
minimum of a relative entropy that is jointly convex in the joint law and ``nu``), with gradient
``-c`` where ``c(y^n) = P_{Y^n}(y^n) / nu(y^n)`` at the minimising policies, and ``V(t nu) =
V(nu) - ln t``. The supporting plane at ``t nu`` with ``t = max c`` gives Blahut's bound
``L* >= V(nu) - ln max_y c``, while the policies achieve ``L = V(nu) - D(P_{Y^n} || nu)``: the
recursion stops when ``ln max c - D(P_{Y^n} || nu)`` (the gap) falls below ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp, xlogy

from theory.semantic._squarem import squarem_point


@dataclass(frozen=True)
class CausalBAState:
    """Output of :func:`causal_ba`: policies, joint law, Lagrangian and directed information (nats)."""

    policies: list[np.ndarray]
    joint: np.ndarray
    lagrangian: float
    directed_info: float
    n_iter: int
    converged: bool
    gap: float


def nu_conditionals(joint: np.ndarray, n: int, ny: int) -> list[np.ndarray]:
    """Return the conditionals ``nu(y_t | y^{t-1})`` of the Y-marginal of an interleaved joint.

    Shape ``(ny,)*t``; uniform on zero-probability prefixes.
    """
    return _y_conditionals(joint.sum(axis=tuple(range(0, 2 * n, 2))), n, ny)


def _interleave_y(a: np.ndarray, t: int) -> np.ndarray:
    """Reshape an array over ``y^t`` to the interleaved shape ``(1, ny) * t``."""
    shape: list[int] = []
    for s in a.shape:
        shape += [1, s]
    return a.reshape(shape)


def forward(env: list[np.ndarray], policies: list[np.ndarray]) -> np.ndarray:
    """Joint law of ``(x_1, y_1, ..., x_n, y_n)`` from environment kernels and causal policies."""
    P = env[0]
    for t, q in enumerate(policies):
        if t > 0:
            P = P[..., None] * env[t]
        P = P[..., None] * q
    return P


def directed_info_nats(joint: np.ndarray, policies: list[np.ndarray], n: int, ny: int) -> float:
    """``I(X^n -> Y^n) = sum_t E ln[q_t(Y_t | X^t, Y^{t-1}) / P(Y_t | Y^{t-1})]`` in nats."""
    nus = nu_conditionals(joint, n, ny)
    total = 0.0
    for t in range(1, n + 1):
        Pt = joint.sum(axis=tuple(range(2 * t, 2 * n))) if t < n else joint
        ratio = np.divide(policies[t - 1], _interleave_y(nus[t - 1], t),
                          out=np.ones_like(Pt), where=Pt > 0)
        total += float(np.sum(xlogy(Pt, ratio)))
    return total


def warm_reference(nu: list[np.ndarray], ny: int) -> list[np.ndarray]:
    """Return a warm start for :func:`causal_ba`: the previous reference mixed half-half with uniform.

    A reference with near-zero conditionals (a letter the previous slope did not use) puts the
    multiplicative iteration on a plateau that the stopping rule mistakes for convergence.
    """
    return [0.5 * c + 0.5 / ny for c in nu]


def _y_conditionals(PY: np.ndarray, n: int, ny: int) -> list[np.ndarray]:
    out = []
    for t in range(1, n + 1):
        m = PY.sum(axis=tuple(range(t, n))) if t < n else PY
        den = m.sum(axis=-1, keepdims=True)
        out.append(np.where(den > 0, m / np.where(den > 0, den, 1.0), 1.0 / ny))
    return out


def _sweep(env: list[np.ndarray], logw: list[np.ndarray], nu: list[np.ndarray], n: int
           ) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Backward soft-Bellman pass at reference ``nu`` and forward pass: (policies, joint, value)."""
    policies: list[np.ndarray] = [np.empty(0)] * n
    F_next: np.ndarray | None = None
    for t in range(n, 0, -1):
        A = logw[t - 1]
        if F_next is not None:
            A = A + np.sum(env[t] * F_next, axis=-1)
        nb = _interleave_y(nu[t - 1], t)
        F = logsumexp(A, b=np.broadcast_to(nb, A.shape), axis=-1)
        policies[t - 1] = nb * np.exp(A - F[..., None])
        F_next = F
    assert F_next is not None
    # value = min_q E ln q/nu - E sum w at this nu (an upper bound on the optimal Lagrangian)
    return policies, forward(env, policies), -float(np.sum(env[0] * F_next))


def causal_ba(env: list[np.ndarray], logw: list[np.ndarray], nx: int, ny: int, *,
              nu: list[np.ndarray] | None = None, tol: float = 1e-13, max_iter: int = 100_000,
              accelerate: bool = True) -> CausalBAState:
    """Alternating minimisation of ``I(X^n -> Y^n) - sum_t E w_t`` over causal policies (see module).

    ``env[0]`` has shape (nx,), ``env[t]`` shape ``(nx, ny) * t + (nx,)``; ``logw[t-1]`` shape
    ``(nx, ny) * t``. Stops when the certified gap (module docstring) is below ``tol`` nats.
    With ``accelerate`` a SQUAREM step (Varadhan & Roland 2008) extrapolates the reference law
    ``nu`` on ``Y^n`` over two sweeps, kept positive by stepping back and accepted only when it
    does not raise the Lagrangian.
    """
    n = len(logw)
    xaxes = tuple(range(0, 2 * n, 2))
    if nu is None:
        PY = np.full((ny,) * n, float(ny) ** -n)
    else:  # joint law of Y^n with the given conditionals
        PY = nu[0]
        for t in range(1, n):
            PY = PY[..., None] * nu[t]
    L = np.inf
    gap = np.inf
    it = 0
    converged = False
    policies, joint, L = _sweep(env, logw, _y_conditionals(PY, n, ny), n)
    while it < max_iter:
        it += 1
        P1 = joint.sum(axis=xaxes)                       # nu <- P_{Y^n}: one alternating step
        new = (P1, *_sweep(env, logw, _y_conditionals(P1, n, ny), n))
        if accelerate:
            P2 = new[2].sum(axis=xaxes)
            new = (P2, *_sweep(env, logw, _y_conditionals(P2, n, ny), n))
            it += 1
            Px = squarem_point(PY, P1, P2)
            if Px is not None:
                trial = (Px, *_sweep(env, logw, _y_conditionals(Px, n, ny), n))
                if trial[3] <= new[3]:
                    new = trial
        PY, policies, joint, L = new
        gap = _gap(PY, joint.sum(axis=xaxes))
        if gap < tol:
            converged = True
            break
    di = directed_info_nats(joint, policies, n, ny)
    ew = float(sum(np.sum(joint.sum(axis=tuple(range(2 * t, 2 * n))) * logw[t - 1]) if t < n
                   else np.sum(joint * logw[t - 1]) for t in range(1, n + 1)))
    return CausalBAState(policies=policies, joint=joint, lagrangian=di - ew, directed_info=di,
                         n_iter=it, converged=converged, gap=gap)


def _gap(nu: np.ndarray, PY: np.ndarray) -> float:
    """``ln max c - D(P_Y || nu)``, ``c = P_Y / nu`` (nats); infinite if nu vanishes somewhere."""
    if np.any(nu <= 0):
        return float("inf")
    c = PY / nu
    return max(float(np.log(c.max()) - np.sum(xlogy(PY, c))), 0.0)
