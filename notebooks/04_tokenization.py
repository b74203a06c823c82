# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     name: python3
# ---

# %% [markdown]
# # Tokenization on k-th order Markov sources
#
# Rajaraman, Jiao & Ramchandran (2024) ask why tokenization helps: on k-th order Markov data a
# model over *characters* with too short a context is stuck at the unigram loss H(pi), while even
# a *unigram* model over good tokens gets close to the entropy rate H_inf. This notebook walks
# through
#
# 1. the unigram barrier on the switching source (sympy),
# 2. the optimal-unigram formula L1 = H(f)/lbar on a small source, derived symbolically through
#    the renewal chain of a prefix-free dictionary,
# 3. the joint (source context x encoder buffer) chain for a greedy dictionary that needs
#    lookahead, solved in exact rationals,
#
# each checked against `theory.tokenization`. Units: nats per character.

# %%
import itertools

import numpy as np
import sympy as sp

from theory.figures import fast_mode
from theory.tokenization import (
    GreedyTokenizer,
    MarkovSource,
    binary_entropy,
    heavy_hitter_dictionary,
    ngram_loss,
    unigram_loss,
)

fast = fast_mode()

# %% [markdown]
# ## 1. The unigram barrier
#
# The switching source sw(k; p, q) draws x_n from x_{n-k} through the kernel
# [[1-p, p], [q, 1-q]]: k interleaved first-order chains. Any character model whose context is
# shorter than k sees only symbols from the *other* chains, which are independent of x_n; its best
# loss is H(pi) with pi = (q, p)/(p+q). The entropy rate is pi_0 h(p) + pi_1 h(q).

# %%
p, q, d = sp.symbols("p q delta", positive=True)


def h(x):
    return -x * sp.log(x) - (1 - x) * sp.log(1 - x)


pi0 = q / (p + q)
H_pi = h(pi0)
H_inf = pi0 * h(p) + (1 - pi0) * h(q)
ratio = sp.simplify(H_pi.subs({p: d, q: d}) / H_inf.subs({p: d, q: d}))
print("H(pi)/H_inf on sw(k; d, d) =", ratio)
assert sp.simplify(ratio - sp.log(2) / h(d)) == 0
print("limit as delta -> 0:", sp.limit(ratio, d, 0, "+"))
assert sp.limit(ratio, d, 0, "+") == sp.oo

# %% [markdown]
# Numerically, for k = 2 and 4: the greedy tokenizer over the bare alphabet (a character unigram
# model) gives exactly H(pi), character (k+1)-grams give H_inf, and shorter ones stay at H(pi).

# %%
for k in (2, 4):
    for pv, qv in [(0.2, 0.3), (0.8, 0.8)]:
        src = MarkovSource.switching(k, pv, qv)
        subs = {p: pv, q: qv}
        alphabet = GreedyTokenizer([(0,), (1,)])
        L1 = unigram_loss(src, alphabet).value
        assert abs(L1 - float(H_pi.subs(subs))) < 1e-12
        assert abs(src.entropy_rate() - float(H_inf.subs(subs))) < 1e-12
        for j in range(1, k + 2):
            Lj = ngram_loss(src, alphabet, j).value
            want = float(H_pi.subs(subs)) if j <= k else float(H_inf.subs(subs))
            assert abs(Lj - want) < 1e-10, (k, j, Lj, want)
        print(f"sw({k}; {pv}, {qv}): H(pi) = {L1:.6f}, H_inf = {src.entropy_rate():.6f}")
for delta in (0.1, 0.01, 0.001):
    print(f"delta = {delta}: ln2/h(delta) = {np.log(2) / binary_entropy(delta):.6f}")

# %% [markdown]
# ## 2. The optimal unigram over tokens, symbolically
#
# Let lambda_t be the long-run number of occurrences of token t per character, r = sum lambda_t
# tokens per character, f = lambda / r. A unigram model Q pays sum_t lambda_t (-log Q(t)) nats per
# character; with the constraint sum Q = 1 the stationarity condition gives Q = f (Lagrange):

