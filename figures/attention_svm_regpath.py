"""Regularisation path: corr(W_R, W^mm_opt) against the radius R (TF-SVM, Theorem on the path).

Left: W_R = argmin_{||W||_F <= R} L(W) by multi-start projected normalised GD (no start on the
predicted ray), for random instances n = 3, T = 4, d = 4. The correlation need not rise
monotonically: for seed 0 it falls from 0.66 to 0.63 before rising, and for seed 3 the minimiser at
R = ||W^mm|| has corr 0.23 while a local minimum with corr 0.96 has a larger risk. Right: the (K, Q)
path on ||K||^2 + ||Q||^2 <= 2R for the instance where the nuclear and Frobenius SVMs differ.
"""

import numpy as np

from theory.attention_svm import (
    correlation,
    optimal_tokens,
    random_instance,
    reference_instance,
    regularization_path,
    solve_att_svm,
)
from theory.figures import fast_mode, figure, save

fast = fast_mode()
seeds = [0, 1] if fast else [0, 1, 2, 3, 4]
mults = np.array([0.5, 2.0, 8.0]) if fast else np.array([0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0, 16.0, 30.0])
restarts, steps = (2, 200) if fast else (10, 1500)
fig, axes = figure(1, 2, figsize=(9.5, 3.8))
curves = {}
for s in seeds:
    X, Z, Y, v = random_instance(3, 4, 4, rng=s)
    svm = solve_att_svm(X, Z, optimal_tokens(X, Y, v))
    if svm.status != "optimal":
        continue
    path = regularization_path(X, Z, Y, v, mults * svm.objective, restarts=restarts, steps=steps,
                               seeded=False, rng=100 + s)
    corr = [correlation(W, svm.W) for W in path]
    curves[s] = corr
    axes[0].semilogx(mults, corr, "-o", ms=3, label=f"instance seed {s}")
axes[0].set_xlabel(r"$R / \|W^{mm}\|_F$")
axes[0].set_ylabel(r"corr$(W_R, W^{mm}_{opt})$")
axes[0].set_title("W path (n=3, T=4, d=4)")
axes[0].legend(fontsize=7)

X2, Z2, Y2, v2 = reference_instance(2)
fro2, nuc2 = solve_att_svm(X2, Z2, [0, 0, 0]), solve_att_svm(X2, Z2, [0, 0, 0], norm="nuc")
radii = np.array([1.0, 10.0]) if fast else np.array([0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0])
kq = regularization_path(X2, Z2, Y2, v2, radii, param="KQ", restarts=restarts, steps=steps, seeded=False,
                         rng=5)
w = regularization_path(X2, Z2, Y2, v2, radii, restarts=restarts, steps=steps, seeded=False, rng=6)
for path, style, name in ((kq, "-", "(K,Q) path"), (w, "--", "W path")):
    axes[1].semilogx(radii, [correlation(W, nuc2.W) for W in path], style + "o", color="C3", ms=3,
                     label=f"{name}: corr with $W_*^{{mm}}$")
    axes[1].semilogx(radii, [correlation(W, fro2.W) for W in path], style + "s", color="C0", ms=3,
                     label=f"{name}: corr with $W^{{mm}}$")
axes[1].set_xlabel("R")
axes[1].set_ylabel("correlation")
axes[1].set_title("instance 2: nuclear vs Frobenius limits")
axes[1].legend(fontsize=7)
save(fig, "attention_svm_regpath",
     params={"seeds": seeds, "R_over_norm": mults.tolist(), "restarts": restarts, "steps": steps,
             "corr": curves, "kq_radii": radii.tolist()})
