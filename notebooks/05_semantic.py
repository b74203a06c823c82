# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Semantic information theory on finite alphabets (Bai 2025)
#
# Only the abstracts of Bai, "Forget BIT, It is All about TOKEN" (arXiv 2511.01202) could be
# read; the objects it names are read here as classical ones (see `theory.semantic`):
# the *directed rate-distortion function* as the nonanticipative RDF, the *directed rate-reward
# function* as min I(X^n -> Y^n) under a reward constraint with environment feedback, and the
# *semantic information flow* as I(S; Y^t) with the sub-martingale iota_t.
#
# This notebook (1) derives the Blahut-Arimoto (BA) update and the binary Hamming slope with
# sympy, (2) derives the one-stage step of the BA-type NRDF recursion (soft Bellman), (3) checks
# the conservation law I(X;Y) = I(X->Y) + I(0*Y->X) on a free-running generation example,
# (4) compares the two NRDF routes and (5) the semantic flow's identities.

# %%
import itertools

import numpy as np
import sympy as sp

from theory.figures import fast_mode
from theory.semantic import (
    directed_information,
    feedback_information,
    markov_source,
    mutual_information,
    nonanticipative_rate_distortion,
    rate_distortion,
    rd_binary_hamming,
    semantic_flow,
    semantic_flow_drifts,
)

FAST = fast_mode()

# %% [markdown]
# ## 1. Blahut-Arimoto from the Lagrangian
#
# For a fixed output law q(y), minimise over one row w_y = q(y|x) the Lagrangian
# sum_y w_y ln(w_y / q_y) + beta sum_y w_y d_y + mu (sum_y w_y - 1). Stationarity gives
# w_y = q_y exp(-beta d_y - 1 - mu): the channel is q(y) e^{-beta d} / Z(x).

# %%
w, q, beta, d, mu = sp.symbols("w q beta d mu", positive=True)
L = w * sp.log(w / q) + beta * w * d + mu * w
sol = sp.solve(sp.diff(L, w), w)[0]
print("stationary row entry:", sol)
assert sp.simplify(sol - q * sp.exp(-beta * d - 1 - mu)) == 0

# %% [markdown]
# With two letters the normalisation fixes mu; for Hamming distortion and q = (1 - a, a) the
# channel is q_y e^{-beta [x != y]} / Z. The slope of R(D) = h(p) - h(D) in bits is
# -log2((1 - D)/D), so beta = ln((1 - D)/D) nats: check with sympy, then numerically with BA.

# %%
D_, p_ = sp.symbols("D p", positive=True)
h = lambda t: -(t * sp.log(t, 2) + (1 - t) * sp.log(1 - t, 2))  # noqa: E731
slope = sp.simplify(sp.diff(h(p_) - h(D_), D_))
assert sp.simplify(slope + sp.log((1 - D_) / D_, 2)) == 0
r = rate_distortion([0.8, 0.2], 1 - np.eye(2), D=0.1)
print(f"BA: R(0.1) = {r.rate:.13f}, closed form {rd_binary_hamming(0.2, 0.1):.13f}, beta = {r.beta:.10f}")
assert abs(r.rate - rd_binary_hamming(0.2, 0.1)) < 1e-10 and abs(r.beta - np.log(9)) < 1e-8
assert r.lower_bound <= rd_binary_hamming(0.2, 0.1) <= r.rate + 1e-13

# %% [markdown]
# ## 2. The one-stage step of the NRDF recursion
#
# At stage t, for a history (x^t, y^{t-1}) and a reference nu(y_t | y^{t-1}), the policy minimises
# sum_y q_y ln(q_y / nu_y) + sum_y q_y c_y with c_y = beta d(x_t, y) + E[V_{t+1}]. The minimiser is
# q = nu e^{-c} / Z and the minimum is -ln Z = V_t: the soft Bellman recursion run backwards from
# V_{n+1} = 0 (then nu <- P_{Y^n}, alternately).

