"""Choosing the shape of a draft tree: Sequoia's dynamic program and DySpec-style greedy growth.

Sequoia's positional acceptance model: a_1 >= a_2 >= ... >= 0 with sum <= 1, a_i = probability
that the i-th child of a node is the one accepted, the same at every node. Under it, a tree's
expected number of accepted tokens is

    tree_value(tree, a) = sum over draft nodes v of prod_{edges on the root-v path} a_{position},

(positions past the vector's length contribute 0). For order-0 models and iid children this is
exact with ``a = positional_acceptance(p, q, K)`` (the acceptance law at a node does not depend
on the path); for order >= 1 it is a model (the gap is measured by the claims).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from theory._result import SolverResult, TupleCompatible
from theory._validate import as_float_array, as_int
from theory.speculative.markov import as_markov, as_markov_pair, context_state, next_state, stationary_states
from theory.speculative.trees import (
    MAX_DEPTH,
    MAX_NODES,
    TREE_SCHEMES,
    node_rule,
    tree_from_children,
    tree_structure,
)

#: Largest node budget of :func:`sequoia_tree` and :func:`greedy_tree`.
MAX_BUDGET = 512


@dataclass(frozen=True, kw_only=True)
class TreeChoice(TupleCompatible, SolverResult):
    """A chosen draft tree and its value under the objective that chose it.

    Follows :class:`theory._result.SolverResult` and unpacks as the old ``(tree, value)`` pair.

    Attributes
    ----------
    value
        The objective of ``tree`` (expected accepted tokens).
    status
        Always ``"optimal"`` (the dynamic program / greedy choice is exact for its objective).
    converged
        Always ``True``.
    n_iter
        Number of draft nodes of the tree.
    tree
        The tree as nested tuples of children.
    """

    tree: tuple
    _tuple_fields = ("tree", "value")


def _choice(tree: tuple, value: float, n_nodes: int) -> TreeChoice:
    return TreeChoice(value=value, status="optimal", converged=True, n_iter=n_nodes, tree=tree)


def validate_acceptance(acceptance: Any, *, monotone: bool = True) -> np.ndarray:
    """Return a positional acceptance vector: 1-d, in [0, 1], sum <= 1 and (``monotone``) non-increasing.

    Raises ``ValueError`` naming ``acceptance`` otherwise.
    """
    a = as_float_array(acceptance, "acceptance", ndim=1)
    if a.size == 0:
        raise ValueError("acceptance: expected at least one entry a_1")
    if np.any(a < 0) or np.any(a > 1):
        raise ValueError(f"acceptance: every a_i must lie in [0, 1], got min {a.min()!r}, max {a.max()!r}")
    if monotone and np.any(np.diff(a) > 1e-15):
        raise ValueError("acceptance: must be non-increasing (a_1 >= a_2 >= ...); fix the estimate")
    if a.sum() > 1 + 1e-12:
        raise ValueError(f"acceptance: the a_i are exclusive events and must sum to <= 1, got {a.sum()!r}")
    return a


def tree_value(tree: Any, acceptance: Any) -> float:
    """Return the expected accepted tokens of ``tree`` under Sequoia's positional acceptance model.

    ``sum_v prod_{edges to v} a_{position}``; positions past ``len(acceptance)`` contribute 0.
    The a_i must lie in [0, 1] with sum <= 1; they need not be non-increasing here (rrs-wor's
    measured a_i often are not). O(nodes).
    """
    st = tree_structure(tree)
    a = validate_acceptance(acceptance, monotone=False)
    reach = np.zeros(len(st.parent))
    reach[0] = 1.0
    for j in range(1, len(st.parent)):  # preorder: parents first
        pos = st.position[j]
        reach[j] = reach[st.parent[j]] * (a[pos] if pos < a.size else 0.0)
    return float(reach[1:].sum())


def sequoia_tree(acceptance: Any, n_nodes: int, *, max_depth: int | None = None) -> TreeChoice:
    """Return a tree of ``n_nodes`` draft nodes maximising :func:`tree_value` (Sequoia's dynamic program).

    ``F_d(n)`` = best value of the subtrees under a node with n nodes and depth budget d;
    ``G_d(n, i)`` = best value using children i, i+1, ... (contiguous):
    ``G_d(n, i) = max(0, max_{1<=t<=n} a_i (1 + F_{d-1}(t - 1)) + G_d(n - t, i + 1))``,
    ``F_d(n) = G_d(n, 1)``, ``F_0 = 0``. ``F`` is the best over at most n nodes; since adding a node
    never lowers the value, nodes left unused are appended as extra root children, which keeps the
    optimum. Cost O(depth * K * n^2) with K = min(len(a), n).

    Parameters
    ----------
    acceptance
        a_1 >= a_2 >= ... >= 0, sum <= 1.
    n_nodes
        Draft-node budget, 0..MAX_BUDGET.
    max_depth
        Optional depth limit (>= 1 when n_nodes >= 1).

    Returns
    -------
    TreeChoice
        ``(tree, value)`` with ``value = tree_value(tree, acceptance)``.

    Notes
    -----
    Source: Sequoia (Chen et al. 2024), positional acceptance assumption and tree DP.
    """
    a = validate_acceptance(acceptance)
    n = as_int(n_nodes, "n_nodes", min_value=0, max_value=MAX_BUDGET)
    depth = n if max_depth is None else as_int(max_depth, "max_depth", min_value=1, max_value=MAX_DEPTH)
    depth = min(depth, n)
    k = min(a.size, n)
    # f[d][m]: best value below a node, depth budget d, at most m nodes; choice[d][i][m]: t for child i.
    f = np.zeros((depth + 1, n + 1))
    choice = np.zeros((depth + 1, k + 1, n + 1), dtype=np.int64)
    for d in range(1, depth + 1):
        g = np.zeros((k + 2, n + 1))
        for i in range(k, 0, -1):
            for m in range(1, n + 1):
                t = np.arange(1, m + 1)
                cand = a[i - 1] * (1.0 + f[d - 1][t - 1]) + g[i + 1][m - t]
                best = int(np.argmax(cand))
                if cand[best] > 0.0:
                    g[i][m] = cand[best]
                    choice[d][i][m] = best + 1
        f[d] = g[1]
    kids: list[list[int]] = [[]]

    def build(node: int, d: int, m: int, i: int) -> None:
        while i <= k and d >= 1 and m > 0 and choice[d][i][m] > 0:
            t = int(choice[d][i][m])
            kids.append([])
            child = len(kids) - 1
            kids[node].append(child)
            build(child, d - 1, t - 1, 1)
            m -= t
            i += 1

    build(0, depth, n, 1)
    while len(kids) - 1 < n:  # unused budget: extra root children (value unchanged at the optimum)
        kids.append([])
        kids[0].append(len(kids) - 1)
    tree = tree_from_children(kids)
    return _choice(tree, tree_value(tree, a), n)


def all_trees(n_nodes: int) -> list[tuple]:
    """Every ordered (plane) tree with ``n_nodes`` draft nodes below the root (Catalan(n) of them)."""
    n = as_int(n_nodes, "n_nodes", min_value=0, max_value=12)
    return list(_forests(n))


@cache
def _forests(n: int) -> tuple[tuple, ...]:
    """All ordered forests with n nodes, as tuples of subtrees."""
    if n == 0:
        return ((),)
    out = []
    for first in range(1, n + 1):  # the first tree has `first` nodes: its root + a forest of first-1
        for sub in _forests(first - 1):
            for rest in _forests(n - first):
                out.append((sub,) + rest)
    return tuple(out)


def positional_acceptance(target: Any, draft: Any, k: int, *, scheme: str = "rrs",
                          context: Sequence[int] | None = None, stationary: bool = False) -> np.ndarray:
    """Measured a_i = P(child i is the accepted one) at a node with ``k`` children.

    For order-0 models this is exact at every node: ``a_i = prod_{j<i}(1 - beta_j) beta_i`` under
    rrs (non-increasing in every case tried; rrs-wor's a_i often increase). For order m >= 1 it is
    measured at the root context (``context``) or, with ``stationary=True``, averaged over the
    target's stationary law of contexts (a model: the a_i then differ from node to node). The
    vector need not be non-increasing; :func:`sequoia_tree` requires it to be.
    """
    p, q = as_markov_pair(target, draft)
    kk = as_int(k, "k", min_value=1, max_value=MAX_NODES)
    if scheme not in TREE_SCHEMES:
        raise ValueError(f"scheme: must be one of {', '.join(map(repr, TREE_SCHEMES))}; got {scheme!r}")
    w, _ = node_rule(p, q, kk, scheme)
    per_state = w.sum(axis=2)
    if stationary:
        return stationary_states(p) @ per_state
    return per_state[context_state(context, p.vocab, p.order)]


def greedy_tree(draft: Any, n_nodes: int, *, context: Sequence[int] | None = None) -> TreeChoice:
    """DySpec-style greedy tree: repeatedly expand the token path of largest draft probability.

    The token trie below the context has weight ``prod q(x_t | history)`` per path; the greedy
    tree takes the ``n_nodes`` heaviest paths one at a time (a heap of frontier candidates: every
    node offers its next-best unused token). Path weights never grow along a path, so the result
    is a subtree and maximises the sum of path weights over all n-node token subtrees (checked by
    brute force in the claims). Siblings are ordered by decreasing weight. O(n log n + n V log V).

    Returns ``(tree, value)``, value = the sum of the chosen path weights (the draft's expected
    number of tokens that would match its own top paths, not the accepted count under a target).
    """
    q = as_markov(draft, "draft")
    n = as_int(n_nodes, "n_nodes", min_value=0, max_value=MAX_BUDGET)
    root = context_state(context, q.vocab, q.order)
    order_of: dict[int, np.ndarray] = {}

    def ranked(state: int) -> np.ndarray:
        if state not in order_of:
            order_of[state] = np.argsort(-q.cond[state], kind="stable")
        return order_of[state]

    kids: list[list[int]] = [[]]
    node_state = [root]
    node_weight = [1.0]
    next_rank = [0]
    counter = itertools.count()
    heap: list[tuple[float, int, int]] = []

    def offer(node: int) -> None:
        r = next_rank[node]
        if r < q.vocab:
            x = int(ranked(node_state[node])[r])
            weight = node_weight[node] * float(q.cond[node_state[node], x])
            heapq.heappush(heap, (-weight, next(counter), node))

    offer(0)
    total = 0.0
    while len(kids) - 1 < n and heap:
        neg_w, _, parent = heapq.heappop(heap)
        x = int(ranked(node_state[parent])[next_rank[parent]])
        next_rank[parent] += 1
        kids.append([])
        child = len(kids) - 1
        kids[parent].append(child)
        node_state.append(int(next_state(node_state[parent], x, q.vocab, q.order)))
        node_weight.append(-neg_w)
        next_rank.append(0)
        total += -neg_w
        offer(parent)
        offer(child)
    return _choice(tree_from_children(kids), total, len(kids) - 1)


def best_token_subtree(draft: Any, n_nodes: int, *, context: Sequence[int] | None = None) -> float:
    """Brute force: the largest sum of path weights over all n-node token subtrees of the trie.

    Enumerates every subtree containing the root (include/exclude the first frontier node), so
    the count grows like the number of V-ary trees with n nodes: for checks with V <= 3, n <= 8.
    """
    q = as_markov(draft, "draft")
    n = as_int(n_nodes, "n_nodes", min_value=0, max_value=10)
    root = context_state(context, q.vocab, q.order)
    v = q.vocab

    def children_of(state: int, weight: float) -> list[tuple[float, int]]:
        return [(weight * float(q.cond[state, x]), int(next_state(state, x, v, q.order))) for x in range(v)]

    def search(frontier: list[tuple[float, int]], left: int) -> float:
        if left == 0 or not frontier:
            return 0.0
        (w, s), rest = frontier[0], frontier[1:]
        take = w + search(rest + children_of(s, w), left - 1)
        skip = search(rest, left) if len(rest) >= 1 else 0.0
        return max(take, skip)

    return search(children_of(root, 1.0), n)
