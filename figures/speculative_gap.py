"""Gap to the optimum alpha*_iid - alpha_scheme: vs K on the synthetic pair, and its histogram
over random Dirichlet(0.5) pairs (V = 50, K = 4)."""

import numpy as np

from theory.figures import fast_mode, figure, save
from theory.speculative import acceptance_rate, optimal_acceptance, random_pair, synthetic_pair

fast = fast_mode()
VOCAB, WOBBLE, SEED = 50, 2.5, 1
KS = list(range(1, 9))
N_PAIRS = 40 if fast else 1000
SCHEMES = ("rrs", "kseq", "greedy")

fig, (ax1, ax2) = figure(1, 2, figsize=(10, 3.6))
for temp, ls in ((0.5, ":"), (1.0, "-"), (2.0, "--")):
    p, q = synthetic_pair(VOCAB, temp, wobble=WOBBLE)
    opt = np.array([optimal_acceptance(p, q, k) for k in KS])
    for i, scheme in enumerate(SCHEMES):
        gap = opt - np.array([acceptance_rate(scheme, p, q, k) for k in KS])
        ax1.plot(KS, gap, ls=ls, color=f"C{i}", label=f"{scheme}, T={temp}")
ax1.set_xlabel("number of drafts K")
ax1.set_ylabel("alpha*_iid - alpha_scheme")
ax1.legend(fontsize=6, ncol=2)

rng = np.random.default_rng(SEED)
gaps: dict[str, list[float]] = {s: [] for s in SCHEMES}
for _ in range(N_PAIRS):
    p, q = random_pair(VOCAB, rng)
    opt = optimal_acceptance(p, q, 4)
    for s in SCHEMES:
        gaps[s].append(opt - acceptance_rate(s, p, q, 4))
bins = np.linspace(min(min(g) for g in gaps.values()), max(max(g) for g in gaps.values()), 30)
for i, s in enumerate(SCHEMES):
    ax2.hist(gaps[s], bins=bins, alpha=0.5, color=f"C{i}", label=f"{s} (median {np.median(gaps[s]):.3f})")
ax2.set_xlabel("alpha*_iid - alpha_scheme (K = 4, random pairs)")
ax2.set_ylabel("count")
ax2.legend(fontsize=7)
save(fig, "speculative_gap", params={"V": VOCAB, "wobble": WOBBLE, "K": KS, "pairs": N_PAIRS,
                                     "dirichlet": 0.5, "seed": SEED})
