"""Greedy longest-match tokenizer over a dictionary, with its online automaton."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from theory._validate import as_int
from theory.tokenization._tokens import (
    Automaton,
    Token,
    as_symbols,
    as_tokens,
    build_trie,
    is_complete_prefix_free,
)


class GreedyTokenizer:
    """Left-to-right longest-match tokenizer over a dictionary.

    Parameters
    ----------
    tokens
        The dictionary: sequences of ints. It must hold every single symbol ``(a,)``,
        ``a < V``, or be complete prefix-free over ``{0..V-1}``.
    V
        Alphabet size (default: largest symbol + 1).

    Attributes
    ----------
    vocab : list of tuple
        The tokens in the given order; token id = position.
    prefix_free : bool
        Whether the dictionary is complete prefix-free (then the parse is unique and equals greedy).

    Notes
    -----
    Online form (used by the exact joint chain): a buffer ``b`` of unemitted characters is "live"
    while it is a proper prefix of some token; reading ``a`` maps ``b`` to ``settle(b + a)``, which
    emits longest dictionary prefixes until the buffer is live or empty. Encoding walks a trie:
    O(n L_max).
    """

    def __init__(self, tokens: Iterable[Sequence[int]], V: int | None = None) -> None:
        vocab = as_tokens(tokens, "tokens")
        top = max(max(t) for t in vocab) + 1
        self.V = top if V is None else as_int(V, "V", min_value=1)
        if top > self.V:
            raise ValueError(f"tokens: symbol {top - 1} lies outside the alphabet 0..{self.V - 1}")
        self.vocab: list[Token] = vocab
        self.index = {t: i for i, t in enumerate(vocab)}
        self.prefix_free = is_complete_prefix_free(vocab, self.V)
        missing = [a for a in range(self.V) if (a,) not in self.index]
        if missing and not self.prefix_free:
            raise ValueError(f"tokens: the dictionary must contain every single symbol (missing "
                             f"{missing[:5]}) or be complete prefix-free")
        self.max_len = max(len(t) for t in vocab)
        self.lengths = np.array([len(t) for t in vocab], dtype=np.int64)
        self._children, self._node_tok = build_trie(vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def trie(self) -> tuple[list[dict[int, int]], list[int]]:
        """The dictionary trie.

        ``children[node]`` maps a symbol to a node (root 0) and ``node_token[node]`` is the id of the
        token ending there, or -1.
        """
        return self._children, self._node_tok

    def encode_ids(self, x: Any, *, drop_tail: bool = False) -> list[int]:
        """Greedy parse of ``x`` as token ids.

        A final remainder that is a proper prefix of a token and has no token prefix (possible only
        without single symbols) raises ``ValueError`` unless ``drop_tail`` is true, in which case it is
        dropped.
        """
        xs = as_symbols(x, "x", self.V)
        children, node_tok = self._children, self._node_tok
        out: list[int] = []
        n, i = len(xs), 0
        while i < n:
            node, j, best, best_end = 0, i, -1, i
            while j < n:
                nxt = children[node].get(xs[j])
                if nxt is None:
                    break
                node, j = nxt, j + 1
                if node_tok[node] >= 0:
                    best, best_end = node_tok[node], j
            if best < 0:
                if drop_tail and j == n:
                    break
                raise ValueError(f"x: the remainder starting at position {i} is a proper prefix of a "
                                 "token and cannot be encoded (pass drop_tail=True to drop it)")
            out.append(best)
            i = best_end
        return out

    def encode(self, x: Any, *, drop_tail: bool = False) -> list[Token]:
        """Greedy longest-match parse of ``x`` into tokens (tuples)."""
        return [self.vocab[i] for i in self.encode_ids(x, drop_tail=drop_tail)]

    def decode(self, tokens: Iterable[Sequence[int]]) -> np.ndarray:
        """Concatenate tokens (each must be in the dictionary) into an int64 array."""
        out: list[int] = []
        for t in tokens:
            tt = tuple(int(v) for v in t)
            if tt not in self.index:
                raise ValueError(f"tokens: {tt} is not in the dictionary")
            out.extend(tt)
        return np.array(out, dtype=np.int64)

    def settle(self, buf: Sequence[int]) -> tuple[list[Token], Token]:
        """Emit longest dictionary prefixes of ``buf`` until the rest is empty or a proper prefix of a token.

        Return (emitted tokens, remaining buffer).
        """
        b = tuple(as_symbols(buf, "buf", self.V))
        ids, rest = self._settle(b)
        return [self.vocab[i] for i in ids], rest

    def _settle(self, b: Token) -> tuple[tuple[int, ...], Token]:
        """Take one online greedy step, O(|b|) trie walks per emitted token.

        While ``b`` is non-empty and not a proper prefix of a token (its trie node is missing or has no
        children), emit its longest token prefix.
        """
        children, node_tok = self._children, self._node_tok
        emitted: list[int] = []
        while b:
            node, best, best_len = 0, -1, 0
            for i, a in enumerate(b):
                node = children[node].get(a, -1)
                if node < 0:
                    break
                if node_tok[node] >= 0:
                    best, best_len = node_tok[node], i + 1
            if node >= 0 and children[node]:
                break  # b is a proper prefix of a token: wait for more input
            emitted.append(best)
            b = b[best_len:]
        return tuple(emitted), b

    def automaton(self) -> Automaton:
        """Return the online encoder with buffer states (start: the empty buffer)."""
        return _GreedyAutomaton(self)

    def __repr__(self) -> str:
        return f"GreedyTokenizer(|D|={len(self.vocab)}, V={self.V}, prefix_free={self.prefix_free})"


class _GreedyAutomaton(Automaton):
    def __init__(self, tok: GreedyTokenizer) -> None:
        self.tok = tok
        self.start: Token = ()
        self._memo: dict[tuple[Token, int], tuple[Token, tuple[int, ...]]] = {}

    def step(self, state: Token, a: int) -> tuple[Token, tuple[int, ...]]:
        key = (state, a)
        hit = self._memo.get(key)
        if hit is None:
            emitted, rest = self.tok._settle(state + (a,))
            hit = (rest, emitted)
            self._memo[key] = hit
        return hit
