"""Fixed-length dictionaries (all strings of length <= r): L1 = H(X_1^r)/r, approaching H_inf only
like k (H(pi) - H_inf)/r, i.e. with d = 2^r exponential in k/eps. Line: the block formula;
markers: the exact joint chain."""

from __future__ import annotations

import numpy as np

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.tokenization import GreedyTokenizer, MarkovSource, fixed_length_dictionary, unigram_loss

fast = fast_mode()
r_line = np.arange(1, 21)
r_exact = range(1, 5) if fast else range(1, 9)
sources = [("sw(2; 0.8, 0.8)", MarkovSource.switching(2, 0.8, 0.8)),
           ("sw(4; 0.8, 0.8)", MarkovSource.switching(4, 0.8, 0.8))]

fig, ax = figure(width=0.49, height=3.4)
values = {}
for i, (name, src) in enumerate(sources):
    color = f"C{i}"
    ax.plot(r_line, [src.block_entropy(int(r)) / r for r in r_line], color=color,
            label=f"{name}: $H(X_1^r)/r$")
    ex = [unigram_loss(src, GreedyTokenizer(fixed_length_dictionary(2, r))).value for r in r_exact]
    ax.plot(list(r_exact), ex, "o", color=color, mfc="none", ms=6, label=f"{name}: exact chain")
    values[name] = ex
src = sources[0][1]
ax.axhline(src.cond_entropy(1), color="k", ls=":", lw=1, label=r"$H(\pi) = \ln 2$")
ax.axhline(src.entropy_rate(), color="k", lw=1, label=r"$H_\infty = h(0.8)$")
ax.set_xlabel("token length $r$ (dictionary size $2^{r+1} - 2$)")
ax.set_ylabel("optimal unigram loss (nats / char.)")
int_axis(ax, "x")
legend(ax, loc="below", ncol=1)
save(fig, "tokenization_fixed_length", params={"r_exact": list(r_exact), "exact": values},
     caption="Fixed-length dictionaries (all strings of length at most r): the unigram loss "
             "H(X_1^r)/r approaches the entropy rate only like 1/r; lines: the block formula, "
             "circles: the exact joint chain.")