# %%
lam = sp.symbols("lambda1:4", positive=True)
Q = sp.symbols("Q1:4", positive=True)
mult = sp.symbols("nu")
lagr = sum(-lt * sp.log(Qt) for lt, Qt in zip(lam, Q)) + mult * (sum(Q) - 1)
sol = sp.solve([sp.diff(lagr, Qt) for Qt in Q] + [sum(Q) - 1], [*Q, mult], dict=True)[0]
print(sol)
assert all(sp.simplify(sol[Qt] - lt / sum(lam)) == 0 for Qt, lt in zip(Q, lam))

# %% [markdown]
# So L1 = -sum_t lambda_t log(lambda_t / r) = r H(f) = H(f)/lbar. For a complete prefix-free
# dictionary the rates come from the renewal chain of source contexts at token boundaries. Take
# the first-order source sw(1; p, q) and D = {0, 10, 11}: from boundary context c (the last
# symbol), the token 0 has probability P(0|c), 10 has P(1|c)P(0|1) and 11 has P(1|c)P(1|1); the
# tokens 0 and 10 end in context 0, the token 11 in context 1.

# %%
P = sp.Matrix([[1 - p, p], [q, 1 - q]])  # P[c, a]
tokens = [(0,), (1, 0), (1, 1)]


def tok_prob(c, t):
    out, ctx = 1, c
    for a in t:
        out *= P[ctx, a]
        ctx = a
    return out


M = sp.zeros(2, 2)
for c in range(2):
    for t in tokens:
        M[c, t[-1]] += tok_prob(c, t)
assert sp.simplify(M * sp.ones(2, 1) - sp.ones(2, 1)) == sp.zeros(2, 1)
r0 = sp.symbols("rho0")
rho_sol = sp.solve(sp.Eq(r0 * M[0, 0] + (1 - r0) * M[1, 0], r0), r0)[0]
rho = [sp.simplify(rho_sol), sp.simplify(1 - rho_sol)]
lbar = sp.simplify(sum(rho[c] * tok_prob(c, t) * len(t) for c in range(2) for t in tokens))
rates = [sp.simplify(sum(rho[c] * tok_prob(c, t) for c in range(2)) / lbar) for t in tokens]
L1_sym = -sum(lt * sp.log(lt / sum(rates)) for lt in rates)
print("rho =", rho, " lbar =", lbar)

# %%
vals = [(0.2, 0.3), (0.1, 0.1), (0.7, 0.4)]
for pv, qv in vals:
    subs = {p: pv, q: qv}
    src = MarkovSource.switching(1, pv, qv)
    res = unigram_loss(src, GreedyTokenizer(tokens))
    assert res.method_used == "renewal"
    assert abs(res.value - float(L1_sym.subs(subs))) < 1e-12
    assert abs(res.mean_token_length - float(lbar.subs(subs))) < 1e-12
    joint = unigram_loss(src, GreedyTokenizer(tokens), route="joint")
    assert abs(joint.value - res.value) < 1e-12
    print(f"p={pv}, q={qv}: L1 = {res.value:.6f} (H(pi) = {src.cond_entropy(1):.6f}, "
          f"H_inf = {src.entropy_rate():.6f})")

# %% [markdown]
# ## 3. The joint chain: greedy with lookahead, in exact rationals
#
# D1 = {0, 1, 00, 11, 010, 101} is not prefix-closed: after reading "01" greedy cannot decide
# whether to emit 0 (then "1...") or wait for 010. The online encoder keeps a buffer b of unemitted
# characters while b is a proper prefix of a token; reading a maps b to settle(b + a). Pairing the
# buffer with the source context gives a finite Markov chain; its stationary law gives the token
# rates. On sw(2; 4/5, 4/5) we build it by breadth-first search and solve it in rationals.

# %%
D1 = [(0,), (1,), (0, 0), (1, 1), (0, 1, 0), (1, 0, 1)]
tok = GreedyTokenizer(D1)
auto = tok.automaton()
stay = sp.Rational(1, 5)  # P(x_n = x_{n-2}) on sw(2; 4/5, 4/5)
cond = {(s, a): (stay if a == (s >> 1) else 1 - stay) for s in range(4) for a in range(2)}
states = [(s, ()) for s in range(4)]
index = {st: i for i, st in enumerate(states)}
edges = []  # (from, to, probability, emitted token ids)
i = 0
while i < len(states):
    s, b = states[i]
    for a in range(2):
        b2, emitted = auto.step(b, a)
        nxt = ((2 * s + a) % 4, b2)
        if nxt not in index:
            index[nxt] = len(states)
            states.append(nxt)
        edges.append((i, index[nxt], cond[(s, a)], emitted))
    i += 1
