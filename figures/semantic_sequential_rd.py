"""Per-letter nonanticipative, block and feed-forward RDFs of a binary symmetric Markov source.

BSMS(p = 0.2) with X_1 ~ Bern(1/2), Hamming distortion, horizons n = 1..3 (fast: 1..2). The
stationary NRDF h(p*D) - h(D) and the classical h(p) - h(D) are overlaid: R_ff <= R <= R_na per
letter, all equal at n = 1 (= 1 - h(D)).
"""

import numpy as np

from theory.figures import fast_mode, figure, save
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
fig, ax = figure(figsize=(6.5, 4.0))
styles = {1: ":", 2: "--", 3: "-"}
for n in ns:
    src = markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)
    d = 1 - np.eye(2)
    na = [nonanticipative_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    bl = [block_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    ff = [feedforward_rate_distortion(src, d, D=float(x)).rate for x in Ds]
    ax.plot(Ds, na, styles[n], color="C0", label=f"NRDF, n = {n}")
    ax.plot(Ds, bl, styles[n], color="C1", label=f"block RDF, n = {n}")
    ax.plot(Ds, ff, styles[n], color="C2", label=f"feed-forward, n = {n}")
Dg = np.linspace(0.005, 0.3, 200)
ax.plot(Dg, [bsms_nrdf(p, x) for x in Dg], color="k", lw=0.8, label="h(p*D) - h(D)")
ax.plot(Dg, np.maximum(h2(p) - h2(Dg), 0), color="grey", lw=0.8, ls="-.", label="h(p) - h(D)")
ax.set_xlabel("per-letter distortion D")
ax.set_ylabel("rate [bits / letter]")
ax.set_title(f"BSMS(p = {p}): R_ff <= R <= R_na")
ax.legend(ncol=2, fontsize=7)
save(fig, "semantic_sequential_rd", params={"p": p, "n": ns, "D": [float(Ds[0]), float(Ds[-1]), len(Ds)]})
