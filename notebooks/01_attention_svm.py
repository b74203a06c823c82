# %% [markdown]
# # Attention as a hard-margin SVM
#
# Tarzanagh, Li, Thrampoulidis, Oymak, *Transformers as Support Vector Machines* (arXiv 2308.16898)
# and Tarzanagh, Li, Zhang, Oymak, *Max-Margin Token Selection in Attention Mechanism* (NeurIPS 2023).
#
# One-layer softmax attention with logits $a_{it} = x_{it}^\top W z_i$, trained by gradient
# descent, selects one token per sequence, and the direction of $W$ converges to
#
# $$W^{mm}_\alpha = \arg\min \|W\|_F \quad \text{s.t.}\quad (x_{i\alpha_i} - x_{it})^\top W z_i \ge 1 .$$
#
# This notebook (1) derives the SVM dual and (2) the cancellation-free softmax gradient with
# sympy, then (3) checks both numerically with `theory.attention_svm` and (4) reproduces the
# 2-D path pictures.

# %%
import numpy as np
import sympy as sp
from scipy.optimize import minimize

from theory.attention_svm import (
    correlation,
    excess_loss,
    loss_and_gradient,
    random_instance,
    reference_instance,
    regularization_path,
    solve_att_svm,
    solve_att_svm_cvxpy,
    token_scores,
    train_attention,
)
from theory.figures import fast_mode, figure

fast = fast_mode()

# %% [markdown]
# ## 1. The dual of the Frobenius Att-SVM
#
# With $A_k = (x_{i\alpha_i} - x_{it}) z_i^\top$ the constraints are $\langle W, A_k\rangle \ge 1$.
# The Lagrangian of $\tfrac12\|W\|_F^2$ is
# $\mathcal L = \tfrac12\|W\|^2 - \sum_k \lambda_k(\langle W, A_k\rangle - 1)$.
# Setting $\nabla_W \mathcal L = 0$ gives $W = \sum_k \lambda_k A_k$; substituting gives the dual
# $\max_{\lambda\ge0} \sum_k\lambda_k - \tfrac12\|\sum_k \lambda_k A_k\|_F^2$. We verify this
# symbolically for a 2x2 W and two generic rank-one constraint matrices.

# %%
w = sp.Matrix(2, 2, sp.symbols("w0:4"))
lam = sp.symbols("l0:2", nonnegative=True)
u = [sp.Matrix(sp.symbols(f"u{k}_0:2")) for k in range(2)]
z = [sp.Matrix(sp.symbols(f"z{k}_0:2")) for k in range(2)]
A = [u[k] * z[k].T for k in range(2)]
inner = lambda P, Q: sum(P[i, j] * Q[i, j] for i in range(2) for j in range(2))  # noqa: E731
lagr = inner(w, w) / 2 - sum(lam[k] * (inner(w, A[k]) - 1) for k in range(2))
stationary = sp.solve([sp.diff(lagr, wij) for wij in w], list(w), dict=True)[0]
W_star = w.subs(stationary)
assert sp.simplify(W_star - (lam[0] * A[0] + lam[1] * A[1])) == sp.zeros(2, 2)
dual = sp.simplify(lagr.subs(stationary))
assert sp.simplify(dual - (lam[0] + lam[1] - inner(W_star, W_star) / 2)) == 0
dual

# %% [markdown]
# At the optimum, complementary slackness gives $\sum_k\lambda_k = \sum_k \lambda_k\langle W, A_k\rangle
# = \|W\|_F^2$. Numerically (exact active-set route vs cvxpy):

# %%
n, T, d = (10, 5, 6) if fast else (50, 10, 20)
X, Z, Y, v = random_instance(n, T, d, rng=0)
alpha = np.random.default_rng(1).integers(0, T, n)
res = solve_att_svm(X, Z, alpha)
ref = solve_att_svm_cvxpy(X, Z, alpha)
lam_sum = np.nansum(res.multipliers)
print(f"||W||_F^2 = {res.objective**2:.12f}, sum lambda = {lam_sum:.12f}")
print(f"cvxpy (Clarabel) ||W||^2 = {ref.objective**2:.9f}")
print("certificates:", {k: f"{val:.1e}" for k, val in res.diagnostics.items()})
assert abs(lam_sum - res.objective**2) <= 1e-9 * res.objective**2
assert abs(res.objective - ref.objective) <= 1e-6 * ref.objective
assert max(res.diagnostics.values()) <= 1e-9 * max(1.0, res.objective**2)