n = len(states)
T = sp.zeros(n, n)
for a_, b_, pr, _ in edges:
    T[a_, b_] += pr
print(n, "states:", [(s, "".join(map(str, b))) for s, b in states])
nu = sp.Matrix(sp.symbols(f"nu0:{n}"))
eqs = list(T.T * nu - nu)[:-1] + [sum(nu) - 1]
nu_sol = sp.solve(eqs, list(nu), dict=True)[0]
rates = [sp.Integer(0)] * len(D1)
for a_, _, pr, emitted in edges:
    for t in emitted:
        rates[t] += nu_sol[nu[a_]] * pr
r_exact = sum(rates)
f_exact = [sp.nsimplify(x / r_exact) for x in rates]
print("tokens per char r =", r_exact, " f =", dict(zip(["0", "1", "00", "11", "010", "101"], f_exact)))
assert r_exact == sp.Rational(37, 68)
L1_exact = -sum(x * sp.log(x / r_exact) for x in rates if x != 0)

# %%
res = unigram_loss(MarkovSource.switching(2, 0.8, 0.8), tok)
print("library:", res.value, res.n_states, "states;  sympy:", float(L1_exact))
assert res.n_states == n == 10
assert abs(res.value - float(L1_exact)) < 1e-12
assert res.value > np.log(2) + 0.05  # worse than no tokenization at all (S9) ...
L2 = ngram_loss(MarkovSource.switching(2, 0.8, 0.8), tok, 2).value
assert abs(L2 - binary_entropy(0.8)) < 1e-12  # ... while its token bigram is optimal
print(f"L1 = {res.value:.6f} > H(pi) = {np.log(2):.6f}; L2 = {L2:.6f} = H_inf")

# %% [markdown]
# ## 4. Monte Carlo as an independent route, and what good dictionaries achieve
#
# Sample stationary sequences, encode them with the plain greedy encoder, count tokens in a window
# trimmed at both ends, and take the plug-in loss with a delete-one-sequence jackknife error.

# %%
n_seqs, seq_len = (5, 20_000) if fast else (20, 200_000)
sw2 = MarkovSource.switching(2, 0.8, 0.8)
for name, t, order in [("D1 unigram", tok, 1), ("D1 bigram", tok, 2)]:
    ex = ngram_loss(sw2, t, order).value
    mc = ngram_loss(sw2, t, order, method="mc", n_seqs=n_seqs, seq_len=seq_len, rng=0)
    print(f"{name}: exact {ex:.5f}, MC {mc.value:.5f} +- {mc.stderr:.5f}")
    assert abs(ex - mc.value) <= 4 * mc.stderr + 1e-3

# %% [markdown]
# Heavy-hitter dictionaries (leaves of the tree of strings with max_c P(s|c) >= beta) break the
# barrier at moderate size, as the paper's guarantee for a Tunstall-like dictionary suggests.

# %%
betas = [0.1, 0.03] if fast else [0.1, 0.03, 0.01, 0.003]
sw01 = MarkovSource.switching(2, 0.1, 0.1)
for beta in betas:
    D = heavy_hitter_dictionary(sw01, beta)
    L = unigram_loss(sw01, GreedyTokenizer(D)).value
    print(f"beta = {beta}: |D| = {len(D)}, L1/H_inf = {L / sw01.entropy_rate():.4f}, "
          f"H(pi)/H_inf = {sw01.cond_entropy(1) / sw01.entropy_rate():.4f}")
    assert sw01.entropy_rate() <= L < sw01.cond_entropy(1)

# %% [markdown]
# Fixed-length tokens only approach H_inf like k (H(pi) - H_inf)/r: exponential dictionary size.

# %%
for r in range(1, 7):
    blocks = GreedyTokenizer(list(itertools.product(range(2), repeat=r)))
    L = unigram_loss(sw2, blocks).value
    assert abs(L - sw2.block_entropy(r) / r) < 1e-12
    print(f"r = {r}: L1 = {L:.6f}")
