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

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from theory._cvx import solve as cvx_solve
from theory._result import SolverResult
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
from theory.semantic.info import _cmi, entropy_bits
from theory.semantic.rate_distortion import D_TOL, DECIDED, h2, match_slope, rate_distortion, star


@dataclass(frozen=True)
class NRDFResult(SolverResult):
    """Result of the sequential RDFs, rates per letter in bits (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        Per-letter rate of the problem solved (bits/letter). Alias: ``rate``.
    status
        ``"optimal"``, ``"zero_rate"``, ``"max_iter"`` (BA-type recursion), ``"infeasible"``, or
        the cvxpy status (cvx).
    converged
        True when a decision was certified (``"optimal"``, ``"zero_rate"``, ``"infeasible"``).
    n_iter
        Iterations (BA-type sweeps or BA iterations; 0 for cvx).
    diagnostics
        ``lagrangian_nats``/``gap_nats`` (BA-type), ``objective_nats`` and the stage duals
        ``dual_1`` ... ``dual_n`` (cvx),
        ``lower_bound`` (block RDF).
    distortion
        ``(1/n) sum_t E d(X_t, Y_t)``.
    beta
        Slope (nats per unit per-letter distortion): dual value (cvx) or bisection value (ba).
    kernel
        ``Q(y^n | x^n)`` of shape ``(|X|^n, |Y|^n)`` (C order over time).
    mutual_information
        ``I(X^n; Y^n) / n`` of the returned kernel (bits/letter).
    directed_information
        ``I(X^n -> Y^n) / n`` of the returned kernel (bits/letter).
    causality_violation
        Largest change of ``P(y^t | x^n)`` across ``x_{t+1}^n`` (0 for causal kernels).
    """

    distortion: float
    beta: float
    kernel: np.ndarray
    mutual_information: float
    directed_information: float
    causality_violation: float

    @property
    def rate(self) -> float:
        """Alias of ``value`` (bits/letter)."""
        return self.value


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


def _validate_source(source: Any, d: Any, D: Any) -> tuple[np.ndarray, np.ndarray, float]:
    src = as_joint_pmf(source, "source")
    d = as_float_array(d, "d", ndim=2)
    if np.any(d < 0):
        raise ValueError(f"d: distortions must be non-negative, smallest is {d.min():.3g}")
    nx = d.shape[0]
    if any(s != nx for s in src.shape):
        raise ValueError(f"source: every axis must have length |X| = {nx} (rows of d), got shape {src.shape}")
    if D is None:
        raise ValueError("D: a target distortion is required")
    return src, d, as_positive_float(D, "D", allow_zero=True)


