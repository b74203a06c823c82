"""Token trees verified in one target call: exact expected accepted tokens on Markov models.

A draft tree is a nested tuple: a node is the tuple of its child subtrees, ``()`` has no children,
and the root is the current context (not a draft token). A chain of L draft tokens is
``((...((),)...),)`` (:func:`chain_tree`); K one-token drafts are ``tuple(() for _ in range(K))``.
Nodes are indexed in preorder, the root being 0 (:func:`tree_structure`).

The process (SpecInfer's tree verification, with the multi-draft schemes of
:mod:`theory.speculative.schemes` at every node): the children of a node with history h draw
tokens from q(. | h), iid (``drafts="iid"``) or without replacement (``"wor"``), in child order.
They are verified top-down: at a node with target row p and draft row q the children are tried by
the scheme; when child i with token x is accepted, x is emitted and verification descends into
child i (history h + x); when all are rejected (or the node is a leaf), one token is emitted from
the final residual (a leaf: from p) and the call ends. The number of accepted draft tokens A is the
depth reached; the target call emits A + 1 tokens.

Schemes (p_1 = p; ``beta_i = sum min(p_i, q)``):

- ``"rrs"`` (iid): child i is accepted with probability ``min(1, p_i(x)/q(x))``, else
  ``p_{i+1} = norm((p_i - q)^+)``; so ``P(child i accepted with x) = prod_{j<i}(1 - beta_j)
  min(p_i(x), q(x))`` and the residual after K rejections is ``p_{K+1}``.
- ``"rrs-wor"`` (wor): the same with q renormalised without each rejected token.
- ``"kseq"`` (iid): SpecTr's K-SEQ: every child passes ``min(1, p/(rho* q))``, the first wins.
- ``"block"`` (single-draft chains only): block verification, see :mod:`theory.speculative.block`.
- Negative controls (lossy): ``"naive"`` (no residual update: every child against the unchanged
  p, residual ``norm((p - q)^+)``) and ``"target-resample"`` (tests as naive; after K rejections the
  token is drawn from p itself).

Identical sibling tokens are not merged: each child is a separate branch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from theory._result import SolverResult
from theory._rng import RngLike, as_generator
from theory._validate import as_choice, as_int
from theory.speculative._tree_mc import CHUNK_ELEMS, mc_accepted
from theory.speculative._tree_rules import MAX_EXACT_ELEMS, node_rule
from theory.speculative.block import block_accepted_law, block_emitted_law, block_mc
from theory.speculative.markov import (
    MarkovLM,
    as_markov_pair,
    context_state,
    next_state,
    path_law,
)

#: Deepest tree accepted anywhere.
MAX_DEPTH = 256
#: Most draft nodes accepted anywhere.
MAX_NODES = 10_000
#: Largest number of simulated calls of the Monte Carlo route (a few int64 arrays of that length).
MAX_MC_CALLS = 20_000_000
#: :func:`emitted_law`: largest ``V**m * V**(depth + 1)`` cells of the sequence law.
MAX_LAW_CELLS = 4_000_000

TREE_SCHEMES: tuple[str, ...] = ("rrs", "rrs-wor", "kseq")
TREE_CONTROLS: tuple[str, ...] = ("naive", "target-resample")
#: Schemes for single-draft chains only.
CHAIN_SCHEMES: tuple[str, ...] = ("block",)
SCHEME_DRAFT_LAW: dict[str, str] = {
    "rrs": "iid", "rrs-wor": "wor", "kseq": "iid", "naive": "iid", "target-resample": "iid", "block": "iid",
}


class TreeStructure(NamedTuple):
    """Preorder view of a draft tree (node 0 = the root context).

    ``parent[j]`` (-1 for the root), ``children[j]`` (tuple of node ids, in child order),
    ``depth[j]`` (0 for the root), ``position[j]`` (index of j among its siblings, -1 for the root).
    """

    parent: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    depth: tuple[int, ...]
    position: tuple[int, ...]

    @property
    def n_nodes(self) -> int:
        """Number of draft nodes (the root excluded)."""
        return len(self.parent) - 1

    @property
    def height(self) -> int:
        """Largest depth: the most draft tokens one call can accept."""
        return max(self.depth)


@lru_cache(maxsize=256)
def _structure(tree: tuple) -> TreeStructure:
    parent: list[int] = []
    children: list[list[int]] = []
    depth: list[int] = []
    position: list[int] = []
    stack: list[tuple[Any, int, int]] = [(tree, -1, -1)]  # (node, parent id, position)
    while stack:  # preorder: pop a node, give it the next id, push its children reversed
        node, par, pos = stack.pop()
        if not isinstance(node, tuple):
            raise ValueError(
                "tree: every node must be a tuple of child subtrees (a leaf is ()), "
                f"got {type(node).__name__}"
            )
        idx = len(parent)
        parent.append(par)
        children.append([])
        depth.append(depth[par] + 1 if par >= 0 else 0)
        position.append(pos)
        if par >= 0:
            children[par].append(idx)
        if depth[idx] > MAX_DEPTH:
            raise ValueError(f"tree: deeper than the limit of {MAX_DEPTH} draft tokens")
        if idx > MAX_NODES:
            raise ValueError(f"tree: more than {MAX_NODES} draft nodes")
        for j in range(len(node) - 1, -1, -1):
            stack.append((node[j], idx, j))
    return TreeStructure(tuple(parent), tuple(tuple(c) for c in children), tuple(depth), tuple(position))


def tree_structure(tree: Any) -> TreeStructure:
    """Validate a draft tree (nested tuples) and return its preorder :class:`TreeStructure`.

    Raises ``ValueError`` naming ``tree`` when a node is not a tuple, the tree is deeper than
    :data:`MAX_DEPTH` or has more than :data:`MAX_NODES` draft nodes. O(nodes).
    """
    if not isinstance(tree, tuple):
        raise ValueError(
            f"tree: expected a nested tuple (a node = tuple of children), got {type(tree).__name__}")
    try:
        hash(tree)
    except TypeError:
        raise ValueError("tree: every node must be a tuple of child subtrees (a leaf is ())") from None
    return _structure(tree)


def chain_tree(length: int) -> tuple:
    """Return a chain of ``length`` draft tokens, ``((...((),)...),)``."""
    n = as_int(length, "length", min_value=0, max_value=MAX_DEPTH)
    tree: tuple = ()
    for _ in range(n):
        tree = (tree,)
    return tree


def kary_tree(n_nodes: int, k: int = 2) -> tuple:
    """Return the complete k-ary tree of ``n_nodes`` draft nodes, filled breadth first (k = n: one level)."""
    n = as_int(n_nodes, "n_nodes", min_value=0, max_value=MAX_NODES)
    kk = as_int(k, "k", min_value=1)
    kids: list[list[int]] = [[] for _ in range(n + 1)]
    for j in range(1, n + 1):
        kids[(j - 1) // kk].append(j)
    return tree_from_children(kids)


def tree_from_children(children: Sequence[Sequence[int]], root: int = 0) -> tuple:
    """Nested-tuple tree from child lists (node ids, ``children[root]`` the root's children)."""
    def build(u: int) -> tuple:
        return tuple(build(c) for c in children[u])
    return build(root)


# --------------------------------------------------------------------------- validation


def _validate_common(target: Any, draft: Any, tree: Any, scheme: Any, drafts: Any, *,
                     controls: bool) -> tuple[MarkovLM, MarkovLM, TreeStructure, str]:
    p, q = as_markov_pair(target, draft)
    st = tree_structure(tree)
    name = as_choice(scheme, "scheme", TREE_SCHEMES + CHAIN_SCHEMES + (TREE_CONTROLS if controls else ()))
    if name in CHAIN_SCHEMES and any(len(c) > 1 for c in st.children):
        raise ValueError(f"tree: scheme {name!r} verifies a single draft chain ((...((),)...),), not a tree")
    want = SCHEME_DRAFT_LAW[name]
    if drafts is not None:
        law = as_choice(drafts, "drafts", ("iid", "wor"))
        if law != want:
            raise ValueError(f"drafts: scheme {name!r} verifies {want!r} children, got drafts={law!r}")
    if p.n_states * p.vocab > MAX_EXACT_ELEMS:
        raise ValueError(f"target: V**m * V = {p.n_states * p.vocab} exceeds {MAX_EXACT_ELEMS:.0e}")
    return p, q, st, name


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, kw_only=True)
class TreeResult(SolverResult):
    """Expected number of accepted draft tokens in one target call.

    Core fields: ``value`` = E[A] (the extra token the target always emits is not counted);
    ``status`` one of ``"exact"`` (enumeration, rounding only) or ``"monte_carlo"`` (estimate with
    ``stderr``); ``converged`` True; ``n_iter`` = number of simulated calls (0 if exact);
    ``diagnostics``: ``mass_error`` (exact: |sum of the law of A - 1|), ``n_nodes``, ``height``.

    Attributes
    ----------
    stderr
        Standard error of ``value`` (0.0 for the exact route).
    accepted_law
        P(A = j) for j = 0..height (exact) or the empirical frequencies (Monte Carlo).
    """

    stderr: float
    accepted_law: np.ndarray


