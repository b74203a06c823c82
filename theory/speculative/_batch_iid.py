"""Batched optimum of iid and greedy drafts, row by row (sorted-prefix theorem).

Private part of :mod:`theory.speculative.batch`: ``alpha*_iid = 1 + min_j [p(B_j) - q(B_j)^K]``
over the prefixes of the p/q order, and the greedy draft set ``p(T) + sum_{y not in T} min(p, q~)``
(Hu et al., ICLR 2025).
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from theory.speculative._batch_sorted import SortedRows, column, prefix, suffix


def iid_numpy(p: Any, q: Any, ks: list[int], bins: int = 128) -> Any:
    """alpha*iid (columns: ``ks``, all >= 2) for numpy rows without sorting every token.

    Every optimal B contains each token with p/q < K q(B)^{K-1} and no token with p/q above it
    (sorted-prefix theorem), so with edges ``e_g = K (g/G)^{K-1}`` (g = 0..G) the optimum is a
    prefix ``{r <= e_g}`` or lies inside one bin ``(e_{g-1}, e_g]``; tokens with r > K are never
    in it. One pass gives the exact objective at every edge (an upper bound U) and, inside bin g,
    the lower bound ``min(F(e_{g-1}), 1 + p_{g-1} + e_{g-1} (c_g - c_{g-1}) - c_g^K)`` (the
    objective is at least that concave function of the mass added). Only tokens of bins whose
    bound is below U are sorted (all of a row's tokens when those bins hold over a third of
    them). Exact; O(V) per K plus the sort of the undecided tokens.
    """
    import numpy as np

    n, v = p.shape
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = p / q
    r[q == 0] = np.inf  # p/q = inf where q = 0 (p = q = 0 included: such tokens add nothing)
    offsets = (bins + 2) * np.arange(n)[:, None]
    out = np.empty((n, len(ks)))
    for col, k in enumerate(ks):
        edges = k * (np.arange(bins + 1) / bins) ** (k - 1)
        # Bin g = ceil(G (r/K)^{1/(K-1)}): e_{g-1} < r <= e_g up to rounding and monotone in r,
        # so the tokens of bins <= g form a prefix of the p/q order; bin G + 1: r > K.
        x = np.minimum(r * (1.0 / k), 2.0)
        if k > 2:
            x **= 1.0 / (k - 1)
        x *= bins
        np.ceil(x, out=x)
        x[r > k] = bins + 1
        b = x.astype(np.intp)
        flat = (b + offsets).ravel()
        p_bin = np.bincount(flat, weights=p.ravel(), minlength=n * (bins + 2)).reshape(n, bins + 2)
        q_bin = np.bincount(flat, weights=q.ravel(), minlength=n * (bins + 2)).reshape(n, bins + 2)
        p_edge = np.cumsum(p_bin[:, : bins + 1], axis=1)  # p(r <= e_g), g = 0..bins
        c_edge = np.minimum(np.cumsum(q_bin[:, : bins + 1], axis=1), 1.0)
        f_edge = 1.0 + p_edge - c_edge**k
        best = np.minimum(f_edge.min(axis=1), 1.0)
        slope = edges[None, :-1] * (1.0 - 1e-12)  # every token of bin g has p/q >= this (rounding)
        lower = np.minimum(f_edge[:, :-1], 1.0 + p_edge[:, :-1] + slope
                           * (c_edge[:, 1:] - c_edge[:, :-1]) - c_edge[:, 1:] ** k)  # bins 1..G
        open_bins = np.zeros((n, bins + 2), dtype=bool)
        open_bins[:, 1: bins + 1] = lower < best[:, None] + 1e-13
        rows = np.flatnonzero(open_bins.any(axis=1))
        undecided = open_bins[rows[:, None], b[rows]]
        for j, i in enumerate(rows):
            idx = np.flatnonzero(undecided[j])
            if idx.size == 0:  # open only within the 1e-13 margin, and empty
                continue
            if idx.size > v // 3:  # most tokens undecided: sort the whole row
                order = np.argsort(r[i])
                vals = 1.0 + np.cumsum(p[i][order]) - np.minimum(np.cumsum(q[i][order]), 1.0) ** k
                best[i] = min(best[i], float(vals.min()))
                continue
            order = idx[np.argsort(r[i][idx])]
            bi = b[i][order]
            cp, cq = np.cumsum(p[i][order]), np.cumsum(q[i][order])
            start = np.searchsorted(bi, bi, side="left")  # first sorted token of each token's bin
            before_p = np.where(start > 0, cp[start - 1], 0.0)
            before_q = np.where(start > 0, cq[start - 1], 0.0)
            c = np.minimum(c_edge[i][bi - 1] + cq - before_q, 1.0)
            vals = 1.0 + p_edge[i][bi - 1] + cp - before_p - c**k
            best[i] = min(best[i], float(vals.min()))
        out[:, col] = np.minimum(best, 1.0)
    return out


def iid(s: SortedRows, k: int) -> Any:
    xp = s.xp
    if k == 1:
        return s.single
    values = xp.min(1.0 + s.p_cum - s.q_cum**k, axis=-1)
    return xp.minimum(values, 1.0)


def greedy(p: Any, q: Any, k: int, xp: Any, support: Any) -> Any:
    """``p(T) + sum_{y not in T} min(p, q~)``, T = top-(K_eff - 1) of q (ties: lower index)."""
    if k == 1:
        return xp.minimum(xp.sum(xp.minimum(p, q), axis=-1), 1.0)
    order = xp.argsort(-q, axis=-1, stable=True)
    pd = xp.take_along_axis(p, order, axis=-1)
    qd = xp.take_along_axis(q, order, axis=-1)
    keff = xp.minimum(support, k)  # k > |supp q| acts as |supp q|
    top = keff - 1
    p_top = column(prefix(pd, xp), top, xp)
    rest = column(suffix(qd, xp), top, xp)  # q mass outside T, summed directly
    idx = xp.reshape(xp.arange(p.shape[1], device=array_api_compat.device(p)), (1, -1))
    in_rest = idx >= xp.reshape(top, (-1, 1))
    tilde = qd / xp.reshape(rest, (-1, 1))
    value = p_top + xp.sum(xp.where(in_rest, xp.minimum(pd, tilde), 0.0), axis=-1)
    return xp.minimum(value, 1.0)
