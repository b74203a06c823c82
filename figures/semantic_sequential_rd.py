"""Per-letter nonanticipative, block and feed-forward RDFs of a binary symmetric Markov source.

BSMS(p = 0.2) with X_1 ~ Bern(1/2), Hamming distortion, horizons n = 1..3 (fast: 1..2). The
stationary NRDF h(p*D) - h(D) and the classical h(p) - h(D) are overlaid: R_ff <= R <= R_na per
letter, all equal at n = 1 (= 1 - h(D)).
"""

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.semantic import (
    block_rate_distortion,
    bsms_nrdf,
    feedforward_rate_distortion,
    markov_source,
    nonanticipative_rate_distortion,
)
from theory.semantic.rate_distortion import h2

fast = fast_mode()
p = 0.2
ns = [1, 2] if fast else [1, 2, 3]
Ds = np.linspace(0.02, 0.3, 4 if fast else 12)
# One panel per horizon n: the order R_ff <= R <= R_na holds within a horizon (per-letter rates of
# different horizons are not ordered that way; all three coincide at n = 1).
fig, axes = figure(1, len(ns), width=1.0, height=2.6, sharey=True)
Dg = np.linspace(0.005, 0.3, 200)
rates = {}
for ax, n in zip(axes, ns):
    src = markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)
    d = 1 - np.eye(2)
    na = [nonanticipative_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    bl = [block_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    ff = [feedforward_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    rates[n] = {"na": na, "block": bl, "ff": ff}
    ax.plot(Dg, [bsms_nrdf(p, x) for x in Dg], color="0.55", lw=3.0, alpha=0.6,
            label=r"$h(p \star D) - h(D)$ (stationary NRDF)")
    ax.plot(Dg, np.maximum(h2(p) - h2(Dg), 0), color="0.3", lw=0.8, ls="-.", label="$h(p) - h(D)$")
    if n == 1:  # the three coincide: one curve, drawn once
        ax.plot(Ds, na, "-o", color="C0", label="$R_{na} = R = R_{ff}$ ($n = 1$)")
    else:
        ax.plot(Ds, na, "-o", color="C0", label="nonanticipative $R_{na}$")
        ax.plot(Ds, bl, "-s", color="C1", mfc="none", label="block $R$")
        ax.plot(Ds, ff, "-^", color="C2", label="feed-forward $R_{ff}$")
    ax.set_xlabel("per-letter distortion $D$")
    ax.set_title(f"horizon $n = {n}$")
axes[0].set_ylabel("rate (bits / letter)")
legend(fig, loc="below", ncol=3)
fig.suptitle(f"BSMS($p = {p}$): $R_{{ff}} \\leq R \\leq R_{{na}}$ at each horizon $n$")
save(fig, "semantic_sequential_rd", params={"p": p, "n": ns, "D": [float(Ds[0]), float(Ds[-1]), len(Ds)],
                                            "rates": rates},
     caption="Per-letter nonanticipative, block and feed-forward rate-distortion functions of a "
             "binary symmetric Markov source (p = 0.2), one panel per horizon n: R_ff <= R <= R_na "
             "within each horizon, all equal at n = 1.")