def _sum_over_children(rule_w: np.ndarray, child_arrays: Sequence[np.ndarray], nxt: np.ndarray) -> np.ndarray:
    """sum_i sum_x W[s, i, x] child_i[nxt[s, x], ...] for arrays indexed by state first."""
    out = None
    for i, arr in enumerate(child_arrays):
        term = np.einsum("sv,sv...->s...", rule_w[:, i], arr[nxt])
        out = term if out is None else out + term
    assert out is not None
    return out


def _exact_accepted_law(p: MarkovLM, q: MarkovLM, st: TreeStructure, scheme: str) -> np.ndarray:
    """Compute P(A = j | context s) for every s, shape (S, height + 1).

    By a pass over the nodes in reverse preorder; the rule of a node depends only on its number of
    children (cached).
    """
    v, order = p.vocab, p.order
    nxt = next_state(np.arange(p.n_states)[:, None], np.arange(v)[None, :], v, order)
    h = st.height
    rules: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    law: dict[int, np.ndarray] = {}
    for u in range(len(st.parent) - 1, -1, -1):
        kids = st.children[u]
        arr = np.zeros((p.n_states, h + 1))
        if not kids:
            arr[:, 0] = 1.0
        else:
            if len(kids) not in rules:
                rules[len(kids)] = node_rule(p, q, len(kids), scheme)
            w, r = rules[len(kids)]
            arr[:, 0] = r.sum(axis=1)
            arr[:, 1:] = _sum_over_children(w, [law.pop(c)[:, :h] for c in kids], nxt)
        law[u] = arr
    return law[0]



