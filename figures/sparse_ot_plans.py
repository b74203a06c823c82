"""1-D plans for k = 1..4 next to exact, entropic and quadratic OT; 2-D matchings (column-sparse OT).

1-D toy of the official notebook: n bins on [0, n), a = N(10, 4), b = N(16, 5) (normalised), C =
squared distance / max, gamma = 1 for the sparse plans. 2-D: 20 + 20 points, source N(0, I),
target mean (4, 4) with covariance sqrtm-factor [[1, -.8], [-.6, 1]], seed 0.
"""

import numpy as np
import ot
from scipy.linalg import sqrtm

from theory.figures import fast_mode, figure, legend, save
from theory.sparse_ot import gaussian_toy, quadratic_ot, solve_sparse_ot

fast = fast_mode()
n = 16 if fast else 32
a, b, C = gaussian_toy(n)

plans = {"exact OT": ot.emd(a, b, C), "entropic (2e-3)": ot.sinkhorn(a, b, C, 2e-3, numItermax=20000),
         r"quadratic, $\gamma=0.1$": quadratic_ot(a, b, C, gamma=0.1).plan}
rows = {}
for k in (1, 2, 3, 4):
    r = solve_sparse_ot(a, b, C, k=k, gamma=1.0)
    plans[f"$k={k}$, $\\gamma=1$"] = r.plan
    rows[k] = {"nnz": int(np.count_nonzero(r.plan)), "row_error_sq": float(np.sum((r.plan.sum(1) - a) ** 2)),
               "value": r.value, "status": r.status}
    assert np.all(np.count_nonzero(r.plan > 0, axis=0) <= k)

fig, axes = figure(2, 4, width=1.0, height=3.9)
for ax, (name, T) in zip(axes[0].ravel().tolist() + axes[1, :3].tolist(), plans.items()):
    ax.imshow(T > 1e-10 * T.max() if name.startswith("entropic") else T > 0, cmap="Greys", origin="lower")
    ax.set_title(f"{name}\n{np.count_nonzero(T > 1e-10)} nonzeros")
    ax.set_xticks([0, n - 1])
    ax.set_yticks([0, n - 1])
    ax.set_xlabel("target bin $j$", labelpad=-6)
    ax.set_ylabel("source bin $i$", labelpad=-6)
    ax.grid(False)

# 2-D matching
rng = np.random.default_rng(0)
m2 = 8 if fast else 20
xs = rng.normal(size=(m2, 2))
xt = rng.normal(size=(m2, 2)) @ np.real(sqrtm(np.array([[1, -0.8], [-0.6, 1]]))) + 4
C2 = ot.dist(xs, xt)
u = np.full(m2, 1 / m2)
ax = axes[1, 3]
T2 = solve_sparse_ot(u, u, C2, k=1, gamma=1.0).plan
T3 = solve_sparse_ot(u, u, C2, k=2, gamma=1.0).plan
for T, style, lab in ((T3, "C1-", "k=2"), (T2, "k--", "k=1")):
    first = True
    for i, j in zip(*np.nonzero(T)):
        ax.plot([xs[i, 0], xt[j, 0]], [xs[i, 1], xt[j, 1]], style, lw=0.4 + 4 * m2 * T[i, j] / 2,
                label=lab if first else None)
        first = False
ax.scatter(*xs.T, s=8, c="C0", label="sources", zorder=3)
ax.scatter(*xt.T, s=8, c="C2", label="targets", zorder=3)
ax.set_title("2-D, column-sparse")
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
legend(ax, loc="below", ncol=2)
save(fig, "sparse_ot_plans", params={"n": n, "gamma": 1.0, "two_d_points": m2, "seed": 0, "rows": rows},
     caption="Supports of transport plans on the one-dimensional toy (source bin i, target bin j): "
             "exact, entropic and quadratic OT, and the sparsity-constrained plans for k = 1 to 4; "
             "bottom right, 2-D matchings with at most k sources per target.")
