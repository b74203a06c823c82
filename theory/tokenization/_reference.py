"""Reference implementations straight from the definitions: slow, used by the claims and tests
as independent routes (greedy by scanning every token, BPE by recounting every pair, block
entropies by enumerating strings)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from theory.tokenization.sources import MarkovSource

Token = tuple[int, ...]


def greedy_parse(x: Sequence[int], tokens: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """Longest token prefixing the remainder, by scanning every token."""
    dictionary = [tuple(int(v) for v in t) for t in tokens]
    xs = tuple(int(v) for v in x)
    out: list[Token] = []
    i = 0
    while i < len(xs):
        best = max((t for t in dictionary if xs[i:i + len(t)] == t), key=len)
        out.append(best)
        i += len(best)
    return out


def bpe_train(seq: Sequence[int], n_merges: int) -> tuple[list[tuple[Token, Token]], list[int]]:
    """Recount every pair after each merge; ties to the smallest (left, right) tuple pair."""
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
    return merges, counts


def block_entropy_enum(source: MarkovSource, r: int) -> float:
    """H(X_1^r) by enumerating all V^r strings, P(s) = sum_c mu(c) P(s | c)."""
    mu = source.stationary()
    h = 0.0
    for s in itertools.product(range(source.V), repeat=r):
        p = float(mu @ source.string_prob(s))
        if p > 0:
            h -= p * np.log(p)
    return h
