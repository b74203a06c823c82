"""The without-replacement race: P(all K drafts without replacement lie in B), by every route.

Private part of :mod:`theory.speculative.draftsets` (shared with :mod:`theory.speculative.optimal`
and :mod:`theory.speculative.reference`). With independent ``E_x ~ Exp(q_x)`` the successive
sampling order is the arrival order, so ``P_wor(B) = 1 - lambda - lambda int_0^inf e^{-lambda t}
P(1 <= N_B(t) < K) dt`` (``lambda = q(outside B)``, N_B(t) the arrivals in B by time t): exact
enumeration of ordered tuples, adaptive quadrature, the K = 2 closed form, and the trapezoid and
closed-form routes over every prefix of a token order. Source: derived here (race representation
of successive sampling); the subset formula is Hu et al. (ICLR 2025).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate


def wor_all_in_enumerate(q: np.ndarray, members: np.ndarray, k: int) -> float:
    """Exact ``P(all k drafts without replacement lie in B)`` by enumerating ordered tuples.

    ``sum_x Q(x)`` over the ordered distinct k-tuples x of B, ``Q(x) = prod_i q(x_i) / (Q -
    sum_{j<i} q(x_j))``, expanded one draft at a time in floating point; the unused mass is
    summed directly, never as ``1 - sum(used)``. Independent of the race integral.

    Parameters
    ----------
    q
        Draft probabilities, shape (V,) (not re-validated).
    members
        Integer indices of the tokens of B.
    k
        Number of drafts K >= 1.

    Returns
    -------
    float
        The probability; 0 when B holds fewer than k tokens. O(|B|^k) time and memory.
    """
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


def others_mass(q: np.ndarray) -> np.ndarray:
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


def wor_all_in_quad_err(q: np.ndarray, members: np.ndarray, k: int) -> tuple[float, float]:
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
            return wor_all_in_quad_err(q / rate, members, k)
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



def wor_all_in_k2(q: np.ndarray, members: np.ndarray) -> float:
    """K = 2 closed form ``q(B) - q(out) sum_{x in B} q_x / (Q - q_x)``, normalised by Q. O(V)."""
    total = float(q.sum())
    inside = np.zeros(q.shape[0], dtype=bool)
    inside[members] = True
    lam = float(q[~inside].sum())
    # lambda / (Q - q_x) first: q_x / (Q - q_x) overflows when the rest of the mass is subnormal.
    outside_term = float((q[inside] * (lam / others_mass(q)[inside])).sum())
    return float(min(max(float(q[inside].sum()) / total - outside_term / total, 0.0), 1.0))



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
        return np.array([wor_all_in_enumerate(q_sorted, np.arange(j), k) for j in range(v + 1)])
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
        integral[1:] = poisson_binomial_integral(q_sorted, k, t, weights, tail[1:], chunk_elems)
    head_mass = np.concatenate([[0.0], np.cumsum(q_sorted)])  # q(B_j), summed directly
    all_in = np.clip(head_mass / total - tail * integral, 0.0, 1.0)
    # Fewer than K drafted tokens in B: exactly 0.
    all_in[np.concatenate([[0], np.cumsum(q_sorted > 0)]) < k] = 0.0
    return all_in


def poisson_binomial_integral(q_sorted: np.ndarray, k: int, t: np.ndarray, weights: np.ndarray,
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
    others = np.where(q_sorted > 0, others_mass(q_sorted), 1.0)
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
