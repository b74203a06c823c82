"""A feasible k-sparse plan when the dual's supports cannot carry the marginals (k >= 2).

Two steps, both exact and independent of the cost's quality:

1. :func:`chain_mask` builds a support with at most two rows per column from the masses alone.
   Rows and columns are laid end to end on ``[0, sum(a)]`` (a north-west corner rule) in an order
   chosen greedily so that no column interval contains a whole row: with ``rho`` the room left
   in the open row, the next column is the smallest one larger than ``rho`` whose remainder
   ``b_j - rho`` fits in a fresh row (the smallest such row is opened), else the largest column
   that fits in ``rho``. Each column then meets at most one row boundary, hence at most 2 rows.
   O((m + n) log(m + n)); it can fail (None), for instance when ``m > n + 1``.
2. :func:`forest_plan` solves the transport LP ``min <T, C>`` on a support (HiGHS), keeps the
   support of its basic solution (a forest of the bipartite graph, at most ``m + n - 1`` entries)
   and recomputes the flows on that forest exactly by peeling leaves: a leaf's only entry carries
   its remaining mass. The plan meets both marginals to rounding, whatever the LP's tolerances.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack

from theory.sparse_ot._problem import SparseOTProblem


def incidence(rows: np.ndarray, cols: np.ndarray, m: int, n: int) -> csr_matrix:
    """Row sums and the first ``n - 1`` column sums of the entries ``(rows[e], cols[e])``.

    An (m + n - 1, nnz) sparse matrix; its right-hand side is ``marginals(a, b)``. The last column
    sum is implied by the others and ``sum(a) = sum(b)``; kept, its right-hand side would disagree
    with the others at rounding level, and HiGHS's presolve then reports a feasible support
    infeasible (measured: an 8 x 40 instance with ``min b = 7e-9``).
    """
    nnz = rows.size
    e = np.ones(nnz)
    keep = cols < n - 1
    return vstack([coo_matrix((e, (rows, np.arange(nnz))), shape=(m, nnz)),
                   coo_matrix((e[keep], (cols[keep], np.arange(nnz)[keep])), shape=(n - 1, nnz))]).tocsr()


def marginals(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Right-hand side of :func:`incidence`: ``a`` and all of ``b`` but its last entry."""
    return np.concatenate([a, b[:-1]])


class _SortedPool:
    """Positive values sorted ascending, with deletion and "smallest alive value above x" queries.

    Deleted slots are skipped through union-find "next alive" pointers (near O(log n) per query).
    """

    def __init__(self, values: np.ndarray) -> None:
        ids = np.flatnonzero(values > 0)
        order = np.argsort(values[ids], kind="stable")
        self.ids = ids[order]
        self.values = values[self.ids]
        self._next = np.arange(self.ids.size + 1)

    def _alive(self, i: int) -> int:
        root = i
        while self._next[root] != root:
            root = int(self._next[root])
        while self._next[i] != root:  # path compression
            self._next[i], i = root, int(self._next[i])
        return root

    def first_from(self, x: float, *, strict: bool) -> int | None:
        """Slot of the smallest alive value ``> x`` (``>= x`` when not ``strict``), or None."""
        i = self._alive(int(np.searchsorted(self.values, x, side="right" if strict else "left")))
        return i if i < self.ids.size else None

    def last_at_most(self, x: float) -> int | None:
        """Slot of the largest alive value ``<= x``, or None."""
        i = int(np.searchsorted(self.values, x, side="right")) - 1
        while i >= 0 and self._next[i] != i:
            i -= 1
        return i if i >= 0 else None

    def take(self, i: int) -> tuple[int, float]:
        """Delete slot ``i``; return its original index and value."""
        self._next[i] = i + 1
        return int(self.ids[i]), float(self.values[i])

    def empty(self) -> bool:
        """Whether every value was taken."""
        return self._alive(0) >= self.ids.size


def chain_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Return a support with at most 2 rows per column that carries ``(a, b)`` (module docstring), or None."""
    tol = 1e-13 * float(a.sum())
    rows, cols = _SortedPool(a), _SortedPool(b)
    if rows.empty() or cols.empty():
        return None
    r, rho = rows.take(0)
    support: list[tuple[int, int]] = []
    while not cols.empty():
        q = cols.first_from(rho + tol, strict=True)  # the smallest column that straddles
        p = None if q is None else rows.first_from(float(cols.values[q]) - rho - tol, strict=False)
        if q is not None and p is not None:
            j, bj = cols.take(q)
            r2, a2 = rows.take(p)
            support += [(r, j), (r2, j)]
            r, rho = r2, a2 - (bj - rho)
        else:
            q = cols.last_at_most(rho + tol)  # a whole column in the open row
            if q is None:
                return None
            j, bj = cols.take(q)
            support.append((r, j))
            rho -= bj
        nxt = rows.first_from(-np.inf, strict=True)
        if rho <= tol and nxt is not None:
            r, rho = rows.take(nxt)
    if not rows.empty():
        return None
    mask = np.zeros((a.shape[0], b.shape[0]), dtype=bool)
    ri, ci = zip(*support, strict=True)
    mask[list(ri), list(ci)] = True
    return mask


def _peel(a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """Exact flows on a forest support (entries ``(rows[e], cols[e])``); None if it is not one."""
    m = a.shape[0]
    node_u = rows
    node_v = m + cols
    need = np.concatenate([a, b]).astype(np.float64)
    deg = np.bincount(np.concatenate([node_u, node_v]), minlength=need.size)
    incident: list[list[int]] = [[] for _ in range(need.size)]
    for e, (u, v) in enumerate(zip(node_u.tolist(), node_v.tolist(), strict=True)):
        incident[u].append(e)
        incident[v].append(e)
    flow = np.full(rows.size, np.nan)
    stack = [x for x in range(need.size) if deg[x] == 1]
    while stack:
        x = stack.pop()
        if deg[x] != 1:
            continue
        e = next(e for e in incident[x] if np.isnan(flow[e]))
        flow[e] = need[x]
        other = int(node_v[e] if x == node_u[e] else node_u[e])
        need[other] -= need[x]
        need[x] = 0.0
        deg[x] -= 1
        deg[other] -= 1
        if deg[other] == 1:
            stack.append(other)
    if np.any(np.isnan(flow)):
        return None  # a cycle: not a forest
    return flow


def forest_plan(P: SparseOTProblem, mask: np.ndarray) -> np.ndarray | None:
    """Return a basic feasible plan of ``min <T, C>`` on ``mask``, with exact flows (module docstring).

    Returns the dense plan or None when the LP finds the support infeasible. Its support is a
    subset of ``mask`` (so it is k-sparse when ``mask`` is). One LP with ``mask.sum()`` variables
    plus O(m + n) for the flows.
    """
    rows, cols = np.nonzero(mask)
    m, n = mask.shape
    scale = max(float(np.max(P.a)), float(np.max(P.b)), 1e-300)
    res = linprog(P.C[rows, cols], A_eq=incidence(rows, cols, m, n),  # type: ignore[call-overload]
                  b_eq=marginals(P.a, P.b) / scale, bounds=(0, None), method="highs-ds")
    if res.status != 0:
        return None
    used = res.x > 0
    flow = _peel(P.a, P.b, rows[used], cols[used])
    if flow is None or np.min(flow) < -1e-12 * float(P.a.sum()):
        return None
    T = np.zeros((m, n))
    T[rows[used], cols[used]] = flow
    return T
