"""The unigram barrier on sw(2; delta, delta): H(pi)/H_inf = ln 2 / h(delta), unbounded as
delta -> 0; exact character-unigram losses (joint chain) on the closed form, and the ratio a
heavy-hitter dictionary reaches instead."""

from __future__ import annotations

import math

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.tokenization import (
    GreedyTokenizer,
    MarkovSource,
    binary_entropy,
    heavy_hitter_dictionary,
    unigram_loss,
)

fast = fast_mode()
grid = np.geomspace(1e-3, 0.5, 200)
marks = [0.002, 0.01, 0.05, 0.2] if fast else [0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.4, 0.5]
beta = 0.02

fig, ax = figure(width=0.49, height=3.0)
ax.plot(grid, [math.log(2) / binary_entropy(d) for d in grid], label=r"$\ln 2 / h(\delta)$ (closed form)")
alpha = GreedyTokenizer([(0,), (1,)])
hh_marks = [d for d in marks if d >= 0.003]  # smaller delta: tokens of length > 1000
exact, hh = [], []
for d in marks:
    src = MarkovSource.switching(2, d, d)
    exact.append(unigram_loss(src, alpha).value / src.entropy_rate())
    if d in hh_marks:
        tok = GreedyTokenizer(heavy_hitter_dictionary(src, beta, max_size=200_000), V=2)
        hh.append(unigram_loss(src, tok).value / src.entropy_rate())
ax.plot(marks, exact, "o", mfc="none", ms=6, label="character unigram, exact")
ax.plot(hh_marks, hh, "s", label=f"heavy-hitter tokens ($\\beta = {beta}$), exact")
ax.axhline(1.0, color="k", lw=1, label=r"entropy rate ($L = H_\infty$)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"switching probability $\delta$")
ax.set_ylabel(r"unigram loss / $H_\infty$")
legend(ax, loc="below", ncol=1)
save(fig, "tokenization_barrier_ratio",
     params={"deltas": marks, "heavy_hitter_deltas": hh_marks, "beta": beta, "char_ratio": exact,
             "heavy_hitter_ratio": hh},
     caption="The unigram barrier on the switching source sw(2; delta, delta): the character unigram "
             "loss over the entropy rate is ln 2 / h(delta), unbounded as delta -> 0; a heavy-hitter "
             "dictionary brings the ratio back towards 1.")
