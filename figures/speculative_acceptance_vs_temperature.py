"""Acceptance vs temperature (target and draft at the same T) for K = 2, 4, 8.

Input: ``synthetic_pair`` (V = 50, wobble 2.5). A turn near T ~ 0.9 is only noted if it shows; no
claim to reproduce Hu et al.'s curves.
"""

import numpy as np

from theory.figures import fast_mode, figure, save
from theory.speculative import acceptance_rate, optimal_acceptance, synthetic_pair

fast = fast_mode()
VOCAB, WOBBLE = 50, 2.5
TEMPS = np.linspace(0.1, 2.0, 8 if fast else 40)
KS = (2, 4, 8)

fig, axes = figure(1, len(KS), figsize=(11, 3.6), sharey=True)
for ax, k in zip(axes, KS):
    rows: dict[str, list[float]] = {n: [] for n in ("optimal (wor)", "optimal (iid)", "greedy",
                                                     "kseq", "rrs", "single draft")}
    for temp in TEMPS:
        p, q = synthetic_pair(VOCAB, float(temp), wobble=WOBBLE)
        rows["optimal (wor)"].append(optimal_acceptance(p, q, k, drafts="wor"))
        rows["optimal (iid)"].append(optimal_acceptance(p, q, k))
        rows["greedy"].append(acceptance_rate("greedy", p, q, k))
        rows["kseq"].append(acceptance_rate("kseq", p, q, k))
        rows["rrs"].append(acceptance_rate("rrs", p, q, k))
        rows["single draft"].append(optimal_acceptance(p, q, 1))
    for name, ys in rows.items():
        ax.plot(TEMPS, ys, label=name, ls="--" if name == "single draft" else "-")
    ax.set_title(f"K = {k}")
    ax.set_xlabel("temperature T")
axes[0].set_ylabel("acceptance")
axes[-1].legend(fontsize=7, loc="lower right")
save(fig, "speculative_acceptance_vs_temperature",
     params={"V": VOCAB, "wobble": WOBBLE, "T": [float(t) for t in TEMPS], "K": KS})
