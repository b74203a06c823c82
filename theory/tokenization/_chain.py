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


def _class_stationary(P: sp.csr_matrix) -> np.ndarray:
    """Stationary law of an irreducible stochastic matrix ``P`` (n x n): solve nu (P - I) = 0
    with the last equation replaced by sum(nu) = 1. Sparse LU, O(nnz fill-in)."""
    n = P.shape[0]
    if n == 1:
        return np.ones(1)
    A = (P.T - sp.identity(n, format="csr")).tocoo()
    keep = A.row != n - 1
    rows = np.concatenate([A.row[keep], np.full(n, n - 1)])
    cols = np.concatenate([A.col[keep], np.arange(n)])
    vals = np.concatenate([A.data[keep], np.ones(n)])
    M = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    b = np.zeros(n)
    b[-1] = 1.0
    nu = np.asarray(spsolve(M, b), dtype=np.float64)
    nu = np.where(nu < 0, 0.0, nu)  # round-off of order 1e-16 on tiny entries
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
