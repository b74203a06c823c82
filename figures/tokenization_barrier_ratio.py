"""The unigram barrier on sw(2; delta, delta): H(pi)/H_inf = ln 2 / h(delta), unbounded as
delta -> 0; exact character-unigram losses (joint chain) on the closed form, and the ratio a
heavy-hitter dictionary reaches instead."""

from __future__ import annotations

import math

import numpy as np

from theory.figures import fast_mode, figure, save
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

fig, ax = figure()
ax.plot(grid, [math.log(2) / binary_entropy(d) for d in grid], label="ln 2 / h(delta) (closed form)")
alpha = GreedyTokenizer([(0,), (1,)])
hh_marks = [d for d in marks if d >= 0.003]  # smaller delta: tokens of length > 1000
exact, hh = [], []
for d in marks:
    src = MarkovSource.switching(2, d, d)
    exact.append(unigram_loss(src, alpha).value / src.entropy_rate())
    if d in hh_marks:
        tok = GreedyTokenizer(heavy_hitter_dictionary(src, beta, max_size=200_000), V=2)
        hh.append(unigram_loss(src, tok).value / src.entropy_rate())
ax.plot(marks, exact, "o", label="exact: character unigram / H_inf")
ax.plot(hh_marks, hh, "s", label=f"exact: heavy-hitter tokens (beta = {beta}) / H_inf")
ax.axhline(1.0, color="k", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("delta (switching probability)")
ax.set_ylabel("loss / H_inf")
ax.legend()
save(fig, "tokenization_barrier_ratio",
     params={"deltas": marks, "heavy_hitter_deltas": hh_marks, "beta": beta, "char_ratio": exact,
             "heavy_hitter_ratio": hh})
