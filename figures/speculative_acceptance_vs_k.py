"""Acceptance vs number of drafts K for every scheme and the two optima, one panel per temperature.

Input: the synthetic Zipf-like pair of ``theory.speculative.synthetic_pair`` (V = 50, wobble 2.5,
no model downloads). rrs-wor is exact up to K = 4 (tree enumeration) and Monte Carlo beyond
(error bars: 2 standard errors).
"""

from theory.figures import fast_mode, figure, int_axis, legend, save
from theory.speculative import acceptance_rate, optimal_acceptance, simulate, synthetic_pair

fast = fast_mode()
VOCAB, WOBBLE, SEED = (30, 2.5, 0) if fast else (50, 2.5, 0)
KS = list(range(1, 5 if fast else 9))
TEMPS = (0.5, 1.0, 2.0)
N_MC = 2_000 if fast else 40_000

fig, axes = figure(1, len(TEMPS), width=1.0, height=2.5, sharey=True)
for ax, temp in zip(axes, TEMPS):
    p, q = synthetic_pair(VOCAB, temp, wobble=WOBBLE)
    curves = {
        r"optimal $\alpha^\star$, wor": [optimal_acceptance(p, q, k, drafts="wor") for k in KS],
        r"optimal $\alpha^\star$, iid": [optimal_acceptance(p, q, k) for k in KS],
        "greedy": [acceptance_rate("greedy", p, q, k) for k in KS],
        "kseq": [acceptance_rate("kseq", p, q, k) for k in KS],
        "rrs": [acceptance_rate("rrs", p, q, k) for k in KS],
        "single draft": [optimal_acceptance(p, q, 1)] * len(KS),
    }
    markers = dict(zip(curves, "os^vDx"))
    for name, ys in curves.items():
        ax.plot(KS, ys, marker=markers[name], ms=3, label=name, ls="--" if name == "single draft" else "-",
                mfc="none" if name.endswith("wor") else None)
    exact_k = [k for k in KS if k <= 4]
    ax.plot(exact_k, [acceptance_rate("rrs-wor", p, q, k) for k in exact_k], marker="P", ms=6,
            mfc="none", color="C6", label="rrs-wor (exact)")
    mc_k = [k for k in KS if k > 4]
    if mc_k:
        sims = [simulate("rrs-wor", p, q, k, n=N_MC, rng=SEED + k) for k in mc_k]
        ax.errorbar(mc_k, [s.acceptance for s in sims], yerr=[2 * s.acceptance_stderr for s in sims],
                    fmt="s", ms=3, color="C6", label="rrs-wor (MC)")
    ax.set_title(f"temperature $T = {temp}$")
    ax.set_xlabel("number of drafts $K$")
    int_axis(ax, "x")
axes[0].set_ylabel("acceptance")
legend(fig, loc="below")
save(fig, "speculative_acceptance_vs_k",
     params={"V": VOCAB, "wobble": WOBBLE, "K": KS, "T": TEMPS, "mc_n": N_MC, "seed": SEED},
     caption="Acceptance against the number of drafts K for every scheme and the two optima "
             "(drafts with and without replacement), synthetic pair, three temperatures; rrs-wor is "
             "exact up to K = 4 and Monte Carlo beyond (two standard errors).")
