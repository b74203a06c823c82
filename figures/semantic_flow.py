"""Semantic information flow I(S; Y^t) of a toy autoregressive model, its increments and sampled paths.

|S| = 3 meanings, |Y| = 3 tokens, random Dirichlet model (seed 7). Left: the exact flow (forward
recursion over count classes), increments I(S; Y_t | Y^{t-1}) as bars, the ceiling H(S). Right:
sampled pointwise information iota_t = log2 P(S | Y^t) / P(S) and its compensator A_t (the summed
exact drifts); their averages approach the flow.
"""

import numpy as np

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.semantic import sample_flow_paths, semantic_flow

fast = fast_mode()
rng = np.random.default_rng(7)
prior = rng.dirichlet(np.ones(3))
init = rng.dirichlet(np.ones(3), size=3)
T = rng.dirichlet(0.5 * np.ones(3), size=(3, 3))
steps = 8 if fast else 16
flow = semantic_flow(prior, init, T, steps)
H = float(-np.sum(prior * np.log2(prior)))
fig, axes = figure(1, 2, width=1.0, height=2.6)
t = np.arange(1, steps + 1)
ax = axes[0]
ax.bar(t, np.diff(np.r_[0.0, flow]), color="C1", alpha=0.6, label="$I(S; Y_t \\mid Y^{t-1})$")
ax.plot(t, flow, "o-", color="C0", label="$I(S; Y^t)$")
ax.axhline(H, color="k", ls="--", lw=0.8, label="$H(S)$")
ax.set_xlabel("token $t$")
ax.set_ylabel("information (bits)")
int_axis(ax, "x")
legend(ax, loc="below", ncol=3)
ax.set_title("exact flow")
ax = axes[1]
n_paths = 30 if fast else 400
iota, comp = sample_flow_paths(prior, init, T, steps, n_paths, rng=1)
for k in range(min(n_paths, 12)):
    ax.plot(t, iota[k], color="C0", alpha=0.25, lw=0.8)
    ax.plot(t, comp[k], color="C3", alpha=0.25, lw=0.8)
ax.plot(t, iota.mean(axis=0), color="C0", lw=2, label=r"mean $\iota_t$")
ax.plot(t, comp.mean(axis=0), color="C3", lw=2, ls="--", label="mean $A_t$")
ax.plot(t, flow, "k:", lw=1.6, label="$I(S; Y^t)$")
ax.set_xlabel("token $t$")
ax.set_ylabel("information (bits)")
int_axis(ax, "x")
legend(ax, loc="below", ncol=3)
ax.set_title(f"{n_paths} sampled paths (12 shown)")
save(fig, "semantic_flow", params={"seed": 7, "steps": steps, "paths": n_paths, "path_seed": 1},
     caption="Semantic information flow of a toy autoregressive model (3 meanings, 3 tokens): the "
             "exact flow I(S; Y^t) and its increments (left); sampled pointwise information iota_t "
             "and its compensator A_t, whose means follow the flow (right).")
