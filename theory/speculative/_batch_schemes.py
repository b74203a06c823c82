"""Batched acceptance of RRS and K-SEQ, and the one-sort evaluation of every law and scheme.

Private part of :mod:`theory.speculative.batch` (also used by :mod:`theory.speculative.bound_cli`):
:func:`evaluate` takes validated float64 (N, V) rows and returns every requested optimum and scheme
acceptance, sorting each row block once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import array_api_compat

from theory.speculative._batch_iid import greedy, iid, iid_numpy
from theory.speculative._batch_sorted import SortedRows, column
from theory.speculative._batch_wor import wor
from theory.speculative.schemes import MAX_RRS_WORK

#: Largest (rows x V) block evaluated at once: numpy (cache-sized) and other libraries.
CPU_BLOCK_ELEMS = 1 << 18
DEVICE_BLOCK_ELEMS = 1 << 30


def rrs(p: Any, q: Any, ks: list[int], xp: Any) -> Any:
    """``1 - prod_{i<=K} (1 - beta_i)``, ``beta_i = sum min(p_i, q)``, ``p_{i+1} = norm((p_i - q)^+)``."""
    cur, survive, out = p, None, {}
    k_max = max(ks)
    max_steps = max(1_000, MAX_RRS_WORK // p.shape[1])
    for i in range(1, k_max + 1):
        beta = xp.sum(xp.minimum(cur, q), axis=-1)
        survive = 1.0 - beta if survive is None else survive * (1.0 - beta)
        out[i] = 1.0 - survive
        if i == k_max:
            break
        r = xp.maximum(cur - q, 0.0)
        tot = xp.reshape(xp.sum(r, axis=-1), (-1, 1))
        nxt = xp.where(tot > 0, r / xp.where(tot > 0, tot, 1.0), 0.0)
        # Every row at a fixed point of the residual chain (each later factor is 1 - beta) or
        # with survive < 1e-18 (acceptance 1 to double precision): the rest is one power.
        if bool(xp.all(xp.all(nxt == cur, axis=-1) | (survive < 1e-18))):
            for k in ks:
                if k > i:
                    out[k] = 1.0 - survive * (1.0 - beta) ** (k - i)
            break
        if i >= max_steps:
            raise ValueError(f"k: the rrs residual chain has not reached a fixed point after {max_steps} "
                             f"steps of O(V); k = {k_max} is beyond what the formula computes at "
                             f"V = {p.shape[1]}")
        cur = nxt
    return xp.stack([out[k] for k in ks], axis=-1)


def kseq(s: SortedRows, k: int) -> Any:
    """Compute SpecTr K-SEQ ``1 - (1 - beta(rho*))^K``.

    rho* is located between breakpoints of ``beta(rho) = q(r >= rho) + p(r < rho) / rho`` (r = p/q
    sorted), then bisected in-segment.
    """
    xp = s.xp
    if k == 1:
        return s.single
    r = s.ratio
    finite_r = xp.where(xp.isfinite(r), r, 1.0)
    beta_at = s.q_tail[:, :-1] + s.p_cum[:, :-1] / xp.where(finite_r > 0, finite_r, 1.0)
    gap_at = finite_r * beta_at - 1.0 + (1.0 - beta_at) ** k
    valid = (r > 1.0) & (r < float(k))
    neg = valid & (gap_at < 0.0)
    lo = xp.max(xp.where(neg, r, 1.0), axis=-1)
    hi = xp.min(xp.where(valid & ~neg, r, float(k)), axis=-1)
    count = xp.sum(xp.astype(r <= xp.reshape(lo, (-1, 1)), xp.int64), axis=-1)
    a = column(s.q_tail, count, xp)
    b = column(s.p_cum, count, xp)

    def gap(rho: Any) -> Any:
        beta = a + b / rho
        return rho * beta - 1.0 + (1.0 - beta) ** k

    for _ in range(80):  # 80 halvings of an interval <= K - 1 reach adjacent floats
        mid = 0.5 * (lo + hi)
        up = gap(mid) >= 0.0
        hi = xp.where(up, mid, hi)
        lo = xp.where(up, lo, mid)
    beta = a + b / hi
    one = s.single
    at_one = (one - 1.0 + (1.0 - one) ** k) >= 0.0  # rho* = 1
    beta = xp.where(at_one, one, beta)
    return 1.0 - (1.0 - beta) ** k


def evaluate(p: Any, q: Any, ks: list[int], xp: Any, *, drafts: Sequence[str] = (),
             schemes: Sequence[str] = ()) -> dict[str, Any]:
    """Compute every requested draft law and scheme on validated float64 (N, V) rows.

    One sort per row block: ``{name: (N, len(ks))}``; optimal laws are keyed ``"iid"``, ``"wor"``,
    ``"greedy"``. Rows go in blocks of at most ``CPU_BLOCK_ELEMS`` elements for numpy (cache-sized working
    arrays) and ``DEVICE_BLOCK_ELEMS`` for other libraries (fewer, larger kernels).
    """
    n, v = p.shape
    limit = CPU_BLOCK_ELEMS if array_api_compat.is_numpy_namespace(xp) else DEVICE_BLOCK_ELEMS
    rows = max(1, limit // v)
    if n <= rows:
        return evaluate_block(p, q, ks, xp, drafts=drafts, schemes=schemes)
    parts = [evaluate_block(p[lo:lo + rows, :], q[lo:lo + rows, :], ks, xp, drafts=drafts,
                            schemes=schemes) for lo in range(0, n, rows)]
    return {name: xp.concat([part[name] for part in parts], axis=0) for name in parts[0]}


def evaluate_block(p: Any, q: Any, ks: list[int], xp: Any, *, drafts: Sequence[str] = (),
                   schemes: Sequence[str] = ()) -> dict[str, Any]:
    """Compute :func:`evaluate` on one block of rows, sorting them once by p/q."""
    s = SortedRows(p, q, xp, stable="wor" in drafts or "optimal-wor" in schemes)
    out: dict[str, Any] = {}
    for law in drafts:
        if law == "iid" and array_api_compat.is_numpy_namespace(xp):
            multi = [k for k in ks if k > 1]
            fast = dict(zip(multi, iid_numpy(p, q, multi).T)) if multi else {}
            out[law] = xp.stack([s.single if k == 1 else fast[k] for k in ks], axis=-1)
        elif law == "iid":
            out[law] = xp.stack([iid(s, k) for k in ks], axis=-1)
        elif law == "wor":
            out[law] = wor(s, ks)
        else:
            out[law] = xp.stack([greedy(p, q, k, xp, s.support) for k in ks], axis=-1)
    for name in schemes:
        if name == "rrs":
            out[name] = rrs(p, q, ks, xp)
        elif name == "kseq":
            out[name] = xp.stack([kseq(s, k) for k in ks], axis=-1)
        elif name == "greedy":
            out[name] = out["greedy"] if "greedy" in out else xp.stack(
                [greedy(p, q, k, xp, s.support) for k in ks], axis=-1)
        else:
            law = "wor" if name == "optimal-wor" else "iid"
            out[name] = out[law] if law in out else evaluate_block(p, q, ks, xp, drafts=(law,))[law]
    return out

