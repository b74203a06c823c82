"""Sequential BPE: training by incremental pair counts, direct encoding and the merge-transducer cascade."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._validate import as_int
from theory.tokenization._tokens import (
    MAX_TOKENS,
    Automaton,
    Token,
    as_sequences,
    as_symbols,
)


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
        """Learn up to ``n_merges`` merges from ``x``.

        ``x`` is a sequence, or a list of sequences with no pairs across their boundaries.

        Pinned convention: the count of a pair is the number of adjacent positions holding it
        (overlapping: "000" counts (0, 0) twice); the largest count wins; ties go to the
        lexicographically smallest (left, right) pair of token tuples; each merge is applied left
        to right without overlap. Stops early when no pair is left.

        Complexity: O(n log n) for the initial counts plus O(occurrences x log) per merge, with a
        max-heap on (-count, left, right) and lazy deletion; counts are never recomputed.
        """
        n_merges = as_int(n_merges, "n_merges", min_value=0)
        seqs = as_sequences(x)
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
        """Encode ``x`` as token ids by sequential merges: one vectorised pass per merge.

        O(n |merges|) numpy work. ``drop_tail`` is accepted for symmetry with :class:`GreedyTokenizer`
        (BPE never leaves a tail).
        """
        arr = np.array(as_symbols(x, "x", self.V), dtype=np.int64)
        for a, b, c in self._merge_ids:
            if arr.size < 2:
                break
            arr = _merge_pass(arr, a, b, c)
        return arr.tolist()

    def encode(self, x: Any) -> list[Token]:
        """Encode by sequential merges, in training order.

        Each merge is a left-to-right non-overlapping replacement of (left, right) by left + right.
        """
        return [self.vocab[i] for i in self.encode_ids(x)]

    def encode_direct(self, x: Any) -> list[Token]:
        """Return the same encoding by literal Python passes over the token list, one per merge.

        The definition, O(n |merges|): a reference route for tests and claims.
        """
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
        """Return the same encoding by streaming the characters through the transducer cascade."""
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

    def automaton(self) -> Automaton:
        """Return the cascade as an online encoder; state = bitmask of passes with a pending token."""
        return _CascadeAutomaton(self.transducers())

    def __repr__(self) -> str:
        return f"BPETokenizer(V={self.V}, merges={len(self.merges)})"


def _merge_pass(arr: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """Replace (a, b) by c left to right without overlap.

    Occurrences can overlap only when a == b: in a run of a's the merges start at even offsets from the
    run start.
    """
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


class _CascadeAutomaton(Automaton):
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
