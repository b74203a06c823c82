"""Toy MoE router: tokens per expert for experts-choose (column-sparse OT, capacity k),
tokens-choose (row-sparse OT, 1 expert per token) and top-1 softmax gating.

Random logits N(0, 1) plus an expert bias (some experts are popular), C = -softmax, gamma = 1,
a = 1 per token, b = S/E, capacity = ceil(S cf / E) rounded up to a multiple of 4, cf = 1.
"""

import numpy as np

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.sparse_ot import route

fast = fast_mode()
S, E = (32, 4) if fast else (256, 8)
rng = np.random.default_rng(0)
logits = rng.normal(size=(S, E)) + np.linspace(1.0, -1.0, E)[None, :]
methods = {"experts-choose": {}, "tokens-choose": {"num_selected": 1}, "softmax-topk": {"num_selected": 1}}
fig, ax = figure(width=0.49, height=3.4)
table = {}
width = 0.27
for i, (meth, kw) in enumerate(methods.items()):
    r = route(logits, method=meth, **kw)
    load = np.count_nonzero(r.dispatch > 0, axis=0)
    ax.bar(np.arange(E) + (i - 1) * width, load, width=width, label=meth)
    table[meth] = r.stats
ax.axhline(r.stats.get("expert_nnz_mean", S / E), color="k", lw=0.8, ls=":",
           label=f"mean load $S/E = {S // E}$")
cap = route(logits, method="experts-choose").k
ax.axhline(cap, color="C0", lw=0.8, ls="--", label=f"capacity {cap}")
ax.set_xlabel("expert")
ax.set_ylabel("tokens routed")
int_axis(ax, "both")
legend(ax, loc="below", ncol=1)
save(fig, "sparse_ot_router", params={"S": S, "E": E, "seed": 0, "gamma": 1.0, "table": table},
     caption=f"Toy mixture-of-experts router ({S} tokens, {E} experts, popular experts biased): tokens "
             "per expert when experts choose tokens (column-sparse OT with a capacity), when tokens "
             "choose one expert (row-sparse OT), and under top-1 softmax gating.")
