"""Benchmark: theory.sparse_ot.solve_sparse_ot against POT's ot.smooth, side by side.

Random instances (seed 0): a, b ~ Dirichlet(1), C ~ U[0, 1], gamma = 1, m = n in {500, 1000, 2000},
k in {2, 5, 20}. Both solvers get the same L-BFGS iteration budget (``ITERS``; POT's
``numItermax``, our ``max_iter``, which also bounds our quadratic-OT warm start) and tolerance
1e-9, one BLAS thread. POT's sparsity-constrained semi-dual prints on every evaluation: its stdout
is silenced.
Reported: wall time, reached dual value (every iterate's semi-dual value is a lower bound on
P_k, so higher is better), the time ratio POT / ours, and the marginal error of the recovered
plans. POT's quadratic (l2) dual is timed once per size as the k-free reference.

Usage: python benchmarks/bench_sparse_ot.py [sizes...]   (default: 500 1000 2000)
"""

import os

# One BLAS thread: on a loaded machine scipy's L-BFGS-B (used by POT) otherwise spends milliseconds
# per iteration in multithreaded BLAS calls. Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import contextlib  # noqa: E402
import io  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402

from theory.sparse_ot import solve_sparse_ot  # noqa: E402

ITERS = 100
TOL = 1e-9
GAMMA = 1.0


def instance(n):
    rng = np.random.default_rng(0)
    return rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n)), rng.uniform(size=(n, n))


def pot_semi_dual(a, b, C, k):
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        T, log = ot.smooth.smooth_ot_semi_dual(a, b, C, GAMMA, reg_type="sparsity_constrained",
                                               max_nz=k, stopThr=TOL, numItermax=ITERS, log=True)
    dt = time.perf_counter() - t0
    err = max(np.abs(T.sum(1) - a).max(), np.abs(T.sum(0) - b).max())
    return dt, -float(log["res"].fun), float(err)


def main(sizes):
    print(f"gamma={GAMMA}, iteration budget {ITERS}, tol {TOL}; values are dual values (higher = better)")
    header = (f"{'m=n':>5} {'k':>3} | {'POT s':>8} {'POT value':>14} {'POT err':>9} | {'ours s':>8} "
              f"{'our value':>14} {'our err':>9} {'status':>9} | {'ratio':>6} {'our-POT':>10}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        a, b, C = instance(n)
        t0 = time.perf_counter()
        _, log = ot.smooth.smooth_ot_dual(a, b, C, GAMMA, reg_type="l2", stopThr=TOL, numItermax=ITERS,
                                          log=True)
        t_l2 = time.perf_counter() - t0
        for k in (2, 5, 20):
            tp, vp, ep = pot_semi_dual(a, b, C, k)
            t0 = time.perf_counter()
            r = solve_sparse_ot(a, b, C, k=k, gamma=GAMMA, tol=TOL, max_iter=ITERS)
            to = time.perf_counter() - t0
            print(f"{n:>5} {k:>3} | {tp:8.2f} {vp:14.10f} {ep:9.2e} | {to:8.2f} {r.value:14.10f} "
                  f"{r.marginal_error:9.2e} {r.status:>9} | {tp / to:6.2f} {r.value - vp:10.2e}", flush=True)
        print(f"{n:>5}  QOT (POT smooth_ot_dual l2): {t_l2:.2f} s, value {-float(log['res'].fun):.10f}",
              flush=True)


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [500, 1000, 2000])
