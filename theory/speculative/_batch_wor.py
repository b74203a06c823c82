"""Batched optimum of without-replacement drafts, row by row.

Private part of :mod:`theory.speculative.batch`: the K = 2 closed form and, for K >= 3, the race
integral over every prefix of the p/q order (Hu et al., ICLR 2025), in row blocks.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat

from theory.speculative._batch_sorted import SortedRows, column, prefix, suffix

#: Minimum quadrature nodes in log t and largest step in log t (race integral, wor, K >= 3).
WOR_MIN_NODES = 128
WOR_MAX_STEP = 0.21
#: Largest (rows x nodes x V) block of the race integral held at once (float64 elements).
WOR_BLOCK_ELEMS = 1 << 21


def wor_k2(s: SortedRows) -> Any:
    """Compute the K = 2 closed form ``P(B) = q(B)/Q - lambda/Q sum_{x in B} q_x/(Q - q_x)`` for every prefix.

    ``Q - q_x`` is the mass of the other tokens, summed directly for the largest token.
    """
    xp = s.xp
    qs, total = s.qs, xp.reshape(s.total, (-1, 1))
    top = xp.argmax(qs, axis=-1)
    idx = xp.reshape(xp.arange(qs.shape[1], device=array_api_compat.device(qs)), (1, -1))
    is_top = idx == xp.reshape(top, (-1, 1))
    others_of_top = xp.reshape(xp.sum(xp.where(is_top, 0.0, qs), axis=-1), (-1, 1))
    den = xp.where(is_top, others_of_top, total - qs)
    odds = xp.where(qs > 0, qs / xp.where(den > 0, den, 1.0), 0.0)
    tail = s.q_tail
    return xp.clip(1.0 - tail / total - tail * prefix(odds, xp) / total, 0.0, 1.0)


def wor_integrals(qs: Any, lam: Any, ks: list[int], xp: Any) -> dict[int, Any]:
    """Compute ``I_j = int_0^inf e^{-lambda_j t} P(1 <= N_j(t) < K) dt`` for every prefix j = 1..V.

    For every K in ``ks`` (all >= 3); N_j(t) is the number of tokens of the prefix B_j arrived by time t
    in the race ``E_x ~ Exp(q_x)``, lambda_j = q(outside B_j).

    ``P(N_j(t) = m)`` follows the Poisson-binomial recursion over the tokens,
    ``P_m <- e^{-q_j t} P_m + (1 - e^{-q_j t}) P_{m-1}``: every factor lies in [0, 1], so nothing
    overflows and nothing cancels, however concentrated the draft. Trapezoid rule in log t on
    [1e-10 / Q, t_hi] with step <= ``WOR_MAX_STEP`` (>= ``WOR_MIN_NODES`` nodes);
    ``t_hi = (40 + log(K C(V, K-1)) + log^+(1/r)) / r`` with r the mass outside the K-1 largest
    draft tokens bounds the neglected tail by ``1e-17`` (``P(N < K) <= K C(V, K-1) e^{-(q(B) -
    top_{K-1}) t}``). O(K V n_nodes) per row, a Python loop over the V tokens.
    """
    n, v = qs.shape
    dev = array_api_compat.device(qs)
    k_max = max(ks)
    qd = xp.flip(xp.sort(qs, axis=-1), axis=-1)  # descending
    tail_d = suffix(qd, xp)
    total = tail_d[:, 0]
    support = xp.sum(xp.astype(qs > 0, xp.int64), axis=-1)
    decay = column(tail_d, xp.minimum(support, k_max) - 1, xp)  # > 0: outside the top K_eff - 1
    log_count = math.log(k_max) + math.lgamma(v + 1) - math.lgamma(k_max) - math.lgamma(max(v - k_max + 2, 1))
    t_lo = 1e-10 / total
    t_hi = (40.0 + log_count + xp.maximum(-xp.log(decay), 0.0)) / decay
    span = xp.log(t_hi) - xp.log(t_lo)
    nodes = max(WOR_MIN_NODES, int(math.ceil(float(xp.max(span)) / WOR_MAX_STEP)) + 1)
    step = xp.reshape(span / (nodes - 1), (-1, 1))
    pos = xp.reshape(xp.astype(xp.arange(nodes, device=dev), qs.dtype), (1, -1))
    t = xp.exp(xp.reshape(xp.log(t_lo), (-1, 1)) + pos * step)  # (n, nodes)
    ends = xp.astype((pos == 0) | (pos == nodes - 1), qs.dtype)
    w = t * step * (1.0 - 0.5 * ends)
    probs = xp.concat([xp.ones((1, n, nodes), dtype=qs.dtype, device=dev),
                       xp.zeros((k_max - 1, n, nodes), dtype=qs.dtype, device=dev)], axis=0)
    zero = xp.zeros((1, n, nodes), dtype=qs.dtype, device=dev)
    cols: list[Any] = []
    chunk = max(1, WOR_BLOCK_ELEMS // (n * nodes * k_max))
    t3 = xp.reshape(t, (n, 1, nodes))
    for lo in range(0, v, chunk):
        hi = min(v, lo + chunk)
        x = xp.reshape(qs[:, lo:hi], (n, -1, 1)) * t3  # (n, c, nodes)
        stay, arrive = xp.exp(-x), -xp.expm1(-x)
        weight = xp.exp(-xp.reshape(lam[:, lo:hi], (n, -1, 1)) * t3) * xp.reshape(w, (n, 1, nodes))
        below = []
        for i in range(hi - lo):
            probs = probs * stay[:, i, :] + xp.concat([zero, probs[:-1, ...]], axis=0) * arrive[:, i, :]
            below.append(xp.cumulative_sum(probs[1:, ...], axis=0))  # P(1 <= N <= m), m = 1..K-1
        stacked = xp.stack(below, axis=2)  # (K-1, n, c, nodes)
        cols.append(xp.sum(stacked * weight, axis=-1))  # (K-1, n, c)
    table = xp.concat(cols, axis=-1)  # (K-1, n, V)
    return {k: table[k - 2, ...] for k in ks}


def wor(s: SortedRows, ks: list[int]) -> Any:
    """Compute alpha*wor for every K in ``ks``: columns (N, len(ks)).

    K = 2: closed form; K >= 3: race integral over row blocks (memory ``WOR_BLOCK_ELEMS``); k > |supp q|
    acts as |supp q|.
    """
    xp = s.xp
    n, v = s.ps.shape
    dev = array_api_compat.device(s.ps)
    smallest = int(xp.min(s.support))
    # K_eff = min(K, |supp q|) per row: the table of every K_eff that occurs.
    # (|supp q| <= V, so no K_eff exceeds V: a huge K costs no more than K = V)
    wanted = sorted({min(k, sup) for k in ks
                     for sup in (range(smallest, min(k, v) + 1) if smallest < k else [k])})
    all_in: dict[int, Any] = {}
    if 2 in wanted:
        all_in[2] = wor_k2(s)
    big = [k for k in wanted if k >= 3]
    if big:
        # Rows per block: the recursion's state (K x rows x nodes) and its output table
        # (K x rows x V) both bounded; numpy keeps the table small, devices take larger blocks.
        table_elems = 1 << (23 if array_api_compat.is_numpy_namespace(xp) else 28)
        rows = max(1, min(WOR_BLOCK_ELEMS // (4 * max(big) * WOR_MIN_NODES),
                          table_elems // (v * max(big))))
        parts: dict[int, list[Any]] = {k: [] for k in big}
        for lo in range(0, n, rows):
            hi = min(n, lo + rows)
            integ = wor_integrals(s.qs[lo:hi, :], s.q_tail[lo:hi, 1:], big, xp)
            for k in big:
                parts[k].append(integ[k])
        total = xp.reshape(s.total, (-1, 1))
        tail = s.q_tail[:, 1:]
        count = prefix(xp.astype(s.qs > 0, s.qs.dtype), xp)
        zero = xp.zeros((n, 1), dtype=s.qs.dtype, device=dev)
        for k in big:
            integral = xp.concat(parts[k], axis=0) if len(parts[k]) > 1 else parts[k][0]
            p_in = xp.concat([zero, xp.clip(1.0 - tail / total - tail * integral, 0.0, 1.0)], axis=-1)
            all_in[k] = xp.where(count < k, 0.0, p_in)  # fewer than K drafted tokens in B_j
    cols = []
    for k in ks:
        if k == 1:
            cols.append(s.single)
            continue
        keff = xp.minimum(s.support, k)
        value = s.single  # K_eff = 1: a point-mass draft, sum min(p, q)
        for kk in (kk for kk in wanted if 2 <= kk <= k):
            best = xp.minimum(xp.min(1.0 + s.p_cum - all_in[kk], axis=-1), 1.0)
            value = xp.where(keff == kk, best, value)
        cols.append(value)
    return xp.stack(cols, axis=-1)
