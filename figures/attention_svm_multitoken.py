"""SVM-equivalence with a nonlinear (ReLU) head: several tokens keep attention weight.

Setting of the official ``multi_token_converge`` notebook (TF-SVM): n = 3, T = 4, ReLU head
1^T ReLU(V^T o), normalised GD (lr 0.1, 2000 steps) from W = 0. Runs are kept when every weight
is either >= 1e-3 (the selected set O_i) or <= 1e-6, some token is dropped, and the direction
problem is feasible. Left: mean 1 - corr of the final W with W^eq = W^fin + R W^dir, with W^dir
alone, and with the one-token SVM of alpha_hat = argmax s. Right: 1 - corr(W, W^eq) against
the largest dropped weight.
"""

import numpy as np

from theory._sweep import grid, sweep
from theory.attention_svm import (
    correlation,
    random_instance,
    solve_att_svm,
    svm_equivalence,
    train_attention,
)
from theory.figures import fast_mode, figure, int_axis, legend, save


def run(d, steps, rng):
    gen = np.random.default_rng(rng)
    X, Z, Y, _ = random_instance(3, 4, d, rng=gen)
    if not np.any(Y < 0):
        return None
    tr = train_attention(X, Z, Y, head="relu", steps=steps, rng=gen)
    s = tr.softmax_final
    if np.any((s > 1e-6) & (s < 1e-3)) or not np.any(s <= 1e-6) or not np.any(tr.W):
        return None
    eq = svm_equivalence(X, Z, s, tr.W)
    one = solve_att_svm(X, Z, np.argmax(s, axis=1))
    if eq.status != "optimal" or one.status != "optimal":
        return None
    return {"eq": 1 - correlation(tr.W, eq.W_eq), "dir": 1 - correlation(tr.W, eq.W_dir),
            "one": 1 - correlation(tr.W, one.W), "dropped_max": float(s[~eq.selected].max()),
            "multi": bool(np.any(eq.selected.sum(axis=1) > 1))}


fast = fast_mode()
dims, seeds, steps = ([4], 12, 300) if fast else ([4, 6, 8, 10], 150, 2000)
tasks = grid(d=dims, rep=range(seeds))
out = sweep(run, [{"d": t["d"], "steps": steps} for t in tasks], rng=17, seeded=True)
fig, axes = figure(1, 2, width=1.0, height=2.5)
stats = {}
for j, key in enumerate(("eq", "dir", "one")):
    means = []
    for d in dims:
        vals = [o[key] for t, o in zip(tasks, out) if t["d"] == d and o is not None]
        means.append(float(np.mean(vals)) if vals else np.nan)
    axes[0].semilogy(dims, means, "-o", ms=4, color=f"C{j}",
                     label={"eq": r"$W^{\rm eq}$", "dir": r"$W^{\rm dir}$", "one": "one-token SVM"}[key])
    stats[key] = means
stats["kept"] = [sum(1 for t, o in zip(tasks, out) if t["d"] == d and o is not None) for d in dims]
axes[0].set_xlabel("dimension $d$")
axes[0].set_ylabel(r"mean $1 - \mathrm{corr}(W, \cdot)$")
int_axis(axes[0], "x")
legend(axes[0])
kept = [o for o in out if o is not None]
if kept:
    axes[1].loglog([o["dropped_max"] for o in kept], [max(o["eq"], 1e-16) for o in kept], "o", ms=3)
axes[1].set_xlabel(r"largest dropped weight $\max_{\bar O} s$")
axes[1].set_ylabel(r"$1 - \mathrm{corr}(W, W^{\rm eq})$")
save(fig, "attention_svm_multitoken", params={"dims": dims, "seeds_per_d": seeds, "steps": steps,
                                              "seed": 17, "mean_one_minus_corr": stats},
     caption="ReLU head, several tokens selected: mean 1 - correlation of the final iterate with "
             "the predicted limit W^eq, its SVM direction W^dir and the one-token SVM against d "
             "(left); per run, against the largest dropped softmax weight (right).")
