"""Vectorised Monte Carlo of the multi-draft verification schemes.

Every scheme of :mod:`theory.speculative.schemes` (negative controls included) is simulated as it
would run in a decoder: draw the K drafts, run the verifier's accept/reject tests with uniform
variates, emit a token. Loops run over the K draft positions, never over samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from theory._result import SolverResult
from theory._rng import RngLike, as_generator
from theory._validate import as_int
from theory.speculative._common import (
    SCHEME_DRAFTS,
    accept_prob,
    normalised_residual,
    tv,
    validate_k,
    validate_pair,
    validate_scheme,
)
from theory.speculative._plans import greedy_parts, optimal_plan
from theory.speculative.draftsets import greedy_top
from theory.speculative.schemes import sequential_tables

#: Largest (rows, V) block of per-sample state held at once (rrs-wor, WOR fallback draws).
CHUNK_ELEMS = 2_000_000
#: Largest n x K block of drafts (and of (K + 1) x V verification tables) a simulation holds.
MAX_SIM_ELEMS = 20_000_000


@dataclass(frozen=True, kw_only=True)
class SimulationResult(SolverResult):
    """Monte Carlo estimate of a scheme's behaviour (follows :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        Share of samples with ``Y in S(X)`` (alias: ``acceptance``).
    status
        Always ``"monte_carlo"`` (an estimate; its error is ``acceptance_stderr``).
    converged
        Always ``True`` (the run drew every requested sample).
    n_iter
        Number of samples n (alias: ``n``).
    diagnostics
        ``acceptance_stderr``, ``tv`` and ``pvalue`` again, as floats.
    counts
        Number of samples emitting each token, shape (V,).
    acceptance_stderr
        ``sqrt(a (1 - a) / n)``.
    tv
        Total variation between ``counts / n`` and the target.
    pvalue
        Chi-square goodness-of-fit p-value of the counts against ``n * target`` on the support
        of the target (cells with expected count < 5 pooled); 0.0 if any sample hit a token
        with target probability 0.
    """

    counts: np.ndarray
    acceptance_stderr: float
    tv: float
    pvalue: float

    @property
    def acceptance(self) -> float:
        """Alias of ``value`` (the old field name, kept for one release)."""
        return self.value

    @property
    def n(self) -> int:
        """Alias of ``n_iter`` (the old field name, kept for one release)."""
        return self.n_iter


def _draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: the first index with ``cdf > u * total`` (never a zero-mass token)."""
    idx = np.searchsorted(cdf, u * cdf[-1], side="right")
    return np.minimum(idx, int(np.flatnonzero(np.diff(np.concatenate([[0.0], cdf])) > 0)[-1]))


