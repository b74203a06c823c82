"""Check anyone's tree verifier for losslessness by simulation.

A *verifier* is a callable ``verifier(tree, tokens, target_probs, draft_probs, rng) -> tokens``:

- ``tree``: the draft tree (nested tuples); nodes are numbered in preorder, the root context is 0
  (see :func:`theory.speculative.tree_structure` for parents, children and sibling positions);
- ``tokens``: int array (n_nodes + 1,), ``tokens[j]`` = the token drafted at node j
  (``tokens[0] = -1``; ``-1`` also marks a child left undrafted because the without-replacement
  draft ran out of tokens);
- ``target_probs``, ``draft_probs``: arrays (n_nodes + 1, V); row j = p(. | context + path to j)
  and q(. | context + path to j), the conditionals *after* node j's token (row 0: at the root);
- ``rng``: a numpy Generator to draw from.

It returns the tokens the target call emits: the accepted draft tokens followed by one more token
(length 1 .. height + 1). :func:`check_lossless` drafts the tree from ``draft`` (iid or without
replacement among siblings), calls the verifier ``n`` times, continues every emitted sequence with
the target up to ``height + 1`` tokens and compares the counts with the target's law of
``height + 1`` tokens. :func:`tree_verifier` gives this package's verifiers in that form, negative
controls included.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from theory._result import SolverResult
from theory._rng import RngLike, as_generator
from theory._validate import as_choice, as_int, as_positive_float
from theory.speculative._common import normalised_residual
from theory.speculative.markov import as_markov_pair, context_state, next_state, path_law
from theory.speculative.schemes import kseq_residual, kseq_rho
from theory.speculative.trees import TreeStructure, tree_structure

Verifier = Callable[[tuple, np.ndarray, np.ndarray, np.ndarray, np.random.Generator], Sequence[int]]

#: Largest number of cells ``V**(height + 1)`` of the sequence law that :func:`check_lossless` tests.
MAX_CELLS = 1_000_000
#: Largest number of verifier calls (one Python call per simulated target call) of one run.
MAX_SAMPLES = 5_000_000
#: Largest number of int64 entries (calls x (2 (nodes + 1) + height + 1)) held for the calls.
MAX_CALL_CELLS = 100_000_000
#: Verifiers of :func:`tree_verifier`.
VERIFIERS: tuple[str, ...] = ("rrs", "rrs-wor", "kseq", "block", "naive", "rrs-dedup", "target-resample")


def _sample(row: np.ndarray, rng: np.random.Generator) -> int:
    """One inverse-CDF draw from a non-negative row (never a zero-mass token)."""
    cdf = np.cumsum(row)
    i = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), row.shape[0] - 1)
    while row[i] <= 0:  # only past the last positive entry, by rounding
        i -= 1
    return i


class _TreeVerifier:
    """A :data:`Verifier` of this package (a picklable callable, built by :func:`tree_verifier`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = f"tree_verifier_{name.replace('-', '_')}"
        self._kseq_cache: dict[tuple[bytes, bytes, int], tuple[float, float]] = {}

    def __call__(self, tree: tuple, tokens: np.ndarray, target_probs: np.ndarray, draft_probs: np.ndarray,
                 rng: np.random.Generator) -> list[int]:
        name = self.name
        st = tree_structure(tree)
        if name == "block":
            return _verify_block(st, tokens, target_probs, draft_probs, rng)
        out: list[int] = []
        u = 0
        while True:
            kids = [c for c in st.children[u] if tokens[c] >= 0]
            p = target_probs[u].copy()
            q = draft_probs[u].copy()
            p0 = p.copy()
            if name == "kseq" and kids:
                key = (p.tobytes(), q.tobytes(), len(kids))
                if key not in self._kseq_cache:
                    ks = kseq_rho(p, q, len(kids))
                    self._kseq_cache[key] = (ks.rho, ks.beta)
                rho, beta = self._kseq_cache[key]
            seen: set[int] = set()
            accepted = -1
            for c in kids:
                x = int(tokens[c])
                if name == "rrs-dedup" and x in seen:
                    continue
                seen.add(x)
                if name == "kseq":
                    a = min(1.0, p[x] / (rho * q[x]))
                elif name in ("naive", "target-resample"):
                    a = min(1.0, p0[x] / q[x])
                else:
                    a = min(1.0, p[x] / q[x]) if q[x] > 0 else 0.0
                if rng.random() < a:
                    accepted = c
                    break
                if name in ("rrs", "rrs-dedup", "rrs-wor"):
                    p = normalised_residual(p, q)
                if name == "rrs-wor":
                    q[x] = 0.0
                    tot = q.sum()
                    if tot <= 0:
                        break
                    q /= tot
            if accepted < 0:
                if name == "kseq" and kids:
                    p = kseq_residual(p, q, len(kids), rho, beta)
                elif name == "naive" and kids:
                    p = normalised_residual(p0, q)
                elif name == "target-resample":
                    p = p0
                out.append(_sample(p, rng))
                return out
            out.append(int(tokens[accepted]))
            u = accepted


def tree_verifier(scheme: str) -> Verifier:
    """Return this package's tree verifiers as :data:`Verifier` callables (one call at a time).

    - "rrs": recursive rejection sampling with residual updates (iid children);
    - "rrs-wor": the same with q renormalised without each rejected token (wor children);
    - "kseq": SpecTr K-SEQ at every node (iid children);
    - "block": block verification of a single draft chain (:mod:`theory.speculative.block`);
    - negative controls: "naive" (no residual update: each child against the unchanged p, then
      ``norm((p - q)^+)``), "rrs-dedup" (rrs that skips a child repeating an already rejected
      sibling's token, so the residual is not updated for it), "target-resample" (tests as naive,
      then a fresh draw from p).
    """
    return _TreeVerifier(as_choice(scheme, "scheme", VERIFIERS))


def _verify_block(st: TreeStructure, tokens: np.ndarray, target_probs: np.ndarray, draft_probs: np.ndarray,
                  rng: np.random.Generator) -> list[int]:
    """Block verification of the chain 0 -> 1 -> ... -> L (one call)."""
    if any(len(c) > 1 for c in st.children):
        raise ValueError("tree: the block verifier needs a single draft chain")
    length = st.height
    w = [1.0]
    for i in range(1, length + 1):  # preorder ids of a chain are its depths
        x = int(tokens[i])
        w.append(min(1.0, w[-1] * target_probs[i - 1][x] / draft_probs[i - 1][x]))
    resid, h = [], []
    for i in range(length):
        r = np.maximum(w[i] * target_probs[i] - draft_probs[i], 0.0)
        tot = float(r.sum())
        resid.append(r)
        h.append(tot / (tot + 1.0 - w[i]) if tot + 1.0 - w[i] > 0 else 0.0)
    h.append(w[length])
    resid.append(target_probs[length])
    eta = rng.random(length)
    tau = max([i for i in range(1, length + 1) if eta[i - 1] <= h[i]], default=0)
    return [int(t) for t in tokens[1: tau + 1]] + [_sample(resid[tau], rng)]


@dataclass(frozen=True, kw_only=True)
class LosslessResult(SolverResult):
    """Outcome of :func:`check_lossless`.

    Core fields: ``value`` = the empirical TV between the continued emitted sequences and the
    target's law; ``status`` ``"consistent"`` (no test rejected) or ``"lossy"`` (the chi-square
    test or the TV test rejected at ``level``); ``converged`` True; ``n_iter`` = n.

    Attributes
    ----------
    pvalue
        Chi-square goodness-of-fit p-value (cells with expected count < 5 pooled; 0.0 when a
        sequence of target probability 0 occurred).
    tv, tv_lower, tv_upper
        Empirical TV and a two-sided confidence interval of level ``1 - 2 level`` for the true
        TV: ``tv -+ (0.5 sqrt(C/n) + sqrt(log(1/level)/(2n)))``, C = number of cells (McDiarmid:
        one call moves the empirical TV by at most 1/n; ``E TV(empirical, law) <= 0.5 sqrt(C/n)``).
    tv_critical
        Under losslessness the empirical TV exceeds ``tv_critical = 0.5 sum sqrt(t(1-t)/n) +
        sqrt(log(1/level)/(2n))`` (t = target law) with probability <= level.
    tv_detectable
        Power: a verifier whose law is at TV >= ``tv_critical + 0.5 sqrt(C/n) +
        sqrt(log(1/level)/(2n))`` from the target is flagged with probability >= 1 - level.
    cells
        C = V**(height + 1).
    """

    pvalue: float
    tv: float
    tv_lower: float
    tv_upper: float
    tv_critical: float
    tv_detectable: float
    cells: int


def _draft_tree(q_cond: np.ndarray, st: TreeStructure, drafts: str, root: int, n: int, vocab: int,
                order: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draft n trees at once: tokens (n, nodes+1) and the context after each node (n, nodes+1)."""
    tokens = np.full((n, len(st.parent)), -1, dtype=np.int64)
    state = np.zeros((n, len(st.parent)), dtype=np.int64)
    state[:, 0] = root
    for u in range(len(st.parent)):
        kids = st.children[u]
        if not kids:
            continue
        live = np.flatnonzero((tokens[:, u] >= 0) if u else np.ones(n, dtype=bool))
        here = state[live, u]
        for s in np.unique(here):
            rows = live[here == s]
            q = q_cond[s]
            if drafts == "iid":
                cdf = np.cumsum(q)
                last = int(np.flatnonzero(q > 0)[-1])
                x = np.minimum(np.searchsorted(cdf, gen.random((rows.size, len(kids))) * cdf[-1],
                                               side="right"), last)
            else:  # Gumbel top-k = successive sampling without replacement
                keys = np.where(q > 0, np.log(np.where(q > 0, q, 1.0)) + gen.gumbel(size=(rows.size, vocab)),
                                -np.inf)
                ranked = np.argsort(-keys, axis=1)[:, :len(kids)]
                x = np.where(np.take_along_axis(keys, ranked, axis=1) > -np.inf, ranked, -1)
                if x.shape[1] < len(kids):
                    x = np.pad(x, ((0, 0), (0, len(kids) - x.shape[1])), constant_values=-1)
            for i, c in enumerate(kids):
                tokens[rows, c] = x[:, i]
                state[rows, c] = next_state(s, np.maximum(x[:, i], 0), vocab, order)
    return tokens, state


def _chisquare(counts: np.ndarray, expected: np.ndarray) -> float:
    if np.any(counts[expected <= 0] > 0):
        return 0.0
    keep = expected > 0
    c, e = counts[keep], expected[keep]
    small = e < 5.0
    if small.any():
        c = np.append(c[~small], c[small].sum())
        e = np.append(e[~small], e[small].sum())
        if e[-1] < 5.0 and e.size > 1:  # merge a still-small pool into the smallest regular cell
            j = int(np.argmin(e[:-1]))
            e[j] += e[-1]
            c[j] += c[-1]
            c, e = c[:-1], e[:-1]
    if e.size < 2:
        return 1.0
    return float(stats.chisquare(c, e * c.sum() / e.sum()).pvalue)


def check_lossless(verifier: Verifier, target: Any, draft: Any, tree: Any, *, drafts: str = "iid",
                   n: int = 20_000, level: float = 1e-3, context: Sequence[int] | None = None,
                   rng: RngLike = None) -> LosslessResult:
    """Test a tree verifier for losslessness (does the emitted sequence follow the target).

    Parameters
    ----------
    verifier
        ``verifier(tree, tokens, target_probs, draft_probs, rng) -> emitted tokens`` (see the
        module docstring).
    target, draft
        Markov language models (a pmf, or ``(cond, m)``), same V and order.
    tree
        Draft tree (nested tuples); ``V**(height + 1) <= MAX_CELLS``.
    drafts
        "iid" or "wor": how the checker drafts sibling tokens from q.
    n
        Number of verifier calls (default 20,000); ``n (2 (nodes + 1) + height + 1) <=
        MAX_CALL_CELLS``.
    level
        Significance of each of the two tests (chi-square, TV); false-alarm rate <= 2 level.
    context
        The last m tokens before the root (``None``: m zeros).
    rng
        Seed or Generator.

    Returns
    -------
    LosslessResult
        p-value, empirical TV with a confidence interval, the critical TV and the smallest TV
        detectable with probability >= 1 - level (power); status "consistent" or "lossy".

    Notes
    -----
    Cost: n verifier calls plus O(n (nodes + V**(height+1))). The guarantee on ``tv_detectable``
    is distribution-free (McDiarmid), hence conservative; the chi-square test usually detects
    much smaller deviations.
    """
    if not callable(verifier):
        raise ValueError(f"verifier: expected a callable, got {type(verifier).__name__}")
    p, q = as_markov_pair(target, draft)
    st = tree_structure(tree)
    law_kind = as_choice(drafts, "drafts", ("iid", "wor"))
    nn = as_int(n, "n", min_value=2, max_value=MAX_SAMPLES)
    lvl = as_positive_float(level, "level")
    if lvl >= 0.5:
        raise ValueError(f"level: must be in (0, 0.5), got {level!r}")
    v, order = p.vocab, p.order
    length = st.height + 1
    if float(v) ** length > MAX_CELLS:
        raise ValueError(f"tree: V**(height+1) = {v}**{length} cells exceed {MAX_CELLS:.0e}; "
                         "use a shallower tree")
    if nn * (2 * len(st.parent) + length) > MAX_CALL_CELLS:
        raise ValueError(f"n: {nn} calls x {2 * len(st.parent) + length} recorded entries exceed "
                         f"{MAX_CALL_CELLS:.0e}; use fewer calls (the power grows like sqrt(n))")
    gen = as_generator(rng)
    root = context_state(context, v, order)
    tokens, state = _draft_tree(q.cond, st, law_kind, root, nn, v, order, gen)
    seqs = np.full((nn, length), -1, dtype=np.int64)
    for r in range(nn):
        out = np.asarray(verifier(tree, tokens[r], p.cond[state[r]], q.cond[state[r]], gen))
        if out.ndim != 1 or not 1 <= out.shape[0] <= length:
            raise ValueError(f"verifier: must return 1..{length} tokens, got shape {out.shape} on call {r}")
        if not np.issubdtype(out.dtype, np.integer) or out.min() < 0 or out.max() >= v:
            raise ValueError(f"verifier: returned tokens outside 0..{v - 1} on call {r}: {out.tolist()}")
        seqs[r, :out.shape[0]] = out
    # Continue every sequence with the target, position by position.
    cur = np.full(nn, root, dtype=np.int64)
    cdf = np.cumsum(p.cond, axis=1)
    for t in range(length):
        todo = np.flatnonzero(seqs[:, t] < 0)
        for s in np.unique(cur[todo]):
            rows = todo[cur[todo] == s]
            last = int(np.flatnonzero(p.cond[s] > 0)[-1])
            seqs[rows, t] = np.minimum(np.searchsorted(cdf[s], gen.random(rows.size) * cdf[s, -1],
                                                       side="right"), last)
        cur = next_state(cur, seqs[:, t], v, order)
    index = seqs @ (v ** np.arange(length - 1, -1, -1, dtype=np.int64))
    cells = v ** length
    counts = np.bincount(index, minlength=cells).astype(float)
    want = path_law(p, length)[root]
    tv_hat = 0.5 * float(np.abs(counts / nn - want).sum())
    dev = math.sqrt(math.log(1.0 / lvl) / (2 * nn))
    spread = 0.5 * math.sqrt(cells / nn)
    critical = 0.5 * float(np.sqrt(want * (1 - want) / nn).sum()) + dev
    pvalue = _chisquare(counts, nn * want)
    lossy = pvalue < lvl or tv_hat > critical
    return LosslessResult(
        value=tv_hat, status="lossy" if lossy else "consistent", converged=True, n_iter=nn,
        diagnostics={"level": lvl, "height": float(st.height)},
        pvalue=pvalue, tv=tv_hat, tv_lower=max(0.0, tv_hat - spread - dev), tv_upper=tv_hat + spread + dev,
        tv_critical=critical, tv_detectable=critical + spread + dev, cells=cells,
    )
