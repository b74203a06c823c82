"""Convergence vs k: suboptimality of the semi-dual against objective evaluations, cold vs warm start.

1-D toy (a = N(10, 4), b = N(16, 5) bins, C = squared distance / max), k in {1, 2, 4, 8, n},
gamma in {1, 0.1}. Cold = alpha = 0; warm = the package default (exact-OT potentials for k = 1,
QOT semi-dual solution for k > 1; its own evaluations are not counted). Stalled small runs are
finished by smoothing the top-k selection: their last point is placed after the evaluations of
the smoothed dual. Reference optimum: the best value any run reached (and, in full mode, the
cvxpy dual).
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.sparse_ot import dual_cvx, gaussian_toy, solve_sparse_ot

fast = fast_mode()
n = 10 if fast else 32
a, b, C = gaussian_toy(n)
ks = [1, 2, n] if fast else [1, 2, 4, 8, n]
gammas = [1.0, 0.1]
fig, axes = figure(1, 2, width=1.0, height=2.7, sharey=True)
summary = {}
for ax, g in zip(axes, gammas):
    for i, k in enumerate(ks):
        runs = {s: solve_sparse_ot(a, b, C, k=k, gamma=g, warm_start=(s == "warm"),
                                   max_iter=300 if fast else 3000) for s in ("cold", "warm")}
        ref = max(r.value for r in runs.values())
        if not fast:
            ref = max(ref, dual_cvx(a, b, C, k=k, gamma=g)[0])
        for s, r in runs.items():
            tr = np.maximum.accumulate(np.asarray(r.diagnostics["trace"]))
            sub = np.maximum((ref - tr) / abs(ref), 1e-16)
            evals = np.arange(1, sub.size + 1)
            if r.diagnostics["smoothed"]:  # the last point comes after the smoothed-dual evaluations
                evals[-1] += r.diagnostics["n_eval_smoothing"] - 1
            # A warm start that is already optimal (k = 1: exact-OT potentials) is one point, not
            # a curve: a marker shows it. Warm runs are wide and pale so that a cold run that
            # follows the same path stays visible on top of them.
            warm = s == "warm"
            ax.semilogy(evals, sub, color=f"C{i}", ls="-" if warm else ":", lw=3.0 if warm else 1.2,
                        alpha=0.45 if warm else 1.0, marker="o" if sub.size == 1 else None,
                        zorder=1.5 if warm else 2.5,
                        label=f"$k={k}$, {s}")
            summary[f"gamma={g},k={k},{s}"] = {
                "final_rel_subopt": float(sub[-1]), "n_eval": int(evals[-1]), "status": r.status,
                "evals_to_1e-6": int(evals[np.argmax(sub <= 1e-6)]) if np.any(sub <= 1e-6) else None}
    ax.set_title(rf"$\gamma = {g}$")
    ax.set_xscale("log")
    ax.set_xlabel("objective evaluations")
axes[0].set_ylabel("relative suboptimality")
legend(fig, loc="right")
save(fig, "sparse_ot_convergence", params={"n": n, "ks": ks, "gammas": gammas, "summary": summary},
     caption="Relative suboptimality of the semi-dual against objective evaluations of L-BFGS, "
             "from a cold start (dotted) and the warm start (wide pale lines; a single point when "
             "the warm start is already optimal), one-dimensional toy.")
