"""Stationary laws of finite Markov chains given as sparse edge lists.

Used by the source (lifted context chain), the joint (context x encoder) chain, the renewal
chain and the BPE cascade. The long-run (Cesaro) law of a chain started from ``init`` is the
mixture of the stationary laws of its closed classes, weighted by their absorption
probabilities; with a single closed class that is its unique stationary law.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve
from scipy.special import logsumexp

#: Largest class solved by the dense GTH elimination (O(n^3)); larger ones use sparse LU.
GTH_MAX_STATES = 400


def _gth(P: np.ndarray) -> np.ndarray | None:
    """Compute the stationary law by Grassmann-Taksar-Heyman state reduction. O(n^3).

    No subtraction anywhere, so exit rates of 1e-300 beside self-loops of 1.0 keep their relative
    accuracy. ``None`` when an exit mass underflows to 0 (then the LU route is used).
    """
    A = P.copy()
    n = A.shape[0]
    np.fill_diagonal(A, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for m in range(n - 1, 0, -1):
            s = A[m, :m].sum()
            if not s > 0:
                return None
            A[:m, m] /= s
            A[:m, :m] += np.outer(A[:m, m], A[m, :m])
        pi = np.zeros(n)
        pi[0] = 1.0
        for j in range(1, n):
            pi[j] = pi[:j] @ A[:j, j]
        pi = pi / pi.sum()
    return pi if np.all(np.isfinite(pi)) else _gth_log(P)


def _gth_log(P: np.ndarray) -> np.ndarray | None:
    """Run GTH state reduction in log space, for rates whose ratios overflow.

    For example an exit of 5e-324 beside one of 1e-15. Same O(n^3) steps with log-add-exp.
    """
    n = P.shape[0]
    with np.errstate(divide="ignore"):
        L = np.log(P)
    np.fill_diagonal(L, -np.inf)
    for m in range(n - 1, 0, -1):
        ls = logsumexp(L[m, :m])
        if not np.isfinite(ls):
            return None
        L[:m, m] -= ls
        L[:m, :m] = np.logaddexp(L[:m, :m], L[:m, m][:, None] + L[m, :m][None, :])
    lpi = np.full(n, -np.inf)
    lpi[0] = 0.0
    for j in range(1, n):
        lpi[j] = logsumexp(lpi[:j] + L[:j, j])
    return np.exp(lpi - logsumexp(lpi))


def _class_stationary(P: sp.csr_matrix) -> np.ndarray:
    """Stationary law of an irreducible stochastic matrix ``P`` (n x n).

    Up to ``GTH_MAX_STATES`` states: GTH state reduction, which is exact to rounding even for
    near-deterministic rows. Beyond: solve ``nu (P - I) = 0`` with the last equation replaced by
    ``sum(nu) = 1`` by sparse LU, O(nnz fill-in), with the diagonal of ``P - I`` formed as minus
    the off-diagonal row sum (``P_ii - 1`` loses every digit of an exit rate of 1e-15 or less).
    Plain LU on ``P_ii - 1`` gave [0.5002, 0.4998] for the symmetric two-state chain with exits
    1e-15, [1, 0] with exits 1e-300 and NaN with a subnormal exit (exact: [0.5, 0.5] twice).
    """
    n = P.shape[0]
    if n == 1:
        return np.ones(1)
    if n <= GTH_MAX_STATES:
        pi = _gth(P.toarray())
        if pi is not None:
            return pi
    off = P.tocoo()
    mask = off.row != off.col
    exit_rate = np.bincount(off.row[mask], weights=off.data[mask], minlength=n)
    generator = sp.csr_matrix((off.data[mask], (off.row[mask], off.col[mask])), shape=(n, n)) \
        - sp.diags(exit_rate, format="csr")
    A = generator.T.tocoo()
    keep = A.row != n - 1
    rows = np.concatenate([A.row[keep], np.full(n, n - 1)])
    cols = np.concatenate([A.col[keep], np.arange(n)])
    vals = np.concatenate([A.data[keep], np.ones(n)])
    M = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    b = np.zeros(n)
    b[-1] = 1.0
    nu = np.asarray(spsolve(M, b), dtype=np.float64)
    nu = np.where(nu < 0, 0.0, nu)  # round-off of order 1e-16 on tiny entries
    if not (np.all(np.isfinite(nu)) and nu.sum() > 0):
        raise ValueError(f"cond: the stationary law of a {n}-state class is not computable in double "
                         "precision (transition rates too far apart); rescale or merge states")
    return nu / nu.sum()


def long_run_law(rows: np.ndarray, cols: np.ndarray, probs: np.ndarray, n: int,
                 init: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Long-run state law of the chain with transitions ``rows -> cols`` of weight ``probs``.

    Parameters
    ----------
    rows, cols, probs
        Edge list of a row-stochastic matrix on ``n`` states (duplicates are summed).
    n
        Number of states.
    init
        Initial law (length ``n``); ``None`` requires a single closed class.

    Returns
    -------
    nu, n_closed
        The Cesaro limit of ``init P^t`` and the number of closed classes.

    Notes
    -----
    Closed classes are the strongly connected components without outgoing edges
    (``scipy.sparse.csgraph.connected_components(connection='strong')``). With several classes,
    the absorption mass of class ``C`` is ``init(C) + x P[T, C] 1`` where ``x (I - P_TT) = init_T``
    (expected visits to the transient states ``T``). Cost: one sparse LU per class.

    Raises
    ------
    ValueError
        If ``init`` is ``None`` and there are several closed classes.
    """
    P = sp.csr_matrix((probs, (rows, cols)), shape=(n, n))
    n_comp, labels = connected_components(P, directed=True, connection="strong")
    leaves = labels[rows] != labels[cols]
    open_comp = np.zeros(n_comp, dtype=bool)
    open_comp[labels[rows[leaves & (probs > 0)]]] = True
    closed = np.flatnonzero(~open_comp)
    if len(closed) > 1 and init is None:
        raise ValueError(
            f"cond: the chain has {len(closed)} closed classes, so its stationary law is not unique; "
            "use an irreducible kernel (e.g. min_prob > 0)")
    nu = np.zeros(n)
    if len(closed) == 1:
        idx = np.flatnonzero(labels == closed[0])
        nu[idx] = _class_stationary(P[idx][:, idx])
        return nu, 1
    assert init is not None
    is_closed = np.isin(labels, closed)
    trans = np.flatnonzero(~is_closed)
    mass = np.zeros(n_comp)
    np.add.at(mass, labels, init)
    if len(trans):
        P_tt = P[trans][:, trans]
        x = spsolve((sp.identity(len(trans), format="csc") - P_tt).T.tocsc(), init[trans])
        flow = np.asarray(P[trans].T @ np.atleast_1d(x)).ravel()  # expected entries into each state
        flow[trans] = 0.0
        np.add.at(mass, labels, flow)
    for c in closed:
        idx = np.flatnonzero(labels == c)
        if mass[c] > 0:
            nu[idx] = mass[c] * _class_stationary(P[idx][:, idx])
    return nu / nu.sum(), len(closed)
