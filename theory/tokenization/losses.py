"""Exact and Monte Carlo cross-entropy of the best token unigram / n-gram model, per character.

For a tokenizer on a stationary source let ``lambda_g`` be the long-run number of occurrences of
the token n-gram ``g`` per character. The best n-gram model over tokens has loss (nats/char)

    L_n = -sum_g lambda_g log(lambda_g / lambda_{g[:-1]}),   lambda_{h} = sum_t lambda_{h + t},

and for n = 1 the optimal unigram ``L_1 = r H(f) = H(f) / lbar`` with ``r = sum_t lambda_t`` tokens
per character and ``f = lambda / r`` (Gibbs' inequality; Rajaraman, Jiao & Ramchandran 2024).

Exact routes for the rates:

* joint chain (context x encoder state [x last n-1 tokens]) for any greedy dictionary, and the
  same chain over the transducer cascade for sequential BPE (state ``(context, pending bits)``);
* renewal at token boundaries for complete prefix-free dictionaries (n = 1).

Monte Carlo (``method="mc"``): stationary samples, tokens counted in a window trimmed at both
ends (start and flush effects), plug-in loss with a delete-one-sequence jackknife error.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from theory._result import SolverResult
from theory._rng import RngLike, as_generator
from theory._validate import as_choice, as_int
from theory.tokenization._chain import long_run_law
from theory.tokenization.sources import MarkovSource
from theory.tokenization.tokenizers import BPETokenizer, GreedyTokenizer, Token

Tokenizer = GreedyTokenizer | BPETokenizer


@dataclass(frozen=True, kw_only=True)
class LossResult(SolverResult):
    """Per-character loss of the best token n-gram model (a :class:`theory._result.SolverResult`).

    Attributes
    ----------
    value
        The loss in nats per character (NaN only with ``status="state_limit"``).
    status
        ``"exact"``, ``"mc"``, ``"fallback_mc"`` (exact chain over ``max_states``) or
        ``"state_limit"`` (over the limit with ``fallback=False``: value NaN).
    converged
        ``False`` only with ``status="state_limit"``.
    n_iter
        Monte Carlo sequences drawn (0 for exact routes).
    diagnostics
        Route details: closed classes, sample sizes, trim.
    stderr
        Jackknife standard error (0 for exact routes).
    tokens_per_char
        ``r = sum_t lambda_t = 1 / lbar``.
    token_frequencies
        ``f_t = lambda_t / r`` for every token of the vocabulary.
    n
        Order of the token model (1 = unigram).
    method_used
        ``"joint"``, ``"renewal"``, ``"cascade"`` or ``"mc"``.
    n_states
        Number of states of the exact chain (0 for Monte Carlo).
    """

    stderr: float
    tokens_per_char: float
    token_frequencies: Mapping[Token, float]
    n: int
    method_used: str
    n_states: int

    @property
    def mean_token_length(self) -> float:
        """``lbar = 1 / r`` characters per token."""
        return 1.0 / self.tokens_per_char


@dataclass(frozen=True, kw_only=True)
class TokenRates(SolverResult):
    """Long-run occurrences per character of tokens and token n-grams (exact routes).

    Follows :class:`theory._result.SolverResult`.

    Attributes
    ----------
    value
        Tokens per character ``r = sum_t lambda_t``.
    status
        Always ``"exact"`` (a stationary law solved by sparse LU / GTH).
    converged
        Always ``True``.
    n_iter
        0.
    tokens
        ``lambda_t`` per token, shape (|D|,).
    ngrams
        ``{g: lambda_g}`` for every token n-gram of positive rate.
    n_states
        States of the chain solved.
    route
        ``"joint"``, ``"cascade"`` or ``"renewal"``.
    n_closed
        Closed classes of the chain.
    """

    tokens: np.ndarray
    ngrams: Mapping[tuple[int, ...], float]
    n_states: int
    route: str
    n_closed: int


def _rates(lam: np.ndarray, ngrams: Mapping[tuple[int, ...], float], n_states: int, route: str,
           n_closed: int) -> TokenRates:
    return TokenRates(value=float(lam.sum()), status="exact", converged=True, tokens=lam, ngrams=ngrams,
                      n_states=n_states, route=route, n_closed=n_closed)


@dataclass(frozen=True, kw_only=True)
class RenewalChain(SolverResult):
    """The chain of source contexts at token boundaries for a complete prefix-free dictionary.

    Follows :class:`theory._result.SolverResult`.

    Attributes
    ----------
    value
        ``lbar = sum_c rho(c) sum_t P(t|c) |t|`` (alias: ``mean_length``).
    status
        Always ``"exact"``.
    converged
        Always ``True``.
    n_iter
        0.
    rho
        Long-run law of the context at token boundaries, shape ``(V^k,)``.
    token_probs
        ``P(t | c)``, shape ``(V^k, |D|)``; each row sums to 1.
    next_context
        Context after token ``t`` from context ``c``, shape ``(V^k, |D|)``.
    n_closed
        Number of closed classes of the boundary chain (``rho`` weights them by absorption).
    """

    rho: np.ndarray
    token_probs: np.ndarray
    next_context: np.ndarray
    n_closed: int

    @property
    def mean_length(self) -> float:
        """Alias of ``value`` (the old field name, kept for one release)."""
        return self.value


def _check_pair(source: Any, tokenizer: Any) -> None:
    if not isinstance(source, MarkovSource):
        raise ValueError(f"source: expected a MarkovSource, got {type(source).__name__}")
    if not isinstance(tokenizer, (GreedyTokenizer, BPETokenizer)):
        raise ValueError(f"tokenizer: expected a GreedyTokenizer or BPETokenizer, got "
                         f"{type(tokenizer).__name__}")
    if tokenizer.V < source.V:
        raise ValueError(f"tokenizer: its alphabet 0..{tokenizer.V - 1} misses symbols of the source "
                         f"alphabet 0..{source.V - 1}")


def renewal_chain(source: MarkovSource, tokenizer: GreedyTokenizer) -> RenewalChain:
    """Return the boundary-context chain and its long-run law from ``mu``.

    The chain is ``M[c, c'] = sum_{t: ctx(c, t) = c'} P(t | c)``, for a complete prefix-free dictionary.
    Cost O(#trie nodes x V^k) (about ``|D| V/(V-1)`` nodes) plus one sparse LU on ``V^k`` states.

    Raises
    ------
    ValueError
        If the dictionary is not complete prefix-free.
    """
    _check_pair(source, tokenizer)
    if not isinstance(tokenizer, GreedyTokenizer) or not tokenizer.prefix_free:
        raise ValueError("tokenizer: the renewal route needs a complete prefix-free GreedyTokenizer")
    n_ctx, V = source.n_ctx, source.V
    probs = np.zeros((n_ctx, len(tokenizer.vocab)))
    ends = np.zeros((n_ctx, len(tokenizer.vocab)), dtype=np.int64)
    children, node_token = tokenizer.trie
    base = np.arange(n_ctx)
    # depth-first over the trie: one vector update per trie node (shared prefixes computed once)
    stack: list[tuple[int, np.ndarray, np.ndarray]] = [(0, np.ones(n_ctx), base)]
    while stack:
        node, pr, ctx = stack.pop()
        tid = node_token[node]
        if tid >= 0:
            probs[:, tid], ends[:, tid] = pr, ctx
        for a, child in children[node].items():
            if a < V:  # tokens with symbols outside the source alphabet keep probability 0
                stack.append((child, pr * source.cond[ctx, a], (ctx * V + a) % n_ctx))
    keep = probs > 0
    rows = np.broadcast_to(base[:, None], probs.shape)[keep]
    rho, n_closed = long_run_law(rows, ends[keep], probs[keep], n_ctx, source.stationary())
    lbar = float(rho @ probs @ tokenizer.lengths)
    return RenewalChain(value=lbar, status="exact", converged=True, rho=rho, token_probs=probs,
                        next_context=ends, n_closed=n_closed)


def _joint_rates(source: MarkovSource, tokenizer: Tokenizer, n: int, max_states: int) -> TokenRates | None:
    """Rates from the joint (context, encoder state, last n-1 tokens) chain; None past max_states.

    Build O(states V) automaton steps (memoised per encoder state and symbol); solve one sparse LU.
    """
    auto = tokenizer.automaton()
    cond, V = source.cond, source.V
    mu = source.stationary()
    index: dict[tuple[int, Any, tuple[int, ...]], int] = {}
    states: list[tuple[int, Any, tuple[int, ...]]] = []
    for s in np.flatnonzero(mu > 0).tolist():
        index[(s, auto.start, ())] = len(states)
        states.append((s, auto.start, ()))
    n_start = len(states)
    rows: list[int] = []
    cols: list[int] = []
    probs: list[float] = []
    sigs: list[int] = []
    sig_index: dict[tuple[tuple[int, ...], tuple[tuple[int, ...], ...]], int] = {}
    cond_rows = cond.tolist()
    i = 0
    while i < len(states):
        s, e, h = states[i]
        row = cond_rows[s]
        for a in range(V):
            p = row[a]
            if p <= 0.0:
                continue
            e2, emitted = auto.step(e, a)
            grams: tuple[tuple[int, ...], ...]
            if n == 1:
                h2: tuple[int, ...] = ()
                grams = tuple((t,) for t in emitted)
            else:
                h2 = h
                gl: list[tuple[int, ...]] = []
                for t in emitted:
                    if len(h2) == n - 1:
                        gl.append(h2 + (t,))
                    h2 = (h2 + (t,))[-(n - 1):]
                grams = tuple(gl)
            key = ((s * V + a) % source.n_ctx, e2, h2)
            j = index.get(key)
            if j is None:
                if len(states) >= max_states:
                    return None
                j = index[key] = len(states)
                states.append(key)
            sig = sig_index.setdefault((emitted, grams), len(sig_index))
            rows.append(i)
            cols.append(j)
            probs.append(p)
            sigs.append(sig)
        i += 1
    r_arr, c_arr, p_arr = np.array(rows), np.array(cols), np.array(probs)
    init = np.zeros(len(states))
    init[:n_start] = [mu[s] for s, _, _ in states[:n_start]]
    nu, n_closed = long_run_law(r_arr, c_arr, p_arr, len(states), init)
    weight = np.bincount(np.array(sigs), weights=nu[r_arr] * p_arr, minlength=len(sig_index))
    lam = np.zeros(len(tokenizer.vocab))
    ngrams: dict[tuple[int, ...], float] = {}
    for (emitted, grams), w in zip(sig_index, weight.tolist()):
        if w <= 0.0:
            continue
        for t in emitted:
            lam[t] += w
        for g in grams:
            ngrams[g] = ngrams.get(g, 0.0) + w
    route = "cascade" if isinstance(tokenizer, BPETokenizer) else "joint"
    return _rates(lam, ngrams, len(states), route, n_closed)


def _renewal_rates(source: MarkovSource, tokenizer: GreedyTokenizer) -> TokenRates:
    ch = renewal_chain(source, tokenizer)
    lam = (ch.rho @ ch.token_probs) / ch.mean_length
    return _rates(lam, {(t,): float(v) for t, v in enumerate(lam) if v > 0}, source.n_ctx,
                  "renewal", ch.n_closed)


def token_rates_exact(source: MarkovSource, tokenizer: Tokenizer, n: int = 1, *, route: str = "auto",
                      max_states: int = 200_000) -> TokenRates | None:
    """Exact long-run rates of tokens and token n-grams per character (None past ``max_states``).

    ``route="auto"`` picks the renewal chain for complete prefix-free greedy dictionaries with
    ``n = 1``, the transducer cascade for BPE and the joint chain otherwise; ``"joint"`` forces the
    joint chain, ``"renewal"`` the renewal chain.
    """
    _check_pair(source, tokenizer)
    n = as_int(n, "n", min_value=1)
    route = as_choice(route, "route", ("auto", "joint", "renewal"))
    max_states = as_int(max_states, "max_states", min_value=1)
    if route == "renewal" or (route == "auto" and n == 1 and isinstance(tokenizer, GreedyTokenizer)
                              and tokenizer.prefix_free):
        if n != 1:
            raise ValueError("route: the renewal route computes unigram rates only (n = 1)")
        if not isinstance(tokenizer, GreedyTokenizer):
            raise ValueError("route: the renewal route needs a complete prefix-free GreedyTokenizer")
        return _renewal_rates(source, tokenizer)
    return _joint_rates(source, tokenizer, n, max_states)


def _ngram_loss_from_counts(counts: Mapping[tuple[int, ...], float], chars: float) -> float:
    """``-(1/chars) sum_g c_g log(c_g / c_{g[:-1]})`` with ``c_h = sum_t c_{h+t}``."""
    prefix: dict[tuple[int, ...], float] = {}
    for g, c in counts.items():
        prefix[g[:-1]] = prefix.get(g[:-1], 0.0) + c
    total = 0.0
    for g, c in counts.items():
        if c > 0:
            total -= c * math.log(c / prefix[g[:-1]])
    return total / chars


def _frequencies(tokenizer: Tokenizer, lam: np.ndarray) -> tuple[float, dict[Token, float]]:
    r = float(lam.sum())
    if not r > 0:
        raise ValueError("tokenizer: no token is ever emitted on this source")
    return r, {t: float(v / r) for t, v in zip(tokenizer.vocab, lam)}


def _mc_loss(source: MarkovSource, tokenizer: Tokenizer, n: int, n_seqs: int, seq_len: int,
             rng: RngLike, trim: int | None, status: str) -> LossResult:
    n_seqs = as_int(n_seqs, "n_seqs", min_value=2)
    seq_len = as_int(seq_len, "seq_len", min_value=10)
    trim = min(seq_len // 10, 2000) if trim is None else as_int(trim, "trim", min_value=0)
    width = seq_len - 2 * trim
    if width <= 0:
        raise ValueError(f"trim: 2 * trim = {2 * trim} leaves no window in seq_len = {seq_len}")
    g = as_generator(rng)
    lengths = tokenizer.lengths
    per_seq: list[Counter[tuple[int, ...]]] = []
    unigram = np.zeros(len(tokenizer.vocab))
    for _ in range(n_seqs):
        x = source.sample(seq_len, g)
        ids = np.array(tokenizer.encode_ids(x, drop_tail=True), dtype=np.int64)
        starts = np.cumsum(lengths[ids]) - lengths[ids]
        sel = np.flatnonzero((starts >= trim) & (starts < seq_len - trim))
        unigram += np.bincount(ids[sel], minlength=len(tokenizer.vocab))
        sel = sel[sel >= n - 1]
        if n == 1:
            types, cnts = np.unique(ids[sel], return_counts=True)
            per_seq.append(Counter({(int(t),): int(c) for t, c in zip(types, cnts)}))
        else:
            idl = ids.tolist()
            per_seq.append(Counter(tuple(idl[i - n + 1:i + 1]) for i in sel.tolist()))
    pooled: Counter[tuple[int, ...]] = Counter()
    for c in per_seq:
        pooled.update(c)
    value = _ngram_loss_from_counts(pooled, width * n_seqs)
    loo = np.array([_ngram_loss_from_counts(pooled - c, width * (n_seqs - 1)) for c in per_seq])
    stderr = math.sqrt((n_seqs - 1) / n_seqs * float(((loo - loo.mean()) ** 2).sum()))
    r, freqs = _frequencies(tokenizer, unigram / (width * n_seqs))
    return LossResult(value=value, status=status, converged=True, n_iter=n_seqs,
                      diagnostics={"n_seqs": n_seqs, "seq_len": seq_len, "trim": trim, "types": len(pooled)},
                      stderr=stderr, tokens_per_char=r, token_frequencies=freqs, n=n, method_used="mc",
                      n_states=0)


def ngram_loss(source: MarkovSource, tokenizer: Tokenizer, n: int, *, method: str = "exact",
               route: str = "auto", max_states: int = 200_000, fallback: bool = True,
               n_seqs: int = 20, seq_len: int = 200_000, trim: int | None = None,
               rng: RngLike = None) -> LossResult:
    """Cross-entropy (nats per character) of the best token n-gram model.

    Parameters
    ----------
    source
        The stationary Markov source.
    tokenizer
        A :class:`GreedyTokenizer` or a :class:`BPETokenizer` (sequential merge encoder).
    n
        Order of the token model, ``n >= 1``.
    method
        ``"exact"`` (joint chain / renewal / BPE cascade) or ``"mc"``.
    route
        Exact route: ``"auto"``, ``"joint"`` or ``"renewal"`` (see :func:`token_rates_exact`).
    max_states
        Limit on the states of the exact chain (at most ``V^k x #live buffers x |D|^(n-1)`` for
        greedy, ``V^k 2^#merges`` for BPE).
    fallback
        Past ``max_states``, run Monte Carlo (``status="fallback_mc"``); otherwise return
        ``status="state_limit"`` with a NaN value.
    n_seqs, seq_len, trim, rng
        Monte Carlo: sequences, their length, characters ignored at each end (default
        ``min(seq_len // 10, 2000)``) and the random generator.

    Returns
    -------
    LossResult

    Notes
    -----
    ``L_n = -sum_g lambda_g log(lambda_g / lambda_{g[:-1]})``. Monte Carlo: plug-in loss on the
    pooled counts of n-grams whose last token starts inside the window, divided by the window
    length; stderr from the delete-one-sequence jackknife
    ``se^2 = (B-1)/B sum_b (L_(b) - mean)^2``. Plug-in bias about ``-(K-1)/(2 B width)``.
    """
    _check_pair(source, tokenizer)
    n = as_int(n, "n", min_value=1)
    method = as_choice(method, "method", ("exact", "mc"))
    if method == "mc":
        return _mc_loss(source, tokenizer, n, n_seqs, seq_len, rng, trim, "mc")
    rates = token_rates_exact(source, tokenizer, n, route=route, max_states=max_states)
    if rates is None:
        if fallback:
            return _mc_loss(source, tokenizer, n, n_seqs, seq_len, rng, trim, "fallback_mc")
        return LossResult(value=math.nan, status="state_limit", converged=False,
                          diagnostics={"max_states": max_states}, stderr=math.nan, tokens_per_char=math.nan,
                          token_frequencies={}, n=n, method_used="joint", n_states=max_states)
    value = _ngram_loss_from_counts(rates.ngrams, 1.0)
    r, freqs = _frequencies(tokenizer, rates.tokens)
    return LossResult(value=value, status="exact", converged=True,
                      diagnostics={"closed_classes": rates.n_closed},
                      stderr=0.0, tokens_per_char=r, token_frequencies=freqs, n=n, method_used=rates.route,
                      n_states=rates.n_states)


def unigram_loss(source: MarkovSource, tokenizer: Tokenizer, *, method: str = "exact",
                 route: str = "auto", max_states: int = 200_000, fallback: bool = True,
                 n_seqs: int = 20, seq_len: int = 200_000, trim: int | None = None,
                 rng: RngLike = None) -> LossResult:
    """Compute the optimal unigram loss over tokens, ``L_1 = r H(f) = -sum_t lambda_t log(lambda_t / r)``.

    In nats per character, attained by ``Q_tok = f``. Same parameters as :func:`ngram_loss`.
    """
    return ngram_loss(source, tokenizer, 1, method=method, route=route, max_states=max_states,
                      fallback=fallback, n_seqs=n_seqs, seq_len=seq_len, trim=trim, rng=rng)
