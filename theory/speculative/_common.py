"""Input validation and small numeric helpers shared by the speculative-decoding modules.

Convention: ``target`` = p (the large model), ``draft`` = q (the small model).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from theory._validate import as_choice, as_int, as_pmf

#: Draft laws understood by :func:`theory.speculative.optimal_acceptance`.
DRAFT_LAWS: tuple[str, ...] = ("iid", "wor", "greedy")
#: Lossless verification schemes with an exact acceptance rate.
SCHEMES: tuple[str, ...] = ("rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor")
#: Deliberately lossy schemes, kept as negative controls.
NEGATIVE_CONTROLS: tuple[str, ...] = ("naive", "rrs-dedup")
#: How each scheme draws its K drafts.
SCHEME_DRAFTS: dict[str, str] = {
    "rrs": "iid", "rrs-wor": "wor", "kseq": "iid", "greedy": "greedy", "optimal": "iid",
    "optimal-wor": "wor", "naive": "iid", "rrs-dedup": "iid",
}
#: Largest V**k that exact enumeration accepts.
MAX_ENUMERATION = 10**6


def validate_pair(target: Any, draft: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``(target, draft)``: 1-d pmfs of equal length (``ValueError`` names the argument)."""
    p = as_pmf(target, "target")
    q = as_pmf(draft, "draft")
    if q.shape[0] != p.shape[0]:
        raise ValueError(
            f"draft: expected the target's length {p.shape[0]} (one entry per token), got {q.shape[0]}"
        )
    return p, q


def validate_k(k: Any, q: np.ndarray, drafts: str) -> int:
    """Validate the number of drafts; without-replacement and greedy drafts need ``k <= |supp q|``."""
    kk = as_int(k, "k", min_value=1)
    if drafts in ("wor", "greedy"):
        support = int(np.count_nonzero(q > 0))
        if kk > support:
            raise ValueError(
                f"k: {drafts!r} drafts need k <= |supp draft| = {support} distinct tokens, got k={kk}"
            )
    return kk


def validate_scheme(scheme: Any, *, negative_controls: bool) -> str:
    """Validate a scheme name (the negative controls only where they are allowed)."""
    choices = SCHEMES + NEGATIVE_CONTROLS if negative_controls else SCHEMES
    return as_choice(scheme, "scheme", choices)


def ratio(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Likelihood ratio p/q with p/q = +inf where q = 0 and 0 where p = 0 < q."""
    out = np.full(np.broadcast_shapes(p.shape, q.shape), np.inf)
    with np.errstate(over="ignore"):  # p/q overflows to +inf only when q is subnormal: right limit
        np.divide(p, q, out=out, where=q > 0)
    return out


def accept_prob(p: np.ndarray, q: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``min(1, p / (scale q))`` elementwise (1 where q = 0)."""
    return np.minimum(1.0, ratio(p, scale * q))


def normalised_residual(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``norm((p - q)^+)`` along the last axis; an all-zero residual stays zero (never reached)."""
    r = np.maximum(p - q, 0.0)
    tot = r.sum(axis=-1, keepdims=True)
    return np.divide(r, tot, out=np.zeros_like(r), where=tot > 0)


def prefix_order(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Tokens sorted by p/q ascending (stable), with the tokens p = q = 0 last."""
    r = ratio(p, q)
    both_zero = (p == 0) & (q == 0)
    return np.lexsort((np.arange(p.shape[0]), r, both_zero))


def check_enumeration_size(vocab: int, k: int) -> None:
    """Refuse exact enumeration beyond ``V**k > 10**6``."""
    if k * math.log10(max(vocab, 1)) > math.log10(MAX_ENUMERATION) + 1e-12:
        raise ValueError(
            f"k: exact enumeration needs V**k <= {MAX_ENUMERATION:.0e}, got V={vocab}, k={k}; "
            "use simulate() for larger sizes"
        )


def tv(a: np.ndarray, b: np.ndarray) -> float:
    """Total variation distance ``0.5 * sum |a - b|``."""
    return 0.5 * float(np.abs(a - b).sum())
