"""Monte Carlo route of :func:`theory.speculative.trees.expected_accepted`: simulated target calls.

Private part of :mod:`theory.speculative.trees`: every call walks the tree top-down, vectorised
over the calls that share a node and a context; rrs-wor keeps per-call state of O(K) numbers
(the residual's threshold and normaliser) instead of rows of V floats.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from theory.speculative._common import accept_prob, normalised_residual
from theory.speculative.markov import MarkovLM, next_state
from theory.speculative.schemes import kseq_rho

if TYPE_CHECKING:
    from theory.speculative.trees import TreeStructure

#: Monte Carlo: largest (samples, V) block of per-sample state held at once (rrs-wor).
CHUNK_ELEMS = 2_000_000


def draw_rows(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws from one cumulative row (never a zero-mass token)."""
    last = int(np.flatnonzero(np.diff(np.concatenate([[0.0], cdf])) > 0)[-1])
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), last)


def verify_group(p_row: np.ndarray, q_row: np.ndarray, k: int, scheme: str, m: int,
                  gen: np.random.Generator, cache: dict[tuple[int, int], Any], s: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Simulate one node's verification for m calls sharing context s: (accepted child or -1, token)."""
    child = np.full(m, -1, dtype=np.int64)
    token = np.zeros(m, dtype=np.int64)
    if scheme != "rrs-wor":
        key = (s, k)
        if key not in cache:
            if scheme == "kseq":
                rho, _ = kseq_rho(p_row, q_row, k)
                tests = np.tile(accept_prob(p_row, q_row, rho), (k, 1))
            elif scheme == "rrs":
                chain = [p_row]
                for _ in range(k - 1):
                    chain.append(normalised_residual(chain[-1], q_row))
                tests = accept_prob(np.array(chain), q_row[None, :])
            else:
                tests = np.tile(accept_prob(p_row, q_row), (k, 1))
            cache[key] = (np.cumsum(q_row), tests)
        cdf, tests = cache[key]
        x = draw_rows(cdf, gen.random((m, k)))
        ok = gen.random((m, k)) < tests[np.arange(k)[None, :], x]
        hit = ok.any(axis=1)
        first = np.argmax(ok, axis=1)
        child[hit] = first[hit]
        token[hit] = x[hit, first[hit]]
        return child, token
    return verify_wor(p_row, q_row, k, m, gen, cache, s)


def wor_tails(p_row: np.ndarray, q_row: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratios p/q sorted ascending (+inf where q = 0) with tail sums of p and q from each index."""
    ratio = np.full(p_row.shape[0], np.inf)
    np.divide(p_row, q_row, out=ratio, where=q_row > 0)
    order_ = np.argsort(ratio, kind="stable")
    p_tail = np.concatenate([np.cumsum(p_row[order_][::-1])[::-1], [0.0]])
    q_tail = np.concatenate([np.cumsum(q_row[order_][::-1])[::-1], [0.0]])
    return ratio[order_], p_tail, q_tail


def verify_wor(p_row: np.ndarray, q_row: np.ndarray, k: int, m: int, gen: np.random.Generator,
                cache: dict[tuple[int, int], Any], s: int) -> tuple[np.ndarray, np.ndarray]:
    """rrs-wor for m calls at one node without per-call rows of V floats.

    After rejections of the tokens R, the residual is ``p_i = (p - C q)^+ / Z`` and the draft
    ``q_i = q 1[not R] / (1 - q(R))``, with ``C_1 = 0``, ``Z = sum (p - C q)^+`` and
    ``C_{i+1} = C_i + Z_i / (1 - q(R_i))`` (a rejected token has ``p < C_{i+1} q``, so the
    masking is automatic). ``Z(C)`` is a tail sum in the p/q order: O(log V) per call and step.
    Without-replacement draws: redraw from q while the token is used (64 rounds), then an exact
    draw from the masked row (chunked) for the few calls left.
    """
    v = p_row.shape[0]
    key = (s, -1)
    if key not in cache:
        cache[key] = (np.cumsum(q_row), *wor_tails(p_row, q_row))
    cdf, r_sorted, p_tail, q_tail = cache[key]
    support = int(np.count_nonzero(q_row > 0))
    child = np.full(m, -1, dtype=np.int64)
    token = np.zeros(m, dtype=np.int64)
    used = np.zeros((m, min(k, support)), dtype=np.int64)
    big_c = np.zeros(m)
    z = np.ones(m)
    q_used = np.zeros(m)
    open_ = np.arange(m)
    for i in range(min(k, support)):
        x = draw_rows(cdf, gen.random(open_.size))
        todo = np.flatnonzero(np.any(used[open_, :i] == x[:, None], axis=1))
        for _ in range(64):
            if todo.size == 0:
                break
            x[todo] = draw_rows(cdf, gen.random(todo.size))
            todo = todo[np.any(used[open_[todo], :i] == x[todo, None], axis=1)]
        step = max(1, CHUNK_ELEMS // v)
        for lo in range(0, todo.size, step):
            rows = todo[lo: lo + step]
            w = np.tile(q_row, (rows.size, 1))
            w[np.arange(rows.size)[:, None], used[open_[rows], :i]] = 0.0
            cw = np.cumsum(w, axis=1)
            pick = (cw <= (gen.random(rows.size) * cw[:, -1])[:, None]).sum(axis=1)
            x[rows] = np.minimum(pick, v - 1 - np.argmax(w[:, ::-1] > 0, axis=1))
        used[open_, i] = x
        qx = q_row[x]
        ci, zi, left = big_c[open_], z[open_], 1.0 - q_used[open_]
        num = np.maximum(p_row[x] - ci * qx, 0.0) * left
        a = np.where(zi * qx > 0, np.minimum(1.0, num / np.where(zi * qx > 0, zi * qx, 1.0)), 1.0)
        ok = gen.random(open_.size) < a
        child[open_[ok]] = i
        token[open_[ok]] = x[ok]
        rej = open_[~ok]
        big_c[rej] = ci[~ok] + zi[~ok] / left[~ok]
        q_used[rej] += qx[~ok]
        j = np.searchsorted(r_sorted, big_c[rej], side="right")
        z[rej] = np.maximum(p_tail[j] - big_c[rej] * q_tail[j], 0.0)
        open_ = rej
        if open_.size == 0:
            break
    return child, token


def mc_accepted(p: MarkovLM, q: MarkovLM, st: TreeStructure, scheme: str, root: int, n: int,
                 gen: np.random.Generator) -> np.ndarray:
    """Return the accepted counts of n simulated target calls, vectorised over calls.

    Loops over nodes and the distinct contexts at each node.
    """
    v, order = p.vocab, p.order
    pos = np.zeros(n, dtype=np.int64)
    state = np.full(n, root, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    cache: dict[tuple[int, int], Any] = {}
    for u in range(len(st.parent)):
        sel = np.flatnonzero(pos == u)
        if sel.size == 0:
            continue
        kids = st.children[u]
        pos[sel] = -1
        if not kids:
            continue
        here = state[sel]
        for s in np.unique(here):
            g = sel[here == s]
            child, token = verify_group(p.cond[s], q.cond[s], len(kids), scheme, g.size, gen, cache, int(s))
            acc = child >= 0
            ga = g[acc]
            pos[ga] = np.asarray(kids)[child[acc]]
            state[ga] = next_state(s, token[acc], v, order)
            count[ga] += 1
    return count

