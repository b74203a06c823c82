"""Exact acceptance bounds over datasets of next-token distributions, on any array library.

Every function takes ``target`` = p and ``draft`` = q of shape (N, V) (one row per position; a
single (V,) row also works) and evaluates, row by row, the same exact formulas as the single-pair
functions of :mod:`theory.speculative`:

- :func:`optimal_acceptance_batch`: ``alpha* = 1 + min_B [p(B) - P(all K drafts in B)]`` for iid,
  without-replacement and greedy drafts (the sorted-prefix theorem; one sort of p/q serves every K);
- :func:`acceptance_rate_batch`: the exact acceptance of RRS, K-SEQ, greedy and the optimum;
- :func:`from_logits`: temperature / top-k / top-p sampling transforms, in float64.

Inputs may be numpy, CuPy, PyTorch, JAX or ``array_api_strict`` arrays: the computation goes
through the Python array API standard (``array_api_compat``) and runs where the input lives, in
float64, returning the same kind of array. Nothing but ``array_api_compat`` is imported here.

Sources: SpecTr (Sun et al. 2023), Hu et al. (ICLR 2025), SpecInfer (RRS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import array_api_compat

from theory._validate import InputTypeError, as_positive_float
from theory.speculative.schemes import MAX_RRS_WORK

#: Array API functions the batched formulas need (array API 2024.12).
NEEDED_FUNCTIONS: tuple[str, ...] = (
    "argsort", "take_along_axis", "cumulative_sum", "minimum", "maximum", "where", "concat",
    "expm1", "exp", "log", "flip", "sum", "min", "max", "argmax", "isfinite", "astype", "clip",
    "zeros", "ones", "full", "sort", "all", "any", "abs", "stack", "reshape", "arange", "isnan",
)
#: Absolute tolerance on each row's total mass (as :func:`theory._validate.as_pmf`).
PMF_ATOL = 1e-9
#: Draft laws and schemes evaluated in batch.
DRAFT_LAWS: tuple[str, ...] = ("iid", "wor", "greedy")
BATCH_SCHEMES: tuple[str, ...] = ("rrs", "kseq", "greedy", "optimal", "optimal-wor")
#: Minimum quadrature nodes in log t and largest step in log t (race integral, wor, K >= 3).
WOR_MIN_NODES = 128
WOR_MAX_STEP = 0.21
#: Largest (rows x V) block evaluated at once: numpy (cache-sized) and other libraries.
CPU_BLOCK_ELEMS = 1 << 18
DEVICE_BLOCK_ELEMS = 1 << 30
#: Largest (rows x nodes x V) block of the race integral held at once (float64 elements).
WOR_BLOCK_ELEMS = 1 << 21


def namespace(*arrays: Any) -> Any:
    """Return the array API namespace of ``arrays``, checked for every function the batch code needs.

    Raises ``TypeError`` naming the library and the missing functions, instead of a traceback
    from deep inside the computation.
    """
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError as exc:
        raise TypeError(f"target/draft: not arrays of one supported library ({exc})") from None
    missing = [name for name in NEEDED_FUNCTIONS if not hasattr(xp, name)]
    if missing:
        raise TypeError(
            f"array library {getattr(xp, '__name__', xp)!s} lacks {', '.join(missing)} "
            "(array API 2024.12), which the batched formulas need; pass numpy arrays or upgrade it"
        )
    return xp


def _as_array(x: Any, name: str) -> Any:
    if array_api_compat.is_array_api_obj(x):
        return x
    import numpy as np  # plain sequences: numpy is the default library

    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None
    if raw.dtype.kind in "bc":
        raise TypeError(f"{name}: expected real numbers, got {raw.dtype} values; pass real "
                        "probabilities (or logits)")
    try:
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None


def _float64(x: Any, xp: Any, name: str) -> Any:
    kind = getattr(getattr(x, "dtype", None), "kind", None)  # numpy-like dtypes; others via isdtype
    if kind in ("c", "b", "U", "S", "O", "V") or (kind is None and (
            xp.isdtype(x.dtype, "complex floating") or xp.isdtype(x.dtype, "bool"))):
        raise InputTypeError(f"{name}: expected a real numeric array, got dtype {x.dtype}; complex, "
                             "boolean and text arrays are not cast silently")
    try:
        return xp.astype(x, xp.float64, copy=False)
    except Exception as exc:  # e.g. devices without float64 (Apple MPS), JAX without x64
        raise TypeError(
            f"{name}: the batched formulas compute in float64, which this array library/device "
            f"refuses ({type(exc).__name__}: {exc}); move the data to a device with float64 "
            "(for JAX: jax.config.update('jax_enable_x64', True))"
        ) from None


def _first_true(mask: Any, xp: Any) -> int:
    """Index of the first True entry of a 1-d boolean array (which must have one)."""
    return int(xp.argmax(xp.astype(mask, xp.int8)))


def _validate_rows(x: Any, name: str, xp: Any) -> Any:
    """float64 (N, V) rows: finite, >= 0, each summing to 1 within ``PMF_ATOL``."""
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: expected shape (N, V) or (V,) with N, V >= 1, got {tuple(x.shape)}")
    # One pass for the common case (NaN fails both comparisons); details only on failure.
    in_range = xp.all((x >= 0.0) & (x <= 1.0 + PMF_ATOL))
    if bool(in_range) and bool(xp.all(xp.abs(xp.sum(x, axis=-1) - 1.0) <= PMF_ATOL)):
        return x
    finite = xp.all(xp.isfinite(x), axis=-1)
    if not bool(xp.all(finite)):
        raise ValueError(f"{name}: row {_first_true(~finite, xp)} has NaN or inf entries; remove them")
    nonneg = xp.all(x >= 0, axis=-1)
    if not bool(xp.all(nonneg)):
        raise ValueError(f"{name}: row {_first_true(~nonneg, xp)} has negative entries; clip or fix it")
    off = xp.abs(xp.sum(x, axis=-1) - 1.0) > PMF_ATOL
    if bool(xp.any(off)):
        row = _first_true(off, xp)
        total = float(xp.sum(x[row, :]))
        raise ValueError(f"{name}: row {row} sums to {total!r}, not 1 within {PMF_ATOL:g}; "
                         "normalise rows (x / x.sum(-1, keepdims=True)) or pass logits to from_logits")
    return x


def _prepare(target: Any, draft: Any) -> tuple[Any, Any, Any, bool]:
    p_in, q_in = _as_array(target, "target"), _as_array(draft, "draft")
    xp = namespace(p_in, q_in)
    single = p_in.ndim == 1
    p = _float64(p_in, xp, "target")
    q = _float64(q_in, xp, "draft")
    if single:
        p, q = p[None, :], q[None, :]
    p = _validate_rows(p, "target", xp)
    q = _validate_rows(q, "draft", xp)
    if tuple(q.shape) != tuple(p.shape):
        raise ValueError(f"draft: expected the target's shape {tuple(p.shape)} (N rows x V tokens), "
                         f"got {tuple(q.shape)}")
    return p, q, xp, single


def _ks(k: Any) -> tuple[list[int], bool]:
    scalar = not isinstance(k, (Sequence, range)) or isinstance(k, str)
    values = [k] if scalar else list(k)
    if not values:
        raise ValueError("k: expected a positive integer or a non-empty sequence of them, got []")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) and not hasattr(v, "__index__"):
            raise ValueError(f"k: expected positive integers, got {v!r}")
        if int(v) < 1:
            raise ValueError(f"k: must be >= 1, got {int(v)}")
        out.append(int(v))
    return out, scalar


def _shape_out(values: Any, xp: Any, single: bool, scalar: bool) -> Any:
    """(N, n_k) -> (N,), (n_k,) or () as the inputs asked."""
    if scalar:
        values = values[:, 0]
    if single:
        values = values[0, ...]
    return values


def _prefix(x: Any, xp: Any) -> Any:
    """Exclusive-and-inclusive prefix sums: column 0 is 0, column j is sum of the first j entries."""
    zero = xp.zeros((x.shape[0], 1), dtype=x.dtype, device=array_api_compat.device(x))
    return xp.concat([zero, xp.cumulative_sum(x, axis=-1)], axis=-1)


def _suffix(x: Any, xp: Any) -> Any:
    """Suffix sums with a trailing 0: column j is the sum of entries j..V-1 (no cancellation)."""
    zero = xp.zeros((x.shape[0], 1), dtype=x.dtype, device=array_api_compat.device(x))
    return xp.concat([xp.flip(xp.cumulative_sum(xp.flip(x, axis=-1), axis=-1), axis=-1), zero],
                     axis=-1)


def _column(x: Any, idx: Any, xp: Any) -> Any:
    """``x[i, idx[i]]`` for every row i."""
    return xp.take_along_axis(x, xp.reshape(idx, (-1, 1)), axis=-1)[:, 0]


class _Sorted:
    """One row-wise sort of the tokens by p/q ascending, with the prefix and suffix sums.

    Stable; p/q = inf where q = 0. The prefix and suffix sums are those the batched formulas read (each
    computed once, when first needed).
    """

    def __init__(self, p: Any, q: Any, xp: Any, *, stable: bool = True) -> None:
        self.p, self.q, self.xp, self.stable = p, q, xp, stable

    @cached_property
    def _ratio(self) -> Any:
        xp, pos = self.xp, self.q > 0
        # p/q overflows to +inf only for subnormal q, the right limit; tokens p = q = 0 land in
        # the q = 0 group, which adds nothing to any prefix sum, so the prefix minimum is unchanged.
        return xp.where(pos, self.p / xp.where(pos, self.q, 1.0), math.inf)

    @cached_property
    def order(self) -> Any:
        # Tie order cannot move the iid/kseq optimum (the objective is concave along a tie group),
        # so those may use an unstable sort; wor keeps the stable order of the single-pair code.
        return self.xp.argsort(self._ratio, axis=-1, stable=self.stable)

    @cached_property
    def ps(self) -> Any:
        return self.xp.take_along_axis(self.p, self.order, axis=-1)

    @cached_property
    def qs(self) -> Any:
        return self.xp.take_along_axis(self.q, self.order, axis=-1)

    @cached_property
    def p_cum(self) -> Any:
        """p(B_j), j = 0..V."""
        return _prefix(self.ps, self.xp)

    @cached_property
    def ratio(self) -> Any:
        """p/q in sorted order."""
        return self.xp.take_along_axis(self._ratio, self.order, axis=-1)

    @cached_property
    def q_cum(self) -> Any:
        """q(B_j), j = 0..V, capped at 1."""
        return self.xp.minimum(_prefix(self.qs, self.xp), 1.0)

    @cached_property
    def q_tail(self) -> Any:
        """Q outside B_j, j = 0..V, summed from the end (no cancellation)."""
        return _suffix(self.qs, self.xp)

    @cached_property
    def total(self) -> Any:
        return self.xp.sum(self.q, axis=-1)

    @cached_property
    def support(self) -> Any:
        """|supp q| per row."""
        return self.xp.sum(self.xp.astype(self.q > 0, self.xp.int64), axis=-1)

    @cached_property
    def single(self) -> Any:
        """K = 1: sum min(p, q)."""
        return self.xp.sum(self.xp.minimum(self.p, self.q), axis=-1)


def _iid_numpy(p: Any, q: Any, ks: list[int], bins: int = 128) -> Any:
    """alpha*_iid (columns: ``ks``, all >= 2) for numpy rows without sorting every token.

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


