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
from theory.figures import fast_mode, figure, legend, save

fast = fast_mode()
seeds = [0, 1] if fast else [0, 1, 2, 3, 4]
mults = np.array([0.5, 2.0, 8.0]) if fast else np.array([0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0, 16.0, 30.0])
restarts, steps = (2, 200) if fast else (10, 1500)
fig, axes = figure(1, 2, width=1.0, height=2.9)
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
    axes[0].semilogx(mults, corr, "-o", label=f"seed {s}")
axes[0].set_xlabel(r"radius $R / \|W^{\rm mm}\|_F$")
axes[0].set_ylabel(r"$\mathrm{corr}(W_R, W^{\rm mm}_{\rm opt})$")
axes[0].set_title("$W$ path ($n=3, T=4, d=4$)")
legend(axes[0], loc="below", ncol=3)

X2, Z2, Y2, v2 = reference_instance(2)
fro2, nuc2 = solve_att_svm(X2, Z2, [0, 0, 0]), solve_att_svm(X2, Z2, [0, 0, 0], norm="nuc")
radii = np.array([1.0, 10.0]) if fast else np.array([0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0])
kq = regularization_path(X2, Z2, Y2, v2, radii, param="KQ", restarts=restarts, steps=steps, seeded=False,
                         rng=5)
w = regularization_path(X2, Z2, Y2, v2, radii, restarts=restarts, steps=steps, seeded=False, rng=6)
for path, style, name in ((kq, "-", "$(K,Q)$ path"), (w, "--", "$W$ path")):
    axes[1].semilogx(radii, [correlation(W, nuc2.W) for W in path], style + "o", color="C3",
                     mfc="none" if style == "--" else None, label=f"{name} vs $W_\\star^{{\\rm mm}}$")
    axes[1].semilogx(radii, [correlation(W, fro2.W) for W in path], style + "s", color="C0",
                     mfc="none" if style == "--" else None, label=f"{name} vs $W^{{\\rm mm}}$")
axes[1].set_xlabel("radius $R$")
axes[1].set_ylabel("correlation")
axes[1].set_title("instance 2: nuclear vs Frobenius limits")
legend(axes[1], loc="below", ncol=2)
save(fig, "attention_svm_regpath",
     params={"seeds": seeds, "R_over_norm": mults.tolist(), "restarts": restarts, "steps": steps,
             "corr": curves, "kq_radii": radii.tolist()},
     caption="Regularisation path: correlation of the constrained risk minimiser W_R with the SVM "
             "of the optimal tokens against the radius (left, five random instances), and for the "
             "instance whose nuclear and Frobenius SVMs differ, along the (K, Q) and W paths (right).")
