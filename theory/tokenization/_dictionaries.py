"""Dictionary builders: LZ78 and LZW phrases, fixed-length strings and heavy hitters of a source."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from theory._validate import as_int
from theory.tokenization._tokens import (
    MAX_TOKENS,
    Token,
    as_symbols,
)
from theory.tokenization.sources import MarkovSource


def _builder_input(x: Any, max_size: int | None, V: int | None) -> tuple[list[int], int, int | None]:
    xs = as_symbols(x, "x")
    top = max(xs, default=-1) + 1
    V = max(top, 1) if V is None else as_int(V, "V", min_value=1)
    if top > V:
        raise ValueError(f"x: symbol {top - 1} lies outside the alphabet 0..{V - 1}")
    if max_size is not None:
        max_size = as_int(max_size, "max_size", min_value=V)
    return xs, V, max_size


def _lz_phrases(x: Any, max_size: int | None, V: int | None, *, skip_new_char: bool) -> list[Token]:
    """Parse by LZ over a trie (shared by LZ78 and LZW).

    The phrase ``w + c`` (``w`` the longest known prefix of the remainder, ``c`` the next character) is
    added; parsing resumes after ``c`` (LZ78, ``skip_new_char``) or at ``c`` (LZW).
    """
    xs, V, max_size = _builder_input(x, max_size, V)
    D: list[Token] = [(a,) for a in range(V)]
    children: list[dict[int, int]] = [dict() for _ in range(V + 1)]
    children[0] = {a: a + 1 for a in range(V)}
    i, n = 0, len(xs)
    while i < n and (max_size is None or len(D) < max_size):
        node, j = 0, i
        while j < n and xs[j] in children[node]:
            node = children[node][xs[j]]
            j += 1
        if j == n:
            break
        children[node][xs[j]] = len(children)
        children.append({})
        D.append(tuple(xs[i:j + 1]))
        i = j + 1 if skip_new_char else j
    return D


def lz78_dictionary(x: Any, *, max_size: int | None = None, V: int | None = None) -> list[Token]:
    """LZ78 phrases of ``x`` on top of the alphabet (Ziv & Lempel 1978).

    The next phrase is the shortest prefix of the remainder not yet in the dictionary; it is added
    and parsing continues after it. Stops when the remainder is already in the dictionary or the
    size (alphabet included) reaches ``max_size``. The result is prefix-closed (a trie). O(n).
    """
    return _lz_phrases(x, max_size, V, skip_new_char=True)


def lzw_dictionary(x: Any, *, max_size: int | None = None, V: int | None = None) -> list[Token]:
    """Return the LZW dictionary of ``x`` (Welch 1984).

    ``w`` = longest prefix of the remainder in the dictionary; add ``w`` + next character; the next phrase
    starts at that character. Same stop rule as :func:`lz78_dictionary`. Prefix-closed. O(n).
    """
    return _lz_phrases(x, max_size, V, skip_new_char=False)


def fixed_length_dictionary(V: int, r: int) -> list[Token]:
    """Return all strings of length 1..r over ``{0..V-1}`` (greedy then emits length-r blocks).

    Shortest first and lexicographic within a length. Size ``sum_{l<=r} V^l``.
    """
    V = as_int(V, "V", min_value=1)
    r = as_int(r, "r", min_value=1)
    if r * np.log(max(V, 2)) > np.log(MAX_TOKENS):
        raise ValueError(f"r: the dictionary of all strings up to length r has > {MAX_TOKENS:.0e} tokens")
    if sum(V ** ell for ell in range(1, r + 1)) > 10_000_000:
        raise ValueError(f"r: {V}^{r} strings are too many to list")
    return [t for ell in range(1, r + 1) for t in itertools.product(range(V), repeat=ell)]


def heavy_hitter_dictionary(source: MarkovSource, beta: float, *, max_size: int = 1_000_000) -> list[Token]:
    """Return the leaves of the tree of strings with ``max_c P(s | c) >= beta``.

    The internal nodes are the strings ``s`` with ``max_c P(s | c) >= beta`` over contexts ``c`` with
    ``mu(c) > 0`` (the root is internal).

    The result is complete prefix-free (a Tunstall-like parse tree). Cost O(|D| V^k).

    Raises
    ------
    ValueError
        If ``beta`` is not in (0, 1] or the dictionary would exceed ``max_size`` tokens (tiny
        ``beta`` or deterministic rows).
    """
    if not isinstance(source, MarkovSource):
        raise ValueError(f"source: expected a MarkovSource, got {type(source).__name__}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating)) \
            or not 0.0 < float(beta) <= 1.0:
        raise ValueError(f"beta: must lie in (0, 1], got {beta!r}")
    max_size = as_int(max_size, "max_size", min_value=source.V)
    live = np.flatnonzero(source.stationary() > 0)
    V = source.V
    leaves: list[Token] = []
    stack: list[tuple[Token, np.ndarray, np.ndarray]] = [((), np.ones(len(live)), live.copy())]
    while stack:
        s, prob, ctx = stack.pop()
        for a in range(V - 1, -1, -1):
            p2 = prob * source.cond[ctx, a]
            child = s + (a,)
            if p2.max() >= beta:
                stack.append((child, p2, (ctx * V + a) % source.n_ctx))
            else:
                leaves.append(child)
            if len(leaves) + (V - 1) * len(stack) > max_size:
                raise ValueError(f"beta: the heavy-hitter dictionary exceeds max_size={max_size} "
                                 f"tokens; increase beta")
    return sorted(leaves, key=lambda t: (len(t), t))
