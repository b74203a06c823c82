# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Multi-draft speculative decoding as optimal transport
#
# Target p (large model), draft q (small model), K drafts X = (X_1..X_K) with law Q, S(X) the set
# of distinct drafts. A verifier emits Y ~ p exactly; its acceptance is P(Y in S(X)). The best
# acceptance is the transport value
#
#     alpha* = max_{pi in Pi(Q, p)} sum 1[y in x] pi(x, y).
#
# This notebook (1) derives the reduced LP on draft sets, its dual and the subset formula,
# (2) checks the sorted-prefix property numerically, (3) gives the K = 2 closed forms, using
# sympy where there is algebra and `theory.speculative` for the numbers.

# %%
import itertools

import numpy as np
import sympy as sp

from theory.figures import fast_mode
from theory.speculative import (
    acceptance_rate,
    draft_set_law,
    kseq_rho,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
    wor_all_in,
)

FAST = fast_mode()
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. From tuples to sets
#
# Only the accepting mass matters, and it only depends on the set S = S(X). With
# Qbar(S) = P(S(X) = S) the reduced LP is a bipartite max-flow:
#
#     max sum_S sum_{y in S} f(S, y)  s.t.  sum_{y in S} f(S, y) <= Qbar(S),
#                                           sum_{S ∋ y} f(S, y) <= p(y),  f >= 0.
#
# Iid set law: Qbar(S) by inclusion-exclusion, sum_{T ⊆ S} (-1)^{|S|-|T|} q(T)^K, equals the
# positive sum over compositions used by the package (no cancellation). Check symbolically, K = 3.

# %%
q1, q2, q3 = sp.symbols("q1 q2 q3", positive=True)
qs = (q1, q2, q3)
K = 3
for size in (1, 2, 3):
    for s in itertools.combinations(range(3), size):
        incl_excl = sum((-1) ** (size - m) * sum(sum(qs[i] for i in t) ** K
                                                  for t in itertools.combinations(s, m))
                        for m in range(1, size + 1))
        comps = [c for c in itertools.product(range(1, K + 1), repeat=size) if sum(c) == K]
        positive = sum(sp.factorial(K) / sp.prod([sp.factorial(c) for c in comp])
                       * sp.prod([qs[i] ** c for i, c in zip(s, comp)]) for comp in comps)
        assert sp.expand(incl_excl - positive) == 0
print("iid set law: inclusion-exclusion = compositions (K = 3, all sets)")

# %% [markdown]
# Without replacement (K = 2): Qbar({i, j}) = q_i q_j [1/(1 - q_i) + 1/(1 - q_j)], and
# P(both drafts in B) = q(B) - (1 - q(B)) sum_{x in B} q_x / (1 - q_x).

# %%
qa, qb, qc = sp.symbols("q_a q_b q_c", positive=True)
# B = {a, b, c}; the rest of the vocabulary has mass 1 - q_a - q_b - q_c.
both_in = sum(x * (qa + qb + qc - x) / (1 - x) for x in (qa, qb, qc))
closed = (qa + qb + qc) - (1 - qa - qb - qc) * sum(x / (1 - x) for x in (qa, qb, qc))
assert sp.simplify(both_in - closed) == 0
pair = qa * qb / (1 - qa) + qb * qa / (1 - qb)
assert sp.simplify(pair - qa * qb * (1 / (1 - qa) + 1 / (1 - qb))) == 0
print("wor K = 2: closed forms verified symbolically")

# %% [markdown]
# ## 2. The dual and the subset formula
#
# Dual: min sum_S Qbar(S) u_S + sum_y p(y) v_y s.t. u_S + v_y >= 1 for y in S, u, v >= 0. The
# constraint matrix is the incidence matrix of a bipartite graph, hence totally unimodular: a 0/1
# optimum exists. With B = {y : v_y = 1}, the cheapest feasible u is u_S = 1[S not ⊆ B], so
#
#     alpha* = min_B [p(B) + P(S(X) not ⊆ B)] = 1 + min_B [p(B) - P(all K drafts in B)].
#
# Weak duality symbolically on the smallest case (V = 2, K = 2, iid): the LP value equals the
# minimum over the four subsets.

# %%
p0, a = sp.symbols("p0 a", positive=True)
pv = (p0, 1 - p0)
qv = (a, 1 - a)
subset_values = []
for bits in itertools.product((0, 1), repeat=2):
    in_b = [i for i in range(2) if bits[i]]
    p_b = sum(pv[i] for i in in_b)
    q_b = sum(qv[i] for i in in_b)
    subset_values.append(sp.simplify(1 + p_b - q_b**2))
