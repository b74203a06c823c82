"""Plans shared by the exact schemes and the simulator: the set LP and the greedy draft split.

Private helpers of :mod:`theory.speculative.optimal`, :mod:`theory.speculative.schemes` and
:mod:`theory.speculative.montecarlo`: the reduced LP on draft sets (bipartite max-flow between
draft sets S with mass Qbar(S) and tokens y with capacity p(y); Hu et al., ICLR 2025), solved by
HiGHS, and the split of the greedy draft (Hu et al.) into its top tokens and residual draw.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse

from theory.speculative._common import normalised_residual
from theory.speculative.draftsets import draft_set_law, greedy_top


def set_lp(p: np.ndarray, members: np.ndarray, sizes: np.ndarray, prob: np.ndarray
           ) -> tuple[optimize.OptimizeResult, np.ndarray, np.ndarray]:
    """Solve max sum f s.t. per-set mass <= Qbar(S), per-token mass <= p(y), f >= 0 (HiGHS)."""
    n_sets, width = members.shape
    valid = np.arange(width)[None, :] < sizes[:, None]
    set_of_var, slot = np.nonzero(valid)
    token_of_var = members[set_of_var, slot]
    n_var = set_of_var.shape[0]
    cols = np.concatenate([np.arange(n_var), np.arange(n_var)])
    rows = np.concatenate([set_of_var, n_sets + token_of_var])
    a_ub = sparse.csr_array((np.ones(2 * n_var), (rows, cols)), shape=(n_sets + p.shape[0], n_var))
    b_ub = np.concatenate([prob, p])
    # scipy-stubs omit sparse constraint matrices, which HiGHS accepts.
    res = optimize.linprog(-np.ones(n_var), A_ub=a_ub, b_ub=b_ub,  # type: ignore[call-overload]
                           bounds=(0.0, None), method="highs")
    return res, set_of_var, token_of_var


def optimal_plan(p: np.ndarray, q: np.ndarray, k: int, drafts: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Set LP plan: (members, sizes, Qbar, flows (n_sets, K) aligned with members, residual)."""
    sets = draft_set_law(q, k, drafts=drafts)
    res, set_of_var, token_of_var = set_lp(p, sets.members, sets.sizes, sets.prob)
    if res.status != 0:
        raise RuntimeError(f"set LP failed: {res.message}")
    flows = np.zeros(sets.members.shape)
    valid = np.arange(sets.members.shape[1])[None, :] < sets.sizes[:, None]
    _, slot = np.nonzero(valid)
    flows[set_of_var, slot] = np.maximum(res.x, 0.0)
    # Rounding of the LP: never accept more than Qbar(S).
    over = flows.sum(axis=1) / np.maximum(sets.prob, 1e-300)
    flows /= np.maximum(over, 1.0)[:, None]
    accepted = np.bincount(token_of_var, weights=flows[set_of_var, slot], minlength=p.shape[0])
    residual = np.maximum(p - accepted, 0.0)
    tot = residual.sum()
    # A zero residual is reached with probability 0 (up to LP rounding): emit p there.
    residual = residual / tot if tot > 0 else p.copy()
    return sets.members, sets.sizes, sets.prob, flows, residual


def greedy_parts(p: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy drafts: T = top-(K-1) tokens of q, q~ = q restricted to the rest, and norm((p - q~)^+)."""
    top = greedy_top(q, k)
    rest = np.ones(p.shape[0], dtype=bool)
    rest[top] = False
    q_tilde = np.where(rest, q, 0.0) / float(q[rest].sum())
    return top, q_tilde, normalised_residual(p, q_tilde)
