"""A toy mixture-of-experts router by sparsity-constrained OT ("experts choose tokens").

As in the official V-MoE code (google-research/vmoe, ``ksparse_projection_routing.py``): for a
group of S tokens and E experts, the cost is ``C = -softmax(gate_logits)`` (per token over
experts), ``gamma = 1``, marginals ``a = 1`` per token and ``b_j = S/E`` per expert, and each
expert (a column) keeps at most ``k = capacity`` tokens, ``capacity = ceil(S * cf / E)`` rounded
up to a multiple of 4. "Tokens choose experts" is the row-sparse problem with ``k`` experts per
token. Here the semi-dual is solved exactly by :func:`solve_sparse_ot` (the official code runs a
few Adam steps). Combine weights are the softmax gates on the dispatched entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.special import softmax

from theory._validate import as_choice, as_float_array, as_int, as_positive_float
from theory.sparse_ot.solver import SparseOTResult, solve_sparse_ot


def _dispatch(sol: SparseOTResult) -> np.ndarray:
    """Return the certified plan when the run is optimal (feasible, k-sparse, gap <= tol).

    Else the recovered plan (at a tie the gradient map may pick an infeasible element).
    """
    if sol.status == "optimal" and sol.polished_plan is not None:
        return sol.polished_plan
    return sol.plan


def compute_capacity(n_tokens: int, n_experts: int, capacity_factor: float, multiple_of: int = 4) -> int:
    """Tokens per expert: ``ceil(S * cf / E)`` rounded up to a multiple of ``multiple_of``, at most S."""
    S = as_int(n_tokens, "n_tokens", min_value=1)
    E = as_int(n_experts, "n_experts", min_value=1)
    cf = as_positive_float(capacity_factor, "capacity_factor")
    q = as_int(multiple_of, "multiple_of", min_value=1)
    # Exact rational arithmetic: S * cf overflowed a float for huge cf or S (OverflowError).
    cap = math.ceil(Fraction(cf) * S / E)
    return int(min(S, q * -(-cap // q)))


@dataclass(frozen=True)
class RouterResult:
    """Routing of S tokens to E experts.

    ``dispatch`` (S, E) the transport plan (the certified plan when the solve is ``"optimal"``,
    else the recovered one; a 0/1 top-k mask for ``"softmax-topk"``),
    ``combine`` (S, E) softmax gates on the dispatched entries, ``stats`` the load statistics of
    :func:`load_statistics`, ``solution`` the underlying :class:`SparseOTResult` (None for top-k).
    """

    dispatch: np.ndarray
    combine: np.ndarray
    k: int
    method: str
    stats: dict[str, float]
    solution: SparseOTResult | None


def load_statistics(dispatch: object, *, capacity: int | None = None) -> dict[str, float]:
    """Nonzeros per expert and per token (min/max/mean), dropped tokens, marginal errors.

    ``dropped_tokens`` = fraction of tokens routed to no expert; ``overflow_experts`` = fraction
    of experts above ``capacity``; ``row_error``/``col_error`` = ``max |T 1 - 1|`` and
    ``max |T^T 1 - S/E|`` (the OT marginals).
    """
    D = as_float_array(dispatch, "dispatch", ndim=2)
    S, E = D.shape
    per_expert = np.count_nonzero(D > 0, axis=0)
    per_token = np.count_nonzero(D > 0, axis=1)
    out = {
        "expert_nnz_min": float(per_expert.min()), "expert_nnz_max": float(per_expert.max()),
        "expert_nnz_mean": float(per_expert.mean()),
        "token_nnz_min": float(per_token.min()), "token_nnz_max": float(per_token.max()),
        "token_nnz_mean": float(per_token.mean()),
        "dropped_tokens": float(np.mean(per_token == 0)),
        "row_error": float(np.max(np.abs(D.sum(axis=1) - 1.0))),
        "col_error": float(np.max(np.abs(D.sum(axis=0) - S / E))),
    }
    if capacity is not None:
        out["overflow_experts"] = float(np.mean(per_expert > capacity))
    return out


def route(gate_logits: object, *, method: str = "experts-choose", capacity_factor: float = 1.0,
          num_selected: int = 1, gamma: float = 1.0) -> RouterResult:
    """Route tokens to experts.

    Parameters
    ----------
    gate_logits
        (S, E) router logits of one group.
    method
        ``"experts-choose"`` (column-sparse OT, each expert takes at most ``capacity`` tokens),
        ``"tokens-choose"`` (row-sparse OT, each token at most ``num_selected`` experts) or
        ``"softmax-topk"`` (the usual top-k of the gates per token, no balancing).
    capacity_factor
        ``cf`` in ``capacity = ceil(S cf / E)`` rounded up to a multiple of 4.
    num_selected
        Experts per token for ``"tokens-choose"`` and ``"softmax-topk"``.
    gamma
        Quadratic regularisation (1 in the official code).

    Cost: one :func:`solve_sparse_ot` on an (S, E) problem.
    """
    L = as_float_array(gate_logits, "gate_logits", ndim=2)
    meth = as_choice(method, "method", ("experts-choose", "tokens-choose", "softmax-topk"))
    S, E = L.shape
    cap = compute_capacity(S, E, capacity_factor)
    sel = min(as_int(num_selected, "num_selected", min_value=1), E)
    gates = softmax(L, axis=1)
    a, b = np.ones(S), np.full(E, S / E)
    sol: SparseOTResult | None = None
    if meth == "experts-choose":
        sol = solve_sparse_ot(a, b, -gates, k=cap, gamma=gamma)
        dispatch, k = _dispatch(sol), cap
    elif meth == "tokens-choose":
        sol = solve_sparse_ot(a, b, -gates, k=sel, gamma=gamma, sparsity="row")
        dispatch, k = _dispatch(sol), sel
    else:
        top = np.argpartition(-gates, sel - 1, axis=1)[:, :sel]
        dispatch = np.zeros_like(gates)
        np.put_along_axis(dispatch, top, 1.0, axis=1)
        k = sel
    combine = np.where(dispatch > 0, gates, 0.0)
    stats: dict[str, Any] = load_statistics(dispatch, capacity=cap)
    return RouterResult(dispatch, combine, k, meth, stats, sol)
