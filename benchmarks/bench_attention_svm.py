"""Benchmark: exact Frobenius Att-SVM (NNLS) vs cvxpy + Clarabel, and GD steps per second.

Run: ``.venv/bin/python benchmarks/bench_attention_svm.py`` (about a minute). Accuracy is the
worst KKT residual recomputed from each solution: primal violation max(0, 1 - min margin) and
the stationarity error ||W - sum lambda A||_F relative to ||W||_F (cvxpy's duals rescaled).
"""

import os

# Single-threaded BLAS on both sides (Clarabel is single-threaded): oversubscribed BLAS threads on a
# shared machine slow the dense linear algebra by an order of magnitude and make timings meaningless.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from theory.attention_svm import random_instance, solve_att_svm, solve_att_svm_cvxpy, train_attention  # noqa: E402


def best_time(repeat, fn, *args, **kwargs):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out


def kkt(res):
    return max(res.diagnostics["primal_violation"], res.diagnostics["stationarity"] / max(res.objective, 1.0))


print("Frobenius Att-SVM: NNLS + KKT polish (ours) vs cvxpy + Clarabel (defaults)")
print(f"{'n':>4} {'T':>3} {'d':>3} | {'ours s':>8} {'cvxpy s':>8} {'speed-up':>8} | "
      f"{'ours KKT':>9} {'cvxpy KKT':>9} {'max|dW|':>9} {'rel obj':>9}")
for n, T, d in ((50, 10, 20), (100, 10, 20), (100, 10, 30), (200, 5, 20)):
    X, Z, _, _ = random_instance(n, T, d, rng=0)
    alpha = np.random.default_rng(1).integers(0, T, n)
    t_ours, ours = best_time(3, solve_att_svm, X, Z, alpha)
    t_cvx, ref = best_time(1, solve_att_svm_cvxpy, X, Z, alpha)
    assert ours.status == ref.status == "optimal"
    print(f"{n:>4} {T:>3} {d:>3} | {t_ours:8.3f} {t_cvx:8.3f} {t_cvx / t_ours:7.1f}x | "
          f"{kkt(ours):9.1e} {kkt(ref):9.1e} {np.abs(ours.W - ref.W).max():9.1e} "
          f"{abs(ours.objective - ref.objective) / ref.objective:9.1e}")

print("\nNuclear Att-SVM (cvxpy SDP): Clarabel vs SCS")
for n, T, d in ((10, 5, 10), (20, 5, 15)):
    X, Z, _, _ = random_instance(n, T, d, rng=0)
    alpha = np.random.default_rng(1).integers(0, T, n)
    t_c, a = best_time(1, solve_att_svm, X, Z, alpha, norm="nuc")
    t_s, b = best_time(1, solve_att_svm, X, Z, alpha, norm="nuc", solver="SCS")
    print(f"n={n} T={T} d={d}: Clarabel {t_c:.3f} s, SCS {t_s:.3f} s, "
          f"rel. objective gap {abs(a.objective - b.objective) / a.objective:.1e}")

print("\nGradient descent (numpy, vectorised over samples)")
for label, (n, T, d), kw in (("W, linear (local_converge)", (6, 8, 10), {}),
                             ("KQ, linear (local_converge)", (6, 8, 10), {"param": "KQ"}),
                             ("W, relu (multi_token)", (3, 4, 10), {"head": "relu"}),
                             ("W, linear, large", (100, 20, 32), {})):
    X, Z, Y, v = random_instance(n, T, d, rng=0)
    head_v = None if kw.get("head") else v  # relu: V drawn from rng
    t, tr = best_time(3, train_attention, X, Z, Y, v=head_v, steps=2000, rng=0, **kw)
    print(f"{label:30s} n={n:>3} T={T:>2} d={d:>2}: {tr.steps_run} steps in {t:.3f} s "
          f"= {tr.steps_run / t:,.0f} steps/s ({tr.status})")
