"""2-D gradient-descent paths of W z_i for W- and (K,Q)-training against the Att-SVM rays.

Setting of the official ``visualization1`` notebook (TF-SVM): n = 2, T = 3, d = 2, tokens
0.3 N(0, I) shifted by -(1, 0) (sequence 0) and +(1, 0) (sequence 1), Y = +1, W(0) = 0,
Q(0) = 0, K(0) = 0.1 N(0, I), normalised GD with lr 0.1. Solid: W-parameterisation, dashed:
(K, Q); the rays are W^mm z_i (Frobenius SVM) and W*^mm z_i (nuclear SVM) of the tokens GD selects.
"""

import numpy as np

from theory.attention_svm import optimal_tokens, solve_att_svm, train_attention
from theory.figures import fast_mode, figure, legend, save

fast = fast_mode()
seed, steps = 1, (300 if fast else 2000)
rng = np.random.default_rng(seed)
X = 0.3 * rng.standard_normal((2, 3, 2))
X[0] -= np.array([1.0, 0.0])
X[1] += np.array([1.0, 0.0])
Z = rng.standard_normal((2, 2))
Z /= np.linalg.norm(Z, axis=1, keepdims=True)
Y = np.ones(2)
v = rng.standard_normal(2)
v /= np.linalg.norm(v)

marks = list(range(steps + 1))
w_run = train_attention(X, Z, Y, v=v, steps=steps, checkpoints=marks)
kq_run = train_attention(X, Z, Y, v=v, param="KQ", steps=steps, checkpoints=marks,
                         init=(0.1 * rng.standard_normal((2, 2)), np.zeros((2, 2))))
alpha = np.argmax(w_run.softmax_final, axis=1)  # the tokens GD selects (here also the optimal ones)
fro = solve_att_svm(X, Z, alpha)
nuc = solve_att_svm(X, Z, np.argmax(kq_run.softmax_final, axis=1), norm="nuc")

fig, axes = figure(1, 2, width=1.0, height=2.8)
colors = ["C0", "C1"]
for ax, run, title in ((axes[0], w_run, "$W$-GD"), (axes[1], kq_run, "$(K,Q)$-GD")):
    paths = [np.einsum("kde,e->kd", run.iterates, Z[i]) for i in range(2)]
    # Thick translucent paths (the first wider: under (K, Q)-GD both run along one line) under
    # thin rays that run 20% past their ends: everything stays visible.
    for i in range(2):
        ax.plot(paths[i][:, 0], paths[i][:, 1], "-", color=colors[i], lw=4.5 - 2.0 * i, alpha=0.6,
                label=f"path of $W(k)\\,z_{i + 1}$")
    for i in range(2):
        reach = 1.2 * float(np.linalg.norm(paths[i], axis=1).max())
        rays = ((fro.W, ":", r"$W^{\rm mm} z_i$ (Frobenius)"),
                (nuc.W, "--", r"$W_\star^{\rm mm} z_i$ (nuclear)"))
        for W, ls, name in rays:
            ray = W @ Z[i]
            ray = reach * ray / np.linalg.norm(ray)
            ax.plot([0, ray[0]], [0, ray[1]], ls, color="k", lw=0.9, label=name if i == 1 else None)
    ax.set_xlabel(r"coordinate 1 of $W z_i$")
    ax.set_ylabel(r"coordinate 2 of $W z_i$")
    ax.set_title(f"{title}, {steps} normalised steps")
legend(axes[1])
save(fig, "attention_svm_paths2d",
     params={"seed": seed, "steps": steps, "lr": 0.1, "alpha_hat": alpha.tolist(),
             "optimal": optimal_tokens(X, Y, v).tolist()},
     caption="Two-dimensional instance (n = 2, T = 3, d = 2): iterates W(k) z_i of normalised "
             "gradient descent on W (left) and on (K, Q) (right), with the directions of the "
             "Frobenius SVM (dotted) and of the nuclear SVM (dashed).")
