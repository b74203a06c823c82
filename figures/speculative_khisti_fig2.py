"""Khisti et al.'s synthetic |Omega| = 3 example, both role assignments: one distribution uniform,
the other (1/3, t, 2/3 - t) (left) or (1/6, t, 5/6 - t) (right); K = 2: optimal, kseq, rrs."""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import acceptance_rate, optimal_acceptance

fast = fast_mode()
N_T = 15 if fast else 200
uniform = np.full(3, 1 / 3)
fig, axes = figure(1, 2, width=1.0, height=2.6, sharey=True)
for ax, (first, total) in zip(axes, ((1 / 3, 2 / 3), (1 / 6, 5 / 6))):
    ts = np.linspace(0.0, total, N_T)
    for role, ls in (("draft uniform", "-"), ("target uniform", "--")):
        rows: dict[str, list[float]] = {"optimal": [], "kseq": [], "rrs": []}
        for t in ts:
            other = np.array([first, t, total - t])
            p, q = (other, uniform) if role == "draft uniform" else (uniform, other)
            rows["optimal"].append(optimal_acceptance(p, q, 2))
            rows["kseq"].append(acceptance_rate("kseq", p, q, 2))
            rows["rrs"].append(acceptance_rate("rrs", p, q, 2))
        for i, (name, ys) in enumerate(rows.items()):
            # optimal is drawn wide and pale: where a scheme attains it, both stay visible.
            wide = name == "optimal"
            ax.plot(ts, ys, ls=ls, color=f"C{i}", lw=3.0 if wide else 1.2, alpha=0.5 if wide else 1.0,
                    label=f"{name}, {role}")
    ax.set_title(f"other law $= ({first:.3g},\\ t,\\ {total:.3g} - t)$")
    ax.set_xlabel("$t$")
axes[0].set_ylabel("acceptance, $K = 2$")
legend(fig, loc="right")
save(fig, "speculative_khisti_fig2", params={"points": N_T, "K": 2},
     caption="V = 3, K = 2: one law uniform, the other (1/3, t, 2/3 - t) (left) or (1/6, t, 5/6 - t) "
             "(right), with the uniform law as the draft (solid) or as the target (dashed): optimal "
             "acceptance, K-SEQ and rrs.")
