"""Small Markov language models for exact multi-token speculative decoding.

A Markov language model of order ``m >= 0`` over ``V`` symbols is a pair ``(cond, m)`` with
``cond`` of shape ``(V**m, V)``: row ``s`` is the next-token law given the last ``m`` symbols,
encoded as ``s = sum_j h_j V**(m-1-j)`` (oldest symbol most significant). A single pmf of shape
``(V,)`` is the order-0 model ``(pmf[None, :], 0)``. Appending token x to state s gives
``(s V + x) mod V**m``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from theory._rng import RngLike, as_generator
from theory._validate import as_float_array, as_int, as_positive_float, as_stochastic_matrix

#: Largest number of states ``V**m`` a model may have (the rows are held in memory).
MAX_STATES = 1_000_000


class MarkovLM(NamedTuple):
    """A validated Markov language model: ``cond`` (V**m, V) row-stochastic and its order ``m``."""

    cond: np.ndarray
    order: int

    @property
    def vocab(self) -> int:
        """Number of symbols V."""
        return int(self.cond.shape[1])

    @property
    def n_states(self) -> int:
        """Number of contexts ``V**m``."""
        return int(self.cond.shape[0])


def too_many_states(vocab: int, order: int) -> bool:
    """``V**m > MAX_STATES``, without computing a huge power first. O(1)."""
    if vocab <= 1:
        return False
    if order * math.log(vocab) > math.log(MAX_STATES) + 1.0:
        return True
    return bool(vocab ** order > MAX_STATES)


def as_markov(model: Any, name: str) -> MarkovLM:
    """Validate a model given as a pmf (order 0) or as a pair ``(cond, m)``.

    Raises ``ValueError`` naming ``name`` when the rows are not pmfs, when ``cond`` does not have
    ``V**m`` rows or when the order is not a non-negative integer.
    """
    if isinstance(model, tuple) and len(model) == 2 and not np.isscalar(model[0]):
        cond_in, order_in = model  # also a MarkovLM: a NamedTuple validates nothing when built
        order = as_int(order_in, f"{name} order", min_value=0)
    else:
        cond_in, order = model, 0
    arr = as_float_array(cond_in, name)
    if arr.ndim == 1:
        arr = arr[None, :]
    cond = as_stochastic_matrix(arr, name)
    if cond.ndim != 2:
        raise ValueError(f"{name}: expected a pmf (V,) or a pair (cond (V**m, V), m), got shape {cond.shape}")
    vocab = cond.shape[1]
    if too_many_states(vocab, order):
        raise ValueError(f"{name}: V**m = {vocab}**{order} exceeds {MAX_STATES} contexts")
    if cond.shape[0] != vocab ** order:
        raise ValueError(
            f"{name}: an order-{order} model over V={vocab} symbols needs {vocab ** order} rows "
            f"(one per context), got {cond.shape[0]}"
        )
    return MarkovLM(cond, order)


def as_markov_pair(target: Any, draft: Any) -> tuple[MarkovLM, MarkovLM]:
    """Validate ``(target, draft)``: same vocabulary and same order (``ValueError`` otherwise)."""
    p = as_markov(target, "target")
    q = as_markov(draft, "draft")
    if q.vocab != p.vocab:
        raise ValueError(f"draft: expected the target's vocabulary V={p.vocab}, got V={q.vocab}")
    if q.order != p.order:
        raise ValueError(
            f"draft: expected the target's order m={p.order}, got m={q.order}; lift the lower-order "
            "model to the higher order (repeat its rows) first"
        )
    return p, q


def next_state(state: Any, token: Any, vocab: int, order: int) -> np.ndarray:
    """Context after appending ``token`` to ``state``: ``(state V + token) mod V**m`` (0 if m = 0)."""
    s = np.asarray(state, dtype=np.int64)
    x = np.asarray(token, dtype=np.int64)
    if order == 0:
        return np.zeros(np.broadcast_shapes(s.shape, x.shape), dtype=np.int64)
    return (s * vocab + x) % (vocab ** order)


def context_state(context: Sequence[int] | None, vocab: int, order: int) -> int:
    """State index of the last ``m`` tokens of ``context`` (``None``: the context of m zeros)."""
    if context is None:
        return 0
    toks = [as_int(t, "context", min_value=0, max_value=vocab - 1) for t in context]
    if len(toks) < order:
        raise ValueError(f"context: an order-{order} model needs at least {order} tokens, got {len(toks)}")
    state = 0
    for t in toks[len(toks) - order:] if order else []:
        state = state * vocab + t
    return state


def path_law(model: MarkovLM, length: int) -> np.ndarray:
    """Law of the next ``length`` tokens from every context, shape (V**m, V**length).

    Column index ``sum_t x_t V**(length-1-t)`` (first token most significant). Cost
    O(V**m V**length length).
    """
    vocab, order = model.vocab, model.order
    states = np.arange(model.n_states)
    law = np.ones((model.n_states, 1))
    last = states[:, None]  # state after the tokens of each column so far
    for _ in range(length):
        step = model.cond[last]  # (S, C, V)
        law = (law[:, :, None] * step).reshape(model.n_states, -1)
        last = next_state(last[:, :, None], np.arange(vocab)[None, None, :], vocab, order).reshape(
            model.n_states, -1)
    return law


def stationary_states(model: MarkovLM) -> np.ndarray:
    """Return a stationary law of the context chain (power iteration from uniform, 10,000 steps max)."""
    if model.order == 0:
        return np.ones(1)
    vocab, order = model.vocab, model.order
    nxt = next_state(np.arange(model.n_states)[:, None], np.arange(vocab)[None, :], vocab, order)
    pi = np.full(model.n_states, 1.0 / model.n_states)
    for _ in range(10_000):
        new = np.bincount(nxt.ravel(), weights=(pi[:, None] * model.cond).ravel(), minlength=model.n_states)
        new = 0.5 * (new + pi)  # lazy chain: converges also for periodic chains
        if np.abs(new - pi).sum() < 1e-15:
            return new
        pi = new
    return pi


def random_markov_pair(vocab: int, order: int, rng: RngLike = None, *, concentration: float = 0.5,
                       noise: float = 1.0) -> tuple[tuple[np.ndarray, int], tuple[np.ndarray, int]]:
    """Return a random (target, draft) pair of order-``m`` models over ``vocab`` symbols.

    Target rows ~ Dirichlet(concentration); draft rows = softmax(log target row + noise * N(0, 1))
    (with a floor of 1e-12 on the target inside the log), so the draft is a perturbed target.
    Returns ``((cond_p, m), (cond_q, m))``.
    """
    v = as_int(vocab, "vocab", min_value=1)
    m = as_int(order, "order", min_value=0)
    if too_many_states(v, m) or v ** m * v > MAX_STATES * 10:
        raise ValueError(f"vocab, order: V**m = {v}**{m} contexts x V symbols exceed {MAX_STATES} contexts "
                         f"or {MAX_STATES * 10} entries")
    conc = as_positive_float(concentration, "concentration")
    sigma = as_positive_float(noise, "noise", allow_zero=True)
    gen = as_generator(rng)
    p = gen.dirichlet(np.full(v, conc), size=v ** m)
    logits = np.log(np.maximum(p, 1e-12)) + sigma * gen.standard_normal(p.shape)
    q = np.exp(logits - logits.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    return (p, m), (q, m)
