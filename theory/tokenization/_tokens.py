"""Tokens as tuples of ints: symbol validation, the dictionary trie and the online-encoder base."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from theory._validate import as_int

Token = tuple[int, ...]


#: Largest dictionary or alphabet the tokenizers build.
MAX_TOKENS = 10_000_000

def as_symbols(x: Any, name: str = "x", V: int | None = None) -> list[int]:
    """Validate a 1-d sequence of non-negative integer symbols (below ``V`` when given)."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-d sequence of symbols, got shape {arr.shape}")
    if arr.size == 0:
        return []
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: symbols must be integers, got dtype {arr.dtype}")
    if arr.min() < 0:
        raise ValueError(f"{name}: symbols must be non-negative, found {int(arr.min())}")
    if V is not None and arr.max() >= V:
        raise ValueError(f"{name}: symbol {int(arr.max())} lies outside the alphabet 0..{V - 1}")
    return arr.astype(np.int64).tolist()


def as_tokens(tokens: Iterable[Sequence[int]], name: str) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        tt = tuple(int(v) for v in as_symbols(t, f"{name} entry"))
        if not tt:
            raise ValueError(f"{name}: tokens must be non-empty")
        out.append(tt)
    if not out:
        raise ValueError(f"{name}: the dictionary is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: contains duplicate tokens")
    return out


def build_trie(tokens: Sequence[Token]) -> tuple[list[dict[int, int]], list[int]]:
    """Build the trie of the tokens. O(sum of token lengths).

    ``children[node]`` maps a symbol to a node (root 0); ``node_token[node]`` is the index of the token
    ending there, or -1.
    """
    children: list[dict[int, int]] = [{}]
    node_token: list[int] = [-1]
    for tid, t in enumerate(tokens):
        node = 0
        for a in t:
            nxt = children[node].get(a)
            if nxt is None:
                nxt = len(children)
                children[node][a] = nxt
                children.append({})
                node_token.append(-1)
            node = nxt
        node_token[node] = tid
    return children, node_token


def is_complete_prefix_free(tokens: Sequence[Sequence[int]], V: int) -> bool:
    """Return True when the tokens are the leaves of a full V-ary tree. O(sum of token lengths).

    No token ends at an internal node of their trie and every internal node has all V children.
    """
    V = as_int(V, "V", min_value=1)
    children, node_token = build_trie([tuple(t) for t in tokens])
    return all(node_token[n] < 0 and len(ch) == V for n, ch in enumerate(children) if ch)


class Automaton:
    """An online encoder: ``step(state, a) -> (state', emitted token ids)``, memoised."""

    start: Any

    def step(self, state: Any, a: int) -> tuple[Any, tuple[int, ...]]:
        raise NotImplementedError


def as_sequences(x: Any) -> list[list[int]]:
    if isinstance(x, np.ndarray) and x.ndim == 1:
        return [as_symbols(x, "x")]
    if isinstance(x, (list, tuple)) and x and all(isinstance(s, (list, tuple, np.ndarray)) for s in x):
        return [as_symbols(s, f"x[{i}]") for i, s in enumerate(x)]
    return [as_symbols(x, "x")]


# ------------------------------------------------------------------------------------ builders
