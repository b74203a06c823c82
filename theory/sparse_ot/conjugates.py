"""Conjugates of the k-sparse squared-L2 regulariser, the sparse simplex projection, the k-support norm.

Notation (Liu, Puigcerver, Blondel, ICLR 2023; POT ``ot.smooth``): for a column ``t`` of a plan,
``Omega_k(t) = (gamma/2)||t||^2 + iota{t >= 0} + iota{||t||_0 <= k}``.

- Dual conjugate (top-k):
  ``Omega_k^*(s) = (1/(2 gamma)) sum_{i in topk(s)} [s_i]_+^2``, gradient ``[s_i]_+/gamma`` on the
  top-k entries, 0 elsewhere.
- Semi-dual conjugate (max-k, a sparse argmax):
  ``M_{k,rho}(x) = max_{y in simplex, ||y||_0 <= k} <y, x> - (rho/2)||y||^2``, attained at
  ``y* = P_{simplex,k}(x/rho)``: keep the k largest entries of ``x/rho``, project them onto the
  simplex, zero the rest (greedy selection is exact: Kyrillidis et al., ICML 2013).
- Biconjugate: ``Omega_k^**(t) = (gamma/2)||t||_{sp,k}^2 + iota{t >= 0}`` with the k-support norm
  (Argyriou, Foygel, Srebro 2012).

Every column-wise routine selects the top k entries with one ``np.argpartition`` (O(m) per column)
and sorts only the k kept entries (O(k log k)), so one evaluation over an (m, n) matrix costs
O(mn + n k log k) time and O(mn) memory.
"""

from __future__ import annotations

import numpy as np

from theory._validate import as_float_array, as_int, as_positive_float

#: Above this many kept entries per column the projection first tries the top ``_ADAPTIVE_K`` only.
_ADAPTIVE_K = 16

#: Largest k selected by repeated ``argmax`` instead of ``argpartition``.
_ARGMAX_ROUNDS = 24


def topk_last(W: np.ndarray, k: int) -> np.ndarray:
    """Return the indices of the ``k`` largest entries of every row of ``W``, shape (n, k).

    For ``k <= 24``: ``k`` rounds of a vectorised ``argmax`` on a copy (the found entries are set
    to ``-inf``), several times faster than ``np.argpartition`` for small k; otherwise one
    ``np.argpartition``. Both O(nm) for fixed k.
    """
    n, m = W.shape
    if k >= m:
        return np.broadcast_to(np.arange(m)[None, :], W.shape).copy()
    if k > _ARGMAX_ROUNDS:
        return np.argpartition(W, m - k, axis=1)[:, m - k:]
    X = W.copy()
    out = np.empty((n, k), dtype=np.intp)
    rows = np.arange(n)
    for col in range(k):
        i = np.argmax(X, axis=1)
        out[:, col] = i
        X[rows, i] = -np.inf
    return out


