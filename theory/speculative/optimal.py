"""Optimal acceptance of multi-draft speculative decoding: subset formula, set LP, full OT.

With K drafts of joint law Q and a verifier that must emit ``Y ~ p`` exactly, the best acceptance
``P(Y in S(X))`` is the optimal-transport value (SpecTr, Sun et al. 2023)

    alpha* = max_{pi in Pi(Q, p)} sum_{x, y} 1[y in x] pi(x, y).

Keeping only the accepting mass on the set ``S`` of distinct drafts gives the reduced LP on sets
(bipartite max-flow), whose dual is totally unimodular; its 0/1 optimum is the subset formula

    alpha* = 1 + min_{B ⊆ Omega} [p(B) - P(all K drafts in B)]

(Hu et al., ICLR 2025). For iid drafts the optimal B is a prefix of the tokens sorted by p/q,
which gives an O(V log V) algorithm; for drafts without replacement the same prefix search is
used with an exact race-integral evaluation of P(all drafts in B).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse

from theory._result import SolverResult
from theory._validate import as_choice
from theory.speculative._common import DRAFT_LAWS, prefix_order, validate_k, validate_pair
from theory.speculative._plans import set_lp
from theory.speculative._race import wor_all_in_enumerate
from theory.speculative.coupling import maximal_coupling_acceptance
from theory.speculative.draftsets import (
    draft_set_law,
    greedy_top,
    outside_mass,
    wor_k2_prefix_all_in,
    wor_prefix_all_in,
)

#: Quadrature nodes (in log t) of the without-replacement race integral.
WOR_NODES = 128
#: Certificate tolerance of the set LP (HiGHS feasibility tolerance ~1e-7): value in [0, 1] and
#: primal = dual within this.
LP_CERT_TOL = 1e-6
#: Largest number of (tuple, token) variables :func:`full_lp_acceptance` builds.
MAX_FULL_LP = 2_000_000


@dataclass(frozen=True, kw_only=True)
class OptimalAcceptanceResult(SolverResult):
    """Solution of the reduced set LP (follows :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        The optimal acceptance alpha* (NaN only when ``status`` is ``"failed"``).
    status
        ``"optimal"``; ``"uncertified"`` when the LP answer misses its own certificate (value
        outside [0, 1] or primal/dual objectives apart by more than ``LP_CERT_TOL``); or
        ``"failed"`` (value NaN; the solver's words in ``message``).
    converged
        ``True`` exactly when ``status == "optimal"``.
    n_iter
        Simplex/IPM iterations reported by HiGHS (alias: ``iterations``).
    diagnostics
        ``n_sets``, ``n_variables``, ``dual_objective`` (of the LP dual), ``dual_integrality``
        (largest distance of a dual v_y from {0, 1}), ``subset_objective``
        (``p(B) + P(S(X) not in B)`` for the reported B) and ``duality_gap``.
    subset
        Optimal dual set ``B = {y : v_y > 1/2}``; ``frozenset()`` when alpha* = 1.
    plan
        ``{S: f(S, .)}``: for each draft set S (a frozenset), the accepted mass ``f(S, y)`` for
        ``y`` in ``sorted(S)`` (an array aligned with the sorted members).
    message
        HiGHS's message when the LP failed, else ``""``.
    """

    subset: frozenset[int]
    plan: Mapping[frozenset[int], np.ndarray]
    message: str = ""

    @property
    def iterations(self) -> int:
        """Alias of ``n_iter`` (the old field name, kept for one release)."""
        return self.n_iter


def _prefix_values(p: np.ndarray, q: np.ndarray, k: int, drafts: str,
                   nodes: int = WOR_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Objective ``1 + p(B_j) - P(all drafts in B_j)`` over the sorted prefixes, and the order."""
    order = prefix_order(p, q)
    p_cum = np.concatenate([[0.0], np.cumsum(p[order])])
    if drafts == "iid":
        q_cum = np.minimum(np.concatenate([[0.0], np.cumsum(q[order])]), 1.0)
        all_in = q_cum**k
    elif k == 2:
        all_in = wor_k2_prefix_all_in(q[order])
    else:
        all_in = wor_prefix_all_in(q[order], k, nodes=nodes)
    return 1.0 + p_cum - all_in, order


def _greedy_closed(p: np.ndarray, q: np.ndarray, k: int) -> tuple[float, frozenset[int]]:
    top = greedy_top(q, k)
    rest = np.ones(p.shape[0], dtype=bool)
    rest[top] = False
    q_tilde = np.where(rest, q, 0.0) / float(q[rest].sum())
    value = float(p[top].sum() + np.minimum(p[rest], q_tilde[rest]).sum())
    if value >= 1.0:
        return 1.0, frozenset()
    subset = set(top.tolist()) | set(np.flatnonzero(rest & (p < q_tilde)).tolist())
    return value, frozenset(subset)


def optimal_acceptance(target: Any, draft: Any, k: Any, *, drafts: str = "iid") -> float:
    """Exact optimal acceptance rate alpha* of K drafts.

    ``alpha* = 1 + min_B [p(B) - P(all K drafts in B)]``, with

    - ``"iid"``: ``P = q(B)^K``; the minimum is over the V + 1 prefixes of the tokens sorted by
      p/q (stable; p/q = inf where q = 0), computed with two cumulative sums;
    - ``"wor"`` (without replacement): for K = 2 the closed form
      ``P = q(B) - (1 - q(B)) sum_{x in B} q_x / (1 - q_x)``; for K >= 3 the race integral of
      :func:`~theory.speculative.draftsets.wor_prefix_all_in` (trapezoid rule in log t, 128
      nodes; accuracy ~1e-12, worst measured 1e-11 at K = 8 with a concentrated draft, checked
      against adaptive quadrature and tuple enumeration in the registered claims); minimum
      over the same prefixes (an observed, not proved, property; checked against brute force
      over subsets);
    - ``"greedy"``: the closed form ``p(T) + sum_{y not in T} min(p(y), q~(y))``, T the top-(K-1)
      tokens of q and q~ = q restricted to the rest, renormalised.

    ``k = 1`` gives ``sum(min(p, q))`` for every draft law.

    Parameters
    ----------
    target
        Target distribution p (large model), shape (V,).
    draft
        Draft distribution q (small model), shape (V,).
    k
        Number of drafts, K >= 1 (``K <= |supp q|`` for "wor" and "greedy").
    drafts
        ``"iid"``, ``"wor"`` or ``"greedy"``.

    Returns
    -------
    float
        alpha* in [0, 1].

    Notes
    -----
    Sources: SpecTr (Sun et al. 2023), Khisti et al. (2024), Hu et al. (ICLR 2025). Cost:
    O(V log V) for iid, greedy and wor with K = 2; O(K V n_nodes) for wor with K >= 3 (about
    0.3 s at V = 32,000, K = 4).
    """
    p, q = validate_pair(target, draft)
    law = as_choice(drafts, "drafts", DRAFT_LAWS)
    kk = validate_k(k, q, law)
    if kk == 1:
        return maximal_coupling_acceptance(p, q)
    if law == "greedy":
        return _greedy_closed(p, q, kk)[0]
    values, _ = _prefix_values(p, q, kk, law)
    return float(min(values.min(), 1.0))


def optimal_subset(target: Any, draft: Any, k: Any, *, drafts: str = "iid",
                   method: str = "sorted") -> tuple[float, frozenset[int]]:
    """Optimal acceptance and an optimal dual set B of the subset formula.

    ``method="sorted"`` searches the V + 1 prefixes of the p/q order (greedy: closed form);
    ``method="bruteforce"`` evaluates ``1 + p(B) - P(all drafts in B)`` on all 2^V subsets
    (V <= 16; V <= 10 for "wor", where P is summed over ordered tuples). The returned B is
    ``frozenset()`` when alpha* = 1.

    Notes
    -----
    Source: Hu et al. (ICLR 2025), subset selection. Cost O(V log V) (sorted, iid),
    O(2^V V) (bruteforce iid/greedy), O(2^V V^K) (bruteforce wor).
    """
    p, q = validate_pair(target, draft)
    law = as_choice(drafts, "drafts", DRAFT_LAWS)
    kk = validate_k(k, q, law)
    how = as_choice(method, "method", ("sorted", "bruteforce"))
    v = p.shape[0]
    if how == "sorted":
        if law == "greedy":
            return _greedy_closed(p, q, kk)
        values, order = _prefix_values(p, q, kk, law)
        j = int(np.argmin(values))
        if values[j] >= 1.0:
            return 1.0, frozenset()
        return float(values[j]), frozenset(order[:j].tolist())
    limit = 10 if law == "wor" else 16
    if v > limit:
        raise ValueError(f"target: brute force over subsets needs V <= {limit}, got V = {v}")
    masks = (np.arange(2**v)[:, None] >> np.arange(v)[None, :]) & 1
    p_b = masks @ p
    if law == "iid":
        all_in = (masks @ q) ** kk
    elif law == "greedy":
        top = greedy_top(q, kk)
        rest = np.ones(v, dtype=bool)
        rest[top] = False
        has_top = masks[:, top].all(axis=1) if top.size else np.ones(2**v, dtype=bool)
        all_in = has_top * (masks[:, rest] @ q[rest]) / float(q[rest].sum())
    else:
        all_in = np.array([wor_all_in_enumerate(q, np.flatnonzero(m), kk) for m in masks])
    values = 1.0 + p_b - all_in
    best = int(np.argmin(values))
    if values[best] >= 1.0:
        return 1.0, frozenset()
    return float(values[best]), frozenset(np.flatnonzero(masks[best]).tolist())


def optimal_acceptance_lp(target: Any, draft: Any, k: Any, *, drafts: str = "iid"
                          ) -> OptimalAcceptanceResult:
    """Optimal acceptance from the reduced LP on draft sets, solved by HiGHS.

    Primal (bipartite max-flow between draft sets and tokens)::

        max sum_S sum_{y in S} f(S, y)   s.t.  sum_{y in S} f(S, y) <= Qbar(S),
                                              sum_{S ∋ y} f(S, y) <= p(y),  f >= 0,

    dual ``min sum_S Qbar(S) u_S + sum_y p(y) v_y`` s.t. ``u_S + v_y >= 1`` (y in S), u, v >= 0;
    the optimal dual set is ``B = {y : v_y > 1/2}``. ``Qbar`` comes from :func:`draft_set_law`.

    Parameters
    ----------
    target, draft
        p and q, shape (V,).
    k
        Number of drafts K >= 1.
    drafts
        ``"iid"``, ``"wor"`` or ``"greedy"``.

    Returns
    -------
    OptimalAcceptanceResult
        value, subset, plan, status (a failed LP is reported in ``status``, value NaN).

    Notes
    -----
    An independent route for small V (K = 2 up to V ~ 1000, K = 3 up to ~60, K >= 4 up to ~20);
    HiGHS feasibility tolerance ~1e-7. Sources: SpecTr (Sun et al. 2023), Hu et al. (ICLR 2025).
    Cost: LP with ``sum_{m<=K} m C(V, m)`` variables (iid).
    """
    p, q = validate_pair(target, draft)
    law = as_choice(drafts, "drafts", DRAFT_LAWS)
    kk = validate_k(k, q, law)
    sets = draft_set_law(q, kk, drafts=law)
    res, set_of_var, token_of_var = set_lp(p, sets.members, sets.sizes, sets.prob)
    n_sets = sets.prob.shape[0]
    diag: dict[str, float] = {"n_sets": float(n_sets), "n_variables": float(set_of_var.shape[0])}
    iterations = int(getattr(res, "nit", 0) or 0)
    if res.status != 0:
        return OptimalAcceptanceResult(value=math.nan, status="failed", converged=False, n_iter=iterations,
                                       diagnostics=diag, subset=frozenset(), plan={},
                                       message=str(res.message))
    value = -float(res.fun or 0.0)
    duals = -np.asarray(res.ineqlin.marginals)
    u, v = duals[:n_sets], duals[n_sets:]
    subset = frozenset() if value >= 1.0 - 1e-9 else frozenset(np.flatnonzero(v > 0.5).tolist())
    in_b = np.zeros(p.shape[0], dtype=bool)
    in_b[list(subset)] = True
    valid = np.arange(sets.members.shape[1])[None, :] < sets.sizes[:, None]
    set_inside = np.all(~valid | in_b[np.where(valid, sets.members, 0)], axis=1)
    diag.update(
        dual_objective=float(sets.prob @ u + p @ v),
        dual_integrality=float(np.max(np.minimum(np.abs(v), np.abs(1.0 - v)))),
        subset_objective=float(p[in_b].sum() + sets.prob[~set_inside].sum()),
    )
    flows = np.maximum(res.x, 0.0)
    plan: dict[frozenset[int], np.ndarray] = {}
    bounds = np.searchsorted(set_of_var, np.arange(n_sets + 1))
    for s in range(n_sets):
        lo, hi = bounds[s], bounds[s + 1]
        plan[frozenset(token_of_var[lo:hi].tolist())] = flows[lo:hi]
    gap = abs(value - diag["dual_objective"])
    ok = -LP_CERT_TOL <= value <= 1.0 + LP_CERT_TOL and gap <= LP_CERT_TOL
    diag["duality_gap"] = gap
    return OptimalAcceptanceResult(value=value, status="optimal" if ok else "uncertified", converged=ok,
                                   n_iter=iterations, diagnostics=diag, subset=subset, plan=plan)


def _n_draft_tuples(q: np.ndarray, k: int, drafts: str) -> int:
    """Return the number of ordered draft tuples with positive probability."""
    support = int(np.count_nonzero(q > 0))
    if drafts == "greedy":
        return support - (k - 1)
    if k * math.log10(max(support, 1)) > 15:  # beyond any limit: never form the huge integer
        return 10**15
    return support**k if drafts == "iid" else math.perm(support, k)


def _draft_tuples(q: np.ndarray, k: int, drafts: str) -> tuple[np.ndarray, np.ndarray]:
    """All ordered draft tuples with positive probability and their probabilities Q(x)."""
    support = np.flatnonzero(q > 0)
    if drafts == "iid":
        tuples = np.array(list(itertools.product(support, repeat=k)), dtype=np.int64)
        return tuples, np.prod(q[tuples], axis=1)
    if drafts == "wor":
        tuples = np.array(list(itertools.permutations(support, k)), dtype=np.int64)
        qs = q[tuples]
        # Mass left before each draw: the tokens outside the tuple plus its later members,
        # summed directly (1 - sum(used) cancels for near-point drafts).
        outside = outside_mass(q, tuples, np.full(tuples.shape[0], k))
        remaining = outside[:, None] + np.cumsum(qs[:, ::-1], axis=1)[:, ::-1]
        return tuples, np.prod(qs / remaining, axis=1)
    top = greedy_top(q, k)
    rest = np.setdiff1d(support, top)
    tuples = np.column_stack([np.tile(top, (rest.shape[0], 1)), rest]).astype(np.int64)
    return tuples, q[rest] / float(q[rest].sum())


def full_lp_acceptance(target: Any, draft: Any, k: Any, *, drafts: str = "iid",
                       solver: str = "highs") -> float:
    """alpha* from the full transport problem over ordered draft tuples (SpecTr's OTM).

    ``max sum_{x,y} 1[y in x] pi(x, y)`` over couplings of Q (on tuples) and p, i.e. discrete OT
    with cost ``C(x, y) = 1 - 1[y in x]``. ``solver="highs"`` solves the LP with equality
    marginals; ``solver="emd"`` uses POT's network simplex (``ot.emd2``).

    Notes
    -----
    Source: SpecTr (Sun et al. 2023). Cost: an LP with V^(K+1) variables (iid): only for
    V^K up to ~1e4.
    """
    p, q = validate_pair(target, draft)
    law = as_choice(drafts, "drafts", DRAFT_LAWS)
    kk = validate_k(k, q, law)
    how = as_choice(solver, "solver", ("highs", "emd"))
    n_tuples = _n_draft_tuples(q, kk, law)
    if n_tuples * p.shape[0] > MAX_FULL_LP:
        raise ValueError(
            f"k: the full LP would have {n_tuples * p.shape[0]:.3g} variables (limit "
            f"{MAX_FULL_LP:.0e}); use optimal_acceptance_lp or optimal_acceptance"
        )
    tuples, weights = _draft_tuples(q, kk, law)
    hit = (tuples[:, :, None] == np.arange(p.shape[0])[None, None, :]).any(axis=1)
    cost = 1.0 - hit.astype(np.float64)
    if how == "emd":
        import ot  # POT only for this reference route: the package imports without it

        return 1.0 - float(ot.emd2(weights / weights.sum(), p / p.sum(), cost, numItermax=10_000_000))
    n, v = cost.shape
    rows = np.concatenate([np.repeat(np.arange(n), v), n + np.tile(np.arange(v), n)])
    cols = np.concatenate([np.arange(n * v), np.arange(n * v)])
    a_eq = sparse.csr_array((np.ones(2 * n * v), (rows, cols)), shape=(n + v, n * v))
    res = optimize.linprog(cost.ravel(), A_eq=a_eq,  # type: ignore[call-overload]
                           b_eq=np.concatenate([weights, p]), bounds=(0.0, None), method="highs",
                           # HiGHS presolve can declare these transport LPs infeasible when the
                           # two marginals' totals differ in the last bit; the simplex does not.
                           options={"presolve": False})
    if res.status != 0:
        raise RuntimeError(f"full LP failed: {res.message}")
    return 1.0 - float(res.fun or 0.0)


def canonical_is_k2(target: Any, draft: Any) -> float:
    """Return the best acceptance of Khisti et al.'s canonical K = 2 scheme.

    Importance sampling, then a single draft.

    From iid drafts (i, j), keep i with probability w(i, j) in [0, 1], else j; the kept token has
    law ``r(y) = sum_j q_y q_j w(y, j) + sum_i q_i q_y (1 - w(i, y))``, and single-draft sampling
    of p against r accepts ``sum_y min(p_y, r_y)``. The LP

        max sum_y t_y   s.t.  t_y <= p_y,  t_y <= r_y(w),  0 <= w <= 1

    is solved by HiGHS; it equals alpha*_iid (K = 2).

    Notes
    -----
    Source: Khisti et al. (2024), canonical decomposition. Cost: LP with V^2 + V variables.
    """
    p, q = validate_pair(target, draft)
    v = p.shape[0]
    n_w = v * v
    # t_y <= r_y  <=>  t_y - q_y sum_j q_j w(y, j) + q_y sum_i q_i w(i, y) <= q_y sum_i q_i.
    a = np.zeros((v, n_w + v))
    for y in range(v):
        a[y, n_w + y] = 1.0
        a[y, y * v: (y + 1) * v] -= q[y] * q  # w(y, j), j = 0..V-1
        a[y, np.arange(v) * v + y] += q[y] * q  # w(i, y), i = 0..V-1
    b = q * q.sum()
    bounds = [(0.0, 1.0)] * n_w + [(0.0, float(pi)) for pi in p]
    c = np.concatenate([np.zeros(n_w), -np.ones(v)])
    res = optimize.linprog(c, A_ub=a, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0:
        raise RuntimeError(f"canonical LP failed: {res.message}")
    return -float(res.fun or 0.0)