def _draw_rows(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """One inverse-CDF draw per row of a (rows, V) array of non-negative weights."""
    cdf = np.cumsum(weights, axis=1)
    idx = (cdf <= (u * cdf[:, -1])[:, None]).sum(axis=1)
    last = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    return np.minimum(idx, last)


def _draw_from_rows(rows: np.ndarray, which: np.ndarray, rng: np.random.Generator,
                    fallback: np.ndarray) -> np.ndarray:
    """Draw one token from ``rows[which[i]]`` for every sample i (grouped by row).

    An all-zero row (a branch of probability 0, reached by rounding only) draws from ``fallback``.
    """
    out = np.empty(which.shape[0], dtype=np.int64)
    for r in np.unique(which):
        sel = which == r
        row = rows[r] if np.any(rows[r] > 0) else fallback
        out[sel] = _draw(np.cumsum(row), rng.random(int(sel.sum())))
    return out


def draw_drafts(draft: np.ndarray, k: int, n: int, drafts: str, rng: RngLike) -> np.ndarray:
    """Sample n ordered draft tuples (n, K): iid, without replacement or greedy.

    Without replacement: sequential sampling, with duplicate rejection and an exact masked fallback;
    greedy: top-(K-1) then one sample.

    ``rng`` is a seed or Generator (:func:`theory._rng.as_generator`).
    """
    gen = as_generator(rng)
    cdf = np.cumsum(draft)
    if drafts == "iid":
        return _draw(cdf, gen.random((n, k)))
    if drafts == "greedy":
        top = greedy_top(draft, k)
        rest = draft.copy()
        rest[top] = 0.0
        return np.column_stack([np.tile(top, (n, 1)), _draw(np.cumsum(rest), gen.random(n))])
    x = np.empty((n, k), dtype=np.int64)
    x[:, 0] = _draw(cdf, gen.random(n))
    for j in range(1, k):
        x[:, j] = _draw(cdf, gen.random(n))
        todo = np.flatnonzero(np.any(x[:, :j] == x[:, j: j + 1], axis=1))
        for _ in range(64):  # rejection: a draw from q conditioned on the unused tokens
            if todo.size == 0:
                break
            x[todo, j] = _draw(cdf, gen.random(todo.size))
            todo = todo[np.any(x[todo, :j] == x[todo, j: j + 1], axis=1)]
        step = max(1, CHUNK_ELEMS // draft.shape[0])
        for lo in range(0, todo.size, step):  # exact fallback for concentrated drafts
            rows = todo[lo: lo + step]
            w = np.tile(draft, (rows.size, 1))
            w[np.arange(rows.size)[:, None], x[rows, :j]] = 0.0
            x[rows, j] = _draw_rows(w, gen.random(rows.size))
    return x


def _sim_sequential(p: np.ndarray, q: np.ndarray, k: int, scheme: str, n: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """rrs, kseq, naive, rrs-dedup: iid drafts, sequential tests, residual by step count."""
    tests, residuals = sequential_tables(p, q, k, scheme)
    x = draw_drafts(q, k, n, "iid", rng)
    y = np.full(n, -1, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    for j in range(k):
        open_ = y < 0
        verified = open_.copy()
        if scheme == "rrs-dedup":
            verified &= ~np.any(x[:, :j] == x[:, j: j + 1], axis=1)
        ok = verified & (rng.random(n) < tests[steps, x[:, j]])
        y[ok] = x[ok, j]
        steps += verified & ~ok
    rest = y < 0
    if rest.any():
        y[rest] = _draw_from_rows(residuals, steps[rest], rng, p)
    return y, x


def _sim_rrs_wor(p: np.ndarray, q: np.ndarray, k: int, n: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """rrs-wor: per-sample residual and draft laws, in chunks of rows."""
    v = p.shape[0]
    y = np.empty(n, dtype=np.int64)
    x = np.empty((n, k), dtype=np.int64)
    step = max(1, CHUNK_ELEMS // v)
    for lo in range(0, n, step):
        m = min(step, n - lo)
        cur_p = np.tile(p, (m, 1))
        cur_q = np.tile(q, (m, 1))
        out = np.full(m, -1, dtype=np.int64)
        rows = np.arange(m)
        for j in range(k):
            xj = _draw_rows(cur_q, rng.random(m))
            x[lo: lo + m, j] = xj
            a = accept_prob(cur_p[rows, xj], cur_q[rows, xj])
            ok = (out < 0) & (rng.random(m) < a)
            out[ok] = xj[ok]
            cur_p = np.where((out < 0)[:, None], normalised_residual(cur_p, cur_q), cur_p)
            if j < k - 1:
                cur_q[rows, xj] = 0.0
                cur_q /= cur_q.sum(axis=1, keepdims=True)
        rest = np.flatnonzero(out < 0)
        if rest.size:
            out[rest] = _draw_rows(cur_p[rest], rng.random(rest.size))
        y[lo: lo + m] = out
    return y, x


def _sim_greedy(p: np.ndarray, q: np.ndarray, k: int, n: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    _, q_tilde, resid = greedy_parts(p, q, k)
    x = draw_drafts(q, k, n, "greedy", rng)
    last = x[:, -1]
    ok = rng.random(n) < accept_prob(p[last], q_tilde[last])
    y = np.where(ok, last, -1)
    rest = ~ok
    if rest.any():
        y[rest] = _draw(np.cumsum(resid if np.any(resid > 0) else p), rng.random(int(rest.sum())))
    return y, x


def _set_keys(sorted_padded: np.ndarray, vocab: int) -> np.ndarray:
    """Integer key of each set from its sorted members padded with -1."""
    base = np.int64(vocab + 1) ** np.arange(sorted_padded.shape[1], dtype=np.int64)
    return ((sorted_padded + 1).astype(np.int64) * base).sum(axis=1)


def _sim_optimal(p: np.ndarray, q: np.ndarray, k: int, drafts: str, n: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    members, _, prob, flows, residual = optimal_plan(p, q, k, drafts)
    v = p.shape[0]
    if (k + 1) * math.log(v + 1) > 62 * math.log(2):
        raise ValueError("k: the optimal sampler indexes draft sets by V^K keys; V^K too large")
    x = draw_drafts(q, k, n, drafts, rng)
    xs = np.sort(x, axis=1)
    dup = np.zeros_like(xs, dtype=bool)
    dup[:, 1:] = xs[:, 1:] == xs[:, :-1]
    xs = np.sort(np.where(dup, v + 1, xs), axis=1)  # distinct members first
    xs[xs == v + 1] = -1
    set_keys = _set_keys(members, v)
    order = np.argsort(set_keys)
    s = order[np.searchsorted(set_keys[order], _set_keys(xs, v))]
    cum = np.cumsum(flows[s], axis=1)
    u = rng.random(n) * prob[s]
    slot = (cum <= u[:, None]).sum(axis=1)
    accepted = slot < members.shape[1]
    y = np.full(n, -1, dtype=np.int64)
    y[accepted] = members[s[accepted], slot[accepted]]
    rest = ~accepted
    if rest.any():
        y[rest] = _draw(np.cumsum(residual), rng.random(int(rest.sum())))
    return y, x


def _chisquare_pvalue(counts: np.ndarray, p: np.ndarray) -> float:
    if np.any(counts[p == 0] > 0):
        return 0.0
    support = p > 0
    n = float(counts.sum())
    expected = n * p[support] / p[support].sum()
    observed = counts[support].astype(np.float64)
    small = expected < 5.0
    if small.any() and (~small).any():
        cells_e = np.append(expected[~small], expected[small].sum())
        cells_o = np.append(observed[~small], observed[small].sum())
        if cells_e[-1] < 5.0:  # merge a still-small pool into the smallest regular cell
            i = int(np.argmin(cells_e[:-1]))
            cells_e[i] += cells_e[-1]
            cells_o[i] += cells_o[-1]
            cells_e, cells_o = cells_e[:-1], cells_o[:-1]
        expected, observed = cells_e, cells_o
    if expected.shape[0] < 2:
        return 1.0
    return float(stats.chisquare(observed, expected).pvalue)


def simulate(scheme: str, target: Any, draft: Any, k: Any, *, n: Any,
             rng: RngLike = None) -> SimulationResult:
    """Monte Carlo run of a verification scheme: emitted-token counts, acceptance, fit to p.

    Draws n independent rounds of: K drafts (iid, without replacement or greedy, as the scheme
    requires), the scheme's verification with uniform variates, one emitted token Y. The
    acceptance is the share of rounds with ``Y in S(X)``; its standard error is
    ``sqrt(a (1 - a) / n)``. ``tv`` is ``TV(counts / n, p)`` and ``pvalue`` the chi-square
    test of the counts against ``n p`` on the support of p (tiny cells pooled).

    Parameters
    ----------
    scheme
        "rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor" or the negative controls
        "naive", "rrs-dedup".
    target, draft
        p and q, shape (V,).
    k
        Number of drafts K >= 1.
    n
        Number of rounds.
    rng
        Seed or Generator (``None``: fresh OS entropy).

    Notes
    -----
    Cost O(n K log V) for the iid schemes and greedy; O(n K V) for rrs-wor (per-sample laws,
    chunked); the optimal schemes first solve the set LP (small V). ``n * k`` and
    ``(k + 1) * V`` are limited to ``MAX_SIM_ELEMS`` (2e7) each (``ValueError`` naming k);
    split a larger n over several calls.
    """
    name = validate_scheme(scheme, negative_controls=True)
    p, q = validate_pair(target, draft)
    kk = validate_k(k, q, SCHEME_DRAFTS[name])
    nn = as_int(n, "n", min_value=1)
    if nn * kk > MAX_SIM_ELEMS or (kk + 1) * p.shape[0] > MAX_SIM_ELEMS:
        raise ValueError(
            f"k: a simulation holds n x k = {nn * kk:.3g} drafts and (k + 1) x V = "
            f"{(kk + 1) * p.shape[0]:.3g} table entries (limit {MAX_SIM_ELEMS:.0e} each); "
            "lower k or n, or split n over several calls"
        )
    gen = as_generator(rng)
    if name in ("rrs", "kseq", "naive", "rrs-dedup"):
        y, x = _sim_sequential(p, q, kk, name, nn, gen)
    elif name == "rrs-wor":
        y, x = _sim_rrs_wor(p, q, kk, nn, gen)
    elif name == "greedy":
        y, x = _sim_greedy(p, q, kk, nn, gen)
    else:
        y, x = _sim_optimal(p, q, kk, SCHEME_DRAFTS[name], nn, gen)
    counts = np.bincount(y, minlength=p.shape[0])
    acc = float(np.mean(np.any(x == y[:, None], axis=1)))
    stderr = math.sqrt(acc * (1.0 - acc) / nn)
    dist = tv(counts / nn, p)
    pvalue = _chisquare_pvalue(counts, p)
    return SimulationResult(
        value=acc, status="monte_carlo", converged=True, n_iter=nn,
        diagnostics={"acceptance_stderr": stderr, "tv": dist, "pvalue": pvalue},
        counts=counts, acceptance_stderr=stderr, tv=dist, pvalue=pvalue,
    )
