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

from theory._result import SolverResult
from theory._validate import InputTypeError, as_choice, as_pmf
from theory.speculative._common import DRAFT_LAWS, validate_k
from theory.speculative._race import (
    WOR_ENUMERATE_AUTO,
    WOR_QUAD_TOL,
    poisson_binomial_head,
    wor_all_in_enumerate,
    wor_all_in_k2,
    wor_k2_prefix_all_in,
    wor_prefix_all_in,
)
from theory.speculative._race import wor_all_in_quad_err as _wor_all_in_quad_err

# The race routes of P(all K wor drafts in B) live in the private module _race; these re-exports
# keep their public names here.
__all__ = [
    "MAX_SETS",
    "MAX_TERMS",
    "WOR_ENUMERATE_AUTO",
    "WOR_QUAD_TOL",
    "DraftSetLaw",
    "draft_set_law",
    "greedy_top",
    "outside_mass",
    "poisson_binomial_head",
    "wor_all_in",
    "wor_k2_prefix_all_in",
    "wor_prefix_all_in",
]

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
        return wor_all_in_enumerate(q, members, kk)
    if how == "auto" and kk == 2:
        return wor_all_in_k2(q, members)
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

