"""Time to a KKT certificate: the active-set Att-SVM solver against cvxpy + Clarabel (and NNLS).

Frobenius Att-SVM on unit Gaussian tokens and queries with random selected tokens. Our route
(``solve_att_svm``, method ``"active_set"``) is run under growing iteration budgets
(``max_iter = 1, 2, 4, ...``) until it certifies; Clarabel (``solve_att_svm_cvxpy``) under
tightening tolerances ``tol_gap_abs = tol_gap_rel = tol_feas``; the former Lawson-Hanson NNLS
route is one point. Each point: wall-clock seconds (best of 3 for ours, one BLAS thread) and the
KKT residual of the returned answer (largest of the primal violation, dual violation, relative
complementarity and relative stationarity). Timings depend on the machine and its load.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


import numpy as np  # noqa: E402

from theory._timing import best_of  # noqa: E402
from theory.attention_svm import random_instance, solve_att_svm, solve_att_svm_cvxpy  # noqa: E402
from theory.figures import fast_mode, figure, legend, save  # noqa: E402


def curves(n, T, d, tolerances):
    X, Z, _, _ = random_instance(n, T, d, rng=0)
    alpha = np.random.default_rng(1).integers(0, T, n)
    ours, budget = [], 1
    while True:
        t, r = best_of(solve_att_svm, 3, X, Z, alpha, method="active_set", max_iter=budget)
        ours.append({"max_iter": budget, "seconds": t, "kkt": r.diagnostics["kkt_residual"],
                     "status": r.status})
        if r.status == "optimal" or budget > 1 << 14:
            break
        budget *= 2
    cvx = []
    for tol in tolerances:
        opts = {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol}
        t, r = best_of(solve_att_svm_cvxpy, 1, X, Z, alpha, solver_options=opts)
        kkt = r.diagnostics["kkt_residual"] if r.status == "optimal" else None
        cvx.append({"tol": tol, "seconds": t, "kkt": kkt, "status": r.status})
    t, r = best_of(solve_att_svm, 1, X, Z, alpha, method="nnls")
    nnls = {"seconds": t, "kkt": r.diagnostics["kkt_residual"], "status": r.status}
    return {"ours": ours, "cvxpy": cvx, "nnls": nnls}


solve_att_svm_cvxpy(*random_instance(3, 3, 3, rng=0)[:2], [0, 0, 0])  # warm-up: cvxpy import, not timed
fast = fast_mode()
sizes = [(20, 5, 8)] if fast else [(50, 10, 20), (100, 10, 30)]
tolerances = [1e-2, 1e-6, 1e-10] if fast else [1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12]
results = {f"n={n}, T={T}, d={d}": curves(n, T, d, tolerances) for n, T, d in sizes}
fig, axes = figure(1, len(sizes), squeeze=False)
for ax, (label, res) in zip(axes[0], results.items()):
    ax.loglog([p["seconds"] for p in res["ours"]], [max(p["kkt"], 1e-16) for p in res["ours"]], "-o", ms=4,
              color="C0", label="ours (active set), growing max_iter")
    ok = [p for p in res["cvxpy"] if p["kkt"] is not None]
    ax.loglog([p["seconds"] for p in ok], [p["kkt"] for p in ok], "-s", ms=4, color="C1",
              label="cvxpy + Clarabel, tightening tol")
    failed = [p for p in res["cvxpy"] if p["kkt"] is None]
    if failed:
        text = "Clarabel tol " + ", ".join(f"{p['tol']:.0e}" for p in failed) + ": " + failed[0]["status"]
        ax.annotate(text, (failed[0]["seconds"], 1e-9), fontsize=6, color="C1", ha="right", va="bottom")
    ax.loglog([res["nnls"]["seconds"]], [max(res["nnls"]["kkt"], 1e-16)], "D", color="C2", ms=5,
              label="NNLS route (Lawson-Hanson)")
    ax.axhline(1e-12, color="0.5", lw=0.8, ls=":")
    ax.set_xlabel("seconds (one BLAS thread)")
    ax.set_ylabel("KKT residual")
    ax.set_title(f"Frobenius Att-SVM, {label}", fontsize=9)
legend(fig, loc="below")
save(fig, "attention_svm_time_to_certificate",
     params={"sizes": sizes, "tolerances": tolerances, "seed": 0, "alpha_seed": 1, "results": results,
             "load_average": os.getloadavg()[0]})