def _iid(s: _Sorted, k: int) -> Any:
    xp = s.xp
    if k == 1:
        return s.single
    values = xp.min(1.0 + s.p_cum - s.q_cum**k, axis=-1)
    return xp.minimum(values, 1.0)


def _greedy(p: Any, q: Any, k: int, xp: Any, support: Any) -> Any:
    """``p(T) + sum_{y not in T} min(p, q~)``, T = top-(K_eff - 1) of q (ties: lower index)."""
    if k == 1:
        return xp.minimum(xp.sum(xp.minimum(p, q), axis=-1), 1.0)
    order = xp.argsort(-q, axis=-1, stable=True)
    pd = xp.take_along_axis(p, order, axis=-1)
    qd = xp.take_along_axis(q, order, axis=-1)
    keff = xp.minimum(support, k)  # k > |supp q| acts as |supp q|
    top = keff - 1
    p_top = _column(_prefix(pd, xp), top, xp)
    rest = _column(_suffix(qd, xp), top, xp)  # q mass outside T, summed directly
    idx = xp.reshape(xp.arange(p.shape[1], device=array_api_compat.device(p)), (1, -1))
    in_rest = idx >= xp.reshape(top, (-1, 1))
    tilde = qd / xp.reshape(rest, (-1, 1))
    value = p_top + xp.sum(xp.where(in_rest, xp.minimum(pd, tilde), 0.0), axis=-1)
    return xp.minimum(value, 1.0)


