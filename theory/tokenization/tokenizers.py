"""Tokenizers on integer alphabets: greedy longest match, sequential BPE, and dictionary builders.

Tokens are tuples of ints and decoding is concatenation. Two encoders:

* :class:`GreedyTokenizer`: left-to-right longest match over a dictionary that holds every single
  symbol or is complete prefix-free (the "LZW tokenizer" is an LZW vocabulary plus greedy).
* :class:`BPETokenizer`: sequential merges (Gage 1994; Sennrich et al. 2016), trained with a pinned
  convention: overlapping pair counts, ties to the lexicographically smallest (left, right) pair of
  token tuples, merges applied left to right without overlap.

Builders (each returns the list of tokens, alphabet included): :func:`lz78_dictionary`,
:func:`lzw_dictionary`, :func:`fixed_length_dictionary`, :func:`heavy_hitter_dictionary`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._validate import as_int
from theory.tokenization.sources import MarkovSource

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


def _as_tokens(tokens: Iterable[Sequence[int]], name: str) -> list[Token]:
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


def _build_trie(tokens: Sequence[Token]) -> tuple[list[dict[int, int]], list[int]]:
    """Trie of the tokens: ``children[node]`` maps a symbol to a node (root 0); ``node_token[node]``
    is the index of the token ending there, or -1. O(sum of token lengths)."""
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
    """True when the tokens are the leaves of a full V-ary tree: no token ends at an internal node
    of their trie and every internal node has all V children. O(sum of token lengths)."""
    V = as_int(V, "V", min_value=1)
    children, node_token = _build_trie([tuple(t) for t in tokens])
    return all(node_token[n] < 0 and len(ch) == V for n, ch in enumerate(children) if ch)


class _Automaton:
    """An online encoder: ``step(state, a) -> (state', emitted token ids)``, memoised."""

    start: Any

    def step(self, state: Any, a: int) -> tuple[Any, tuple[int, ...]]:
        raise NotImplementedError


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
        vocab = _as_tokens(tokens, "tokens")
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
        self._children, self._node_tok = _build_trie(vocab)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def trie(self) -> tuple[list[dict[int, int]], list[int]]:
        """The dictionary trie: ``children[node]`` maps a symbol to a node (root 0) and
        ``node_token[node]`` is the id of the token ending there, or -1."""
        return self._children, self._node_tok

    def encode_ids(self, x: Any, *, drop_tail: bool = False) -> list[int]:
        """Greedy parse of ``x`` as token ids. A final remainder that is a proper prefix of a token
        and has no token prefix (possible only without single symbols) raises ``ValueError``
        unless ``drop_tail`` is true, in which case it is dropped."""
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
        """Emit longest dictionary prefixes of ``buf`` until the rest is empty or a proper prefix
        of a token; return (emitted tokens, remaining buffer)."""
        b = tuple(as_symbols(buf, "buf", self.V))
        ids, rest = self._settle(b)
        return [self.vocab[i] for i in ids], rest

    def _settle(self, b: Token) -> tuple[tuple[int, ...], Token]:
        """Online greedy step, O(|b|) trie walks per emitted token: while ``b`` is non-empty and not
        a proper prefix of a token (its trie node is missing or has no children), emit its longest
        token prefix."""
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

    def automaton(self) -> _Automaton:
        """The online encoder with buffer states (start: the empty buffer)."""
        return _GreedyAutomaton(self)

    def __repr__(self) -> str:
        return f"GreedyTokenizer(|D|={len(self.vocab)}, V={self.V}, prefix_free={self.prefix_free})"


class _GreedyAutomaton(_Automaton):
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


# ------------------------------------------------------------------------------------------ BPE
class _MergeEngine:
    """Doubly linked token list with the set of left positions of every adjacent pair.

    A merge visits its positions in increasing order, skips stale ones (left to right without
    overlap) and updates only the neighbouring pairs: O(occurrences) per merge. Used by training.
    """

    def __init__(self, seqs: Sequence[Sequence[int]]) -> None:
        tok: list[int] = []
        nxt: list[int] = []
        prv: list[int] = []
        for s in seqs:
            base = len(tok)
            n = len(s)
            tok.extend(s)
            prv.extend([-1] + list(range(base, base + n - 1)) if n else [])
            nxt.extend(list(range(base + 1, base + n)) + [-1] if n else [])
        self.tok, self.nxt, self.prv = tok, nxt, prv
        pos: dict[tuple[int, int], set[int]] = {}
        for i, j in enumerate(nxt):
            if j >= 0:
                key = (tok[i], tok[j])
                bucket = pos.get(key)
                if bucket is None:
                    pos[key] = {i}
                else:
                    bucket.add(i)
        self.pos = pos

    def _move(self, old: tuple[int, int], new: tuple[int, int], i_old: int, i_new: int,
              changed: set[tuple[int, int]]) -> None:
        bucket = self.pos.get(old)
        if bucket is not None:
            bucket.discard(i_old)
            if not bucket:
                del self.pos[old]
        self.pos.setdefault(new, set()).add(i_new)
        changed.add(old)
        changed.add(new)

    def merge(self, a: int, b: int, c: int) -> tuple[int, set[tuple[int, int]]]:
        """Replace every (a, b), left to right without overlap, by c; return (count, changed pairs)."""
        tok, nxt, prv = self.tok, self.nxt, self.prv
        positions = self.pos.pop((a, b), None)
        changed: set[tuple[int, int]] = set()
        if not positions:
            return 0, changed
        count = 0
        for i in sorted(positions):
            if tok[i] != a:
                continue
            j = nxt[i]
            if j < 0 or tok[j] != b:
                continue
            h, ell = prv[i], nxt[j]
            if h >= 0:
                self._move((tok[h], a), (tok[h], c), h, h, changed)
            if ell >= 0:
                self._move((b, tok[ell]), (c, tok[ell]), j, i, changed)
                prv[ell] = i
            tok[i], tok[j] = c, -1
            nxt[i] = ell
            count += 1
        changed.discard((a, b))
        return count, changed


@dataclass(frozen=True)
class MergeTransducer:
    """One sequential-BPE pass as a one-token-delay transducer with state "left pending or not".

    With ``left`` pending, input ``right`` emits ``merged``; any other input emits ``left`` and is
    processed afresh. Without a pending token, ``left`` is held and anything else is emitted.
    Token ids: ``left``, ``right``, ``merged``.
    """

    left: int
    right: int
    merged: int

    def __post_init__(self) -> None:
        for name in ("left", "right", "merged"):
            as_int(getattr(self, name), name, min_value=0)

    def step(self, pending: bool, t: int) -> tuple[bool, tuple[int, ...]]:
        """Feed token ``t``; return (new pending flag, emitted tokens)."""
        if pending:
            if t == self.right:
                return False, (self.merged,)
            if t == self.left:
                return True, (self.left,)
            return False, (self.left, t)
        if t == self.left:
            return True, ()
        return False, (t,)

    def flush(self, pending: bool) -> tuple[int, ...]:
        """Tokens emitted at the end of the input."""
        return (self.left,) if pending else ()


class BPETokenizer:
    """Sequential byte-pair encoding over ``{0..V-1}``.

    Parameters
    ----------
    merges
        The merges in training order, each a pair ``(left, right)`` of token tuples already in the
        vocabulary.
    V
        Alphabet size.

    Attributes
    ----------
    merges : list of (tuple, tuple)
    merge_counts : list of int
        Pair counts at the time of each merge (empty when built from merges directly).
    vocab : list of tuple
        The alphabet ``(0,), ..., (V-1,)`` then one token per merge; token id = position.
    """

    def __init__(self, merges: Sequence[tuple[Sequence[int], Sequence[int]]], V: int,
                 merge_counts: Sequence[int] = ()) -> None:
        self.V = as_int(V, "V", min_value=1, max_value=MAX_TOKENS)
        self.vocab: list[Token] = [(a,) for a in range(self.V)]
        self.index: dict[Token, int] = {t: i for i, t in enumerate(self.vocab)}
        self.merges: list[tuple[Token, Token]] = []
        self._merge_ids: list[tuple[int, int, int]] = []
        for m in merges:
            if len(m) != 2:
                raise ValueError(f"merges: each merge is a (left, right) pair, got {m!r}")
            left, right = (tuple(int(v) for v in p) for p in m)
            if left not in self.index or right not in self.index:
                raise ValueError(f"merges: {left} + {right} uses a token not yet in the vocabulary")
            new = left + right
            if new in self.index:
                raise ValueError(f"merges: {new} is created twice")
            self._merge_ids.append((self.index[left], self.index[right], len(self.vocab)))
            self.index[new] = len(self.vocab)
            self.vocab.append(new)
            self.merges.append((left, right))
        self.merge_counts: list[int] = [int(c) for c in merge_counts]
        self.lengths = np.array([len(t) for t in self.vocab], dtype=np.int64)
        self.max_len = int(self.lengths.max())

    @classmethod
    def train(cls, x: Any, n_merges: int, V: int | None = None) -> BPETokenizer:
        """Learn up to ``n_merges`` merges from ``x`` (a sequence, or a list of sequences with no
        pairs across their boundaries).

        Pinned convention: the count of a pair is the number of adjacent positions holding it
        (overlapping: "000" counts (0, 0) twice); the largest count wins; ties go to the
        lexicographically smallest (left, right) pair of token tuples; each merge is applied left
        to right without overlap. Stops early when no pair is left.

        Complexity: O(n log n) for the initial counts plus O(occurrences x log) per merge, with a
        max-heap on (-count, left, right) and lazy deletion; counts are never recomputed.
        """
        n_merges = as_int(n_merges, "n_merges", min_value=0)
        seqs = _as_sequences(x)
        top = max((max(s) for s in seqs if s), default=-1) + 1
        V = top if V is None else as_int(V, "V", min_value=1)
        if top > V:
            raise ValueError(f"x: symbol {top - 1} lies outside the alphabet 0..{V - 1}")
        if V == 0:
            raise ValueError("x: no symbols to train on")
        names: list[Token] = [(a,) for a in range(V)]
        engine = _MergeEngine(seqs)
        heap = [(-len(p), names[a], names[b], a, b) for (a, b), p in engine.pos.items()]
        heapq.heapify(heap)
        merges: list[tuple[Token, Token]] = []
        counts: list[int] = []
        while heap and len(merges) < n_merges:
            negc, _, _, a, b = heapq.heappop(heap)
            current = len(engine.pos.get((a, b), ()))
            if current == 0 or current != -negc:
                continue  # stale entry: the pair's count changed since it was pushed
            c = len(names)
            names.append(names[a] + names[b])
            _, changed = engine.merge(a, b, c)
            merges.append((names[a], names[b]))
            counts.append(current)
            for pair in changed:
                cnt = len(engine.pos.get(pair, ()))
                if cnt:
                    heapq.heappush(heap, (-cnt, names[pair[0]], names[pair[1]], pair[0], pair[1]))
        return cls(merges, V, counts)

    def __len__(self) -> int:
        return len(self.vocab)

    def encode_ids(self, x: Any, *, drop_tail: bool = False) -> list[int]:
        """Sequential merge encoding of ``x`` as token ids: one vectorised pass per merge,
        O(n |merges|) numpy work. ``drop_tail`` is accepted for symmetry with
        :class:`GreedyTokenizer` (BPE never leaves a tail)."""
        arr = np.array(as_symbols(x, "x", self.V), dtype=np.int64)
        for a, b, c in self._merge_ids:
            if arr.size < 2:
                break
            arr = _merge_pass(arr, a, b, c)
        return arr.tolist()

    def encode(self, x: Any) -> list[Token]:
        """Sequential merge encoding: apply the merges in training order, each a left-to-right
        non-overlapping replacement of (left, right) by left + right."""
        return [self.vocab[i] for i in self.encode_ids(x)]

    def encode_direct(self, x: Any) -> list[Token]:
        """The same encoding by literal Python passes over the token list, one per merge (the
        definition, O(n |merges|)): a reference route for tests and claims."""
        seq = as_symbols(x, "x", self.V)
        for a, b, c in self._merge_ids:
            out: list[int] = []
            i, n = 0, len(seq)
            while i < n:
                if i + 1 < n and seq[i] == a and seq[i + 1] == b:
                    out.append(c)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            seq = out
        return [self.vocab[i] for i in seq]

    def transducers(self) -> list[MergeTransducer]:
        """One :class:`MergeTransducer` per merge, in training order."""
        return [MergeTransducer(a, b, c) for a, b, c in self._merge_ids]

    def encode_cascade(self, x: Any) -> list[Token]:
        """The same encoding by streaming the characters through the transducer cascade."""
        xs = as_symbols(x, "x", self.V)
        trs = self.transducers()
        pend = [False] * len(trs)
        out: list[int] = []
        for a in xs:
            out.extend(_cascade_feed(trs, pend, 0, (a,)))
        for j, tr in enumerate(trs):
            emitted = tr.flush(pend[j])
            pend[j] = False
            out.extend(_cascade_feed(trs, pend, j + 1, emitted))
        return [self.vocab[i] for i in out]

    def decode(self, tokens: Iterable[Sequence[int]]) -> np.ndarray:
        """Concatenate tokens (each must be in the vocabulary) into an int64 array."""
        out: list[int] = []
        for t in tokens:
            tt = tuple(int(v) for v in t)
            if tt not in self.index:
                raise ValueError(f"tokens: {tt} is not in the vocabulary")
            out.extend(tt)
        return np.array(out, dtype=np.int64)

    def automaton(self) -> _Automaton:
        """The cascade as an online encoder; state = bitmask of passes with a pending token."""
        return _CascadeAutomaton(self.transducers())

    def __repr__(self) -> str:
        return f"BPETokenizer(V={self.V}, merges={len(self.merges)})"


def _merge_pass(arr: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """Replace (a, b) by c left to right without overlap. Occurrences can overlap only when
    a == b: in a run of a's the merges start at even offsets from the run start."""
    left = arr[:-1] == a
    if a != b:
        hit = left & (arr[1:] == b)
    else:
        pos = np.arange(arr.size)
        is_a = arr == a
        start = is_a & np.concatenate(([True], ~is_a[:-1]))
        offset = pos - np.maximum.accumulate(np.where(start, pos, 0))
        hit = left & is_a[1:] & (offset[:-1] % 2 == 0)
    idx = np.flatnonzero(hit)
    if idx.size == 0:
        return arr
    out = arr.copy()
    out[idx] = c
    return np.delete(out, idx + 1)


def _cascade_feed(trs: Sequence[MergeTransducer], pend: list[bool], first: int,
                  tokens: Iterable[int]) -> list[int]:
    """Feed ``tokens`` into pass ``first`` and on through the later passes, updating ``pend``."""
    cur = list(tokens)
    for j in range(first, len(trs)):
        if not cur:
            break
        nxt: list[int] = []
        for t in cur:
            pend[j], emitted = trs[j].step(pend[j], t)
            nxt.extend(emitted)
        cur = nxt
    return cur


class _CascadeAutomaton(_Automaton):
    def __init__(self, trs: list[MergeTransducer]) -> None:
        self.trs = trs
        self.start = 0
        self._memo: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}

    def step(self, state: int, a: int) -> tuple[int, tuple[int, ...]]:
        key = (state, a)
        hit = self._memo.get(key)
        if hit is None:
            pend = [bool(state >> j & 1) for j in range(len(self.trs))]
            out = _cascade_feed(self.trs, pend, 0, (a,))
            new = sum(1 << j for j, p in enumerate(pend) if p)
            hit = (new, tuple(out))
            self._memo[key] = hit
        return hit


def _as_sequences(x: Any) -> list[list[int]]:
    if isinstance(x, np.ndarray) and x.ndim == 1:
        return [as_symbols(x, "x")]
    if isinstance(x, (list, tuple)) and x and all(isinstance(s, (list, tuple, np.ndarray)) for s in x):
        return [as_symbols(s, f"x[{i}]") for i, s in enumerate(x)]
    return [as_symbols(x, "x")]


# ------------------------------------------------------------------------------------ builders
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
    """Shared LZ parse over a trie: the phrase ``w + c`` (``w`` the longest known prefix of the
    remainder, ``c`` the next character) is added; parsing resumes after ``c`` (LZ78,
    ``skip_new_char``) or at ``c`` (LZW)."""
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


def lz78_dictionary(x: Any, max_size: int | None = None, V: int | None = None) -> list[Token]:
    """LZ78 phrases of ``x`` on top of the alphabet (Ziv & Lempel 1978).

    The next phrase is the shortest prefix of the remainder not yet in the dictionary; it is added
    and parsing continues after it. Stops when the remainder is already in the dictionary or the
    size (alphabet included) reaches ``max_size``. The result is prefix-closed (a trie). O(n).
    """
    return _lz_phrases(x, max_size, V, skip_new_char=True)


def lzw_dictionary(x: Any, max_size: int | None = None, V: int | None = None) -> list[Token]:
    """LZW dictionary of ``x`` (Welch 1984): ``w`` = longest prefix of the remainder in the
    dictionary; add ``w`` + next character; the next phrase starts at that character. Same stop
    rule as :func:`lz78_dictionary`. Prefix-closed. O(n)."""
    return _lz_phrases(x, max_size, V, skip_new_char=False)


def fixed_length_dictionary(V: int, r: int) -> list[Token]:
    """All strings of length 1..r over ``{0..V-1}`` (greedy then emits length-r blocks), shortest
    first and lexicographic within a length. Size ``sum_{l<=r} V^l``."""
    V = as_int(V, "V", min_value=1)
    r = as_int(r, "r", min_value=1)
    if r * np.log(max(V, 2)) > np.log(MAX_TOKENS):
        raise ValueError(f"r: the dictionary of all strings up to length r has > {MAX_TOKENS:.0e} tokens")
    if sum(V ** ell for ell in range(1, r + 1)) > 10_000_000:
        raise ValueError(f"r: {V}^{r} strings are too many to list")
    return [t for ell in range(1, r + 1) for t in itertools.product(range(V), repeat=ell)]


def heavy_hitter_dictionary(source: MarkovSource, beta: float, max_size: int = 1_000_000) -> list[Token]:
    """Leaves of the tree whose internal nodes are the strings ``s`` with
    ``max_c P(s | c) >= beta`` over contexts ``c`` with ``mu(c) > 0`` (the root is internal).

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
