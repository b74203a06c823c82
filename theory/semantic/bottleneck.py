"""Information bottleneck (Tishby, Pereira & Bialek 1999) on a finite joint law p(x, y).

Minimise ``I(X; T) - beta I(T; Y)`` over encoders ``q(t | x)`` (T -- X -- Y). The self-consistent
iteration

    q(t) = sum_x p(x) q(t|x),   q(y|t) = sum_x p(x, y) q(t|x) / q(t),
    q(t|x) ∝ q(t) exp(-beta KL(p(y|x) || q(y|t)))

never increases the Lagrangian; the problem is non-convex, hence random restarts. For the
doubly symmetric binary source DSBS(delta) the optimal trade-off is ``(1 - h(a), 1 - h(a * delta))``
(Mrs Gerber's lemma), reached by T = X through a BSC(a).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory._result import SolverResult
from theory._rng import RngLike, as_generator
from theory._validate import as_float_array, as_int, as_joint_pmf, as_positive_float, as_unit_float
from theory.semantic._joint import cmi
from theory.semantic.rate_distortion import h2, star


@dataclass(frozen=True)
class IBResult(SolverResult):
    """Best run of :func:`information_bottleneck` (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        ``I(X;T) - beta I(T;Y)`` (bits) of the best run. Alias: ``lagrangian``.
    status
        ``"stationary"`` (the Tishby iteration reached a fixed point within ``tol``; a local
        optimum, not certified global) or ``"max_iter"``.
    converged
        True for ``"stationary"``.
    n_iter
        Iterations of the best run.
    i_xt, i_ty
        ``I(X;T)`` and ``I(T;Y)`` in bits.
    encoder
        ``q(t|x)``, shape ``(|X|, cardinality)``.
    """

    i_xt: float
    i_ty: float
    encoder: np.ndarray

    @property
    def lagrangian(self) -> float:
        """Alias of ``value`` (bits)."""
        return self.value


def _ib_run(pxy: np.ndarray, beta: float, enc: np.ndarray, tol: float, max_iter: int
            ) -> tuple[np.ndarray, int, bool]:
    px = pxy.sum(axis=1)
    pyx = pxy / px[:, None]
    lpyx = np.where(pyx > 0, np.log(np.where(pyx > 0, pyx, 1.0)), 0.0)
    neg_h = np.sum(pyx * lpyx, axis=1)  # sum_y p(y|x) ln p(y|x)
    for it in range(1, max_iter + 1):
        qt = px @ enc
        alive = qt > 1e-300
        qyt = np.where(alive[:, None], (enc.T @ pxy) / np.where(alive, qt, 1.0)[:, None], 1.0)
        cross = pyx @ np.log(np.maximum(qyt, 1e-300)).T  # sum_y p(y|x) ln q(y|t)
        kl = neg_h[:, None] - cross
        logits = np.log(np.maximum(qt, 1e-300))[None, :] - beta * kl
        logits -= logits.max(axis=1, keepdims=True)
        new = np.exp(logits) * alive[None, :]
        new /= new.sum(axis=1, keepdims=True)
        if np.max(np.abs(new - enc)) < tol:
            return new, it, True
        enc = new
    return enc, max_iter, False


#: Largest bottleneck alphabet (an optimal encoder never needs more than |X| + 1 letters).
MAX_CARDINALITY = 100_000


def information_bottleneck(pxy: np.ndarray, *, beta: float, cardinality: int, restarts: int = 20,
                           rng: RngLike = None, tol: float = 1e-12, max_iter: int = 20_000) -> IBResult:
    """Information bottleneck at trade-off ``beta``: the best of ``restarts`` Tishby iterations.

    Parameters
    ----------
    pxy
        Joint pmf of shape (|X|, |Y|) with every p(x) > 0.
    beta
        Trade-off (dimensionless: both informations in the same unit).
    cardinality
        |T|.
    restarts
        Random Dirichlet(1) initial encoders; the run with the smallest Lagrangian is returned.
    rng
        Seed or Generator.

    Notes
    -----
    Cost O(restarts * iterations * |X||Y||T|).

    Raises
    ------
    ValueError
        ``pxy`` not a 2-d pmf or with an empty row, beta <= 0, cardinality < 1, restarts < 1.
    """
    P = as_joint_pmf(pxy, "pxy", ndim=2)
    if np.any(P.sum(axis=1) <= 0):
        raise ValueError("pxy: every x must have positive probability; drop empty rows")
    beta = as_positive_float(beta, "beta")
    k = as_int(cardinality, "cardinality", min_value=1, max_value=MAX_CARDINALITY)
    restarts = as_int(restarts, "restarts", min_value=1)
    gen = as_generator(rng)
    best: IBResult | None = None
    for _ in range(restarts):
        enc0 = gen.dirichlet(np.ones(k), size=P.shape[0])
        enc, it, ok = _ib_run(P, beta, enc0, tol, max_iter)
        J = P.sum(axis=1)[:, None, None] * enc[:, :, None] * (P / P.sum(axis=1, keepdims=True))[:, None, :]
        ixt = cmi(J, (0,), (1,), ())
        ity = cmi(J, (1,), (2,), ())
        res = IBResult(ixt, ity, enc, value=ixt - beta * ity, status="stationary" if ok else "max_iter",
                       converged=ok, n_iter=it)
        if best is None or res.lagrangian < best.lagrangian:
            best = res
    assert best is not None
    return best


def ib_dsbs(delta: float, a: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DSBS(delta) bottleneck curve ``(I(X;T), I(T;Y)) = (1 - h(a), 1 - h(a * delta))`` bits.

    ``delta`` in [0, 1]; ``a`` a scalar or array of crossover probabilities in [0, 1].
    """
    delta = as_unit_float(delta, "delta")
    a = as_float_array(a, "a")
    if np.any((a < 0) | (a > 1)):
        raise ValueError(f"a: crossover probabilities must lie in [0, 1], got range [{a.min()}, {a.max()}]")
    return 1 - h2(a), 1 - h2(star(delta, a))  # type: ignore[arg-type]


def dsbs(delta: float) -> np.ndarray:
    """Joint pmf of the doubly symmetric binary source: X ~ Bern(1/2), Y = X xor Bern(delta)."""
    delta = as_unit_float(delta, "delta")
    return np.array([[1 - delta, delta], [delta, 1 - delta]]) / 2


def gerber_bound(delta: float, i_xt: float) -> float:
    """Mrs Gerber's curve: the largest I(T;Y) over encoders with I(X;T) = i_xt on DSBS(delta).

    ``1 - h(h^{-1}(1 - i_xt) * delta)`` with ``h^{-1}`` on [0, 1/2] by bisection.
    """
    delta = as_unit_float(delta, "delta")
    target = 1 - as_unit_float(i_xt, "i_xt")
    lo, hi = 0.0, 0.5
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if h2(mid) < target:
            lo = mid
        else:
            hi = mid
    return float(1 - h2(star(0.5 * (lo + hi), delta)))

