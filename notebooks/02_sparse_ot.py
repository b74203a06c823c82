# %% [markdown]
# # Sparsity-constrained optimal transport
#
# Liu, Puigcerver, Blondel (ICLR 2023): quadratically-regularised OT in which every column of the
# plan has at most $k$ nonzeros,
# $P_k = \min_{T\in U(a,b)} \langle T, C\rangle + \tfrac{\gamma}{2}\|T\|_F^2$ s.t. $\|t_j\|_0\le k$.
# This notebook derives the two conjugates that the solvers of `theory.sparse_ot` use, the identity
# "semi-dual = max over $\beta$ of the dual", and shows a duality gap with its certificate, all in
# exact rational arithmetic where possible.

# %%
import itertools

import numpy as np
import sympy as sp

from theory.figures import fast_mode
from theory.sparse_ot import (
    beta_from_alpha,
    conj_topk,
    dual_objective,
    instance_a,
    max_k,
    relaxed_primal_value,
    semi_dual_objective,
    solve_sparse_ot,
    sparse_ot_bruteforce,
    sparse_ot_problem,
)

fast = fast_mode()

# %% [markdown]
# ## 1. The top-k conjugate (dual)
# $\Omega_k(t) = \tfrac{\gamma}{2}\|t\|^2 + \iota\{t\ge 0\} + \iota\{\|t\|_0\le k\}$. For a fixed
# support $K$ the conjugate separates: $\sup_{t_i\ge 0} s_i t_i - \tfrac{\gamma}{2} t_i^2$.

# %%
s_i, t_i = sp.symbols("s_i t_i", real=True)
gamma = sp.symbols("gamma", positive=True)
stationary = sp.solve(sp.diff(s_i * t_i - gamma / 2 * t_i**2, t_i), t_i)[0]
inner = sp.simplify((s_i * t_i - gamma / 2 * t_i**2).subs(t_i, stationary))
print("unconstrained maximiser t_i =", stationary, "; value =", inner)
# with t_i >= 0: value [s_i]_+^2 / (2 gamma). Over supports of size <= k the sum of
# [s_i]_+^2 is largest on the k largest s_i ([u]_+^2 is nondecreasing): the top-k conjugate.
assert sp.simplify(inner - s_i**2 / (2 * gamma)) == 0


def conj_bruteforce(s, k, g):
    """max over supports |K| <= k of sum_{i in K} [s_i]_+^2/(2 g), in exact rationals."""
    best = sp.Integer(0)
    for r in range(1, k + 1):
        for K in itertools.combinations(range(len(s)), r):
            best = max(best, sum(max(s[i], 0) ** 2 for i in K) / (2 * g))
    return best


S = [sp.Rational(3), sp.Rational(-1), sp.Rational(2), sp.Rational(1, 2)]
for k in (1, 2, 3, 4):
    exact = conj_bruteforce(S, k, sp.Integer(2))
    print(f"k={k}: Omega*_k(s) = {exact}  (package: {conj_topk([float(x) for x in S], k, 2.0)[0]})")
    assert abs(float(exact) - conj_topk([float(x) for x in S], k, 2.0)[0]) < 1e-15

# %% [markdown]
# ## 2. The max-k conjugate (semi-dual), exactly on small cases
# $M_{k,\rho}(x) = \max_{y\in\Delta,\ \|y\|_0\le k} \langle y,x\rangle - \tfrac{\rho}{2}\|y\|^2$.
# On a face $K$ the KKT conditions give $y_i = (x_i - \lambda)/\rho$ with $\sum_K y_i = 1$; a face
# is admissible when this $y\ge 0$. The best admissible face over $|K|\le k$ is the answer; the
# package instead keeps the $k$ largest entries and projects (greedy, exact).

# %%
lam = sp.symbols("lambda", real=True)


def max_k_exact(x, k, rho):
    best = None
    for r in range(1, k + 1):
        for K in itertools.combinations(range(len(x)), r):
            sol = sp.solve(sp.Eq(sum((x[i] - lam) / rho for i in K), 1), lam)[0]
            y = {i: (x[i] - sol) / rho for i in K}
            if any(v < 0 for v in y.values()):
                continue
            val = sum(y[i] * x[i] for i in K) - rho / 2 * sum(v**2 for v in y.values())
            best = val if best is None else max(best, val)
    return best


X = [sp.Rational(1, 2), sp.Rational(1, 5), sp.Rational(2, 5), sp.Rational(-1, 10)]
expected = {1: sp.Integer(0), 2: sp.Rational(81, 400), 3: sp.Rational(67, 300), 4: sp.Rational(67, 300)}
for k in (1, 2, 3, 4):
    exact = max_k_exact(X, k, sp.Integer(1))
    numeric = max_k([float(v) for v in X], k, 1.0)[0]
    print(f"k={k}: M = {exact} = {float(exact):.12f}; package {numeric:.12f}")
    assert exact == expected[k] and abs(float(exact) - numeric) < 1e-15

rng = np.random.default_rng(0)
for _ in range(5 if fast else 40):
    d, k = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    xr = [sp.Rational(int(v), 7) for v in rng.integers(-7, 8, size=d)]
    rho = sp.Rational(int(rng.integers(1, 5)), 2)
    numeric = max_k([float(v) for v in xr], k, float(rho))[0]
    assert abs(float(max_k_exact(xr, min(k, d), rho)) - numeric) < 1e-12
print("max-k: greedy top-k projection = exact face enumeration on random rational cases")