# %%
q1, nu1, c1, c2 = sp.symbols("q1 nu1 c1 c2", positive=True)
obj = q1 * sp.log(q1 / nu1) + (1 - q1) * sp.log((1 - q1) / (1 - nu1)) + q1 * c1 + (1 - q1) * c2
qstar = sp.solve(sp.diff(obj, q1), q1)[0]
Z = nu1 * sp.exp(-c1) + (1 - nu1) * sp.exp(-c2)
assert sp.simplify(qstar - nu1 * sp.exp(-c1) / Z) == 0
gap = sp.expand_log(obj.subs(q1, qstar) + sp.log(Z), force=True)
for vals in ({nu1: 0.3, c1: 0.7, c2: 2.0}, {nu1: 0.9, c1: 3.0, c2: 0.1}):   # sympy leaves logs unsimplified
    assert abs(float(gap.subs(vals))) < 1e-12
print("q* = nu e^{-c} / Z and min = -ln Z: verified")

# %% [markdown]
# ## 3. Conservation law with feedback (free-running generation)
#
# X_1 ~ Bern(1/2) is a prompt bit, Y_1 its noisy copy; in free-running generation the next input
# X_2 is the model's own output Y_1 (through a small corruption), so the feedback term is positive
# and I(X^2; Y^2) = I(X^2 -> Y^2) + I(0*Y -> X^2). Under teacher forcing X_2 would be drawn from
# the data, independently of Y_1, and the feedback term vanishes.

# %%
def two_step(eps: float, fed_back: bool) -> np.ndarray:
    J = np.zeros((2, 2, 2, 2))   # axes (x1, x2, y1, y2)
    for x1, x2, y1, y2 in itertools.product(range(2), repeat=4):
        px2 = (0.95 if x2 == y1 else 0.05) if fed_back else 0.5
        J[x1, x2, y1, y2] = 0.5 * ((1 - eps) if y1 == x1 else eps) * px2 * ((1 - eps) if y2 == x2 else eps)
    return J


for fed_back in (False, True):
    J = two_step(0.1, fed_back)
    mi = mutual_information(J, [0, 1], [2, 3])
    di = directed_information(J, [0, 1], [2, 3])
    fb = feedback_information(J, [0, 1], [2, 3])
    print(f"fed back={fed_back}: I(X;Y)={mi:.6f}  I(X->Y)={di:.6f}  feedback={fb:.6f}")
    assert abs(mi - di - fb) < 1e-12
    assert (fb > 0.1) if fed_back else (abs(fb) < 1e-14)

# %% [markdown]
# ## 4. Two routes to the nonanticipative RDF
#
# Binary symmetric Markov source BSMS(0.2), Hamming distortion: the convex program (block RDF plus
# causality equalities) and the BA-type recursion with bisection on beta.

# %%
src = markov_source([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]], 2)
for D in ([0.1] if FAST else [0.05, 0.1, 0.2]):
    a = nonanticipative_rate_distortion(src, 1 - np.eye(2), D=D, method="cvx")
    b = nonanticipative_rate_distortion(src, 1 - np.eye(2), D=D, method="ba")
    print(f"D={D}: cvx {a.rate:.9f}  BA-type {b.rate:.9f}  causality violation {b.causality_violation:.1e}")
    assert abs(a.rate - b.rate) < 1e-6 and b.causality_violation < 1e-12

# %% [markdown]
# ## 5. Semantic flow
#
# A toy model with |S| = |Y| = 3: the flow is non-decreasing, below H(S), its increments are the
# expected KL drifts of iota_t, and the posterior is a martingale.

# %%
rng = np.random.default_rng(0)
prior = rng.dirichlet(np.ones(3))
init = rng.dirichlet(np.ones(3), size=3)
T = rng.dirichlet(np.ones(3), size=(3, 3))
steps = 6 if FAST else 12
f = semantic_flow(prior, init, T, steps)
dr = semantic_flow_drifts(prior, init, T, steps)
print("I(S;Y^t):", np.round(f, 4), " classes:", dr.classes)
assert np.all(np.diff(f) >= -1e-12) and f[-1] <= -np.sum(prior * np.log2(prior)) + 1e-12
assert np.max(np.abs(np.diff(np.r_[0, f]) - dr.increments)) < 1e-12
assert dr.min_drift >= -1e-12 and dr.martingale_residual < 1e-12
