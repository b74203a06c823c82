"""Exact information measures of finite joint pmfs: MI, directed information, transfer entropy.

Conventions: a joint pmf is an array with one axis per variable (and per time step); results are
in bits. Directed information (Massey 1990) of ``X^n -> Y^n`` is

    I(X^n -> Y^n) = sum_i I(X^i; Y_i | Y^{i-1}),

the feedback information (Massey & Massey 2005) is ``I(0*Y^{n-1} -> X^n) = sum_i I(Y^{i-1}; X_i |
X^{i-1})`` and the conservation law reads ``I(X^n; Y^n) = I(X^n -> Y^n) + I(0*Y^{n-1} -> X^n)``.
Transfer entropy (Schreiber 2000) is ``TE_{X->Y}(k, l) = I(Y_t; X_{t-l}^{t-1} | Y_{t-k}^{t-1})``; for
a Gaussian VAR it equals half of Granger's log variance ratio (Barnett, Barrett & Seth 2009).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_discrete_lyapunov

from theory._info import LN2, entropy_bits  # noqa: F401 (re-exported: theory.semantic.info.entropy_bits)
from theory._validate import as_float_array, as_index_list, as_joint_pmf, as_stochastic_matrix
from theory.semantic._joint import cmi, directed_terms, feedback


def _axes(axes: Sequence[int] | int, ndim: int, name: str) -> tuple[int, ...]:
    """Validate a list of axes of a ``ndim``-d array (in range, no repeats)."""
    out = as_index_list(axes, name)
    for a in out:
        if not 0 <= a < ndim:
            raise ValueError(f"{name}: axis {a} is out of range for a {ndim}-d joint pmf")
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axes {out}")
    return out


def _disjoint(**groups: tuple[int, ...]) -> None:
    seen: dict[int, str] = {}
    for name, axes in groups.items():
        for a in axes:
            if a in seen:
                raise ValueError(f"{name}: axis {a} also appears in {seen[a]}; axis groups must not overlap")
            seen[a] = name


def mutual_information(joint: np.ndarray, a_axes: Sequence[int] | int, b_axes: Sequence[int] | int,
                       given_axes: Sequence[int] | int = ()) -> float:
    """Conditional mutual information ``I(A; B | C)`` in bits; axes not listed are summed out.

    Computed as ``H(A,C) + H(B,C) - H(A,B,C) - H(C)`` with ``0 log 0 = 0``. Cost O(size of joint).

    Parameters
    ----------
    joint
        Joint pmf, one axis per variable, summing to 1.
    a_axes, b_axes, given_axes
        Disjoint groups of axes (``a_axes`` and ``b_axes`` non-empty).

    Raises
    ------
    ValueError
        If ``joint`` is not a pmf, or the axes are empty, out of range or overlap.
    """
    P = as_joint_pmf(joint, "joint")
    a = _axes(a_axes, P.ndim, "a_axes")
    b = _axes(b_axes, P.ndim, "b_axes")
    c = _axes(given_axes, P.ndim, "given_axes")
    if not a or not b:
        raise ValueError("a_axes, b_axes: both groups must contain at least one axis")
    _disjoint(a_axes=a, b_axes=b, given_axes=c)
    return cmi(P, a, b, c)


def _time_axes(joint: np.ndarray, x_axes: Sequence[int], y_axes: Sequence[int]
               ) -> tuple[np.ndarray, tuple[int, ...], tuple[int, ...]]:
    P = as_joint_pmf(joint, "joint")
    x = _axes(x_axes, P.ndim, "x_axes")
    y = _axes(y_axes, P.ndim, "y_axes")
    if len(x) != len(y) or not x:
        raise ValueError("x_axes, y_axes: need the same non-zero number of time steps, "
                         f"got {len(x)} and {len(y)}")
    _disjoint(x_axes=x, y_axes=y)
    return P, x, y


def directed_information_terms(joint: np.ndarray, x_axes: Sequence[int], y_axes: Sequence[int]) -> np.ndarray:
    """Return the terms ``I(X^i; Y_i | Y^{i-1})``, i = 1..n, in bits (their sum is ``I(X^n -> Y^n)``).

    Axes are listed in time order; other axes are summed out. Cost O(n * size of joint).
    """
    P, x, y = _time_axes(joint, x_axes, y_axes)
    return np.array(directed_terms(P, x, y))


def directed_information(joint: np.ndarray, x_axes: Sequence[int], y_axes: Sequence[int]) -> float:
    """Massey's directed information ``I(X^n -> Y^n) = sum_i I(X^i; Y_i | Y^{i-1})``, bits.

    The whole prefix ``X^i`` enters term i. Axes are in time order (``x_axes[i]`` is X_{i+1}).
    Cost O(n * size of joint).

    Raises
    ------
    ValueError
        Not a pmf; axis groups of different lengths, out of range or overlapping.
    """
    return float(directed_information_terms(joint, x_axes, y_axes).sum())


def feedback_information(joint: np.ndarray, x_axes: Sequence[int], y_axes: Sequence[int]) -> float:
    """Feedback information ``I(0*Y^{n-1} -> X^n) = sum_i I(Y^{i-1}; X_i | X^{i-1})``, bits.

    With :func:`directed_information` it satisfies the conservation law (Massey & Massey 2005)
    ``I(X^n; Y^n) = I(X^n -> Y^n) + I(0*Y^{n-1} -> X^n)``. Cost O(n * size of joint).
    """
    P, x, y = _time_axes(joint, x_axes, y_axes)
    return feedback(P, x, y)


def causal_conditioning(joint: np.ndarray, x_axes: Sequence[int], y_axes: Sequence[int]) -> np.ndarray:
    """Causally conditioned pmf ``P(y^n || x^n) = prod_i P(y_i | y^{i-1}, x^i)``.

    Returned with axes ``(x_1..x_n, y_1..y_n)``; conditionals on zero-probability histories are
    set to 0. Then ``P(x^n, y^n) = P(x^n || y^{n-1}) P(y^n || x^n)`` and ``I(X^n -> Y^n) =
    E log2 [P(Y^n || X^n) / P(Y^n)]``. Cost O(n * size of joint).
    """
    P, x, y = _time_axes(joint, x_axes, y_axes)
    n = len(x)
    drop = tuple(a for a in range(P.ndim) if a not in x + y)
    J = np.transpose(P.sum(axis=drop, keepdims=True), [*x, *y, *drop]).reshape(
        [P.shape[a] for a in x] + [P.shape[a] for a in y])
    out = np.ones_like(J)
    for i in range(n):
        # Marginal of (x^i, y^i) and of (x^i, y^{i-1}), broadcast back to the full shape.
        num = J.sum(axis=tuple(range(i + 1, n)) + tuple(range(n + i + 1, 2 * n)), keepdims=True)
        den = num.sum(axis=n + i, keepdims=True)
        cond = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
        out = out * cond
    return out


@dataclass(frozen=True)
class GaussianTE:
    """Transfer entropy of a Gaussian VAR(1) between two groups of coordinates.

    Attributes
    ----------
    te
        TE in bits.
    te_nats
        TE in nats (= gc / 2).
    gc
        Granger causality ``ln det S(Y|Y past) / det S(Y|Y past, X past)``.
    """

    te: float
    te_nats: float
    gc: float


def _var1_lag_cov(A: np.ndarray, Sigma: np.ndarray, lags: int) -> np.ndarray:
    """Covariance of the stacked vector (Z_t, Z_{t-1}, ..., Z_{t-lags}) of a stationary VAR(1)."""
    G0 = solve_discrete_lyapunov(A, Sigma)
    d = A.shape[0]
    G = [G0]
    for _ in range(lags):
        G.append(A @ G[-1])  # Gamma_h = Cov(Z_{t+h}, Z_t) = A^h Gamma_0
    C = np.zeros(((lags + 1) * d, (lags + 1) * d))
    for a in range(lags + 1):
        for b in range(lags + 1):
            # Cov(Z_{t-a}, Z_{t-b}) = Gamma_{b-a} if b >= a else Gamma_{a-b}^T
            C[a * d:(a + 1) * d, b * d:(b + 1) * d] = G[b - a] if b >= a else G[a - b].T
    return C


def gaussian_transfer_entropy(A: np.ndarray, noise_cov: np.ndarray, *, source: Sequence[int],
                              target: Sequence[int], k: int = 1, l: int = 1) -> GaussianTE:
    """Transfer entropy ``TE_{X->Y}(k, l)`` of a stationary Gaussian VAR(1) ``Z_t = A Z_{t-1} + e_t``.

    ``Gamma_0`` solves the discrete Lyapunov equation ``Gamma_0 = A Gamma_0 A^T + Sigma``, lag
    covariances are ``Gamma_h = A^h Gamma_0``; the residual covariances of ``Y_t`` given its own
    ``k`` past values, with and without the ``l`` past values of ``X``, are Schur complements of the
    stacked covariance. Granger causality is ``F = ln(det S_restricted / det S_full)`` and
    ``TE = F / 2`` nats (Barnett, Barrett & Seth 2009). Cost O(((k+l) d)^3).

    Raises
    ------
    ValueError
        Non-square or mismatched shapes, spectral radius >= 1, noise covariance not positive
        definite, empty/overlapping/out-of-range index groups.
    """
    A = as_float_array(A, "A", ndim=2)
    S = as_float_array(noise_cov, "noise_cov", ndim=2)
    d = A.shape[0]
    if A.shape != (d, d) or S.shape != (d, d):
        raise ValueError(f"A, noise_cov: expected square ({d}, {d}) arrays, got {A.shape} and {S.shape}")
    if np.max(np.abs(np.linalg.eigvals(A))) >= 1:
        raise ValueError("A: spectral radius must be < 1 for a stationary VAR(1)")
    if not np.allclose(S, S.T) or np.min(np.linalg.eigvalsh(S)) <= 0:
        raise ValueError("noise_cov: must be symmetric positive definite")
    src = _axes(source, d, "source")
    tgt = _axes(target, d, "target")
    if not src or not tgt:
        raise ValueError("source, target: must be non-empty")
    _disjoint(source=src, target=tgt)
    if isinstance(k, bool) or isinstance(l, bool) or int(k) < 1 or int(l) < 1:
        raise ValueError(f"k, l: history lengths must be integers >= 1, got {k!r}, {l!r}")
    m = max(int(k), int(l))
    C = _var1_lag_cov(A, S, m)
    now = [i for i in tgt]
    ypast = [lag * d + i for lag in range(1, int(k) + 1) for i in tgt]
    xpast = [lag * d + i for lag in range(1, int(l) + 1) for i in src]

    def resid(cond: list[int]) -> float:
        Syy = C[np.ix_(now, now)]
        Syc = C[np.ix_(now, cond)]
        Scc = C[np.ix_(cond, cond)]
        return float(np.linalg.slogdet(Syy - Syc @ np.linalg.solve(Scc, Syc.T))[1])

    gc = resid(ypast) - resid(ypast + xpast)
    return GaussianTE(te=gc / (2 * LN2), te_nats=gc / 2, gc=gc)


def gaussian_conditional_mi(cov: np.ndarray, a: Sequence[int], b: Sequence[int], c: Sequence[int]) -> float:
    """``I(A; B | C)`` in nats of a Gaussian vector with covariance ``cov``, from log-determinants.

    ``I = (ln|S_AC| + ln|S_BC| - ln|S_ABC| - ln|S_C|) / 2``. Cost O(d^3).
    """
    S = as_float_array(cov, "cov", ndim=2)

    def ld(idx: list[int]) -> float:
        return float(np.linalg.slogdet(S[np.ix_(idx, idx)])[1]) if idx else 0.0

    a_, b_, c_ = list(a), list(b), list(c)
    return 0.5 * (ld(a_ + c_) + ld(b_ + c_) - ld(a_ + b_ + c_) - ld(c_))


def var1_stacked_covariance(A: np.ndarray, noise_cov: np.ndarray, lags: int) -> np.ndarray:
    """Stationary covariance of ``(Z_t, Z_{t-1}, ..., Z_{t-lags})`` for ``Z_t = A Z_{t-1} + e_t``."""
    A = as_float_array(A, "A", ndim=2)
    S = as_float_array(noise_cov, "noise_cov", ndim=2)
    return _var1_lag_cov(A, S, int(lags))


def stationary_distribution(P: np.ndarray) -> np.ndarray:
    """Stationary law of a row-stochastic matrix (left eigenvector for eigenvalue 1).

    Raises ``ValueError`` when the chain has no unique stationary law.
    """
    w, v = np.linalg.eig(P.T)
    idx = np.flatnonzero(np.abs(w - 1) < 1e-10)
    if idx.size != 1:
        raise ValueError("transition: the chain must have a unique stationary distribution; pass stationary=")
    pi = np.real(v[:, idx[0]])
    pi = np.abs(pi) / np.abs(pi).sum()
    return pi


def transfer_entropy(transition: np.ndarray, *, k: int = 1, l: int = 1,
                     stationary: np.ndarray | None = None) -> float:
    """Transfer entropy ``TE_{X->Y}(k, l) = I(Y_t; X_{t-l}^{t-1} | Y_{t-k}^{t-1})`` in bits.

    For a stationary Markov chain ``Z_t = (X_t, Y_t)`` with kernel ``transition[x, y, x', y']``
    (its stationary law, or ``stationary[x, y]``). The joint law of ``m + 1 = max(k, l) + 1``
    consecutive states is built exactly and the conditional MI read off it. For ``TE_{Y->X}``
    pass ``transition.transpose(1, 0, 3, 2)``. Cost O((|X||Y|)^(m+1)).

    Raises
    ------
    ValueError
        Kernel not of shape (X, Y, X, Y) with rows summing to 1; bad stationary law; k, l < 1.
    """
    T = as_float_array(transition, "transition", ndim=4)
    nx, ny = T.shape[:2]
    if T.shape != (nx, ny, nx, ny):
        raise ValueError(f"transition: expected shape (X, Y, X, Y), got {T.shape}")
    M = as_stochastic_matrix(T.reshape(nx * ny, nx * ny), "transition")
    if isinstance(k, bool) or isinstance(l, bool) or int(k) < 1 or int(l) < 1:
        raise ValueError(f"k, l: history lengths must be integers >= 1, got {k!r}, {l!r}")
    if stationary is None:
        pi = stationary_distribution(M)
    else:
        pi = as_joint_pmf(stationary, "stationary", ndim=2).ravel()
        if pi.size != nx * ny or np.max(np.abs(pi @ M - pi)) > 1e-9:
            raise ValueError("stationary: must be a stationary law of transition, of shape (X, Y)")
    m = max(int(k), int(l))
    J = pi
    for _ in range(m):
        J = J[..., None] * M.reshape((1,) * (J.ndim - 1) + M.shape)
    # axes: z_{t-m}, ..., z_t, each split into (x, y)
    J = J.reshape((nx, ny) * (m + 1))
    ax = {(lag, "x"): 2 * (m - lag) for lag in range(m + 1)}
    ax.update({(lag, "y"): 2 * (m - lag) + 1 for lag in range(m + 1)})
    y_now = (ax[(0, "y")],)
    x_past = tuple(ax[(lag, "x")] for lag in range(1, int(l) + 1))
    y_past = tuple(ax[(lag, "y")] for lag in range(1, int(k) + 1))
    return cmi(J, y_now, x_past, y_past)