def expected_accepted(target: Any, draft: Any, tree: Any, *, scheme: str = "rrs", drafts: str | None = None,
                      method: str = "exact", n: int | None = None, rng: RngLike = None,
                      context: Sequence[int] | None = None) -> TreeResult:
    """Return the expected number of accepted draft tokens E[A] when ``tree`` is verified in one target call.

    Parameters
    ----------
    target, draft
        Markov language models p and q: a pmf (V,) (order 0) or a pair ``(cond (V**m, V), m)``;
        same V and same order.
    tree
        Draft tree, nested tuples (see the module docstring).
    scheme
        "rrs", "rrs-wor" or "kseq"; "block" (block verification, chains only: exact by
        enumeration of the V**L draft chains, refused past ``V**L * V > 2e7``); the negative
        controls "naive" and "target-resample".
    drafts
        "iid" or "wor": how sibling tokens are drawn; ``None`` (default) = the scheme's own
        (rrs-wor: "wor", the others "iid"); a mismatching value raises ``ValueError``.
    method
        "exact": ``E[A] = sum_j j P(A = j)`` with the law of A obtained by summing over the
        children's draws, node by node in reverse preorder and for every context at once (a node's
        rule depends only on its number of children K): O(nodes * V**m * V * K) for iid schemes,
        O(nodes * V**m * perm(V, K-1) * V) for rrs-wor; refused (``ValueError``) past
        :data:`MAX_EXACT_ELEMS`. "mc": simulate ``n`` calls (default 10,000; at most
        :data:`MAX_MC_CALLS`), vectorised over calls
        (loops over nodes and the distinct contexts at a node); O(V) per context for the iid
        schemes, O(K log V) per call and node for rrs-wor (residuals kept as ``(p - C q)^+ / Z``);
        ``stderr = std(A) / sqrt(n)``.
    rng
        Seed or Generator (Monte Carlo only).
    context
        The last m tokens before the root (``None``: m zeros).

    Returns
    -------
    TreeResult
        ``value`` = E[A], ``stderr``, ``accepted_law``; status "exact" or "monte_carlo".

    Notes
    -----
    Sources: SpecInfer (Miao et al. 2024) tree verification with multi-step speculative sampling;
    RSD (Jeon et al. 2024) for without-replacement children; SpecTr (Sun et al. 2023) K-SEQ.
    """
    p, q, st, name = _validate_common(target, draft, tree, scheme, drafts, controls=True)
    how = as_choice(method, "method", ("exact", "mc"))
    root = context_state(context, p.vocab, p.order)
    diag = {"n_nodes": float(st.n_nodes), "height": float(st.height)}
    if how == "exact":
        if name == "block":
            law = block_accepted_law(p, q, st.height, root)
        else:
            law = _exact_accepted_law(p, q, st, name)[root]
        value = float(law @ np.arange(law.shape[0]))
        diag["mass_error"] = abs(float(law.sum()) - 1.0)
        return TreeResult(value=value, status="exact", converged=True, n_iter=0, diagnostics=diag,
                          stderr=0.0, accepted_law=law)
    nn = as_int(10_000 if n is None else n, "n", min_value=2, max_value=MAX_MC_CALLS)
    if name == "block":
        counts = block_mc(p, q, st.height, root, nn, as_generator(rng), chunk=CHUNK_ELEMS)
    else:
        counts = mc_accepted(p, q, st, name, root, nn, as_generator(rng))
    freq = np.bincount(counts, minlength=st.height + 1) / nn
    stderr = float(counts.std(ddof=1) / math.sqrt(nn))
    return TreeResult(value=float(counts.mean()), status="monte_carlo", converged=True, n_iter=nn,
                      diagnostics=diag, stderr=stderr, accepted_law=freq)