# %% [markdown]
# ## 3. Semi-dual = max over $\beta$ of the dual
# For one column, $\max_{\beta_j}\ \beta_j b_j - \Omega_k^*(\alpha + \beta_j - c_j)$ is a concave
# scalar problem. The top-k set of $\alpha + \beta_j - c_j$ does not depend on $\beta_j$, and the
# optimality condition $\sum_{i\in K}[\alpha_i + \beta_j - c_{ij}]_+/\gamma = b_j$ is the simplex
# projection's threshold equation, so $\beta_j = -\gamma b_j \theta_j$ and
# $S(\alpha) = D(\alpha, \beta(\alpha))$. Check: sympy on one column, then numbers.

# %%
b_j = sp.Rational(1, 3)
g = sp.Integer(2)
alpha_c = [sp.Rational(1, 2), sp.Rational(-1, 4), sp.Rational(1, 3)]  # alpha - c_j for one column
beta = sp.symbols("beta", real=True)
for k in (1, 2, 3):
    # on the branch where the k largest entries are positive: the objective is a quadratic in beta
    top = sorted(alpha_c, reverse=True)[:k]
    best_val = None
    for r in range(1, k + 1):  # number of positive kept entries
        f = beta * b_j - sum((v + beta) ** 2 for v in top[:r]) / (2 * g)
        bstar = sp.solve(sp.diff(f, beta), beta)[0]
        if all(v + bstar > 0 for v in top[:r]) and all(v + bstar <= 0 for v in top[r:]):
            best_val = f.subs(beta, bstar)
    semi = -b_j * max_k_exact(alpha_c, k, g * b_j)
    print(f"k={k}: max_beta = {best_val}, -b M(alpha - c) = {semi}")
    assert sp.simplify(best_val - semi) == 0

worst = 0.0
for _ in range(20 if fast else 200):
    m, n = (int(v) for v in rng.integers(2, 9, size=2))
    P = sparse_ot_problem(rng.dirichlet(np.ones(m)), rng.dirichlet(np.ones(n)), rng.normal(size=(m, n)),
                          k=int(rng.integers(1, m + 1)), gamma=float(rng.uniform(0.1, 3)))
    al = rng.normal(size=m)
    worst = max(worst, abs(semi_dual_objective(al, P)[0] - dual_objective(al, beta_from_alpha(al, P), P)[0]))
print("max |S(alpha) - D(alpha, beta(alpha))| =", worst)
assert worst < 1e-12

# %% [markdown]
# ## 4. A duality gap and its certificate (instance A)
# Points 0, 1, 2 with squared distances, uniform marginals, $\gamma = 8$, $k = 2$. The dual
# value $D_2 = 119/108$ is certified by a relaxed primal plan with the same objective
# $R(T) = \langle T, C\rangle + \tfrac{\gamma}{2}\sum_j\|t_j\|_{sp,k}^2$; the primal
# $P_2 = 167/144$ by support enumeration and by polishing the recovered support.

# %%
A = instance_a()
r = solve_sparse_ot(A.a, A.b, A.C, k=2, gamma=A.gamma, polish=True)
T_rel = np.array([[19 / 72, 5 / 72, 0], [5 / 72, 7 / 36, 5 / 72], [0, 5 / 72, 19 / 72]])
np.testing.assert_allclose(T_rel.sum(0), A.b, atol=1e-15)
np.testing.assert_allclose(T_rel.sum(1), A.a, atol=1e-15)
R = relaxed_primal_value(T_rel, A.C, 2, A.gamma)
brute = sparse_ot_bruteforce(A.a, A.b, A.C, k=2, gamma=A.gamma)
print(f"D_2 (solver)         = {r.value:.12f}   119/108 = {119 / 108:.12f}")
print(f"R(T_relaxed)         = {R:.12f}   (relaxed primal: certifies D_2 from above)")
print(f"P_2 (brute force)    = {brute.value:.12f}   167/144 = {167 / 144:.12f}")
print(f"polished value       = {r.polished_value:.12f}")
print(f"gap P_2 - D_2        = {brute.value - r.value:.12f}   25/432 = {25 / 432:.12f}")
print(f"recovered plan: row marginal error {r.marginal_error:.4f} (a gap forces it to be > 0)")
print(np.round(r.plan * 144, 6), "(x 144)")
assert abs(r.value - 119 / 108) < 1e-9 and abs(R - 119 / 108) < 1e-12
assert abs(brute.value - 167 / 144) < 1e-9 and abs(r.polished_value - 167 / 144) < 1e-9
assert r.marginal_error > 1e-3
# the relaxed optimum's middle column has 3 nonzeros: no relaxed optimum is 2-sparse, hence the gap
assert np.count_nonzero(T_rel[:, 1]) == 3

# %% [markdown]
# Exact check of the dual value in rationals: the semi-dual at a rational $\alpha$ computed by the
# face enumeration above equals $119/108$.

# %%
alpha_num = r.alpha - r.alpha[1]
alpha_q = [sp.nsimplify(round(v, 9), rational=True, tolerance=1e-8) for v in alpha_num]
Cq = [[sp.Integer(int(v)) for v in row] for row in A.C]
third = sp.Rational(1, 3)
S_exact = sum(alpha_q) * third - sum(
    third * max_k_exact([alpha_q[i] - Cq[i][j] for i in range(3)], 2, 8 * third) for j in range(3))
print("alpha (rational) =", alpha_q, " S(alpha) =", S_exact)
assert S_exact == sp.Rational(119, 108)
