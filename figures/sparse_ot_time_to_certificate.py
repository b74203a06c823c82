"""Time to a certified gap: relative gap vs seconds for solve_sparse_ot and POT's sparsity-constrained
semi-dual, side by side in one run.

Instance as in benchmarks/bench_sparse_ot.py: m = n points uniform in the unit square, squared
Euclidean cost / max, Dirichlet(1) marginals (seed 0), gamma = 1, one BLAS thread (set it in the
environment). Ours: every certificate (feasible k-sparse plan U, dual value D) with its time,
gap (U - D) / (U - shift). POT (its defaults, to its own stopping point): its dual value at every
evaluation against our final U (POT returns no feasible plan), a lower bound on any certificate
its run could give. The full benchmark (m = n = 1000) prints the time-to-certificate table.
"""

import contextlib
import io
import time

import numpy as np
import ot
import ot.smooth

from theory.figures import fast_mode, figure, legend, save
from theory.sparse_ot import solve_sparse_ot, sparse_ot_problem
from theory.sparse_ot._problem import normalise

fast = fast_mode()
n = 120 if fast else 400
ks = (5, 20)
gamma = 1.0
rng = np.random.default_rng(0)
x, y = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
C = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
C /= C.max()
a, b = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))


def pot_curve(k):
    curve = []
    orig = ot.smooth.semi_dual_obj_grad
    t0 = time.perf_counter()

    def recorded(alpha, a_, b_, C_, regul):
        obj, grad = orig(alpha, a_, b_, C_, regul)
        curve.append((time.perf_counter() - t0, float(obj)))
        return obj, grad

    ot.smooth.semi_dual_obj_grad = recorded
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            ot.smooth.smooth_ot_semi_dual(a, b, C, gamma, reg_type="sparsity_constrained", max_nz=k)
    finally:
        ot.smooth.semi_dual_obj_grad = orig
    return time.perf_counter() - t0, curve


fig, ax = figure()
rows = {}
for i, k in enumerate(ks):
    t0 = time.perf_counter()
    r = solve_sparse_ot(a, b, C, k=k, gamma=gamma, tol=1e-6)
    ours_s = time.perf_counter() - t0
    pot_s, curve = pot_curve(k)
    U = r.polished_value
    _, sc = normalise(sparse_ot_problem(a, b, C, k=k, gamma=gamma))
    scale = U - sc.offset
    ours = [(t, (u - v) / scale) for t, v, u in r.diagnostics["certificates"]] if np.isfinite(U) else []
    pot = [(t, (U - v) / scale) for t, v in curve] if np.isfinite(U) else []
    if ours:
        ax.plot(*np.array(ours).T, "o-", color=f"C{i}", label=f"k={k}: ours ({r.status})")
    if pot:
        ax.plot(*np.array(pot).T, ":", color=f"C{i}", label=f"k={k}: POT (dual vs our U)")
    rows[k] = {"ours_seconds": ours_s, "pot_seconds": pot_s, "status": r.status,
               "our_gap": r.relative_gap, "pot_gap": pot[-1][1] if pot else None, "ours": ours,
               "pot": pot[:: max(1, len(pot) // 60)]}
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("seconds (wall, one run)")
ax.set_ylabel("relative gap (U - D)/(U - shift)")
ax.set_title(f"m = n = {n}, gamma = {gamma}")
legend(ax, loc="right")
save(fig, "sparse_ot_time_to_certificate", params={"n": n, "ks": list(ks), "gamma": gamma, "seed": 0,
                                                  "note": "timings depend on the machine's load",
                                                  "rows": rows})