@dataclass(frozen=True, kw_only=True)
class EmittedLaw(SolverResult):
    """Exact law of the tokens one target call emits, continued by the target to a fixed length.

    Follows :class:`theory._result.SolverResult`.

    Attributes
    ----------
    value
        Total variation between ``law`` and ``target_law`` (0 for a lossless scheme; alias: ``tv``).
    status
        ``"lossless"`` (value <= ``LOSSLESS_TOL``) or ``"lossy"``.
    converged
        Always ``True`` (an exact recursion).
    n_iter
        0.
    law
        P(first ``length`` tokens = s), shape (V**length,), index ``sum_t s_t V**(length-1-t)``:
        the call emits A + 1 tokens (accepted path + one token) and the target continues the
        sequence up to ``length = height + 1`` tokens.
    target_law
        The target's own law of the next ``length`` tokens from the context.
    length
        ``height + 1``.
    """

    law: np.ndarray
    target_law: np.ndarray
    length: int

    @property
    def tv(self) -> float:
        """Alias of ``value`` (the old field name, kept for one release)."""
        return self.value


#: Total variation below which :class:`EmittedLaw` reports ``"lossless"`` (rounding of the recursion).
LOSSLESS_TOL = 1e-9


def _emitted(out: np.ndarray, want: np.ndarray, length: int) -> EmittedLaw:
    dist = 0.5 * float(np.abs(out - want).sum())
    return EmittedLaw(value=dist, status="lossless" if dist <= LOSSLESS_TOL else "lossy", converged=True,
                      law=out, target_law=want, length=length)


def emitted_law(target: Any, draft: Any, tree: Any, *, scheme: str = "rrs", drafts: str | None = None,
                context: Sequence[int] | None = None) -> EmittedLaw:
    """Exact law of the emitted sequence (continued by the target to ``height + 1`` tokens).

    A scheme is lossless on ``tree`` iff this law equals the target's law of ``height + 1`` tokens.
    Computed per node in reverse preorder for every context:
    ``L_u[s, (x, rest)] = sum_i W[s, i, x] L_{c_i}[s x, rest] + R[s, x] T[s x, rest]``, where T is
    the target's own continuation and a leaf has ``L = T``. Cost O(nodes * V**m * V**(height+1) * K);
    refused (``ValueError``) past ``V**m * V**(height+1) > MAX_LAW_CELLS``.

    Parameters are those of :func:`expected_accepted` (exact route).
    """
    p, q, st, name = _validate_common(target, draft, tree, scheme, drafts, controls=True)
    v, order = p.vocab, p.order
    length = st.height + 1
    if p.n_states * float(v) ** length > MAX_LAW_CELLS:
        raise ValueError(
            f"tree: the law of {length} tokens has V**m * V**{length} = {p.n_states * v ** length} cells "
            f"(limit {MAX_LAW_CELLS:.0e}); use a shallower tree or check_lossless"
        )
    root = context_state(context, v, order)
    nxt = next_state(np.arange(p.n_states)[:, None], np.arange(v)[None, :], v, order)
    cont = {r: path_law(p, r) for r in range(length + 1)}
    if name == "block":
        out, want = block_emitted_law(p, q, st.height, root, cont), cont[length][root]
        return _emitted(out, want, length)
    rules: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    law: dict[int, np.ndarray] = {}
    for u in range(len(st.parent) - 1, -1, -1):
        r_left = length - st.depth[u]
        kids = st.children[u]
        if not kids:
            law[u] = cont[r_left]
            continue
        if len(kids) not in rules:
            rules[len(kids)] = node_rule(p, q, len(kids), name)
        w, r = rules[len(kids)]
        rest = cont[r_left - 1][nxt]  # (S, V, V**(r-1))
        arr = r[:, :, None] * rest
        for i, c in enumerate(kids):
            arr = arr + w[:, i, :, None] * law.pop(c)[nxt]
        law[u] = arr.reshape(p.n_states, -1)
    out = law[0][root]
    want = cont[length][root]
    return _emitted(out, want, length)
