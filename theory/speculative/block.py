"""Block verification of a single draft chain, exact on Markov language models.

After Sun et al. 2024, "Block verification accelerates speculative decoding".

Rule (our reconstruction; its losslessness is checked by exact enumeration, not taken from the
paper): the draft X_1..X_L ~ q is scored jointly. With ``w_0 = 1`` and
``w_i = min(1, w_{i-1} p(X_i | X_<i) / q(X_i | X_<i))``, the residual mass at position i is
``r_i(x) = (w_i p(x | X_<=i) - q(x | X_<=i))^+`` with total ``R_i``, and

    h_i = R_i / (R_i + 1 - w_i)   (i < L),        h_L = w_L.

With independent ``eta_i ~ U(0, 1)``, ``tau = max{i >= 1 : eta_i <= h_i}`` (0 if none) tokens are
accepted and one more token is drawn from ``r_tau / R_tau`` (``p(. | X)`` when tau = L). Token-wise
verification instead stops at the first failed test. Measured: the emitted law equals the
target's (TV <= 1e-15) and E[tau] >= the token-wise value on every instance tried (claims).
"""

from __future__ import annotations

import itertools

import numpy as np

from theory._rng import RngLike, as_generator
from theory.speculative.markov import MarkovLM, next_state

#: Exact route: largest ``V**L * V`` (draft chains times tokens).
MAX_BLOCK_ELEMS = 20_000_000


def _chain_tables(p: MarkovLM, q: MarkovLM, x: np.ndarray, root: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For chains x (N, L): contexts (N, L+1), weights w (N, L+1), h (N, L+1), residuals (N, L+1, V)."""
    n, length = x.shape
    v, order = p.vocab, p.order
    states = np.empty((n, length + 1), dtype=np.int64)
    states[:, 0] = root
    for i in range(length):
        states[:, i + 1] = next_state(states[:, i], x[:, i], v, order)
    w = np.ones((n, length + 1))
    for i in range(length):
        qx = q.cond[states[:, i], x[:, i]]
        px = p.cond[states[:, i], x[:, i]]
        ratio = np.divide(px, qx, out=np.ones_like(px), where=qx > 0)
        w[:, i + 1] = np.minimum(1.0, w[:, i] * ratio)
    h = np.zeros((n, length + 1))
    resid = np.empty((n, length + 1, v))
    for i in range(length):
        r = np.maximum(w[:, i, None] * p.cond[states[:, i]] - q.cond[states[:, i]], 0.0)
        tot = r.sum(axis=1)
        resid[:, i] = np.divide(r, tot[:, None], out=np.zeros_like(r), where=tot[:, None] > 0)
        den = tot + 1.0 - w[:, i]
        h[:, i] = np.divide(tot, den, out=np.zeros_like(tot), where=den > 0)
    h[:, length] = w[:, length]
    resid[:, length] = p.cond[states[:, length]]
    return states, w, h, resid


def _tau_law(h: np.ndarray) -> np.ndarray:
    """P(tau = i | chain), i = 0..L, for tau = max{i >= 1 : eta_i <= h_i} (0 if none)."""
    n, width = h.shape
    out = np.zeros((n, width))
    tail = np.ones(n)
    for i in range(width - 1, 0, -1):
        out[:, i] = h[:, i] * tail
        tail = tail * (1.0 - h[:, i])
    out[:, 0] = tail
    return out


def _all_chains(p: MarkovLM, q: MarkovLM, length: int, root: int) -> tuple[np.ndarray, np.ndarray]:
    v = p.vocab
    if float(v) ** length * v > MAX_BLOCK_ELEMS:
        raise ValueError(
            f"tree: exact block verification enumerates V**L = {v}**{length} chains "
            f"(limit {MAX_BLOCK_ELEMS:.0e} with V); use method='mc'"
        )
    x = np.array(list(itertools.product(range(v), repeat=length)), dtype=np.int64).reshape(-1, length)
    prob = np.ones(x.shape[0])
    state = np.full(x.shape[0], root, dtype=np.int64)
    for i in range(length):
        prob *= q.cond[state, x[:, i]]
        state = next_state(state, x[:, i], v, q.order)
    keep = prob > 0
    return x[keep], prob[keep]


def block_accepted_law(p: MarkovLM, q: MarkovLM, length: int, root: int) -> np.ndarray:
    """Exact P(tau = i), i = 0..L, by enumeration of the V**L draft chains. O(V**L L V)."""
    if length == 0:
        return np.ones(1)
    x, prob = _all_chains(p, q, length, root)
    _, _, h, _ = _chain_tables(p, q, x, root)
    return prob @ _tau_law(h)


def block_emitted_law(p: MarkovLM, q: MarkovLM, length: int, root: int, cont: dict[int, np.ndarray]
                      ) -> np.ndarray:
    """Return the exact law of (X_1..X_tau, Y) continued by the target to L + 1 tokens.

    ``cont[r]`` is the target's law of r tokens from every context, shape (S, V**r).
    """
    v, order = p.vocab, p.order
    total = length + 1
    law = np.zeros(v ** total)
    if length == 0:
        return cont[1][root].copy()
    x, prob = _all_chains(p, q, length, root)
    states, _, h, resid = _chain_tables(p, q, x, root)
    tau = _tau_law(h)
    for i in range(length + 1):
        prefix = x[:, :i] @ (v ** np.arange(i - 1, -1, -1, dtype=np.int64))  # 0 when i = 0
        rest = total - i - 1
        for y in range(v):
            weight = prob * tau[:, i] * resid[:, i, y]
            after = next_state(states[:, i], y, v, order)
            block = weight[:, None] * cont[rest][after]
            start = (prefix * v + y) * v ** rest
            np.add.at(law, (start[:, None] + np.arange(v ** rest)[None, :]).ravel(), block.ravel())
    return law


def block_mc(p: MarkovLM, q: MarkovLM, length: int, root: int, n: int, rng: RngLike = None, *,
             chunk: int) -> np.ndarray:
    """Return the accepted counts tau of n simulated calls (chunks of calls; rows of V floats per call).

    ``rng`` is a seed or Generator (:func:`theory._rng.as_generator`).
    """
    gen = as_generator(rng)
    v = p.vocab
    out = np.empty(n, dtype=np.int64)
    if length == 0:
        out[:] = 0
        return out
    cdf = np.cumsum(q.cond, axis=1)
    step = max(1, chunk // (v * (length + 1)))
    for lo in range(0, n, step):
        c = min(step, n - lo)
        x = np.empty((c, length), dtype=np.int64)
        state = np.full(c, root, dtype=np.int64)
        for i in range(length):
            u = gen.random(c) * cdf[state, -1]
            x[:, i] = (cdf[state] <= u[:, None]).sum(axis=1)
            x[:, i] = np.minimum(x[:, i], v - 1 - np.argmax(q.cond[state][:, ::-1] > 0, axis=1))
            state = next_state(state, x[:, i], v, q.order)
        _, _, h, _ = _chain_tables(p, q, x, root)
        eta = gen.random((c, length))
        hit = eta <= h[:, 1:]
        out[lo: lo + c] = np.where(hit.any(axis=1), length - np.argmax(hit[:, ::-1], axis=1), 0)
    return out
