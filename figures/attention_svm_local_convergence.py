"""Local convergence of W- and (K,Q)-GD to the Att-SVM of the tokens they select.

Setting of the official ``local_converge`` notebook (TF-SVM): n = 6, T = 8, d = 10, unit
Gaussian tokens and queries, random labels and head, normalised GD with lr 0.1 from
W(0) = 0 (W) and K, Q ~ U(+-1/sqrt d) ((K, Q)), 2000 steps. Left: mean over samples of the
largest softmax weight; right: correlation of W(k) with W^mm and W*^mm of the final selection
alpha_hat (mean +- std over runs).
"""

import numpy as np

from theory._sweep import sweep
from theory.attention_svm import (
    attention_softmax,
    correlation,
    random_instance,
    solve_att_svm,
    train_attention,
)
from theory.figures import fast_mode, figure, int_axis, legend, save


def one_run(param, steps, every, rng):
    X, Z, Y, v = random_instance(6, 8, 10, rng=rng)
    marks = list(range(0, steps + 1, every))
    tr = train_attention(X, Z, Y, v=v, param=param, steps=steps, checkpoints=marks, rng=rng)
    alpha = np.argmax(tr.softmax_final, axis=1)
    fro, nuc = solve_att_svm(X, Z, alpha), solve_att_svm(X, Z, alpha, norm="nuc")
    nan = np.full(len(marks), np.nan)
    if fro.status != "optimal":
        return nan, nan, nan, tr.checkpoints
    prob = [attention_softmax(X, Z, W).max(axis=1).mean() for W in tr.iterates]
    c_fro = [correlation(W, fro.W) if np.any(W) else np.nan for W in tr.iterates]
    c_nuc = [correlation(W, nuc.W) if np.any(W) else np.nan for W in tr.iterates]
    pad = len(marks) - len(prob)  # (K, Q) runs stop early when the gradient underflows
    ext = lambda a: np.concatenate([a, np.full(pad, a[-1])])  # noqa: E731 - hold the last value
    return ext(np.array(prob)), ext(np.array(c_fro)), ext(np.array(c_nuc)), tuple(marks)


fast = fast_mode()
runs, steps, every = (3, 200, 20) if fast else (40, 2000, 20)
fig, axes = figure(1, 2, width=1.0, height=2.6)
summary = {}
for param, color in (("W", "C0"), ("KQ", "C3")):
    out = sweep(one_run, [{"param": param, "steps": steps, "every": every}] * runs, rng=2023, seeded=True)
    ks = np.array(out[0][3])
    prob, c_fro, c_nuc = (np.array([o[j] for o in out]) for j in range(3))
    label = {"W": "$W$-GD", "KQ": "$(K,Q)$-GD"}[param]
    for ax, data, style, name in ((axes[0], prob, "-", label),
                                  (axes[1], c_fro, "-", rf"{label} vs $W^{{\rm mm}}$"),
                                  (axes[1], c_nuc, "--", rf"{label} vs $W_\star^{{\rm mm}}$")):
        # W(0) = 0 has no direction: correlations start at the first checkpoint.
        first = 1 if ax is axes[1] else 0
        m, s = np.nanmean(data[:, first:], axis=0), np.nanstd(data[:, first:], axis=0)
        ax.plot(ks[first:], m, style, color=color, label=name)
        ax.fill_between(ks[first:], m - s, m + s, color=color, alpha=0.15)
    summary[param] = {"corr_fro_final_mean": float(np.nanmean(c_fro[:, -1])),
                      "corr_nuc_final_mean": float(np.nanmean(c_nuc[:, -1]))}
axes[0].set_xlabel("iteration $k$")
axes[0].set_ylabel(r"weight of the selected token $s_{i\hat\alpha_i}$")
axes[1].set_xlabel("iteration $k$")
axes[1].set_ylabel("correlation with the SVM")
axes[1].set_ylim(0.5, 1.01)
for ax in axes:
    int_axis(ax, "x")
    legend(ax, loc="below", ncol=2)
save(fig, "attention_svm_local_convergence",
     params={"runs": runs, "steps": steps, "n": 6, "T": 8, "d": 10, "lr": 0.1, "seed": 2023, **summary},
     caption="Local convergence (n = 6, T = 8, d = 10; mean and one standard deviation over runs): "
             "softmax weight of the selected token (left) and correlation of the iterate with the "
             "Frobenius and nuclear SVMs of the selected tokens (right).")
