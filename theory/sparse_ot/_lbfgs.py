"""A numpy L-BFGS with a weak-Wolfe line search for concave, possibly nonsmooth objectives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class LBFGSRun:
    x: np.ndarray
    value: float
    n_iter: int
    n_eval: int
    restarts: int
    status: str
    trace: list[float]


def weak_wolfe_lbfgs(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray,
                      tol: float, max_iter: int, trace: list[float], memory: int = 20,
                      window: int = 50, ftol: float | None = None
                      ) -> tuple[np.ndarray, float, int, int, str]:
    """L-BFGS with a weak-Wolfe bracketing line search, for minimising a convex nonsmooth ``fun``.

    The weak-Wolfe search (Armijo ``c1 = 1e-4``, curvature ``c2 = 0.9``; expand by 2, else bisect)
    suits piecewise-smooth objectives where strong-Wolfe searches fail at kinks (Lewis and
    Overton, Math. Program. 2013). Stops at ``||grad||_inf <= tol`` (``"converged"``), at a line
    search that finds no admissible step or an objective that decreased by at most
    ``ftol`` (default ``tol * max(1, |f|)``) over the last ``window`` iterations (``"stalled"``:
    typically at a kink near the optimum), or at ``max_iter``. Returns ``(x, f, iterations,
    evaluations, status)``.
    """
    f, g = fun(x)
    n_eval = 1
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    status = "max_iter"
    it = 0
    history = [f]
    while it < max_iter:
        if np.max(np.abs(g)) <= tol:
            status = "converged"
            break
        q = g.copy()
        coefs = []
        for s, y in zip(reversed(S), reversed(Y)):
            rho = 1.0 / (y @ s)
            c = rho * (s @ q)
            q -= c * y
            coefs.append((c, rho, s, y))
        q *= (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if S else 1.0 / max(float(np.max(np.abs(g))), 1e-300)
        for c, rho, s, y in reversed(coefs):
            q += s * (c - rho * (y @ q))
        d = -q
        gd = float(g @ d)
        if gd >= 0:
            S.clear()
            Y.clear()
            d = -g
            gd = float(g @ d)
        lo, hi, t = 0.0, np.inf, 1.0
        accepted = False
        for _ in range(80):
            xn = x + t * d
            fn, gn = fun(xn)
            n_eval += 1
            if fn > f + 1e-4 * t * gd:
                hi = t
            elif gn @ d < 0.9 * gd:
                lo = t
            else:
                accepted = True
                break
            t = 0.5 * (lo + hi) if np.isfinite(hi) else 2.0 * t
        it += 1
        if not accepted:
            status = "stalled"
            if lo > 0:  # an Armijo point was found: keep it
                x = x + lo * d
                f, g = fun(x)
            break
        s_, y_ = xn - x, gn - g
        x, f, g = xn, fn, gn
        history.append(f)
        stall = tol * max(1.0, abs(f)) if ftol is None else ftol
        if len(history) > window and history[-window - 1] - f <= stall:
            status = "stalled"
            break
        if s_ @ y_ > 1e-12 * np.linalg.norm(s_) * np.linalg.norm(y_):
            S.append(s_)
            Y.append(y_)
            if len(S) > memory:
                S.pop(0)
                Y.pop(0)
    return x, f, it, n_eval, status


def maximize(fun: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, *, tol: float,
              max_iter: int, finish: bool = True, ftol: float | None = None) -> LBFGSRun:
    """Maximise a concave, possibly nonsmooth ``fun`` (value, gradient) with L-BFGS.

    Phase 1: :func:`_weak_wolfe_lbfgs` on ``-fun`` from ``x0``. Phase 2, unless phase 1 met the
    gradient test ``||grad||_inf <= tol`` or ``finish=False`` (warm starts): the same from the best
    point, slightly perturbed (fixed seed, relative ``1e-9``) and with a fresh memory, so that
    exact ties (symmetric instances) do not leave a non-ascent subgradient. ``max_iter`` bounds
    the iterations of both phases together; ``ftol`` is the stall threshold of
    :func:`_weak_wolfe_lbfgs`. The best point seen is returned; ``status`` is
    ``"converged"`` only for the gradient test.

    The L-BFGS is ours (numpy only): scipy's L-BFGS-B spends milliseconds per iteration in
    multithreaded BLAS calls on a loaded machine, far more than one evaluation of small problems.
    """
    trace: list[float] = []

    def neg(x: np.ndarray) -> tuple[float, np.ndarray]:
        v, g = fun(x)
        trace.append(v)
        return -v, -g

    x = np.asarray(x0, dtype=np.float64).copy()
    best_x, best_f, n_iter, n_eval, status = weak_wolfe_lbfgs(neg, x, tol, max_iter, trace, ftol=ftol)
    if status != "stalled" or not finish:
        return LBFGSRun(best_x, -best_f, n_iter, n_eval, 0, status, trace)
    jitter = np.random.default_rng(0).standard_normal(x.shape[0])
    start = best_x + 1e-9 * (1.0 + float(np.max(np.abs(best_x)))) * jitter
    x2, f2, it2, ev2, status = weak_wolfe_lbfgs(neg, start, tol, max(max_iter - n_iter, 1), trace,
                                                  ftol=ftol)
    n_iter, n_eval = n_iter + it2, n_eval + ev2
    if f2 < best_f:
        best_x, best_f = x2, f2
    return LBFGSRun(best_x, -best_f, n_iter, n_eval, 1, status, trace)

