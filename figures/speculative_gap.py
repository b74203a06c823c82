"""Gap to the optimum alpha*_iid - alpha_scheme: vs K on the synthetic pair, and its histogram
over random Dirichlet(0.5) pairs (V = 50, K = 4)."""

import numpy as np

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.speculative import acceptance_rate, optimal_acceptance, random_pair, synthetic_pair

fast = fast_mode()
VOCAB, WOBBLE, SEED = 50, 2.5, 1
KS = list(range(1, 9))
N_PAIRS = 40 if fast else 1000
SCHEMES = ("rrs", "kseq", "greedy")

fig, (ax1, ax2) = figure(1, 2, width=1.0, height=2.7)
for temp, ls in ((0.5, ":"), (1.0, "-"), (2.0, "--")):
    p, q = synthetic_pair(VOCAB, temp, wobble=WOBBLE)
    opt = np.array([optimal_acceptance(p, q, k) for k in KS])
    for i, scheme in enumerate(SCHEMES):
        gap = opt - np.array([acceptance_rate(scheme, p, q, k) for k in KS])
        ax1.plot(KS, gap, ls=ls, color=f"C{i}", marker="os^"[i], ms=3, label=f"{scheme}, $T={temp}$")
ax1.set_xlabel("number of drafts $K$")
ax1.set_ylabel(r"gap $\alpha^\star_{\rm iid} - \alpha_{\rm scheme}$")
int_axis(ax1, "x")
legend(ax1, loc="below", ncol=3)

rng = np.random.default_rng(SEED)
gaps: dict[str, list[float]] = {s: [] for s in SCHEMES}
for _ in range(N_PAIRS):
    p, q = random_pair(VOCAB, rng)
    opt = optimal_acceptance(p, q, 4)
    for s in SCHEMES:
        gaps[s].append(opt - acceptance_rate(s, p, q, 4))
bins = np.linspace(min(min(g) for g in gaps.values()), max(max(g) for g in gaps.values()), 30)
for i, s in enumerate(SCHEMES):
    # Outlines, not filled bars: overlapping histograms stay readable.
    ax2.hist(gaps[s], bins=bins, histtype="step", lw=1.3, color=f"C{i}",
             label=f"{s} (median {np.median(gaps[s]):.3f})")
ax2.set_xlabel(r"gap $\alpha^\star_{\rm iid} - \alpha_{\rm scheme}$, $K = 4$, random pairs")
ax2.set_ylabel("pairs")
int_axis(ax2, "y")
legend(ax2, loc="below", ncol=1)
save(fig, "speculative_gap", params={"V": VOCAB, "wobble": WOBBLE, "K": KS, "pairs": N_PAIRS,
                                     "dirichlet": 0.5, "seed": SEED},
     caption="Gap between the optimal acceptance and each scheme: against K for the synthetic pair "
             "at three temperatures (left; greedy drafts follow another draft law, hence negative "
             "gaps), and its histogram over random pairs at K = 4 (right).")
