"""Sequential rate-distortion: nonanticipative (directed), block and feed-forward RDFs of a source X^n.

- Nonanticipative RDF (Gorbunov & Pinsker; Tatikonda; Charalambous & Stavrou):
  ``R^na_n(D) = (1/n) min I(X^n -> Y^n)`` over causal kernels ``q_t(y_t | y^{t-1}, x^t)`` with
  ``(1/n) sum_t E d(X_t, Y_t) <= D``. For a source that does not see Y, ``I(X -> Y) = I(X; Y)``
  on causal kernels, so it is the block RDF plus the linear causality constraints
  "``P(y^t | x^n)`` does not depend on ``x_{t+1}^n``" (t < n): a convex program.
- Block RDF ``R_n(D) = (1/n) min I(X^n; Y^n)``: the classical RDF on the super-alphabet with
  ``d_n = (1/n) sum_t d``.
- Feed-forward RDF (Venkataramanan & Pradhan; Naiss & Permuter):
  ``R^ff_n(D) = (1/n) min I(Y^n -> X^n) = (1/n) min [H(X^n) - sum_i H(X_i | X^{i-1}, Y^i)]``.

``R^ff_n <= R_n <= R^na_n``, with equality for i.i.d. sources (in particular n = 1).

[proposed definition] Bai (2025) names a "directed rate-distortion function" for pre-training;
its body was not available, so this module reads it as the nonanticipative RDF and keeps the
feed-forward RDF for the ordering check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from theory._info import entropy_bits
from theory._validate import (
    as_choice,
    as_float_array,
    as_int,
    as_joint_pmf,
    as_positive_float,
    as_stochastic_matrix,
    as_unit_float,
)
from theory.semantic._causal import causal_ba, nu_conditionals, warm_reference
from theory.semantic._rd import D_TOL
from theory.semantic._sequential import (
    NRDFResult,
    causality_violation,
    kernel_stats,
    limits,
    stage_distortions,
    validate_source,
    zero_rate_result,
)
from theory.semantic.rate_distortion import h2, match_slope, rate_distortion, star
from theory.semantic.reference import sequential_rate_distortion_cvx

#: Largest joint pmf :func:`markov_source` builds.
MAX_JOINT = 10_000_000


def markov_source(initial: Any, transition: Any, n: int) -> np.ndarray:
    """Joint pmf over ``X^n`` of a Markov chain (one axis per time step). Cost O(|X|^n)."""
    p = np.asarray(as_float_array(initial, "initial", ndim=1))
    from theory._validate import as_pmf

    p = as_pmf(p, "initial")
    T = as_stochastic_matrix(transition, "transition", shape=(p.size, p.size))
    n = as_int(n, "n", min_value=1)
    if n * np.log(p.size) > np.log(MAX_JOINT):
        raise ValueError(f"n: the joint over X^n has |X|^n > {MAX_JOINT:.0e} entries; lower n")
    J = p
    for _ in range(n - 1):
        J = J[..., None] * T[(None,) * (J.ndim - 1)]
    return J


def bsms_nrdf(p: float, D: float) -> float:
    """Stationary NRDF of the binary symmetric Markov source BSMS(p), Hamming: ``h(p * D) - h(D)``.

    Valid for ``0 <= D <= 1/2`` (Stavrou, Kourtellaris & Charalambous, cited from secondary
    sources); bits per letter.
    """
    p = as_unit_float(p, "p")
    D = as_unit_float(D, "D", upper=0.5)
    return float(h2(star(p, D)) - h2(D))


def _source_env(src: np.ndarray, ny: int) -> list[np.ndarray]:
    """Environment kernels P(x_{t+1} | x^t) broadcast over y^t, interleaved (autonomous source)."""
    n = src.ndim
    nx = src.shape[0]
    env = [src.sum(axis=tuple(range(1, n)))]
    for t in range(1, n):
        m = src.sum(axis=tuple(range(t + 1, n))) if t + 1 < n else src
        den = m.sum(axis=-1, keepdims=True)
        cond = np.where(den > 0, m / np.where(den > 0, den, 1.0), 1.0 / nx)   # shape (nx,)*(t+1)
        shape: list[int] = []
        for _ in range(t):
            shape += [nx, 1]
        shape.append(nx)
        env.append(np.broadcast_to(cond.reshape(shape), (nx, ny) * t + (nx,)).copy())
    return env


def _stage_logw(d: np.ndarray, n: int, beta: float) -> list[np.ndarray]:
    nx, ny = d.shape
    out = []
    for t in range(1, n + 1):
        shape = [1, 1] * (t - 1) + [nx, ny]
        out.append(np.broadcast_to((-beta * d).reshape(shape), (nx, ny) * t).copy())
    return out


def nrdf_ba(source: Any, d: Any, *, beta: float, tol: float = 1e-13, max_iter: int = 100_000) -> NRDFResult:
    """Nonanticipative RDF at slope ``beta`` (nats per unit per-letter distortion) by the BA-type recursion.

    Minimises ``I(X^n -> Y^n) + beta sum_t E d(X_t, Y_t)`` (nats) over causal kernels by
    alternating the backward recursion ``q_t ∝ nu(y_t | y^{t-1}) exp(-beta d(x_t, y_t) -
    E[V_{t+1} | x^t, y^t])`` with ``nu <- P_{Y^n}`` (see :mod:`theory.semantic._causal`). Cost
    O(n |X|^n |Y|^n) per sweep.
    """
    src = as_joint_pmf(source, "source")
    d = as_float_array(d, "d", ndim=2)
    beta = as_positive_float(beta, "beta", allow_zero=True)
    return _nrdf_ba_beta(src, d, beta, None, tol, max_iter)[1]


def _nrdf_ba_beta(src: np.ndarray, d: np.ndarray, beta: float, nu: Any, tol: float, max_iter: int
                  ) -> tuple[Any, NRDFResult]:
    nx, ny = d.shape
    n = src.ndim
    st = causal_ba(_source_env(src, ny), _stage_logw(d, n, beta), nx, ny, nu=nu, tol=tol, max_iter=max_iter)
    K = st.policies[0]
    for q in st.policies[1:]:
        K = K[..., None, None] * q
    # K has interleaved axes (x1, y1, ..., xn, yn); reorder to (x^n, y^n)
    K = np.transpose(K, list(range(0, 2 * n, 2)) + list(range(1, 2 * n, 2))).reshape(nx ** n, ny ** n)
    s = kernel_stats(src, K, d)
    res = NRDFResult(value=s["di"], distortion=s["distortion"], beta=beta, kernel=K,
                     mutual_information=s["mi"],
                     directed_information=s["di"], causality_violation=s["viol"], n_iter=st.n_iter,
                     status="optimal" if st.converged else "max_iter", converged=st.converged,
                     diagnostics={"lagrangian_nats": st.lagrangian, "gap_nats": st.gap})
    return nu_conditionals(st.joint, n, ny), res


def nonanticipative_rate_distortion(source: Any, d: Any, *, D: float, method: str = "cvx",
                                    per_stage: bool = False) -> NRDFResult:
    """Nonanticipative (directed) RDF ``R^na_n(D)`` per letter, bits.

    [proposed definition] Our reading of Bai's "directed rate-distortion function" (Bai 2025).

    Parameters
    ----------
    source
        Joint pmf over ``X^n``, one axis per time step (each of length |X|).
    d
        Single-letter distortion matrix (|X|, |Y|), non-negative.
    D
        Per-letter distortion budget ``(1/n) sum_t E d <= D``; with ``per_stage=True`` (cvx only)
        every stage must satisfy ``E d(X_t, Y_t) <= D``.
    method
        ``"cvx"``: block RDF program plus the causality equalities (Clarabel;
        :func:`theory.semantic.reference.sequential_rate_distortion_cvx`); ``"ba"``: BA-type
        backward recursion (SQUAREM-accelerated, stopped on a certified Lagrangian gap below
        1e-13 nats, see :mod:`theory.semantic._causal`) with bisection on beta to
        ``|D_beta - D| < 1e-10``; at ``D = D_min`` (``beta = inf``) the convex program is used.

    Notes
    -----
    Cost: cvx has ``|X|^n |Y|^n`` variables and ``sum_{t<n} |X|^t |Y|^t (|X|^{n-t} - 1)``
    equalities; ba is O(n |X|^n |Y|^n) per sweep.

    Raises
    ------
    ValueError
        Bad source or distortion, D < 0, unknown method, per_stage with "ba".
    """
    src, d, Dv = validate_source(source, d, D)
    method = as_choice(method, "method", ("cvx", "ba"))
    if per_stage and method == "ba":
        raise ValueError("per_stage: only supported with method='cvx'")
    D_min, D_max = limits(src, d, Dv)
    if method == "cvx" or Dv <= D_min + D_TOL:
        return sequential_rate_distortion_cvx(src, d, D=Dv, kind="nonanticipative", per_stage=per_stage)
    if Dv >= D_max:
        return zero_rate_result(src, d)
    total = [0]

    def solve(b: float, warm: Any) -> tuple[float, Any]:
        nu0 = None if warm is None else warm_reference(warm[0], d.shape[1])
        nu, res = _nrdf_ba_beta(src, d, b, nu0, 1e-13, 20_000)
        total[0] += res.n_iter
        return res.distortion, (nu, res)

    b, best, *_ = match_slope(solve, Dv, d_tol=1e-10, beta_rtol=1e-9)
    res = best[1]
    return replace(res, n_iter=total[0])


def block_rate_distortion(source: Any, d: Any, *, D: float) -> NRDFResult:
    """Classical RDF of the block ``X^n`` per letter: ``(1/n) min I(X^n; Y^n)``, ``(1/n) sum E d <= D``.

    Solved by Blahut-Arimoto on the super-alphabet (|X|^n, |Y|^n) with ``d_n = (1/n) sum_t d``;
    the returned kernel is generally not causal. Cost O(|X|^n |Y|^n) per BA iteration.
    """
    src, d, Dv = validate_source(source, d, D)
    n = src.ndim
    dn = sum(stage_distortions(d, n)) / n
    r = rate_distortion(src.ravel(), dn, D=Dv)
    if r.status == "infeasible":
        raise ValueError("D: below D_min; the problem is infeasible")
    s = kernel_stats(src, r.test_channel, d)
    return NRDFResult(value=r.rate / n, distortion=s["distortion"], beta=r.beta, kernel=r.test_channel,
                      mutual_information=s["mi"], directed_information=s["di"], causality_violation=s["viol"],
                      n_iter=r.n_iter, status=r.status, converged=r.converged,
                      diagnostics={"lower_bound": r.lower_bound / n})


def feedforward_rate_distortion(source: Any, d: Any, *, D: float) -> NRDFResult:
    """Feed-forward RDF per letter: ``(1/n) min I(Y^n -> X^n)`` (Y the reconstruction), bits.

    Convex program ``H(X^n) + sum_i sum rel_entr(P_{X^i Y^i}, P_{X^{i-1} Y^i})`` (nats), the sum
    being ``-sum_i H(X_i | X^{i-1}, Y^i)``, over kernels with ``(1/n) sum E d <= D``
    (:func:`theory.semantic.reference.sequential_rate_distortion_cvx` with
    ``kind="feedforward"``, its only route). ``rate`` is ``I(Y^n -> X^n) / n`` of the returned
    kernel. Cost: ``|X|^n |Y|^n`` variables.
    """
    return sequential_rate_distortion_cvx(source, d, D=D, kind="feedforward")


def source_entropy_rate(source: Any) -> float:
    """``H(X^n) / n`` in bits."""
    src = as_joint_pmf(source, "source")
    return entropy_bits(src) / src.ndim


__all__ = ["NRDFResult", "block_rate_distortion", "bsms_nrdf", "causality_violation",
           "feedforward_rate_distortion", "markov_source", "nonanticipative_rate_distortion", "nrdf_ba",
           "source_entropy_rate"]
