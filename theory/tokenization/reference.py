"""Independent reference routes of the tokenization area, straight from the definitions.

Slow on purpose and public: the claims and tests check the fast tokenizers and losses against
them (greedy parsing by scanning every token, BPE training by recounting every pair, block
entropies by enumerating strings).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from theory._result import SolverResult, TupleCompatible
from theory.tokenization.sources import MarkovSource

Token = tuple[int, ...]


def greedy_parse(x: Sequence[int], tokens: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """Greedy (longest-match) parse of ``x``, by scanning every token at each position; O(|x| |D|)."""
    dictionary = [tuple(int(v) for v in t) for t in tokens]
    xs = tuple(int(v) for v in x)
    out: list[Token] = []
    i = 0
    while i < len(xs):
        best = max((t for t in dictionary if xs[i:i + len(t)] == t), key=len)
        out.append(best)
        i += len(best)
    return out


@dataclass(frozen=True, kw_only=True)
class BPETraining(TupleCompatible, SolverResult):
    """Merges learnt by :func:`bpe_train` (a :class:`SolverResult`; unpacks as ``(merges, counts)``).

    Attributes
    ----------
    value
        Number of merges learnt (fewer than asked when the sequence collapses to one token).
    status
        Always ``"exact"``.
    converged
        Always ``True``.
    n_iter
        Merges learnt (as ``value``).
    merges
        ``[(left, right), ...]`` in the order learnt.
    counts
        Count of each merged pair when it was chosen.
    """

    merges: list[tuple[Token, Token]]
    counts: list[int]
    _tuple_fields = ("merges", "counts")


def bpe_train(seq: Sequence[int], n_merges: int) -> BPETraining:
    """BPE training by recounting every pair after each merge (ties to the smallest pair).

    Parameters
    ----------
    seq
        Training symbols.
    n_merges
        Number of merges asked for.

    Returns
    -------
    BPETraining
        The merges and their counts (unpacks as ``merges, counts``). Cost O(n_merges * len(seq)).
    """
    toks: list[Token] = [(int(a),) for a in seq]
    merges: list[tuple[Token, Token]] = []
    counts: list[int] = []
    for _ in range(n_merges):
        cnt: dict[tuple[Token, Token], int] = {}
        for a, b in zip(toks, toks[1:]):
            cnt[(a, b)] = cnt.get((a, b), 0) + 1
        if not cnt:
            break
        top = max(cnt.values())
        a, b = min(p for p, c in cnt.items() if c == top)
        merges.append((a, b))
        counts.append(top)
        out: list[Token] = []
        i = 0
        while i < len(toks):
            if i + 1 < len(toks) and toks[i] == a and toks[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(toks[i])
                i += 1
        toks = out
    return BPETraining(value=float(len(merges)), status="exact", converged=True, n_iter=len(merges),
                       merges=merges, counts=counts)


def block_entropy_enum(source: MarkovSource, r: int) -> float:
    """Block entropy ``H(X_1^r)`` (nats) by enumerating all V^r strings, ``P(s) = sum_c mu(c) P(s | c)``."""
    mu = source.stationary()
    h = 0.0
    for s in itertools.product(range(source.V), repeat=r):
        p = float(mu @ source.string_prob(s))
        if p > 0:
            h -= p * np.log(p)
    return h
