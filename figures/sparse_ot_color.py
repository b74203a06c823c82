"""Colour transfer between two synthetic RGB clouds: k = 1, 2 (gamma = 1), QOT (gamma = 0.1), EMD.

Source and target: n colours each from two Gaussian mixtures in [0, 1]^3 (seed 0), uniform
weights, squared Euclidean cost. Each source colour is mapped to the barycentre of its plan row
(T x_t / T 1). Sidecar: nnz fraction, ||a - T1||^2, ||b - T^T 1||^2 and <T, C> per method (the
columns of the official colour-transfer notebook).
"""

import numpy as np
import ot

from theory.figures import fast_mode, figure, no_axis_labels, save
from theory.sparse_ot import quadratic_ot, solve_sparse_ot

fast = fast_mode()
n = 32 if fast else 256
rng = np.random.default_rng(0)


def cloud(centres):
    lab = rng.integers(len(centres), size=n)
    return np.clip(np.asarray(centres)[lab] + 0.08 * rng.normal(size=(n, 3)), 0, 1)


src = cloud([[0.8, 0.2, 0.2], [0.9, 0.7, 0.1], [0.3, 0.3, 0.3]])
tgt = cloud([[0.1, 0.4, 0.8], [0.2, 0.8, 0.5], [0.9, 0.9, 0.9]])
u = np.full(n, 1 / n)
C = ot.dist(src, tgt)
plans = {"exact OT": ot.emd(u, u, C), r"quadratic, $\gamma=0.1$": quadratic_ot(u, u, C, gamma=0.1).plan,
         "$k=1$": solve_sparse_ot(u, u, C, k=1, gamma=1.0).plan,
         "$k=2$": solve_sparse_ot(u, u, C, k=2, gamma=1.0).plan}
order = np.lexsort(src.T)
fig, axes = figure(len(plans) + 1, 1, width=0.8, height=2.4, sharex=True)
axes[0].imshow(src[order][None, :, :], aspect="auto")
axes[0].set_ylabel("source", rotation=0, ha="right", va="center")
stats = {}
for ax, (name, T) in zip(axes[1:], plans.items()):
    rows = T.sum(1, keepdims=True)
    mapped = np.where(rows > 0, T @ tgt / np.where(rows > 0, rows, 1), src)
    ax.imshow(np.clip(mapped[order], 0, 1)[None, :, :], aspect="auto")
    ax.set_ylabel(name, rotation=0, ha="right", va="center")
    stats[name] = {"nnz_fraction": float(np.sum(T > 1e-10) / T.size),
                   "row_err_sq": float(np.sum((u - T.sum(1)) ** 2)),
                   "col_err_sq": float(np.sum((u - T.sum(0)) ** 2)), "cost": float(np.sum(T * C))}
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    no_axis_labels(ax, "colour strip: each column is one source colour, the row names the method")
axes[-1].set_xlabel(f"the {n} source colours, sorted")
save(fig, "sparse_ot_color", params={"n": n, "seed": 0, "stats": stats},
     caption="Colour transfer between two synthetic clouds of RGB colours: each column is a source "
             "colour (top) and its image, the barycentre of its row of the plan, under exact OT, "
             "quadratic OT and the k = 1, k = 2 sparse plans.")
