"""Single-draft speculative decoding: the maximal coupling of draft and target.

With one draft token ``X ~ q`` and a verifier that must emit ``Y ~ p`` exactly, the largest
achievable acceptance probability ``P(Y = X)`` over all couplings of ``(q, p)`` is

    alpha*(K=1) = sum_v min(p_v, q_v) = 1 - TV(p, q),

attained by standard speculative sampling (accept ``x`` with probability ``min(1, p_x / q_x)``,
otherwise resample from ``(p - q)_+ / ||(p - q)_+||_1``). Equivalently it is
``1 - min_{pi in Pi(q, p)} <pi, 1 - I>``: an optimal-transport problem with the 0-1 cost
(SpecTr, Sun et al. 2023, Sec. 2).
"""

from __future__ import annotations

import numpy as np

from theory._validate import as_pmf


def maximal_coupling_acceptance(target: np.ndarray, draft: np.ndarray) -> float:
    """Optimal single-draft acceptance rate ``sum_v min(p_v, q_v)``. Cost O(V).

    Parameters
    ----------
    target
        Target distribution p over the vocabulary, shape (V,), summing to 1.
    draft
        Draft distribution q, shape (V,), summing to 1.
    """
    p = as_pmf(target, "target")
    q = as_pmf(draft, "draft", size=p.shape[0])
    return float(np.minimum(p, q).sum())