def _stage_distortions(d: np.ndarray, n: int) -> list[np.ndarray]:
    """``d_t(x^n, y^n) = d(x_t, y_t)`` as (|X|^n, |Y|^n) matrices."""
    nx, ny = d.shape
    out = []
    for t in range(n):
        xi = (np.arange(nx ** n) // nx ** (n - 1 - t)) % nx
        yi = (np.arange(ny ** n) // ny ** (n - 1 - t)) % ny
        out.append(d[np.ix_(xi, yi)])
    return out


def causality_violation(kernel: np.ndarray, nx: int, ny: int) -> float:
    """``max_t max |P(y^t | x^t, x_{t+1}^n) - P(y^t | x^t, x_{t+1}^n = 0)|`` of a kernel (|X|^n, |Y|^n)."""
    n = int(round(np.log(kernel.shape[0]) / np.log(nx)))
    worst = 0.0
    for t in range(1, n):
        M = kernel.reshape(nx ** t, nx ** (n - t), ny ** t, ny ** (n - t)).sum(axis=3)
        worst = max(worst, float(np.max(np.abs(M - M[:, :1, :]))))
    return worst


def _kernel_stats(src: np.ndarray, kernel: np.ndarray, d: np.ndarray) -> dict[str, float]:
    nx, ny = d.shape
    n = src.ndim
    p = src.ravel()
    J = p[:, None] * kernel
    stages = _stage_distortions(d, n)
    dist = float(sum(np.sum(J * s) for s in stages) / n)
    # joint over (x_1..x_n, y_1..y_n) -> DI with x axes 0..n-1, y axes n..2n-1
    Jt = J.reshape((nx,) * n + (ny,) * n)
    x, y = tuple(range(n)), tuple(range(n, 2 * n))
    mi = _cmi(Jt, x, y, ())
    di = sum(_cmi(Jt, x[: i + 1], (y[i],), y[:i]) for i in range(n))
    return {"distortion": dist, "mi": mi / n, "di": di / n,
            "viol": causality_violation(kernel, nx, ny)}


def _cvx_sequential(src: np.ndarray, d: np.ndarray, D: float, *, causal: bool, feedforward: bool,
                    per_stage: bool) -> NRDFResult:
    import cvxpy as cp

    nx, ny = d.shape
    n = src.ndim
    N, M = nx ** n, ny ** n
    p = src.ravel()
    Q = cp.Variable((N, M), nonneg=True)
    P = cp.multiply(p[:, None], Q)
    cons: list[Any] = [cp.sum(Q, axis=1) == 1]
    stages = _stage_distortions(d, n)
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
    st = _kernel_stats(src, K, d)
    if feedforward:
        Jt = (p[:, None] * K).reshape((nx,) * n + (ny,) * n)
        x, y = tuple(range(n)), tuple(range(n, 2 * n))
        rate = sum(_cmi(Jt, y[: i + 1], (x[i],), x[:i]) for i in range(n)) / n
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


def _zero_rate_seq(src: np.ndarray, d: np.ndarray) -> NRDFResult:
    """Y deterministic: y_t = argmin_y E d(X_t, y)."""
    nx, ny = d.shape
    n = src.ndim
    ys = [int(np.argmin(src.sum(axis=tuple(a for a in range(n) if a != t)) @ d)) for t in range(n)]
    K = np.zeros((nx ** n, ny ** n))
    K[:, int(np.ravel_multi_index(ys, (ny,) * n))] = 1.0
    st = _kernel_stats(src, K, d)
    return NRDFResult(value=0.0, distortion=st["distortion"], beta=0.0, kernel=K, mutual_information=0.0,
                      directed_information=0.0, causality_violation=st["viol"], n_iter=0, status="zero_rate",
                      converged=True)


def _limits(src: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    n = src.ndim
    marg = [src.sum(axis=tuple(a for a in range(n) if a != t)) for t in range(n)]
    D_max = float(sum(float((m @ d).min()) for m in marg) / n)
    D_min = float(sum(float(m @ d.min(axis=1)) for m in marg) / n)
    return D_min, D_max


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
    s = _kernel_stats(src, K, d)
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
        ``"cvx"``: block RDF program plus the causality equalities (Clarabel); ``"ba"``: BA-type
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
    src, d, Dv = _validate_source(source, d, D)
    method = as_choice(method, "method", ("cvx", "ba"))
    if per_stage and method == "ba":
        raise ValueError("per_stage: only supported with method='cvx'")
    D_min, D_max = _limits(src, d)
    if Dv < D_min - D_TOL:
        raise ValueError(f"D: below D_min = {D_min:.12g}; the problem is infeasible")
    if Dv >= D_max and not per_stage:
        return _zero_rate_seq(src, d)
    if method == "cvx" or Dv <= D_min + D_TOL:
        return _cvx_sequential(src, d, Dv, causal=True, feedforward=False, per_stage=per_stage)
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
    src, d, Dv = _validate_source(source, d, D)
    n = src.ndim
    dn = sum(_stage_distortions(d, n)) / n
    r = rate_distortion(src.ravel(), dn, D=Dv)
    if r.status == "infeasible":
        raise ValueError("D: below D_min; the problem is infeasible")
    s = _kernel_stats(src, r.test_channel, d)
    return NRDFResult(value=r.rate / n, distortion=s["distortion"], beta=r.beta, kernel=r.test_channel,
                      mutual_information=s["mi"], directed_information=s["di"], causality_violation=s["viol"],
                      n_iter=r.n_iter, status=r.status, converged=r.converged,
                      diagnostics={"lower_bound": r.lower_bound / n})


def feedforward_rate_distortion(source: Any, d: Any, *, D: float) -> NRDFResult:
    """Feed-forward RDF per letter: ``(1/n) min I(Y^n -> X^n)`` (Y the reconstruction), bits.

    Convex program ``H(X^n) + sum_i sum rel_entr(P_{X^i Y^i}, P_{X^{i-1} Y^i})`` (nats), the sum
    being ``-sum_i H(X_i | X^{i-1}, Y^i)``, over kernels with ``(1/n) sum E d <= D``. ``rate`` is
    ``I(Y^n -> X^n) / n`` of the returned kernel. Cost: ``|X|^n |Y|^n`` variables.
    """
    src, d, Dv = _validate_source(source, d, D)
    D_min, D_max = _limits(src, d)
    if Dv < D_min - D_TOL:
        raise ValueError(f"D: below D_min = {D_min:.12g}; the problem is infeasible")
    if Dv >= D_max:
        return _zero_rate_seq(src, d)
    return _cvx_sequential(src, d, Dv, causal=False, feedforward=True, per_stage=False)


def source_entropy_rate(source: Any) -> float:
    """``H(X^n) / n`` in bits."""
    src = as_joint_pmf(source, "source")
    return entropy_bits(src) / src.ndim


__all__ = ["NRDFResult", "block_rate_distortion", "bsms_nrdf", "causality_violation",
           "feedforward_rate_distortion", "markov_source", "nonanticipative_rate_distortion", "nrdf_ba",
           "source_entropy_rate"]
