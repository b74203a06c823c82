"""Optimum vs schemes on a synthetic data set of related softmax models, across temperatures.

Input: ``synthetic_logits`` (two related random softmax models, N positions, V tokens, seed 0);
both models are sampled at temperature T. Per position: alpha* for iid, without-replacement and
greedy drafts and the exact acceptance of rrs and kseq (``theory.speculative`` batched
functions); the curves are means over the positions with standard-error bars.
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import acceptance_rate_batch, from_logits, optimal_acceptance_batch, synthetic_logits

fast = fast_mode()
N, VOCAB = (60, 100) if fast else (500, 400)
TEMPS = np.array([0.3, 0.7, 1.0, 1.5]) if fast else np.linspace(0.2, 2.0, 10)
KS = [2, 4]
z_p, z_q = synthetic_logits(N, VOCAB, rng=0)
curves: dict[str, np.ndarray] = {}
names = ["optimal (wor)", "optimal (iid)", "optimal (greedy)", "kseq", "rrs"]
for name in names:
    curves[name] = np.zeros((len(TEMPS), len(KS), 2))  # mean, standard error
for i, temp in enumerate(TEMPS):
    p = from_logits(z_p.astype(np.float64), temperature=float(temp))
    q = from_logits(z_q.astype(np.float64), temperature=float(temp))
    values = {"optimal (wor)": optimal_acceptance_batch(p, q, KS, drafts="wor"),
              "optimal (iid)": optimal_acceptance_batch(p, q, KS),
              "optimal (greedy)": optimal_acceptance_batch(p, q, KS, drafts="greedy"),
              "kseq": acceptance_rate_batch("kseq", p, q, KS),
              "rrs": acceptance_rate_batch("rrs", p, q, KS)}
    for name, v in values.items():
        curves[name][i, :, 0] = v.mean(axis=0)
        curves[name][i, :, 1] = v.std(axis=0, ddof=1) / np.sqrt(N)

fig, axes = figure(1, len(KS), sharey=True)
for j, (ax, k) in enumerate(zip(axes, KS)):
    for name in names:
        ax.errorbar(TEMPS, curves[name][:, j, 0], yerr=curves[name][:, j, 1], capsize=2, ms=3,
                    marker="o", ls="-" if name.startswith("optimal") else "--", label=name)
    ax.set_title(f"K = {k}: synthetic data set, N = {N}, V = {VOCAB}")
    ax.set_xlabel("temperature T (both models)")
axes[0].set_ylabel("mean acceptance (± s.e.)")
legend(fig, loc="below")
save(fig, "speculative_dataset_bound",
     params={"N": N, "V": VOCAB, "T": [float(t) for t in TEMPS], "K": KS, "seed": 0,
             "means": {n: curves[n][:, :, 0].round(6).tolist() for n in names}})
