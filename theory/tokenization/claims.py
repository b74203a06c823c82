"""Registered claims of :mod:`theory.tokenization` (statements S1-S9 of the spec and the machinery).

Source: Rajaraman, Jiao & Ramchandran 2024, "Toward a Theory of Tokenization in LLMs" (arXiv
2404.08335); the statements checked here are self-contained consequences (Gibbs' inequality,
renewal-reward, stationarity), since the paper's theorem constants could not be verified.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from theory._info import entropy
from theory.claims import Measurement, claim
from theory.tokenization.instances import (
    BARRIER_RATIOS,
    CAN_HURT_VALUES,
    D1,
    FIXED_LENGTH_LOSSES,
    HEAVY_HITTER,
    HEAVY_HITTER_VALUES,
    SW3_H_INF,
    SWITCHING_VALUES,
    SYMMETRIC_H_INF,
    symmetric_source,
)
from theory.tokenization.losses import Tokenizer, ngram_loss, renewal_chain, unigram_loss
from theory.tokenization.reference import block_entropy_enum, bpe_train, greedy_parse
from theory.tokenization.sources import MarkovSource, binary_entropy
from theory.tokenization.tokenizers import (
    BPETokenizer,
    GreedyTokenizer,
    fixed_length_dictionary,
    heavy_hitter_dictionary,
    lz78_dictionary,
    lzw_dictionary,
)


def _alphabet(V: int) -> GreedyTokenizer:
    return GreedyTokenizer([(a,) for a in range(V)])


def _random_sources(rng: np.random.Generator, count: int, max_k: int = 3,
                    min_prob: float = 0.02) -> list[MarkovSource]:
    out = []
    for _ in range(count):
        k = int(rng.integers(1, max_k + 1))
        V = 2 if k == 3 else int(rng.integers(2, 4))
        out.append(MarkovSource.random(k, V, rng=rng, min_prob=min_prob))
    return out


@claim("tokenization.stationary",
       source="makkuva2024attention; cover2006elements, ch. 4",
       statement="mu T = mu on the lifted context chain; sw(k; p, q) has mu = pi^(x)k, the I1/I2 "
                 "values and the same H_inf for every k")
def _stationary(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 5 if fast else 40
    worst = 0.0
    for src in _random_sources(rng, count):
        mu = src.stationary()
        T = src.lifted_matrix()
        w, vec = np.linalg.eig(T.T)
        v = np.real(vec[:, np.argmin(np.abs(w - 1.0))])
        worst = max(worst, float(np.abs(mu @ T - mu).max()), float(np.abs(mu - v / v.sum()).max()))
    for k in (1, 2, 4):
        for (p, q), pi0, h_inf, h_pi in SWITCHING_VALUES:
            src = MarkovSource.switching(k, p, q)
            prod = np.array([1.0])
            for _ in range(k):
                prod = np.kron(prod, [pi0, 1 - pi0])
            worst = max(worst, float(np.abs(src.stationary() - prod).max()),
                        abs(src.entropy_rate() - h_inf), abs(src.cond_entropy(1) - h_pi))
    sym = symmetric_source()
    worst = max(worst, abs(sym.entropy_rate() - SYMMETRIC_H_INF), abs(sym.cond_entropy(1) - math.log(2)),
                abs(MarkovSource.switching(3, 0.1, 0.1).entropy_rate() - SW3_H_INF))
    return Measurement(worst, 1e-9, {"random_sources": count, "switching_k": [1, 2, 4]})


@claim("tokenization.entropy-rate", source="cover2006elements, ch. 4",
       statement="H_inf = sum_s mu(s) H(P(.|s)) = H(X_1^r) - H(X_1^{r-1}) (r > k) and "
                 "H(X_1^r)/r = H_inf + (H(mu) - k H_inf)/r -> H_inf, by enumeration of strings")
def _entropy_rate(fast: bool, rng: np.random.Generator) -> Measurement:
    count, r_max = (4, 6) if fast else (25, 9)
    worst = 0.0
    for src in _random_sources(rng, count):
        h = src.entropy_rate()
        r_top = min(r_max, {2: r_max, 3: 6}[src.V])
        enum = [0.0] + [block_entropy_enum(src, r) for r in range(1, r_top + 1)]
        const = enum[src.k] - src.k * h  # H(mu) - k H_inf
        for r in range(1, r_top + 1):
            worst = max(worst, abs(enum[r] - src.block_entropy(r)))
            if r > src.k:
                worst = max(worst, abs(enum[r] - enum[r - 1] - h), abs(enum[r] / r - h - const / r))
    return Measurement(worst, 1e-9, {"sources": count, "r_max": r_max})


@claim("tokenization.barrier", source="rajaraman2024tokenization, unigram barrier",
       statement="greedy with D = alphabet has optimal unigram loss exactly H(pi); on sw(k; d, d) the "
                 "ratio to H_inf is ln2/h(d) (2.1322, 12.377, 87.660 at d = 0.1, 0.01, 0.001)")
def _barrier(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 6 if fast else 40
    worst = 0.0
    for src in _random_sources(rng, count, min_prob=0.0):
        pi = src.char_marginal()
        h_pi = entropy(pi)
        worst = max(worst, abs(unigram_loss(src, _alphabet(src.V)).value - h_pi))
    for delta, ratio in BARRIER_RATIOS:
        src = MarkovSource.switching(2, delta, delta)
        measured = unigram_loss(src, _alphabet(2)).value / src.entropy_rate()
        worst = max(worst, abs(measured - ratio), abs(math.log(2) / binary_entropy(delta) - ratio))
    return Measurement(worst, 1e-9, {"random_sources": count, "deltas": [0.1, 0.01, 0.001]})


@claim("tokenization.short-context", source="rajaraman2024tokenization",
       statement="on sw(k; p, q) the best character j-gram loss (token j-gram over the alphabet, joint "
                 "chain) is H(pi) for j <= k and H_inf for j = k + 1")
def _short_context(fast: bool, rng: np.random.Generator) -> Measurement:
    ks = (2, 3) if fast else (2, 3, 4, 5)
    worst = 0.0
    for k in ks:
        p, q = rng.uniform(0.05, 0.95, size=2)
        src = MarkovSource.switching(k, float(p), float(q))
        pi0 = q / (p + q)
        h_pi = binary_entropy(float(pi0))
        h_inf = pi0 * binary_entropy(float(p)) + (1 - pi0) * binary_entropy(float(q))
        for j in range(1, k + 2):
            want = h_pi if j <= k else h_inf
            worst = max(worst, abs(ngram_loss(src, _alphabet(2), j).value - want),
                        abs(src.cond_entropy(j) - want))
    return Measurement(worst, 1e-9, {"k": list(ks)})


@claim("tokenization.fixed-length", source="rajaraman2024tokenization",
       statement="all strings of length <= r give L1 = H(X_1^r)/r (joint chain = renewal on blocks = "
                 "[H(mu) + (r-k) H_inf]/r); I4: 0.693147, 0.628899, 0.596775 for r = 2, 3, 4")
def _fixed_length(fast: bool, rng: np.random.Generator) -> Measurement:
    count, r_max = (3, 4) if fast else (15, 6)
    worst = 0.0
    sources = _random_sources(rng, count)
    sym = symmetric_source()
    for src in [*sources, sym]:
        for r in range(1, r_max + 1 if src.V == 2 else 4):
            formula = src.block_entropy(r) / r
            joint = unigram_loss(src, GreedyTokenizer(fixed_length_dictionary(src.V, r))).value
            blocks = GreedyTokenizer(list(itertools.product(range(src.V), repeat=r)))
            renewal = unigram_loss(src, blocks).value
            worst = max(worst, abs(joint - formula), abs(renewal - formula))
    for r, want in FIXED_LENGTH_LOSSES:
        worst = max(worst, abs(unigram_loss(sym, GreedyTokenizer(fixed_length_dictionary(2, r))).value
                               - want))
    return Measurement(worst, 1e-9, {"sources": count + 1, "r_max": r_max})


def _tokenizers_for(src: MarkovSource, rng: np.random.Generator, size: int) -> list[Tokenizer]:
    x = src.sample(3000, rng)
    return [GreedyTokenizer(lz78_dictionary(x, max_size=size, V=src.V)),
            GreedyTokenizer(lzw_dictionary(x, max_size=size, V=src.V)),
            BPETokenizer.train(x, 5, V=src.V)]


@claim("tokenization.optimal-unigram", source="rajaraman2024tokenization",
       statement="L(Q) = sum_t lambda_t (-log Q(t)) >= r H(f) = H(f)/lbar for every Q, with equality "
                 "at Q = f")
def _optimal_unigram(fast: bool, rng: np.random.Generator) -> Measurement:
    count, n_q = (3, 50) if fast else (15, 500)
    worst = 0.0
    for src in _random_sources(rng, count, max_k=2):
        for tok in _tokenizers_for(src, rng, 12):
            res = unigram_loss(src, tok)
            f = np.array(list(res.token_frequencies.values()))
            lam = res.tokens_per_char * f
            on = f > 0
            worst = max(worst, abs(float(-(lam[on] * np.log(f[on])).sum()) - res.value),
                        abs(res.tokens_per_char * entropy(f[on]) - res.value))
            Q = rng.dirichlet(np.full(on.sum(), 0.5), size=n_q)
            Q = 0.5 * Q + 0.5 * f[on]  # some near the optimum, all strictly positive
            cross = -(np.log(Q) @ lam[on])
            worst = max(worst, float(res.value - cross.min()))
    return Measurement(worst, 1e-9, {"sources": count, "random_Q": n_q})


@claim("tokenization.lower-bound", source="rajaraman2024tokenization",
       statement="every computed token n-gram loss (exact and MC - 4 se) is >= H_inf (smallest "
                 "margin; passes when >= -1e-12)")
def _lower_bound(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 3 if fast else 15
    margin = math.inf
    for src in _random_sources(rng, count, max_k=2):
        h = src.entropy_rate()
        toks = _tokenizers_for(src, rng, 10) + [GreedyTokenizer(heavy_hitter_dictionary(src, 0.05))]
        for tok in toks:
            for n in (1, 2):
                margin = min(margin, ngram_loss(src, tok, n).value - h)
    sym = symmetric_source()
    mc = unigram_loss(sym, GreedyTokenizer(D1), method="mc", n_seqs=5, seq_len=20_000, rng=rng)
    margin = min(margin, mc.value + 4 * mc.stderr - sym.entropy_rate())
    return Measurement(margin, -1e-12, {"sources": count, "n": [1, 2]}, direction=">=")


@claim("tokenization.heavy-hitter", source="rajaraman2024tokenization, heavy-hitter dictionaries",
       statement="complete prefix-free D: H_inf lbar = E_rho[-log P(t|c)], L1 <= log|D|/lbar <= "
                 "H_inf log|D|/log(1/beta_max); heavy hitters: |D| <= 1 + (V-1)V^k(l*+1)/beta, "
                 "beta_max < beta; I7 values")
def _heavy_hitter(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 3 if fast else 20
    worst = -math.inf  # largest violation (bound - value <= 0 is fine), plus identity residuals
    (hh_k, hh_p, hh_q), hh_beta = HEAVY_HITTER
    cases = [(MarkovSource.switching(hh_k, hh_p, hh_q), hh_beta)]
    for src in _random_sources(rng, count, max_k=2, min_prob=0.05):
        cases.append((src, float(rng.uniform(0.01, 0.1))))
    i7 = None
    for src, beta in cases:
        D = heavy_hitter_dictionary(src, beta)
        tok = GreedyTokenizer(D, V=src.V)
        ch = renewal_chain(src, tok)
        res = unigram_loss(src, tok)
        h = src.entropy_rate()
        live = src.stationary() > 0
        P = ch.token_probs
        logp = np.log(np.where(P > 0, P, 1.0))
        reward = float(-(ch.rho @ (P * logp).sum(axis=1)))
        beta_max = float(P[live].max())
        pmax = float(src.cond[live].max())
        l_star = math.floor(math.log(1 / beta) / -math.log(pmax))
        size_bound = 1 + (src.V - 1) * src.n_ctx * (l_star + 1) / beta
        loss_bound = h * (math.log(1 / beta) + math.log((src.V - 1) * src.n_ctx * (l_star + 1) + beta)) \
            / math.log(1 / beta)
        uniform = math.log(len(D)) / ch.mean_length
        worst = max(worst, abs(h * ch.mean_length - reward),
                    res.value - uniform, uniform - h * math.log(len(D)) / math.log(1 / beta_max),
                    len(D) - size_bound, beta_max - beta, res.value - loss_bound)
        if i7 is None:
            i7 = (res.value, len(D), ch.mean_length, beta_max, h * math.log(len(D)) / math.log(1 / beta_max))
    assert i7 is not None
    want = HEAVY_HITTER_VALUES
    worst = max(worst, abs(i7[0] - want[0]), abs(i7[1] - want[1]), abs(i7[2] - want[2]) - 1e-9,
                abs(i7[3] - want[3]), abs(i7[4] - want[4]) - 1e-9)
    return Measurement(worst, 1e-9, {"random_sources": count, "I7": "sw(2; 0.1, 0.1), beta = 0.05"})


@claim("tokenization.monotone", source="rajaraman2024tokenization",
       statement="L1 >= L2 >= L3 >= H_inf for token n-gram models (largest violation)")
def _monotone(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 3 if fast else 12
    worst = -math.inf
    for src in _random_sources(rng, count, max_k=2):
        for tok in [*_tokenizers_for(src, rng, 8), GreedyTokenizer(D1, V=src.V) if src.V == 2 else
                    GreedyTokenizer(fixed_length_dictionary(src.V, 2))]:
            L = [ngram_loss(src, tok, n).value for n in (1, 2, 3)]
            worst = max(worst, L[1] - L[0], L[2] - L[1], src.entropy_rate() - L[2])
    return Measurement(worst, 1e-9, {"sources": count, "n": [1, 2, 3]})


@claim("tokenization.can-hurt", source="rajaraman2024tokenization",
       statement="greedy D1 = {0,1,00,11,010,101} on sw(2; 0.8, 0.8): L1 = 0.768250 > H(pi) = ln 2 "
                 "(r = 37/68, 10 states) while its token bigram reaches H_inf = 0.500402")
def _can_hurt(fast: bool, rng: np.random.Generator) -> Measurement:
    src = symmetric_source()
    tok = GreedyTokenizer(D1)
    L1 = unigram_loss(src, tok)
    L2 = ngram_loss(src, tok, 2)
    l1_want, r_want, states_want = CAN_HURT_VALUES
    resid = max(abs(L1.value - l1_want), abs(L1.tokens_per_char - r_want),
                abs(L2.value - src.entropy_rate()), abs(L1.n_states - states_want))
    # the excess over the barrier must be real (not rounding): at least 0.05 nats/char
    excess_short = max(0.0, math.log(2) + 0.05 - L1.value)
    return Measurement(max(resid, excess_short), 1e-9, {"dictionary": "D1", "source": "sw(2; 0.8, 0.8)"})


@claim("tokenization.renewal-vs-joint",
       source="derived, renewal chain vs joint chain (theory.tokenization.losses)",
       statement="for complete prefix-free dictionaries the renewal chain and the joint (context x "
                 "buffer) chain give the same loss and token rate")
def _renewal_vs_joint(fast: bool, rng: np.random.Generator) -> Measurement:
    count = 4 if fast else 25
    worst = 0.0
    for src in _random_sources(rng, count, min_prob=0.03):
        dicts = [heavy_hitter_dictionary(src, float(rng.uniform(0.03, 0.2))),
                 list(itertools.product(range(src.V), repeat=int(rng.integers(1, 4))))]
        for D in dicts:
            tok = GreedyTokenizer(D, V=src.V)
            a = unigram_loss(src, tok)
            b = unigram_loss(src, tok, route="joint")
            if a.method_used != "renewal" or b.method_used != "joint":
                return Measurement(math.inf, 1e-12, {"error": "wrong route"})
            worst = max(worst, abs(a.value - b.value), abs(a.tokens_per_char - b.tokens_per_char))
    return Measurement(worst, 1e-12, {"sources": count})


@claim("tokenization.cascade", source="gage1994new; sennrich2016neural",
       statement="the transducer cascade, the vectorised passes and literal merge passes encode random "
                 "strings identically; incremental BPE training equals recount-per-merge training")
def _cascade(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 30 if fast else 300
    mismatches = 0
    for _ in range(trials):
        V = int(rng.integers(2, 4))
        train = rng.integers(0, V, size=int(rng.integers(20, 200)))
        if rng.random() < 0.5:
            train = (rng.random(train.size) < 0.7).astype(np.int64)  # long runs: a == b merges
        n_merges = int(rng.integers(0, 15))
        tok = BPETokenizer.train(train, n_merges, V=V)
        mismatches += int((tok.merges, tok.merge_counts) != tuple(bpe_train(train.tolist(), n_merges)))
        x = rng.integers(0, V, size=int(rng.integers(0, 120)))
        enc = tok.encode(x)
        mismatches += int(enc != tok.encode_direct(x)) + int(enc != tok.encode_cascade(x))
    return Measurement(mismatches, 0, {"trials": trials})


@claim("tokenization.roundtrip", source="derived, definition of a tokenizer (decode = concatenation)",
       statement="decode(encode(x)) = x for greedy (LZ78, LZW, D1, fixed-length) and BPE tokenizers, "
                 "and greedy equals the scan-every-token longest match")
def _roundtrip(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 20 if fast else 200
    failures = 0
    for _ in range(trials):
        V = int(rng.integers(2, 4))
        x = rng.integers(0, V, size=int(rng.integers(0, 150)))
        train = rng.integers(0, V, size=300)
        toks: list[Tokenizer] = [GreedyTokenizer(lz78_dictionary(train, max_size=30, V=V)),
                GreedyTokenizer(lzw_dictionary(train, max_size=30, V=V)),
                GreedyTokenizer(fixed_length_dictionary(V, 3)), BPETokenizer.train(train, 10, V=V)]
        if V == 2:
            toks.append(GreedyTokenizer(D1))
        for tok in toks:
            enc = tok.encode(x)
            failures += int(not np.array_equal(tok.decode(enc), x))
            if isinstance(tok, GreedyTokenizer):
                failures += int(enc != greedy_parse(x.tolist(), tok.vocab))
    return Measurement(failures, 0, {"trials": trials})


@claim("tokenization.exact-vs-mc", source="derived, Monte Carlo vs exact chains (theory.tokenization.losses)",
       statement="Monte Carlo (jackknife se) agrees with the exact joint chain / BPE cascade: "
                 "max |exact - mc| / (4 se + 1e-3) <= 1 on I5 (n = 1, 2), BPE and LZ78")
def _exact_vs_mc(fast: bool, rng: np.random.Generator) -> Measurement:
    n_seqs, seq_len = (8, 20_000) if fast else (20, 200_000)
    sym = symmetric_source()
    x = sym.sample(20_000, rng)
    src3 = MarkovSource.random(2, 3, rng=rng, min_prob=0.05)
    cases: list[tuple[MarkovSource, Tokenizer, int]] = [
             (sym, GreedyTokenizer(D1), 1), (sym, GreedyTokenizer(D1), 2), (sym, BPETokenizer.train(x, 6), 1),
             (sym, GreedyTokenizer(lz78_dictionary(x, max_size=40)), 1),
             (src3, BPETokenizer.train(src3.sample(5000, rng), 4, V=3), 2)]
    worst = 0.0
    for src, tok, n in cases:
        exact = ngram_loss(src, tok, n)
        mc = ngram_loss(src, tok, n, method="mc", n_seqs=n_seqs, seq_len=seq_len, rng=rng)
        worst = max(worst, abs(exact.value - mc.value) / (4 * mc.stderr + 1e-3))
    return Measurement(worst, 1.0, {"n_seqs": n_seqs, "seq_len": seq_len, "cases": len(cases)})


@claim("tokenization.paper-P3", source="rajaraman2024tokenization",
       statement="[proposed] recalled bound L1 <= H_inf/(1 - log(1/delta)/(0.99 log d)) holds for "
                 "heavy-hitter dictionaries on sw(2; d, d) (ratio L1/bound; sanity check only)")
def _paper_p3(fast: bool, rng: np.random.Generator) -> Measurement:
    betas = (0.05, 0.02) if fast else (0.05, 0.02, 0.01, 0.005)
    worst = 0.0
    for delta in (0.1, 0.2):
        src = MarkovSource.switching(2, delta, delta)
        for beta in betas:
            tok = GreedyTokenizer(heavy_hitter_dictionary(src, beta))
            eps = math.log(1 / delta) / (0.99 * math.log(len(tok.vocab)))
            if eps >= 1:
                continue
            worst = max(worst, unigram_loss(src, tok).value / (src.entropy_rate() / (1 - eps)))
    return Measurement(worst, 1.0, {"betas": list(betas), "deltas": [0.1, 0.2]})