# %% [markdown]
# ## 2. The gradient of the softmax attention risk
#
# For $f = \phi(o)$ with $o = X^\top s$, $s = \mathrm{softmax}(a)$, the chain rule gives
# $\partial f/\partial a_t = s_t (g_t - \sum_\tau s_\tau g_\tau)$ with $g = X\nabla\phi(o)$. Since
# $\sum_\tau s_\tau = 1$ this equals $s_t\sum_\tau s_\tau (g_t - g_\tau)$: the pairwise form keeps its
# relative accuracy when $s$ saturates. We check the identity symbolically for T = 3, d = 2 and
# the quadratic head $\phi(o) = v^\top o - \lambda\|o\|^2$.

# %%
a = sp.symbols("a0:3")
Xs = sp.Matrix(3, 2, sp.symbols("x0:6"))
vs = sp.Matrix(sp.symbols("v0:2"))
lq = sp.Symbol("lam", positive=True)
expa = [sp.exp(ai) for ai in a]
s = sp.Matrix([e / sum(expa) for e in expa])
o = Xs.T * s
f = (vs.T * o)[0] - lq * (o.T * o)[0]
g = Xs * (vs - 2 * lq * o)
for t in range(3):
    pairwise = s[t] * sum(s[tau] * (g[t] - g[tau]) for tau in range(3))
    assert sp.simplify(sp.diff(f, a[t]) - pairwise) == 0
print("d f / d a_t = s_t sum_tau s_tau (g_t - g_tau): verified for t = 0, 1, 2")

# %% [markdown]
# Then $\nabla_W L = \frac1n\sum_i \ell'(Y_if_i)Y_i X_i^\top r_i z_i^\top$
# with $r_{it} = \partial f_i/\partial a_{it}$,
# and for $W = KQ^\top$: $\nabla_K = \nabla_W Q$, $\nabla_Q = \nabla_W^\top K$. Central differences:

# %%
Xg, Zg, Yg, vg = random_instance(4, 5, 3, rng=2)
K, Q = np.random.default_rng(3).standard_normal((2, 3, 3))
_, (gK, gQ) = loss_and_gradient(Xg, Zg, Yg, (K, Q), v=vg, head="quadratic")
h = 1e-5
fdK = np.zeros((3, 3))
for idx in np.ndindex(3, 3):
    E = np.zeros((3, 3))
    E[idx] = h
    fdK[idx] = (loss_and_gradient(Xg, Zg, Yg, (K + E) @ Q.T, v=vg, head="quadratic")[0]
                - loss_and_gradient(Xg, Zg, Yg, (K - E) @ Q.T, v=vg, head="quadratic")[0]) / (2 * h)
rel = np.abs(fdK - gK).max() / np.abs(fdK).max()
print(f"relative error of grad_K vs central differences: {rel:.1e}")
assert rel <= 1e-6

# %% [markdown]
# ## 3. Global and local SVMs: the 2-D picture (instance 1)
#
# One sequence, tokens $(-0.1, 1), (1, 0), (0, 0)$, query $e_1$, scores $(1, 0.9, 0)$. Token 0 is
# optimal; token 1 is locally optimal (its only support token, 2, scores lower); token 2 is
# feasible but not locally optimal. Normalised GD from 0 finds the global SVM, from
# $W(0) = [[0,0],[-1,0]]$ the local one.

# %%
X1, Z1, Y1, v1 = reference_instance(1)
svms = [solve_att_svm(X1, Z1, [k]) for k in range(3)]
for k, r in enumerate(svms):
    print(f"alpha={k}: W^mm = {np.round(r.W, 6).tolist()}, ||W|| = {r.objective:.7f}, support {r.support[0]}")
steps = 1500 if fast else 3000
every = range(steps + 1)
runs = {"from 0": train_attention(X1, Z1, Y1, v=v1, steps=steps, checkpoints=every),
        "from [[0,0],[-1,0]]": train_attention(X1, Z1, Y1, v=v1, steps=steps,
                                               init=np.array([[0.0, 0], [-1, 0]]), checkpoints=every)}
fig, ax = figure(figsize=(5, 4))
for (name, tr), color in zip(runs.items(), ("C0", "C3")):
    path = tr.iterates @ Z1[0]
    ax.plot(path[:, 0], path[:, 1], color=color, label=f"GD {name}")
