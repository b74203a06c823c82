"""Exact and Monte Carlo output laws vs the target for every scheme, negative controls included
(case B of the spec: p = (0.5, 0.3, 0.2), q = (0.2, 0.3, 0.5), K = 2; rrs-dedup on its witness)."""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import output_law, simulate

fast = fast_mode()
N = 5_000 if fast else 200_000
SEED = 4
P_B, Q_B = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
P_W, Q_W = np.array([0.016, 0.536, 0.448]), np.array([0.697, 0.01, 0.293])
CASES = [(s, P_B, Q_B, 2) for s in ("rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor", "naive")]
CASES.append(("rrs-dedup", P_W, Q_W, 3))

fig, axes = figure(2, 4, width=1.0, height=3.6, sharey=True, sharex=True)
x = np.arange(3)
for i, (ax, (scheme, p, q, k)) in enumerate(zip(axes.ravel(), CASES)):
    law = output_law(scheme, p, q, k)
    sim = simulate(scheme, p, q, k, n=N, rng=SEED + i)
    ax.bar(x - 0.25, p, width=0.25, label="target $p$")
    ax.bar(x, law, width=0.25, label="exact output law")
    ax.bar(x + 0.25, sim.counts / N, width=0.25, label=f"Monte Carlo, $n = {N}$")
    tv = 0.5 * float(np.abs(law - p).sum())
    ax.set_title(f"{scheme}, $K={k}$\nTV {tv:.2g}, $p_{{\\chi^2}}$ = {sim.pvalue:.1g}")
    ax.set_xticks(x)
for ax in axes[1]:
    ax.set_xlabel("output token")
for ax in axes[:, 0]:
    ax.set_ylabel("probability")
legend(fig, loc="below")
save(fig, "speculative_output_histograms", params={"n": N, "seed": SEED},
     caption="Exact and Monte Carlo output laws against the target for every scheme (V = 3, K = 2; "
             "rrs-dedup on its witness pair with K = 3): the lossless schemes reproduce p, the "
             "negative controls do not.")