def _rrs(p: Any, q: Any, ks: list[int], xp: Any) -> Any:
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


def _kseq(s: _Sorted, k: int) -> Any:
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
    a = _column(s.q_tail, count, xp)
    b = _column(s.p_cum, count, xp)

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


def _wor_k2(s: _Sorted) -> Any:
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
    return xp.clip(1.0 - tail / total - tail * _prefix(odds, xp) / total, 0.0, 1.0)


def _wor_integrals(qs: Any, lam: Any, ks: list[int], xp: Any) -> dict[int, Any]:
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
    tail_d = _suffix(qd, xp)
    total = tail_d[:, 0]
    support = xp.sum(xp.astype(qs > 0, xp.int64), axis=-1)
    decay = _column(tail_d, xp.minimum(support, k_max) - 1, xp)  # > 0: outside the top K_eff - 1
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


def _wor(s: _Sorted, ks: list[int]) -> Any:
    """Compute alpha*_wor for every K in ``ks``: columns (N, len(ks)).

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
        all_in[2] = _wor_k2(s)
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
            integ = _wor_integrals(s.qs[lo:hi, :], s.q_tail[lo:hi, 1:], big, xp)
            for k in big:
                parts[k].append(integ[k])
        total = xp.reshape(s.total, (-1, 1))
        tail = s.q_tail[:, 1:]
        count = _prefix(xp.astype(s.qs > 0, s.qs.dtype), xp)
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


def _evaluate(p: Any, q: Any, ks: list[int], xp: Any, *, drafts: Sequence[str] = (),
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
        return _evaluate_block(p, q, ks, xp, drafts=drafts, schemes=schemes)
    parts = [_evaluate_block(p[lo:lo + rows, :], q[lo:lo + rows, :], ks, xp, drafts=drafts,
                             schemes=schemes) for lo in range(0, n, rows)]
    return {name: xp.concat([part[name] for part in parts], axis=0) for name in parts[0]}


def _evaluate_block(p: Any, q: Any, ks: list[int], xp: Any, *, drafts: Sequence[str] = (),
                    schemes: Sequence[str] = ()) -> dict[str, Any]:
    s = _Sorted(p, q, xp, stable="wor" in drafts or "optimal-wor" in schemes)
    out: dict[str, Any] = {}
    for law in drafts:
        if law == "iid" and array_api_compat.is_numpy_namespace(xp):
            multi = [k for k in ks if k > 1]
            fast = dict(zip(multi, _iid_numpy(p, q, multi).T)) if multi else {}
            out[law] = xp.stack([s.single if k == 1 else fast[k] for k in ks], axis=-1)
        elif law == "iid":
            out[law] = xp.stack([_iid(s, k) for k in ks], axis=-1)
        elif law == "wor":
            out[law] = _wor(s, ks)
        else:
            out[law] = xp.stack([_greedy(p, q, k, xp, s.support) for k in ks], axis=-1)
    for name in schemes:
        if name == "rrs":
            out[name] = _rrs(p, q, ks, xp)
        elif name == "kseq":
            out[name] = xp.stack([_kseq(s, k) for k in ks], axis=-1)
        elif name == "greedy":
            out[name] = out["greedy"] if "greedy" in out else xp.stack(
                [_greedy(p, q, k, xp, s.support) for k in ks], axis=-1)
        else:
            law = "wor" if name == "optimal-wor" else "iid"
            out[name] = out[law] if law in out else _evaluate_block(p, q, ks, xp, drafts=(law,))[law]
    return out


def _choice(x: Any, name: str, choices: Sequence[str]) -> str:
    if x not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {x!r}")
    return str(x)


def optimal_acceptance_batch(target: Any, draft: Any, k: Any, *, drafts: str = "iid") -> Any:
    """Exact optimal acceptance alpha* of K drafts, row by row, on any array library.

    ``alpha* = 1 + min_B [p(B) - P(all K drafts in B)]`` per row (Hu et al., ICLR 2025), as in
    :func:`~theory.speculative.optimal_acceptance`:

    - ``"iid"``: ``P = q(B)^K``, minimum over the V + 1 prefixes of the tokens sorted by p/q;
    - ``"wor"``: K = 2 closed form ``q(B) - (1 - q(B)) sum_{x in B} q_x / (1 - q_x)`` (with
      ``1 - q_x`` summed directly, so near point masses stay exact); K >= 3 the race integral
      ``1 - lambda - lambda int e^{-t} sum_{1<=m<K} e_m(expm1(q t)) dt`` for every prefix
      (``lambda = 1 - q(B)``), trapezoid rule in log t with >= 128 nodes and step <= 0.21, with
      the elementary symmetric polynomials carried in a scaled, overflow-free form;
    - ``"greedy"``: ``p(T) + sum_{y not in T} min(p, q~)``, T the top-(K-1) tokens of q.

    ``k = 1`` gives ``sum min(p, q)``. For "wor" and "greedy" a K above a row's ``|supp q|``
    acts as ``|supp q|`` (the draft set is then supp q), where the single-pair function raises.

    Parameters
    ----------
    target, draft
        p and q: arrays of shape (N, V) (rows are pmfs) or (V,), numpy, CuPy, PyTorch, JAX or
        any array-API library; computed in float64 where they live.
    k
        K >= 1, or a sequence of K values (one sort serves them all).
    drafts
        ``"iid"``, ``"wor"`` or ``"greedy"``.

    Returns
    -------
    array
        Same library and device as the input; shape (N,) for an int ``k``, (N, len(k)) for a
        sequence; the leading N axis is dropped for a (V,) input.

    Notes
    -----
    Cost per row: O(V log V) for iid, greedy and wor K = 2; O(K V n_nodes) for wor K >= 3
    (n_nodes ~ 130-300), in row blocks of at most ``WOR_BLOCK_ELEMS`` elements.
    """
    law = _choice(drafts, "drafts", DRAFT_LAWS)
    ks, scalar = _ks(k)
    p, q, xp, single = _prepare(target, draft)
    values = _evaluate(p, q, ks, xp, drafts=(law,))[law]
    return _shape_out(values, xp, single, scalar)


def acceptance_rate_batch(scheme: str, target: Any, draft: Any, k: Any) -> Any:
    """Exact acceptance ``P(Y in S(X))`` of a verification scheme, row by row.

    - ``"rrs"``: ``1 - prod_{i<=K} (1 - beta_i)``, ``beta_i = sum min(p_i, q)``,
      ``p_{i+1} = norm((p_i - q)^+)`` (SpecInfer), O(K V);
    - ``"kseq"``: ``1 - (1 - beta(rho*))^K`` (SpecTr K-SEQ), rho* the root of
      ``rho beta(rho) = 1 - (1 - beta(rho))^K`` located between the breakpoints of
      ``beta(rho) = sum min(q, p/rho)`` and bisected in-segment to adjacent floats, O(V log V);
    - ``"greedy"``: ``p(T) + sum_{y not in T} min(p, q~)``;
    - ``"optimal"`` / ``"optimal-wor"``: :func:`optimal_acceptance_batch` with iid / wor drafts.

    Parameters and return shape as :func:`optimal_acceptance_batch`. ``"rrs-wor"`` has no
    batched form (its exact recursion costs O(V^K)); use ``acceptance_rate`` on small V.

    Notes
    -----
    Each equals the single-pair :func:`~theory.speculative.acceptance_rate` row by row (checked
    to 1e-12 in the claims ``speculative.batch-*``).
    """
    if scheme == "rrs-wor":
        raise ValueError("scheme: 'rrs-wor' has no batched exact form (O(V^K) recursion); "
                         "use theory.speculative.acceptance_rate on each row of small V")
    name = _choice(scheme, "scheme", BATCH_SCHEMES)
    ks, scalar = _ks(k)
    p, q, xp, single = _prepare(target, draft)
    values = _evaluate(p, q, ks, xp, schemes=(name,))[name]
    return _shape_out(values, xp, single, scalar)


def from_logits(logits: Any, *, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None) -> Any:
    """Return the sampling probabilities from logits: temperature, then top-k, then top-p; float64.

    - ``temperature = 0``: greedy, the one-hot of the first maximal logit;
    - ``temperature > 0``: ``softmax(z / T)`` (max subtracted, computed in float64 from any
      input precision, float16/bfloat16 included);
    - ``top_k``: keep the tokens whose scaled logit is >= the k-th largest (ties kept);
    - ``top_p``: keep the smallest prefix of the tokens sorted by probability whose mass is
      >= p, and every token tied with its last one; renormalise.

    ``-inf`` logits (masked tokens) get probability 0; NaN or ``+inf`` raise ``ValueError``,
    as does a row whose logits are all ``-inf``.

    Parameters
    ----------
    logits
        Array of shape (N, V) or (V,), any array-API library.
    temperature
        T >= 0.
    top_k
        Positive integer, or None.
    top_p
        In (0, 1], or None.

    Returns
    -------
    array
        Probabilities of the same shape, float64, same library and device. O(V log V) per row
        with top-k/top-p, O(V) otherwise.
    """
    x_in = _as_array(logits, "logits")
    xp = namespace(x_in)
    t = as_positive_float(temperature, "temperature", allow_zero=True)
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k: expected a positive integer or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not (isinstance(top_p, (int, float))
                                                            and 0.0 < float(top_p) <= 1.0)):
        raise ValueError(f"top_p: expected a number in (0, 1] or None, got {top_p!r}")
    z = _float64(x_in, xp, "logits")
    single = z.ndim == 1
    if single:
        z = z[None, :]
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(f"logits: expected shape (N, V) or (V,) with N, V >= 1, got {tuple(x_in.shape)}")
    bad = xp.any(xp.isnan(z) | (z == math.inf), axis=-1)
    if bool(xp.any(bad)):
        raise ValueError(f"logits: row {_first_true(bad, xp)} has NaN or +inf entries; fix the input")
    z_max = xp.max(z, axis=-1, keepdims=True)
    dead = z_max[:, 0] == -math.inf
    if bool(xp.any(dead)):
        raise ValueError(f"logits: row {_first_true(dead, xp)} is all -inf (no token can be sampled)")
    v = z.shape[1]
    idx = xp.reshape(xp.arange(v, device=array_api_compat.device(z)), (1, -1))
    if t == 0.0:
        first = xp.reshape(xp.argmax(z, axis=-1), (-1, 1))
        probs = xp.astype(idx == first, xp.float64)
        return probs[0, :] if single else probs
    keep = z > -math.inf
    if top_k is not None and top_k < v:
        kth = xp.flip(xp.sort(z, axis=-1), axis=-1)[:, top_k - 1:top_k]
        keep = keep & (z >= kth)
    e = xp.where(keep, xp.exp((xp.where(keep, z, z_max) - z_max) / t), 0.0)
    probs = e / xp.sum(e, axis=-1, keepdims=True)
    if top_p is not None and float(top_p) < 1.0:
        desc = xp.flip(xp.sort(probs, axis=-1), axis=-1)
        before = _prefix(desc, xp)[:, :-1]  # mass of the tokens ranked before each one
        threshold = xp.min(xp.where(before < float(top_p), desc, math.inf), axis=-1, keepdims=True)
        probs = xp.where(probs >= threshold, probs, 0.0)
        probs = probs / xp.sum(probs, axis=-1, keepdims=True)
    return probs[0, :] if single else probs
