"""Share of W-GD runs converging to the global SVM, to a locally optimal SVM, or neither, vs d.

n = T = 5, unit Gaussian data, normalised GD (lr 0.1) from W(0) ~ U(+-1/sqrt d). A run is
"global" when its selection alpha_hat (largest softmax weight) is the optimal-token vector,
"local" when alpha_hat is locally optimal but not optimal, and "other" when some weight stays
below 0.99, Att-SVM(alpha_hat) is infeasible, or corr(W, W^mm(alpha_hat)) < 0.99
(``theory.attention_svm.classify``). Over-parameterisation (TF-SVM) predicts more global runs as d grows.
"""

import numpy as np

from theory._sweep import grid, sweep
from theory.attention_svm import classify, random_instance, token_scores, train_attention
from theory.figures import fast_mode, figure, int_axis, legend, save


def run(d, steps, rng):
    gen = np.random.default_rng(rng)
    X, Z, Y, v = random_instance(5, 5, d, rng=gen)
    b = 1.0 / np.sqrt(d)
    tr = train_attention(X, Z, Y, v=v, steps=steps, init=gen.uniform(-b, b, (d, d)))
    kind = classify(X, Z, token_scores(X, Y, v), tr.W)
    return {"not_locally_optimal": "other"}.get(kind, kind)


fast = fast_mode()
dims, runs, steps = ([2, 6], 4, 300) if fast else ([2, 4, 6, 8, 10, 15, 20], 40, 3000)
tasks = grid(d=dims, rep=range(runs))
kinds = sweep(run, [{"d": t["d"], "steps": steps} for t in tasks], rng=11, seeded=True)
share = {k: [100.0 * sum(1 for t, o in zip(tasks, kinds) if t["d"] == d and o == k) / runs for d in dims]
         for k in ("global", "local", "other")}
fig, ax = figure(width=0.6, height=2.4)
# Decreasing marker sizes: where two shares coincide (e.g. both 0 %) both markers stay visible.
for j, (k, marker, size) in enumerate((("global", "o", 7), ("local", "s", 4.5), ("other", "^", 3))):
    ax.plot(dims, share[k], marker=marker, ms=size, mfc="none" if j == 0 else None, color=f"C{j}", label=k)
ax.set_xlabel("dimension $d$")
ax.set_ylabel("runs (%)")
ax.set_ylim(-4, 104)
int_axis(ax, "x")
ax.set_title(f"$W$-GD, $n = T = 5$: {runs} runs of {steps} steps per $d$")
legend(ax)
save(fig, "attention_svm_convergence_types", params={"dims": dims, "runs": runs, "steps": steps,
                                                     "seed": 11, "percent": share},
     caption="Share of normalised W-GD runs (n = T = 5) that select the globally optimal tokens, "
             "locally optimal ones, or neither within the step budget, against the dimension d.")