def project_kept(vals: np.ndarray, mass: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Project every row of ``vals`` (n, K) onto the simplex of total ``mass`` (default 1).

    Returns ``(y, theta)`` with ``y = [vals - theta]_+`` and ``theta`` of shape (n,).
    Sorting costs O(n K log K).
    """
    K = vals.shape[1]
    # The projection commutes with adding a constant to a row: work relative to the row maximum,
    # so that huge entries (1e300, or x / rho with rho = 1e-300) keep full relative precision.
    top = np.max(vals, axis=1)
    shifted = vals - top[:, None]
    z = -np.sort(-shifted, axis=1)
    css = np.cumsum(z, axis=1) - (1.0 if mass is None else mass[:, None])
    r = np.arange(1, K + 1, dtype=np.float64)[None, :]
    with np.errstate(invalid="ignore"):  # -inf entries (far below the maximum) never qualify
        cond = z - css / r > 0
    # rho = last position where the support test holds (mathematically the test holds on a prefix,
    # always at position 1); taking the last true position is robust to rounding.
    rho = np.where(cond.any(axis=1), K - np.argmax(cond[:, ::-1], axis=1), 1)
    theta_s = css[np.arange(vals.shape[0]), rho - 1] / rho
    return np.maximum(shifted - theta_s[:, None], 0.0), theta_s + top


def sparse_simplex_rows(W: np.ndarray, k: int, scale: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise ``P_{simplex,k}(W_j / scale_j)``: indices, values and thresholds of the kept entries.

    Row ``j`` of ``W`` holds one column of a plan (C-contiguous rows make the selection fast).

    Parameters
    ----------
    W
        Array of shape (n, m), finite.
    k
        Number of entries kept per row (``k >= m`` is the full simplex projection).
    scale
        Positive divisors per row (default 1). The top-k selection uses ``W`` itself (a positive
        scaling keeps the order), so only the kept entries are divided.

    Returns
    -------
    idx, y, theta
        ``idx`` (n, K) indices of the kept entries, ``y`` (n, K) their projected values (each row
        sums to 1), ``theta`` (n,) the thresholds: ``y = [W[idx]/scale - theta]_+``. ``K`` is at
        most ``min(k, m)``; an index may repeat within a row only with ``y = 0`` (padding), so
        accumulate with sums (``np.bincount``), never by assignment.

    Notes
    -----
    For ``k`` larger than 16 the projection first keeps only the top 16 entries and accepts a row
    when its 17th largest entry lies below the threshold (then no further entry can enter the
    support); the remaining rows are projected with all ``k`` entries. The result is exact either
    way. Cost O(nm + n k log k).
    """
    n, m = W.shape
    sc = np.ones(n) if scale is None else np.asarray(scale, dtype=np.float64)
    K = min(k, m)
    if scale is not None and n and m:
        with np.errstate(over="ignore", divide="ignore"):
            overflow = not np.all(np.isfinite(np.max(np.abs(W), axis=1) / sc))
        if overflow:
            # W_j / s_j overflows (s_j subnormal): P(W_j / s_j) = P_{simplex of mass s_j}(W_j) / s_j,
            # whose kept values (<= s_j) divide without overflow; theta_j = tau_j / s_j may be inf
            # (its users take the s_j -> 0 limit). Exact; no adaptive shortcut on this rare path.
            idx = topk_last(W, K)
            y, tau = project_kept(np.take_along_axis(W, idx, axis=1), sc)
            with np.errstate(over="ignore"):
                return idx, y / sc[:, None], tau / sc
    if K <= _ADAPTIVE_K or n == 0:
        idx = topk_last(W, K)
        y, theta = project_kept(np.take_along_axis(W, idx, axis=1) / sc[:, None])
        return idx, y, theta
    K0 = _ADAPTIVE_K
    part = topk_last(W, K0 + 1)
    pv = np.take_along_axis(W, part, axis=1) / sc[:, None]
    order = np.argsort(-pv, axis=1)
    part = np.take_along_axis(part, order, axis=1)
    pv = np.take_along_axis(pv, order, axis=1)
    y0, theta0 = project_kept(pv[:, :K0])
    ok = pv[:, K0] <= theta0
    if np.all(ok):
        return part[:, :K0], y0, theta0
    # Accepted rows are padded with zero-mass copies of their top index (harmless for sums).
    idx = np.broadcast_to(part[:, :1], (n, K)).copy()
    y = np.zeros((n, K))
    theta = theta0.copy()
    idx[ok, :K0] = part[ok, :K0]
    y[ok, :K0] = y0[ok]
    bad = ~ok
    ib = topk_last(W[bad], K)
    yb, tb = project_kept(np.take_along_axis(W[bad], ib, axis=1) / sc[bad, None])
    idx[bad], y[bad], theta[bad] = ib, yb, tb
    return idx, y, theta


def sparse_simplex_columns(V: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply ``P_{simplex,k}`` column-wise to ``V`` (m, n).

    :func:`sparse_simplex_rows` on ``V^T``, with ``idx`` and ``y`` returned as (K, n). Cost O(mn + n k log
    k).
    """
    idx, y, theta = sparse_simplex_rows(np.ascontiguousarray(V.T), k)
    return idx.T, y.T, theta


def _vector(x: object, name: str) -> np.ndarray:
    return as_float_array(x, name, ndim=1)


def proj_sparse_simplex(v: object, k: int, z: float = 1.0) -> np.ndarray:
    """Euclidean projection of ``v`` onto ``{y >= 0, sum(y) = z, ||y||_0 <= k}``.

    ``y = z P_{simplex,k}(v / z)``: keep the ``k`` largest entries, project them onto the simplex
    of mass ``z`` (threshold ``theta``: ``y_i = [v_i - theta]_+``), zero the rest. Greedy selection
    is exact (Kyrillidis et al., ICML 2013). Computed on ``v - max(v)`` (the projection commutes
    with constant shifts), so entries of any magnitude keep their precision. Cost O(d + k log k).

    Parameters
    ----------
    v
        Vector of length d.
    k
        Sparsity (``k >= d``: the ordinary simplex projection).
    z
        Mass of the simplex, ``> 0``.
    """
    x = _vector(v, "v")
    k = as_int(k, "k", min_value=1)
    z = as_positive_float(z, "z")
    with np.errstate(over="ignore"):  # (x - max x) / z = -inf far below the maximum: no mass
        idx, y, _ = sparse_simplex_columns((x - x.max())[:, None] / z, k)
    return z * np.bincount(idx[:, 0], weights=y[:, 0], minlength=x.shape[0])


def max_k(x: object, k: int, rho: float) -> tuple[float, np.ndarray]:
    """Semi-dual conjugate ``M_{k,rho}(x) = max_{y in simplex, ||y||_0<=k} <y,x> - (rho/2)||y||^2``.

    Returns the value and its gradient ``y* = P_{simplex,k}(x / rho)`` (Danskin). Convex in ``x``,
    piecewise quadratic; not differentiable where the top-k choice is ambiguous and both
    candidates receive mass. Cost O(d + k log k).
    """
    x = _vector(x, "x")
    k = as_int(k, "k", min_value=1)
    rho = as_positive_float(rho, "rho")
    with np.errstate(over="ignore"):  # (x - max x) / rho = -inf far below the maximum: no mass
        idx, y, _ = sparse_simplex_columns((x - x.max())[:, None] / rho, k)
    grad = np.bincount(idx[:, 0], weights=y[:, 0], minlength=x.shape[0])
    return float(grad @ x - 0.5 * rho * grad @ grad), grad


def conj_topk(s: object, k: int, gamma: float) -> tuple[float, np.ndarray]:
    """Dual conjugate ``Omega_k^*(s) = (1/(2 gamma)) sum_{i in topk(s)} [s_i]_+^2`` and its gradient.

    The gradient is ``[s_i]_+ / gamma`` on the k largest entries of ``s`` and 0 elsewhere; one
    selection suffices because ``[u]_+^2`` is nondecreasing. Cost O(d).
    """
    x = _vector(s, "s")
    k = as_int(k, "k", min_value=1)
    gamma = as_positive_float(gamma, "gamma")
    idx = topk_last(x[None, :], min(k, x.shape[0]))[0]
    pos = np.maximum(x[idx], 0.0)
    grad = np.zeros_like(x)
    grad[idx] = pos / gamma
    return float(pos @ pos / (2.0 * gamma)), grad


def ksupport_sq(w: object, k: int) -> float:
    """Squared k-support norm ``||w||_{sp,k}^2`` (Argyriou, Foygel, Srebro 2012).

    Sort ``|w|`` as ``z_1 >= ... >= z_d`` (``z_0 = +inf``) and find ``r in {0, ..., k-1}`` with
    ``z_{k-r-1} > (1/(r+1)) sum_{i >= k-r} z_i >= z_{k-r}``; then
    ``||w||_{sp,k}^2 = sum_{i < k-r} z_i^2 + (1/(r+1)) (sum_{i >= k-r} z_i)^2``.
    ``k = 1`` gives ``||w||_1^2``, ``k >= d`` gives ``||w||_2^2``. It is the norm whose dual is the
    l2 norm of the k largest ``|u_i|``, so ``(gamma/2)||t||_{sp,k}^2 + iota{t >= 0}`` is the
    biconjugate of the k-sparse regulariser. Cost O(d log d).
    """
    x = _vector(w, "w")
    k = min(as_int(k, "k", min_value=1), x.shape[0])
    z = np.sort(np.abs(x))[::-1]
    tail = np.cumsum(z[::-1])[::-1]  # tail[i] = sum_{l >= i} z_l (0-based)
    best_r, best_violation = 0, np.inf
    for r in range(k):
        lo = k - r - 1  # 0-based position of z_{k-r}
        avg = tail[lo] / (r + 1)
        upper = np.inf if lo == 0 else z[lo - 1]
        violation = max(avg - upper, 0.0) + max(z[lo] - avg, 0.0)
        if upper > avg >= z[lo]:
            best_r = r
            break
        if violation < best_violation:
            best_r, best_violation = r, violation
    lo = k - best_r - 1
    return float(z[:lo] @ z[:lo] + tail[lo] ** 2 / (best_r + 1))