print("V = 2, K = 2 subset values:", subset_values)
for p_num, a_num in ((0.5, 0.8), (0.9, 0.3), (0.2, 0.6)):
    formula = min(float(v.subs({p0: p_num, a: a_num})) for v in subset_values)
    lp = optimal_acceptance_lp([p_num, 1 - p_num], [a_num, 1 - a_num], 2).value
    assert abs(formula - lp) < 1e-7, (formula, lp)
    assert abs(formula - optimal_acceptance([p_num, 1 - p_num], [a_num, 1 - a_num], 2)) < 1e-12
print("LP (HiGHS) = subset formula on V = 2")

# %% [markdown]
# Exactly, in rational arithmetic: the primal and dual set LPs of case B
# (p = (1/2, 3/10, 1/5), q = (1/5, 3/10, 1/2), K = 2) solved by sympy's simplex give
# alpha*_iid = 43/50 and alpha*_wor = 69/70, with a 0/1 dual v on B* = {1, 2}.

# %%
from sympy.solvers.simplex import lpmax, lpmin

p_exact = [sp.Rational(1, 2), sp.Rational(3, 10), sp.Rational(1, 5)]
q_exact = [sp.Rational(1, 5), sp.Rational(3, 10), sp.Rational(1, 2)]
set_laws = {
    "iid": {**{(i,): q_exact[i] ** 2 for i in range(3)},
            **{(i, j): 2 * q_exact[i] * q_exact[j] for i, j in itertools.combinations(range(3), 2)}},
    "wor": {(i, j): q_exact[i] * q_exact[j] * (1 / (1 - q_exact[i]) + 1 / (1 - q_exact[j]))
            for i, j in itertools.combinations(range(3), 2)},
}
for drafts, want in (("iid", sp.Rational(43, 50)), ("wor", sp.Rational(69, 70))):
    law = set_laws[drafts]
    assert sum(law.values()) == 1
    f = {(s, y): sp.Symbol(f"f_{''.join(map(str, s))}_{y}") for s in law for y in s}
    primal_cons = [sum(f[s, y] for y in s) <= law[s] for s in law]
    primal_cons += [sum(f[s, y] for s in law if y in s) <= p_exact[y] for y in range(3)]
    primal_cons += [var >= 0 for var in f.values()]
    primal, _ = lpmax(sum(f.values()), primal_cons)
    u = {s: sp.Symbol(f"u_{''.join(map(str, s))}") for s in law}
    v = [sp.Symbol(f"v_{y}") for y in range(3)]
    dual_cons = [u[s] + v[y] >= 1 for s in law for y in s] + [x >= 0 for x in (*u.values(), *v)]
    dual, sol = lpmin(sum(law[s] * u[s] for s in law) + sum(p_exact[y] * v[y] for y in range(3)),
                      dual_cons)
    print(drafts, "primal =", primal, " dual =", dual, " v =", [sol[x] for x in v])
    assert primal == dual == want
    assert [sol[x] for x in v] == [0, 1, 1]

# %% [markdown]
# The LP's dual is integral in practice too: HiGHS returns v in {0, 1} and B = {v > 1/2}
# attains the optimum, for iid and without-replacement drafts.

# %%
for _ in range(5 if FAST else 30):
    v = int(rng.integers(3, 7))
    p, q = rng.dirichlet(np.ones(v)), rng.dirichlet(np.ones(v))
    for drafts in ("iid", "wor"):
        res = optimal_acceptance_lp(p, q, 3, drafts=drafts)
        assert res.status == "optimal"
        assert res.diagnostics["dual_integrality"] < 1e-7
        assert abs(res.diagnostics["subset_objective"] - res.value) < 1e-7
        assert abs(res.value - optimal_acceptance(p, q, 3, drafts=drafts)) < 1e-7
print("dual integral and subset formula = LP on random instances")

# %% [markdown]
# ## 3. The sorted-prefix property (iid)
#
# Take B optimal, a in B, b not in B, r = p/q. Removing a or adding b cannot help:
# r(a) <= [q(B)^K - (q(B) - q(a))^K]/q(a) <= K q(B)^{K-1} <= [(q(B) + q(b))^K - q(B)^K]/q(b) <= r(b)
# (convexity of t^K), so B is a prefix of the tokens sorted by p/q. Numerically: the sorted
# search equals brute force, and the optimal B found by brute force separates the ratios at
# K q(B)^{K-1}.

