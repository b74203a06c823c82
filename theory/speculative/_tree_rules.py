"""Exact one-node verification rules of the tree schemes, for every context of a Markov model.

Private part of :mod:`theory.speculative.trees` (which re-exports :func:`node_rule`): the
acceptance masses ``W[s, i, x]`` of each child and the emission mass ``R[s, y]`` after all
rejections, for the iid schemes (SpecInfer's rrs, SpecTr's K-SEQ, the lossy controls) and for
rrs-wor by a recursion over ordered rejected prefixes.
"""

from __future__ import annotations

import math

import numpy as np

from theory.speculative._common import accept_prob, normalised_residual
from theory.speculative.markov import MarkovLM
from theory.speculative.schemes import kseq_residual, kseq_rho

#: Exact route: largest ``V**m * V`` (rows of a node rule) and, for rrs-wor, largest
#: ``V**m * perm(V, K - 1) * V`` (ordered rejected prefixes held at once).
MAX_EXACT_ELEMS = 20_000_000


def rule_iid(p: np.ndarray, q: np.ndarray, k: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (W, R) of an iid scheme for every state.

    W (S, k, V) acceptance mass of child i with x, R (S, V) emission mass after all k rejections. O(S k
    V).
    """
    s, v = p.shape
    w = np.zeros((s, k, v))
    surv = np.ones(s)
    if scheme == "kseq":
        rho_beta = [kseq_rho(p[r], q[r], k) for r in range(s)]
        pass_mass = np.stack([np.minimum(q[r], p[r] / rb[0]) for r, rb in enumerate(rho_beta)])
        beta = np.array([rb[1] for rb in rho_beta])
        for i in range(k):
            w[:, i] = surv[:, None] * pass_mass
            surv = surv * (1.0 - beta)
        resid = np.stack([kseq_residual(p[r], q[r], k, rb[0], rb[1]) for r, rb in enumerate(rho_beta)])
        return w, surv[:, None] * resid
    if scheme in ("naive", "target-resample"):
        pass_mass = np.minimum(p, q)
        beta = pass_mass.sum(axis=1)
        for i in range(k):
            w[:, i] = surv[:, None] * pass_mass
            surv = surv * (1.0 - beta)
        resid = normalised_residual(p, q) if scheme == "naive" else p
        return w, surv[:, None] * resid
    cur = p
    for i in range(k):  # rrs
        pass_mass = np.minimum(cur, q)
        w[:, i] = surv[:, None] * pass_mass
        surv = surv * (1.0 - pass_mass.sum(axis=1))
        cur = normalised_residual(cur, q)
    return w, surv[:, None] * cur


def rule_wor(p: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(W, R) of rrs-wor by a batched recursion over ordered rejected prefixes. O(S perm(V,k-1) V)."""
    s, v = p.shape
    w = np.zeros((s, k, v))
    r_mass = np.zeros((s, v))
    origin = np.arange(s)
    weight = np.ones(s)
    cur_p, cur_q = p.copy(), q.copy()
    for i in range(k):
        empty = cur_q.sum(axis=1) <= 0.0  # support exhausted: the remaining children draw nothing
        if np.any(empty):
            np.add.at(r_mass, origin[empty], weight[empty, None] * cur_p[empty])
            keep = ~empty
            origin, weight, cur_p, cur_q = origin[keep], weight[keep], cur_p[keep], cur_q[keep]
        a = accept_prob(cur_p, cur_q)
        np.add.at(w[:, i], origin, weight[:, None] * cur_q * a)
        rejected = weight[:, None] * cur_q * (1.0 - a)
        nxt_p = normalised_residual(cur_p, cur_q)
        if i == k - 1:
            np.add.at(r_mass, origin, rejected.sum(axis=1)[:, None] * nxt_p)
            break
        row, tok = np.nonzero(rejected > 0)
        origin, weight, cur_p = origin[row], rejected[row, tok], nxt_p[row]
        cur_q = cur_q[row].copy()
        cur_q[np.arange(tok.shape[0]), tok] = 0.0
        tot = cur_q.sum(axis=1, keepdims=True)
        cur_q = np.divide(cur_q, tot, out=np.zeros_like(cur_q), where=tot > 0)
    return w, r_mass


def node_rule(target: MarkovLM, draft: MarkovLM, k: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact one-node verification rule of ``scheme`` with ``k`` children, for every context.

    Returns ``(W, R)``: ``W[s, i, x]`` = P(child i is accepted with token x | context s) and
    ``R[s, y]`` = P(all children rejected and y emitted | s). Lossless schemes have
    ``W.sum(1) + R = p(. | s)``.
    """
    v = target.vocab
    if scheme == "rrs-wor":
        support = int(np.count_nonzero(draft.cond > 0, axis=1).max())
        size = target.n_states * math.perm(support, max(min(k, support) - 1, 0)) * v
        if size > MAX_EXACT_ELEMS:
            raise ValueError(
                f"tree: rrs-wor with {k} children needs V**m * perm(V, k-1) * V = {size} > "
                f"{MAX_EXACT_ELEMS:.0e} exact states; use method='mc'"
            )
        return rule_wor(target.cond, draft.cond, k)
    return rule_iid(target.cond, draft.cond, k, scheme)
