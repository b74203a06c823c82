"""K-SEQ's guarantee: alpha_kseq / alpha*_iid vs K over random pairs, against 1 - (1 - 1/K)^K and
1 - 1/e."""

import math

import numpy as np

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.speculative import acceptance_rate, optimal_acceptance, random_pair

fast = fast_mode()
SEED = 2
KS = list(range(1, 9))
N_PAIRS = 30 if fast else 600

rng = np.random.default_rng(SEED)
ratios = {k: [] for k in KS}
for _ in range(N_PAIRS):
    v = int(rng.integers(2, 30))
    p, q = random_pair(v, rng, concentration=float(rng.choice([0.1, 0.5, 2.0])))
    for k in KS:
        opt = optimal_acceptance(p, q, k)
        if opt > 0:
            ratios[k].append(acceptance_rate("kseq", p, q, k) / opt)

fig, ax = figure(width=0.49, height=3.0)
ax.plot(KS, [min(ratios[k]) for k in KS], marker="o", label="worst ratio observed")
ax.plot(KS, [float(np.median(ratios[k])) for k in KS], marker="s", label="median ratio")
ks = np.linspace(1, 8, 200)
ax.plot(ks, 1 - (1 - 1 / ks) ** ks, color="k", label="guarantee $1 - (1 - 1/K)^K$")
ax.axhline(1 - 1 / math.e, color="grey", ls="--", label="$1 - 1/e$")
ax.set_xlabel("number of drafts $K$")
ax.set_ylabel(r"$\alpha_{\rm kseq} / \alpha^\star_{\rm iid}$")
ax.set_ylim(0.55, 1.02)
int_axis(ax, "x")
legend(ax, loc="below", ncol=1)
save(fig, "speculative_kseq_ratio", params={"K": KS, "pairs": N_PAIRS, "seed": SEED,
                                            "worst": {k: min(ratios[k]) for k in KS}},
     caption="K-SEQ's guarantee: worst and median ratio of its acceptance to the optimum over random "
             "pairs, against K, with the bound 1 - (1 - 1/K)^K and its limit 1 - 1/e.")