# %%
worst = 0.0
for _ in range(30 if FAST else 300):
    v = int(rng.integers(2, 9 if FAST else 12))
    k = int(rng.integers(2, 6))
    p, q = rng.dirichlet(np.full(v, 0.5)), rng.dirichlet(np.full(v, 0.5))
    sorted_val, _ = optimal_subset(p, q, k)
    brute_val, b_star = optimal_subset(p, q, k, method="bruteforce")
    worst = max(worst, abs(sorted_val - brute_val))
    if b_star:
        inside = np.array(sorted(b_star))
        outside = np.setdiff1d(np.arange(v), inside)
        threshold = k * q[inside].sum() ** (k - 1)
        assert np.all(p[inside] <= threshold * q[inside] + 1e-12)
        assert np.all(p[outside] >= threshold * q[outside] - 1e-12)
assert worst < 1e-12
print(f"sorted prefix = brute force, worst difference {worst:.1e}; ratios split at K q(B)^(K-1)")

# %% [markdown]
# Without replacement the prefix property is observed, not proved: check it against brute
# force, and check alpha*_wor >= alpha*_iid (each WOR factor (q(B) - used)/(1 - used) <= q(B)).

# %%
for _ in range(10 if FAST else 100):
    v = int(rng.integers(3, 7))
    k = int(rng.integers(2, min(v, 4) + 1))
    p, q = rng.dirichlet(np.full(v, 0.5)), rng.dirichlet(np.full(v, 0.5))
    wor = optimal_acceptance(p, q, k, drafts="wor")
    assert abs(wor - optimal_subset(p, q, k, drafts="wor", method="bruteforce")[0]) < 1e-10
    assert wor >= optimal_acceptance(p, q, k) - 1e-12
    b = rng.choice(v, size=int(rng.integers(1, v + 1)), replace=False)
    assert wor_all_in(q, b, k) <= q[b].sum() ** k + 1e-12
print("wor prefix = brute force; P_wor(B) <= q(B)^K; alpha*_wor >= alpha*_iid")

# %% [markdown]
# ## 4. K = 2 closed forms
#
# * alpha*_iid = min_B [p(B) + 1 - q(B)^2]; for a uniform draft on 3 tokens and target x,
#   alpha* = min(1, x_min + 8/9, 1 - x_max + 5/9).
# * RRS: alpha = 1 - (1 - beta_1)(1 - beta_2).
# * K-SEQ: rho* = 2 - beta and alpha = 2 beta - beta^2; in case A (p = (1/2, 1/2), q = (4/5, 1/5))
#   beta(rho) = 1/5 + 1/(2 rho), so rho^2 - (9/5) rho + 1/2 = 0.

# %%
x1, x2 = sp.symbols("x1 x2", nonnegative=True)
x = (x1, x2, 1 - x1 - x2)
vals = []
for bits in itertools.product((0, 1), repeat=3):
    in_b = [i for i in range(3) if bits[i]]
    vals.append(1 + sum(x[i] for i in in_b) - sp.Rational(len(in_b), 3) ** 2)
print("V = 3 uniform draft, subset values:", sorted(set(vals), key=str))
for _ in range(20):
    xn = rng.dirichlet(np.ones(3))
    closed = min(1.0, xn.min() + 8 / 9, 1 - xn.max() + 5 / 9)
    assert abs(optimal_acceptance(xn, np.full(3, 1 / 3), 2) - closed) < 1e-12

rho = sp.symbols("rho", positive=True)
beta = sp.Rational(1, 5) + 1 / (2 * rho)
roots = sp.solve(sp.Eq(rho, 2 - beta), rho)
rho_star = [r for r in roots if r.is_real and r > 1][0]
alpha = sp.nsimplify(sp.expand(2 * beta.subs(rho, rho_star) - beta.subs(rho, rho_star) ** 2))
print("case A: rho* =", sp.simplify(rho_star), " alpha =", sp.simplify(alpha))
assert sp.simplify(rho_star - (9 + sp.sqrt(31)) / 10) == 0
assert sp.simplify(alpha - (68 + 2 * sp.sqrt(31)) / 100) == 0
pa, qa_ = np.array([0.5, 0.5]), np.array([0.8, 0.2])
assert abs(kseq_rho(pa, qa_, 2)[0] - float(rho_star)) < 1e-12
assert abs(acceptance_rate("kseq", pa, qa_, 2) - float(alpha)) < 1e-12
assert abs(optimal_acceptance(pa, qa_, 2) - 43 / 50) < 1e-12
assert abs(acceptance_rate("rrs", pa, qa_, 2) - 19 / 25) < 1e-12
print("case A: alpha*_iid = 43/50, rrs = 19/25, kseq =", float(alpha))

