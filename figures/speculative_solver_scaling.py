"""Solver run time vs V (log-log): full transport LP (HiGHS), set LP (HiGHS), the sorted-prefix
formula (iid) and the without-replacement race-integral formula (K = 4)."""

import time

import numpy as np

from theory.figures import fast_mode, figure, legend, save
from theory.speculative import full_lp_acceptance, optimal_acceptance, optimal_acceptance_lp, random_pair

fast = fast_mode()
SEED = 3


def timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


rng = np.random.default_rng(SEED)
lp_v = [10, 30, 60] if fast else [10, 30, 60, 100, 200, 300]
full_v = [4, 8, 16] if fast else [4, 8, 16, 32, 50]
formula_v = [100, 1000, 10_000] if fast else [100, 1000, 10_000, 32_000, 150_000]
rows = {}
pairs = {v: random_pair(v, rng) for v in sorted(set(lp_v + full_v + formula_v))}
rows["full LP, K=2 (HiGHS)"] = (
    full_v, [timed(lambda v=v: full_lp_acceptance(*pairs[v], 2)) for v in full_v])
rows["set LP, K=2 (HiGHS)"] = (lp_v, [timed(lambda v=v: optimal_acceptance_lp(*pairs[v], 2)) for v in lp_v])
rows["sorted formula, iid K=2"] = (formula_v, [timed(lambda v=v: optimal_acceptance(*pairs[v], 2), 3)
                                               for v in formula_v])
rows["race formula, wor K=4"] = (
    formula_v, [timed(lambda v=v: optimal_acceptance(*pairs[v], 4, drafts="wor")) for v in formula_v])
fig, ax = figure(width=0.49, height=3.0)
for (name, (vs, ts)), marker in zip(rows.items(), "os^D"):
    ax.loglog(vs, ts, marker=marker, label=name.replace("K=2", "$K=2$").replace("K=4", "$K=4$"))
ax.set_xlabel("vocabulary size $V$")
ax.set_ylabel("wall time (s)")
legend(ax, loc="below", ncol=1)
save(fig, "speculative_solver_scaling",
     params={"seed": SEED, "dirichlet": 0.5,
             "times": {k: dict(zip(map(str, v[0]), v[1])) for k, v in rows.items()}},
     caption="Run time against the vocabulary size V: full transport LP and set LP (HiGHS), the "
             "sorted-prefix formula (iid drafts) and the race-integral formula (drafts without "
             "replacement, K = 4). Wall times depend on the machine.")
