"""Acceptance vs temperature (target and draft at the same T) for K = 2, 4, 8.

Input: ``synthetic_pair`` (V = 50, wobble 2.5). A turn near T ~ 0.9 is only noted if it shows; no
claim to reproduce Hu et al.'s curves.
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import acceptance_rate, optimal_acceptance, synthetic_pair

fast = fast_mode()
VOCAB, WOBBLE = 50, 2.5
TEMPS = np.linspace(0.1, 2.0, 8 if fast else 40)
KS = (2, 4, 8)

fig, axes = figure(1, len(KS), width=1.0, height=2.5, sharey=True)
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
    names = {"optimal (wor)": r"optimal $\alpha^\star$, wor", "optimal (iid)": r"optimal $\alpha^\star$, iid"}
    for name, ys in rows.items():
        ax.plot(TEMPS, ys, label=names.get(name, name), ls="--" if name == "single draft" else "-",
                lw=2.6 if name == "optimal (wor)" else 1.3, alpha=0.5 if name == "optimal (wor)" else 1.0)
    ax.set_title(f"$K = {k}$ drafts")
    ax.set_xlabel("temperature $T$")
axes[0].set_ylabel("acceptance")
legend(fig, loc="below")
save(fig, "speculative_acceptance_vs_temperature",
     params={"V": VOCAB, "wobble": WOBBLE, "T": [float(t) for t in TEMPS], "K": KS},
     caption="Acceptance against the temperature T applied to both models (synthetic pair) for "
             "K = 2, 4, 8 drafts: every scheme and the two optima.")