# %% [markdown]
# The set laws behind these numbers, for case B (p = (0.5, 0.3, 0.2), q = (0.2, 0.3, 0.5)):

# %%
q_case_b = np.array([0.2, 0.3, 0.5])
for drafts in ("iid", "wor", "greedy"):
    law = draft_set_law(q_case_b, 2, drafts=drafts).as_dict()
    print(drafts, {tuple(sorted(s)): round(w, 4) for s, w in law.items()})
    assert abs(sum(law.values()) - 1) < 1e-14
p_case_b = np.array([0.5, 0.3, 0.2])
assert abs(optimal_acceptance(p_case_b, q_case_b, 2, drafts="wor") - 69 / 70) < 1e-12
assert abs(optimal_acceptance(p_case_b, q_case_b, 2, drafts="greedy") - 9 / 10) < 1e-12
print("case B: alpha*_wor = 69/70, greedy = 9/10")

# %% [markdown]
# ## 5. Token trees: chains, Sequoia's recursion, and the true process on Markov models
#
# A draft tree is verified top-down in one target call: the children of a node draw tokens from
# q(. | path) and are tried by recursive rejection sampling; on acceptance we descend, otherwise
# one token is emitted from the residual. A = number of accepted draft tokens.
#
# **Chain, order 0.** Each step is single-draft speculative sampling, accepted with probability
# alpha = sum min(p, q) independently of the past, so P(A >= j) = alpha^j and
# E[A] = sum_{j<=L} P(A >= j) = sum_{j=1..L} alpha^j = alpha (1 - alpha^L) / (1 - alpha).
#
# **Chain, order 1.** P(A >= j) = e_s^T M^j 1 with the transfer matrix
# M[s, s'] = sum_x min(p, q)(x | s) 1[s' = x]: the same sum, with a matrix in place of alpha.

# %%
from theory.speculative import (
    chain_tree,
    expected_accepted,
    positional_acceptance,
    random_markov_pair,
    sequoia_tree,
    tree_value,
)
from theory.speculative.treeshape import all_trees

al, j, L = sp.symbols("alpha j L", positive=True)
closed = sp.simplify(sp.summation(al**j, (j, 1, L)))
print("chain, order 0: E[A] =", closed)
p0, q0 = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
a0 = float(np.minimum(p0, q0).sum())
for length in (1, 3, 8):
    exact = expected_accepted(p0, q0, chain_tree(length)).value
    formula = float(closed.subs({al: a0, L: length}).evalf(30))
    assert abs(exact - formula) < 1e-12
(p1, _), (q1, _) = random_markov_pair(4, 1, 0)
M = np.minimum(p1, q1)  # M[s, x]: next state = x at order 1
for length in (1, 3, 8):
    via_matrix = sum((np.linalg.matrix_power(M, i) @ np.ones(4))[2] for i in range(1, length + 1))
    exact = expected_accepted((p1, 1), (q1, 1), chain_tree(length), context=[2]).value
    assert abs(exact - via_matrix) < 1e-12
print("chain closed form (order 0) and transfer matrix (order 1) = exact tree enumeration")

# %% [markdown]
# **Sequoia's recursion.** Under positional acceptance (child i of any node accepted with
# probability a_i), a tree's value is the sum over its nodes of the product of the a's on the
# path. With F_d(n) the best value of n nodes below a node (depth budget d) and G_d(n, i) the best
# using children i, i+1, ...:
#
#     G_d(n, i) = max(0, max_{1<=t<=n} a_i (1 + F_{d-1}(t-1)) + G_d(n-t, i+1)),  F_d(n) = G_d(n, 1).
#
# The tree values are polynomials in the a_i; for n = 2 the chain (a1 + a1^2) beats two
# siblings (a1 + a2) iff a1^2 > a2.

# %%
a1, a2, a3 = sp.symbols("a1 a2 a3", nonnegative=True)
sym = (a1, a2, a3)