for k, style in ((0, ":"), (1, "--")):
    ray = svms[k].W @ Z1[0]
    ray *= 0.1 * steps / np.linalg.norm(ray)
    ax.plot([0, ray[0]], [0, ray[1]], style, color="k", label=f"$W^{{mm}}_{{\\alpha={k}}} z$")
ax.legend(fontsize=8)
ax.set_title("instance 1: global vs local convergence")
c0 = correlation(runs["from 0"].W, svms[0].W)
c1 = correlation(runs["from [[0,0],[-1,0]]"].W, svms[1].W)
print(f"corr with the global SVM: {c0:.7f}; with the local SVM: {c1:.7f}")
assert c0 >= 0.9999 and c1 >= 0.9999
gamma = token_scores(X1, Y1, v1)
assert gamma[0, 0] > gamma[0, 2] and gamma[0, 1] > gamma[0, 2]  # both supports score lower

# %% [markdown]
# ## 4. Frobenius vs nuclear: W-GD and (K,Q)-GD (instance 2)
#
# Constraints $W_{00}, W_{11}, W_{01} \ge 1$: $W^{mm} = [[1,1],[0,1]]$ ($\|\cdot\|_F = \sqrt3$) but
# $W_*^{mm} = [[1,1],[1,1]]$ ($\|\cdot\|_* = 2 \le \sqrt5$); $(K,Q)$-GD follows the nuclear one.

# %%
X2, Z2, Y2, v2 = reference_instance(2)
fro2, nuc2 = solve_att_svm(X2, Z2, [0, 0, 0]), solve_att_svm(X2, Z2, [0, 0, 0], norm="nuc")
w_run = train_attention(X2, Z2, Y2, v=v2, steps=steps)
kq_run = train_attention(X2, Z2, Y2, v=v2, param="KQ", steps=steps, rng=0)
for name, run in (("W-GD", w_run), ("KQ-GD", kq_run)):
    c_f, c_n = correlation(run.W, fro2.W), correlation(run.W, nuc2.W)
    print(f"{name}: corr(W^mm) = {c_f:.6f}, corr(W*^mm) = {c_n:.6f}")
assert correlation(w_run.W, fro2.W) >= 0.9999 and correlation(kq_run.W, nuc2.W) >= 0.99

# %% [markdown]
# ## 5. The regularisation path converges, but not monotonically
#
# $W_R = \arg\min_{\|W\|\le R} L(W)$ satisfies $W_R/R \to W^{mm}_{opt}/\|W^{mm}_{opt}\|$. On the
# random instance below the correlation first *falls* as R grows, then rises to 1; we confirm the
# small-R values with an independent solver (SLSQP on the ball, many starts). The risk restricted
# to the ball is not convex: with too few restarts the path can stop in a worse local minimum
# (here, 4 restarts at R = 4||W^mm|| give excess risk 0.018 at corr 0.61, 10 restarts 0.0037 at
# corr 0.987), so compare restarts by the stable excess risk.

# %%
X5, Z5, Y5, v5 = random_instance(3, 4, 4, rng=0)
svm5 = solve_att_svm(X5, Z5, np.argmax(token_scores(X5, Y5, v5), axis=1))
mults = np.array([0.5, 1.5]) if fast else np.array([0.5, 1.0, 1.5, 4.0, 16.0])
path = regularization_path(X5, Z5, Y5, v5, mults * svm5.objective, restarts=4 if fast else 10,
                           steps=800 if fast else 1500, seeded=False, rng=1)
corr5 = [correlation(W, svm5.W) for W in path]
print("R/||W^mm|| :", mults.tolist())
print("corr       :", np.round(corr5, 5).tolist())
print("excess risk:", [f"{excess_loss(X5, Z5, Y5, v5, W):.3g}" for W in path])
rng5 = np.random.default_rng(4)
for R, W in zip(mults[:2] * svm5.objective, path[:2]):
    risk = lambda x: loss_and_gradient(X5, Z5, Y5, x.reshape(4, 4), v=v5)[0]  # noqa: E731
    ball = [{"type": "ineq", "fun": lambda x, R=R: R * R - x @ x}]
    best = min((minimize(risk, x0, method="SLSQP", constraints=ball, options={"ftol": 1e-14, "maxiter": 500})
                for x0 in rng5.standard_normal((6, 16)) * R / 8), key=lambda r: r.fun)
    assert risk(W.ravel()) <= best.fun + 1e-9
assert corr5[1] < corr5[0]  # the path correlation is not monotone in R
