"""Laws of the set of distinct drafted tokens, and P(all K drafts fall in a subset B).

Drafts ``X = (X_1, ..., X_K)`` come from ``draft`` = q in one of three ways:

- ``"iid"``: K independent draws from q;
- ``"wor"``: successive sampling without replacement, ``Q(x) = prod_i q(x_i) / (1 - sum_{j<i} q(x_j))``
  over ordered tuples of distinct tokens (the Gumbel-top-K order);
- ``"greedy"``: the top-(K-1) tokens T of q (ties broken by the lower index) plus one draw from q
  restricted to the complement of T and renormalised (Hu et al., ICLR 2025).

The optimal acceptance depends on the drafts only through the law ``Qbar(S)`` of the set
``S = S(X)`` of distinct drafted tokens and, by LP duality, through ``P(S(X) ⊆ B)``; this module
computes both, exactly, without enumerating V**K tuples where a closed form exists.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import integrate

from theory._result import SolverResult
from theory._validate import InputTypeError, as_choice, as_pmf
from theory.speculative._common import DRAFT_LAWS, validate_k

#: Largest number of draft sets :func:`draft_set_law` builds.
MAX_SETS = 3_000_000
#: Largest number of (set, composition or ordering) terms :func:`draft_set_law` sums.
MAX_TERMS = 30_000_000


@dataclass(frozen=True, kw_only=True)
class DraftSetLaw(SolverResult):
    """Law of the set of distinct drafted tokens (a :class:`SolverResult`).

    Attributes
    ----------
    value
        Total mass ``sum_S Qbar(S)`` (1 up to rounding: the law's own certificate).
    status
        Always ``"exact"`` (an enumeration).
    converged
        Always ``True``.
    n_iter
        0 (a closed enumeration).
    diagnostics
        ``n_sets``.
    members
        Integer array (n_sets, K): the sorted members of each set, padded with -1.
    sizes
        Number of members of each set, shape (n_sets,).
    prob
        ``Qbar(S)`` for each set, shape (n_sets,); sums to 1.
    vocab
        Vocabulary size V.
    """

    members: np.ndarray
    sizes: np.ndarray
    prob: np.ndarray
    vocab: int

    def as_dict(self) -> dict[frozenset[int], float]:
        """``{frozenset S: Qbar(S)}``."""
        return {frozenset(int(x) for x in row[:s]): float(w)
                for row, s, w in zip(self.members, self.sizes, self.prob)}


def greedy_top(q: np.ndarray, k: int) -> np.ndarray:
    """Return the deterministic part T of greedy drafts: the k-1 most likely draft tokens.

    Ties go to the lower index. O(V log V).
    """
    order = np.lexsort((np.arange(q.shape[0]), -q))
    return np.sort(order[: k - 1])


def _compositions(total: int, parts: int) -> Iterable[tuple[int, ...]]:
    """Ordered tuples of ``parts`` positive integers summing to ``total``."""
    for cuts in itertools.combinations(range(1, total), parts - 1):
        bounds = (0, *cuts, total)
        yield tuple(bounds[i + 1] - bounds[i] for i in range(parts))


def _check_count(n_sets: int) -> None:
    if n_sets > MAX_SETS:
        raise ValueError(
            f"k: the draft-set law would have {n_sets} sets (limit {MAX_SETS}); "
            "use optimal_acceptance for large vocabularies"
        )


def _check_work(terms: int, k: int) -> None:
    """Refuse a law whose construction needs more than ``MAX_TERMS`` (set, term) products."""
    if terms > MAX_TERMS:
        raise ValueError(
            f"k: the draft-set law needs {terms:.3g} (set, composition/ordering) terms at k={k} "
            f"(limit {MAX_TERMS:.0e}); lower k or use optimal_acceptance"
        )


def _iid_sets(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    support = np.flatnonzero(q > 0)
    s = support.shape[0]
    sizes_range = range(1, min(k, s) + 1)
    _check_count(sum(math.comb(s, m) for m in sizes_range))
    # One pass per composition of K into m parts, over all C(s, m) sets: bound the total work.
    _check_work(sum(math.comb(s, m) * math.comb(k - 1, m - 1) for m in sizes_range), k)
    log_q = np.log(q[support])
    rank = np.zeros(q.shape[0], dtype=np.int64)
    rank[support] = np.arange(s)
    rows, sizes, probs = [], [], []
    for m in sizes_range:
        sets = np.array(list(itertools.combinations(support, m)), dtype=np.int64).reshape(-1, m)
        lq = log_q[rank[sets]]
        w = np.zeros(sets.shape[0])
        # Qbar(S) = sum over compositions c of K into |S| positive parts of K!/prod c_i! prod q^c.
        # The multinomial is an exact integer; past 1e308 (K > ~170) the term is formed in log
        # space, where the exponent's rounding costs ~K * 1e-16 relative.
        for comp in _compositions(k, m):
            c = np.array(comp, dtype=np.float64)
            coef = math.factorial(k) // math.prod(math.factorial(x) for x in comp)
            if coef < 1e300:
                w += float(coef) * np.exp(lq @ c)
            else:
                w += np.exp(math.log(coef) + lq @ c)
        rows.append(np.pad(sets, ((0, 0), (0, k - m)), constant_values=-1))
        sizes.append(np.full(sets.shape[0], m))
        probs.append(w)
    return np.concatenate(rows), np.concatenate(sizes), np.concatenate(probs)


def outside_mass(q: np.ndarray, members: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    r"""``q(Omega \ S)`` for every set S (rows of ``members``, padded with -1), to a few ulps.

    ``total - q(S)`` cancels when S holds almost all the mass. With the tokens sorted by
    decreasing q and suffix sums ``T_j``, let j0 be the first rank not in S: then
    ``q(outside S) = T_{j0} - q(S ∩ ranks > j0)``, and every subtracted term is at most
    ``q_(j0) <= q(outside S)``, so the relative error is O(K eps). O(n_sets K).
    """
    order = np.lexsort((np.arange(q.shape[0]), -q))
    rank = np.empty(q.shape[0], dtype=np.int64)
    rank[order] = np.arange(q.shape[0])
    suffix = np.concatenate([np.cumsum(q[order][::-1])[::-1], [0.0]])
    width = members.shape[1]
    valid = np.arange(width)[None, :] < sizes[:, None]
    ranks = np.where(valid, rank[np.where(valid, members, 0)], -1)
    j0 = np.zeros(members.shape[0], dtype=np.int64)
    for _ in range(width):  # smallest rank not in S (at most |S| steps)
        j0 += np.any(ranks == j0[:, None], axis=1)
    after = np.where(ranks > j0[:, None], q[np.where(valid, members, 0)], 0.0).sum(axis=1)
    return np.maximum(suffix[j0] - after, 0.0)


def _wor_sets(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    support = np.flatnonzero(q > 0)
    n_sets = math.comb(support.shape[0], k)
    _check_count(n_sets)
    _check_work(n_sets * math.factorial(k), k)
    sets = np.array(list(itertools.combinations(support, k)), dtype=np.int64).reshape(-1, k)
    outside = outside_mass(q, sets, np.full(sets.shape[0], k))
    w = np.zeros(sets.shape[0])
    for perm in itertools.permutations(range(k)):
        qs = q[sets[:, perm]]
        # Mass still available before each draw: the unused members plus the outside, summed
        # directly (never 1 - sum(used), which cancels for near-point drafts).
        remaining = outside[:, None] + np.cumsum(qs[:, ::-1], axis=1)[:, ::-1]
        w += np.prod(qs / remaining, axis=1)
    return sets, np.full(sets.shape[0], k), w


def _greedy_sets(q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    top = greedy_top(q, k)
    rest = np.setdiff1d(np.flatnonzero(q > 0), top)
    sets = np.sort(np.column_stack([np.tile(top, (rest.shape[0], 1)), rest]), axis=1)
    q_rest = float(q[rest].sum())
    return sets.astype(np.int64), np.full(rest.shape[0], k), q[rest] / q_rest


def draft_set_law(draft: Any, k: Any, *, drafts: str = "iid") -> DraftSetLaw:
    """Exact law ``Qbar(S)`` of the set S of distinct drafted tokens.

    Formulas (built directly on sets, never on V**K tuples):

    - iid: ``Qbar(S) = sum_c K!/prod_i c_i! prod_i q_{s_i}^{c_i}`` over compositions c of K into
      |S| positive parts (the inclusion-exclusion ``sum_{T ⊆ S} (-1)^{|S|-|T|} q(T)^K`` without its
      cancellations); sets of size 1..K of the support of q.
    - wor: ``Qbar(S) = sum_{orderings x of S} prod_i q(x_i)/(1 - sum_{j<i} q(x_j))``; |S| = K.
    - greedy: ``Qbar(T ∪ {i}) = q(i) / (1 - q(T))``, T the top-(K-1) tokens of q.

    Parameters
    ----------
    draft
        Draft distribution q, shape (V,).
    k
        Number of drafts K >= 1 (``k <= |supp q|`` for "wor" and "greedy").
    drafts
        ``"iid"``, ``"wor"`` or ``"greedy"``.

    Returns
    -------
    DraftSetLaw
        Sorted members (padded with -1), sizes and probabilities of the sets.

    Notes
    -----
    Sources: SpecTr (Sun et al. 2023), Hu et al. (ICLR 2025). Cost O(n_sets * K * K!) with
    ``n_sets = sum_{m<=K} C(s, m)`` (iid), ``C(s, K)`` (wor) or ``s - K + 1`` (greedy), s = |supp q|.
    At most ``MAX_SETS`` sets and ``MAX_TERMS`` (set, composition or ordering) terms, else
    ``ValueError`` naming k. The without-replacement denominators are the unused mass summed
    directly (:func:`outside_mass`), so near-point drafts keep a law that sums to 1.
    """
    q = as_pmf(draft, "draft")
    law = as_choice(drafts, "drafts", DRAFT_LAWS)
    kk = validate_k(k, q, law)
    build = {"iid": _iid_sets, "wor": _wor_sets, "greedy": _greedy_sets}[law]
    members, sizes, prob = build(q, kk)
    return DraftSetLaw(value=float(prob.sum()), status="exact", converged=True,
                       diagnostics={"n_sets": float(prob.shape[0])},
                       members=members, sizes=sizes.astype(np.int64), prob=prob, vocab=q.shape[0])


# ---------------------------------------------------------------------------------------------
# P(all K without-replacement drafts fall in B)
# ---------------------------------------------------------------------------------------------


def _wor_all_in_enumerate(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """Sum of Q(x) over ordered distinct k-tuples inside ``members``. O(|B|^k)."""
    qb = q[members]
    nb = qb.shape[0]
    if nb < k:
        return 0.0
    outside = np.ones(q.shape[0], dtype=bool)
    outside[members] = False
    outside_mass = float(q[outside].sum())
    weight = np.ones(1)
    used = np.zeros((1, nb), dtype=bool)
    for _ in range(k):
        # Expand every partial tuple by every unused member; the unused mass is summed directly
        # (no 1 - sum(used), which loses digits when the used tokens carry almost all the mass).
        free = np.where(used, 0.0, qb[None, :])
        # The ratio first: weight * free underflows when both are subnormal-small.
        w = weight[:, None] * (free / (outside_mass + free.sum(axis=1))[:, None])
        parent, child = np.nonzero(w > 0)
        weight = w[parent, child]
        used = used[parent].copy()
        used[np.arange(child.shape[0]), child] = True
    return float(weight.sum())


def poisson_binomial_head(arrive: np.ndarray, stay: np.ndarray, k: int) -> np.ndarray:
    """``P(N = m)`` for m = 0..k-1, N the number of items (axis 0) that arrived.

    Item x arrives with probability ``arrive[x]`` (``stay[x] = 1 - arrive[x]``, passed separately
    so that both keep full relative precision); trailing axes are independent problems (e.g.
    quadrature nodes). The generating polynomials ``stay + arrive z``, truncated at degree k-1,
    are multiplied pairwise in a balanced tree: every coefficient is a probability, so nothing
    overflows and nothing cancels. O(k^2 n) work in log2(n) vectorised rounds.
    """
    poly = np.zeros((k,) + arrive.shape)
    poly[0] = stay
    if k > 1:
        poly[1] = arrive
    while poly.shape[1] > 1:
        if poly.shape[1] % 2:
            one = np.zeros((k, 1) + arrive.shape[1:])
            one[0] = 1.0
            poly = np.concatenate([poly, one], axis=1)
        a, b = poly[:, 0::2], poly[:, 1::2]
        prod = np.zeros_like(a)
        for i in range(k):
            prod[i:] += a[i] * b[: k - i]
        poly = prod
    return poly[:, 0]


def _others(q: np.ndarray) -> np.ndarray:
    """Compute ``q.sum() - q_x`` for every x, summed directly for the largest entry.

    The largest entry is the only one that can hold more than half the mass, where the subtraction would
    cancel. O(V).
    """
    out = float(q.sum()) - q
    top = int(np.argmax(q))
    out[top] = float(np.delete(q, top).sum())
    return out


#: Error bound the adaptive quadrature of :func:`wor_all_in` must certify.
WOR_QUAD_TOL = 1e-10
#: Largest number of ordered tuples ``method="auto"`` enumerates exactly.
WOR_ENUMERATE_AUTO = 20_000


def _wor_all_in_quad_err(q: np.ndarray, members: np.ndarray, k: int) -> tuple[float, float]:
    """Race integral by adaptive quadrature in s = log t, and its error estimate.

    The integrand ``t e^{-lambda t} P(1 <= N_B(t) < K)`` is formed in probability space by
    :func:`poisson_binomial_head` (no log-space exponents of size q t that cancel), and
    lambda = q(outside B) is summed directly. O(K^2 |B|) per node.
    """
    total = float(q.sum())
    inside = np.zeros(q.shape[0], dtype=bool)
    inside[members] = True
    qb = q[inside & (q > 0)]
    if qb.shape[0] < k:
        return 0.0, 0.0
    lam = float(q[~inside].sum())
    if lam <= 0:
        return 1.0, 0.0
    if k == 1:
        return float(qb.sum()) / total, 0.0
    rate = lam + float(np.sort(qb)[: qb.shape[0] - (k - 1)].sum())  # B beyond its top-(K-1)
    if rate < 1e-250:  # the race runs past representable t: rescale (the law is scale-free)
        if float(q.max()) / rate < 1e305:
            return _wor_all_in_quad_err(q / rate, members, k)
        return math.nan, math.inf

    def integrand(s: float) -> float:
        t = math.exp(s)
        head = poisson_binomial_head(-np.expm1(-qb * t), np.exp(-qb * t), k)
        return float(t * math.exp(-lam * t) * head[1:].sum())

    lo, hi = math.log(1e-10 / total), math.log(80.0 / rate)
    scales = sorted({-math.log(x) for x in (*np.unique(qb)[::-1][:49], lam) if lo < -math.log(x) < hi})
    val, err, *_ = integrate.quad(integrand, lo, hi, points=scales or None, epsabs=1e-17,
                                  epsrel=1e-13, limit=1000, full_output=1)
    # The integral's upper tail beyond hi is below e^{-80} (rate t)^{K-1} per unit of s.
    return 1.0 - lam / total - lam * val, lam * err


def _wor_all_in_quad(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """Race integral by adaptive quadrature (value only; see :func:`_wor_all_in_quad_err`)."""
    return _wor_all_in_quad_err(q, members, k)[0]


def _wor_all_in_k2(q: np.ndarray, members: np.ndarray) -> float:
    """K = 2 closed form ``q(B) - q(out) sum_{x in B} q_x / (Q - q_x)``, normalised by Q. O(V)."""
    total = float(q.sum())
    inside = np.zeros(q.shape[0], dtype=bool)
    inside[members] = True
    lam = float(q[~inside].sum())
    # lambda / (Q - q_x) first: q_x / (Q - q_x) overflows when the rest of the mass is subnormal.
    outside_term = float((q[inside] * (lam / _others(q)[inside])).sum())
    return float(min(max(float(q[inside].sum()) / total - outside_term / total, 0.0), 1.0))


def wor_all_in(draft: Any, subset: Iterable[int], k: Any, *, method: str = "auto") -> float:
    """P(all K without-replacement drafts lie in B), exactly.

    With independent ``E_x ~ Exp(q_x)`` the WOR order is the arrival order, so with
    ``lambda = 1 - q(B)`` (summed over the tokens outside B) and N_B(t) the number of arrivals
    in B by time t:

        P_wor(B) = int_0^inf lambda e^{-lambda t} P(N_B(t) >= K) dt
                 = 1 - lambda - lambda int_0^inf e^{-lambda t} P(1 <= N_B(t) < K) dt,

    with ``P(N_B(t) = m)`` the Poisson-binomial law of arrivals ``1 - e^{-q_x t}``.

    Parameters
    ----------
    draft
        Draft distribution q, shape (V,).
    subset
        The token set B (iterable of indices).
    k
        Number of drafts K, ``1 <= K <= |supp q|``.
    method
        ``"auto"`` (default): exact enumeration when B holds at most 20,000 ordered K-tuples,
        the closed form for K = 2, else the quadrature; ``"quad"``: adaptive quadrature of the
        race integral in ``s = log t`` (O(K^2 |B|) per node), certified: its error estimate
        must be below 1e-10, or it must agree with the trapezoid route of
        :func:`wor_prefix_all_in` to 1e-9, else ``RuntimeError``; ``"enumerate"``: sum over
        ordered distinct tuples in B (exact up to rounding, O(|B|^K)).

    Notes
    -----
    Source: derived here (race representation of successive sampling); the subset
    formula is Hu et al. (ICLR 2025).
    """
    q = as_pmf(draft, "draft")
    kk = validate_k(k, q, "wor")
    how = as_choice(method, "method", ("auto", "quad", "enumerate"))
    members = _subset_indices(subset, q.shape[0])
    n_tuples = math.perm(int(np.count_nonzero(q[members] > 0)), kk)
    if how == "enumerate" or (how == "auto" and n_tuples <= WOR_ENUMERATE_AUTO):
        if n_tuples > 10**6:
            raise ValueError("subset: more than 1e6 ordered tuples to enumerate; use method='quad'")
        return _wor_all_in_enumerate(q, members, kk)
    if how == "auto" and kk == 2:
        return _wor_all_in_k2(q, members)
    value, err = _wor_all_in_quad_err(q, members, kk)
    if err > WOR_QUAD_TOL:
        order = np.concatenate([members, np.setdiff1d(np.arange(q.shape[0]), members)])
        grid = float(wor_prefix_all_in(q[order], kk)[members.shape[0]])
        if math.isnan(value):  # time scale beyond doubles: the prefix route summed it exactly
            value = grid
        if not abs(grid - value) <= 1e-9:
            raise RuntimeError(
                f"wor_all_in: quadrature error estimate {err:.2g} and trapezoid route differ by "
                f"{abs(grid - value):.2g}; no value certified to 1e-9 (use method='enumerate')"
            )
    return float(min(max(value, 0.0), 1.0))


def _subset_indices(subset: Any, vocab: int) -> np.ndarray:
    """Validate a token subset: integer indices in [0, vocab); duplicates are merged."""
    if isinstance(subset, (str, bytes)) or np.ndim(subset) > 1:
        raise InputTypeError(f"subset: expected an iterable of token indices, got {type(subset).__name__}")
    try:
        raw = np.asarray(list(subset))
    except TypeError:
        raise InputTypeError(f"subset: expected an iterable of token indices, got {subset!r}") from None
    if raw.size and (raw.dtype.kind not in "iu"):
        raise InputTypeError(f"subset: token indices must be integers, got dtype {raw.dtype}")
    members = np.unique(raw.astype(np.int64))
    if members.size and (members.min() < 0 or members.max() >= vocab):
        raise ValueError(f"subset: token indices must lie in [0, {vocab}), got {members.tolist()}")
    return members


def wor_prefix_all_in(q_sorted: np.ndarray, k: int, *, nodes: int = 128,
                      chunk_elems: int = 1 << 21) -> np.ndarray:
    """P_wor(B_j) for every prefix B_j = first j tokens of ``q_sorted`` (j = 0..V).

    Race integral, trapezoid rule in log t on the shared nodes; the prefix elementary symmetric
    polynomials obey ``e_m^{(j)} = e_m^{(j-1)} + o_j e_{m-1}^{(j-1)}``: K-1 cumulative sums of
    positive terms over a (V, nodes) array, chunked in t. When linear scale could overflow
    (concentrated drafts, long races) the Poisson-binomial recursion over the items is used
    instead, which has no cancellation. Cost O(K V nodes).

    Parameters
    ----------
    q_sorted
        Draft probabilities in prefix order (need not be sorted by value), shape (V,).
    k
        Number of drafts K (``k <= |supp q|``; not re-validated here).
    nodes
        Minimum number of quadrature nodes in log t (more are used when the race is long, so
        that the step in log t stays <= 0.21).
    chunk_elems
        Largest (V, chunk) block held in memory.
    """
    v = q_sorted.shape[0]
    total = float(q_sorted.sum())
    tail = np.concatenate([np.cumsum(q_sorted[::-1])[::-1], [0.0]])  # lambda_j = q(outside B_j)
    if k == 1:
        return np.concatenate([[0.0], np.cumsum(q_sorted)]) / total
    by_size = np.sort(q_sorted)[::-1]
    decay = float(by_size[k - 1:].sum())  # rate of e^{-t} e_{K-1}: total minus the top-(K-1)
    qmax = float(by_size[0])
    if decay < 1e-250:
        # The race runs to t ~ 1 / decay, past what t can represent. The law is scale-free, so
        # rescale q when its dynamic range allows; else sum the tuples exactly (small V) or refuse.
        if qmax / decay < 1e305:
            return wor_prefix_all_in(q_sorted / decay, k, nodes=nodes, chunk_elems=chunk_elems)
        support = int(np.count_nonzero(q_sorted > 0))
        if math.perm(support, k) * (v + 1) > 2_000_000:
            raise ValueError(
                f"draft: the mass outside its top-{k - 1} tokens ({decay:.3g}) is beyond double "
                "precision's range for the race integral at this vocabulary size"
            )
        return np.array([_wor_all_in_enumerate(q_sorted, np.arange(j), k) for j in range(v + 1)])
    # Upper limit: grow until the whole-vocabulary integrand P(1 <= N(t) < K) t is negligible
    # (it dominates every prefix's integrand); capped where t itself would overflow.
    t_hi = min(40.0 / decay, 1e300)
    for _ in range(60):
        head = poisson_binomial_head(-np.expm1(-q_sorted * t_hi), np.exp(-q_sorted * t_hi), k)
        if float(head[1:].sum()) * t_hi < 1e-18 or t_hi >= 1e300:
            break
        t_hi = min(1.5 * t_hi, 1e300)
    t_lo = 1e-10 / max(total, 1e-300)
    # At least ``nodes`` nodes, and a step in log t of at most 0.21 for long races.
    span = math.log(t_hi) - math.log(t_lo)
    nodes = max(nodes, math.ceil(span / 0.21) + 1)
    s = np.linspace(math.log(t_lo), math.log(t_hi), nodes)
    t = np.exp(s)
    weights = t * (s[1] - s[0])
    weights[[0, -1]] *= 0.5
    linear = (k - 1) * (math.log(v) + qmax * t_hi) < 600.0
    integral = np.zeros(v + 1)
    if linear:
        step = max(1, chunk_elems // max(v, 1))
        for lo in range(0, nodes, step):
            tc = t[lo: lo + step]
            o = np.expm1(tc[:, None] * q_sorted[None, :])  # (nodes, items): cumsums run along rows
            prev = np.ones_like(o)  # e_{m-1} over the prefix before each item
            acc = np.zeros_like(o)
            for _ in range(1, k):
                cur = np.cumsum(o * prev, axis=1)
                acc += cur
                prev[:, 0] = 0.0
                prev[:, 1:] = cur[:, :-1]
            integral[1:] += (weights[lo: lo + step] * np.exp(-total * tc)) @ acc
    else:
        integral[1:] = _poisson_binomial_integral(q_sorted, k, t, weights, tail[1:], chunk_elems)
    head_mass = np.concatenate([[0.0], np.cumsum(q_sorted)])  # q(B_j), summed directly
    all_in = np.clip(head_mass / total - tail * integral, 0.0, 1.0)
    # Fewer than K drafted tokens in B: exactly 0.
    all_in[np.concatenate([[0], np.cumsum(q_sorted > 0)]) < k] = 0.0
    return all_in


def _poisson_binomial_integral(q_sorted: np.ndarray, k: int, t: np.ndarray, weights: np.ndarray,
                               lam: np.ndarray, chunk_elems: int) -> np.ndarray:
    """Compute ``int e^{-lambda_j t} P(1 <= N_{B_j}(t) < K) dt`` for every prefix.

    By the Poisson-binomial recursion ``P_m <- e^{-q_j t} P_m + (1 - e^{-q_j t}) P_{m-1}`` over the items.

    Every factor lies in [0, 1], so nothing overflows and no large exponents cancel: the route
    for concentrated drafts, where the race runs to t ~ 1 / (mass outside the top K-1 tokens).
    O(K V nodes) with a Python loop over the items.
    """
    v = q_sorted.shape[0]
    probs = np.zeros((k, t.shape[0]))
    probs[0] = 1.0
    out = np.empty(v)
    step = max(1, chunk_elems // t.shape[0])
    for lo in range(0, v, step):
        arg = q_sorted[lo: lo + step, None] * t[None, :]
        stay = np.exp(-arg)
        arrive = -np.expm1(-arg)
        below = np.empty_like(arg)  # P(1 <= N < K) after each item of the chunk
        for i in range(arg.shape[0]):
            moved = probs[:-1] * arrive[i]
            probs *= stay[i]
            probs[1:] += moved
            below[i] = probs[1:].sum(axis=0)
        decay = np.exp(-lam[lo: lo + step, None] * t[None, :])
        out[lo: lo + step] = (below * decay) @ weights
    return out


def wor_k2_prefix_all_in(q_sorted: np.ndarray) -> np.ndarray:
    """Return the closed form of P_wor(B_j) for K = 2 over all prefixes B_j of ``q_sorted`` (j = 0..V).

    ``P_wor(B) = q(B) - (1 - q(B)) sum_{x in B} q_x / (1 - q_x)`` (with the total mass Q in place
    of 1 for exactness under rounding). Cost O(V).
    """
    total = float(q_sorted.sum())
    tail = np.concatenate([np.cumsum(q_sorted[::-1])[::-1], [0.0]])
    head = np.concatenate([[0.0], np.cumsum(q_sorted)])
    others = np.where(q_sorted > 0, _others(q_sorted), 1.0)
    # Only the largest token can have Q - q_x < Q / 2; its odds can overflow (the rest of the mass
    # subnormal), so its term tail_j q_x / (Q - q_x) is formed ratio-first, apart from the cumsum.
    top = int(np.argmax(q_sorted))
    small = q_sorted.copy()
    small[top] = 0.0
    odds = np.concatenate([[0.0], np.cumsum(small / others)])
    outside = tail * odds
    j = np.arange(q_sorted.shape[0] + 1)
    outside[j > top] += q_sorted[top] * (tail[j > top] / others[top])
    return np.clip(head / total - outside / total, 0.0, 1.0)