def poly(tree, weight=1):
    """Positional-model value of a tree as a polynomial in a1, a2, a3."""
    return sum(weight * sym[i] + poly(child, weight * sym[i]) for i, child in enumerate(tree))


for n in (1, 2, 3):
    print(n, "nodes:", sorted({sp.expand(poly(t)) for t in all_trees(n)}, key=str))
a_num = np.array([0.6, 0.2, 0.1])
for n in range(7):
    best = max(tree_value(t, a_num) for t in all_trees(n))
    assert abs(sequoia_tree(a_num, n).value - best) < 1e-12
print("Sequoia DP = brute force over all ordered trees, n <= 6")

# %% [markdown]
# At order 0 the positional model is exact (every node sees the same p and q); at order 1 it is a
# model, and the exact value of the Sequoia tree differs from the model's:

# %%
a_pos = positional_acceptance(p0, q0, 6)
tree16 = sequoia_tree(a_pos, 16).tree
print("order 0: model", tree_value(tree16, a_pos), "exact", expected_accepted(p0, q0, tree16).value)
pm, qm = random_markov_pair(6, 1, 1)
a_st = positional_acceptance(pm, qm, 6, stationary=True)
tree16 = sequoia_tree(a_st, 16).tree
print("order 1, context 0: model", round(tree_value(tree16, a_st), 4),
      "exact", round(expected_accepted(pm, qm, tree16).value, 4))

# %% [markdown]
# ## 6. Dataset scale: batched bounds on any array library
#
# `optimal_acceptance_batch` and `acceptance_rate_batch` evaluate the same exact formulas on
# (N, V) arrays, one row per position, through the array API standard (numpy here; CuPy,
# PyTorch or JAX arrays stay on their device). One sort of p/q serves every K. The test data set
# is made by the package: logits of two related random softmax models (`synthetic_logits`);
# `from_logits` applies temperature, top-k and top-p. The command
# `theory speculative bound TARGET DRAFT` streams the same computation from files.

# %%
from theory.speculative import (
    acceptance_rate_batch,
    from_logits,
    optimal_acceptance_batch,
    synthetic_logits,
)

z_target, z_draft = synthetic_logits(*((120, 300) if FAST else (300, 500)), rng=0)
ks = [1, 2, 4, 8]
for temp in (0.5, 1.0):
    pt = from_logits(z_target.astype(np.float64), temperature=temp)
    qt = from_logits(z_draft.astype(np.float64), temperature=temp)
    rows = {"optimal (iid)": optimal_acceptance_batch(pt, qt, ks),
            "optimal (wor)": optimal_acceptance_batch(pt, qt, ks, drafts="wor"),
            "optimal (greedy)": optimal_acceptance_batch(pt, qt, ks, drafts="greedy"),
            "kseq": acceptance_rate_batch("kseq", pt, qt, ks),
            "rrs": acceptance_rate_batch("rrs", pt, qt, ks)}
    print(f"T = {temp}: mean (standard error) over {pt.shape[0]} positions, K = {ks}")
    for name, v in rows.items():
        se = v.std(axis=0, ddof=1) / np.sqrt(v.shape[0])
        print(f"  {name:<17}", "  ".join(f"{m:.4f} ({s:.4f})" for m, s in zip(v.mean(axis=0), se)))
    # row by row, the batched values are the single-pair ones
    for i in range(0, pt.shape[0], 60):
        assert abs(rows["optimal (wor)"][i, 2] - optimal_acceptance(pt[i], qt[i], 4, drafts="wor")) < 1e-12
        assert abs(rows["kseq"][i, 1] - acceptance_rate("kseq", pt[i], qt[i], 2)) < 1e-12
    assert np.all(rows["optimal (wor)"] >= rows["optimal (iid)"] - 1e-12)
    assert np.all(rows["optimal (iid)"] >= rows["kseq"] - 1e-12)

# Temperature 0 for both models: acceptance 1 exactly where the argmaxes coincide, else 0.
p0 = from_logits(z_target, temperature=0)
q0 = from_logits(z_draft, temperature=0)
same = np.argmax(z_target, axis=1) == np.argmax(z_draft, axis=1)
assert np.array_equal(optimal_acceptance_batch(p0, q0, 4, drafts="wor"), same.astype(float))
print(f"T = 0: acceptance = 1[argmaxes coincide] on all {same.size} positions ({same.mean():.3f} coincide)")
