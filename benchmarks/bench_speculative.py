"""Benchmark: optimal multi-draft acceptance by the subset formula vs the HiGHS set LP.

1. K = 2, iid drafts, V = 50..1000: the sorted-prefix formula against the reduced LP on draft
   sets solved by HiGHS (scipy.optimize.linprog), the route a user would otherwise take; both
   values and their difference are printed.
2. The formula alone at V = 32,000 and 150,000, K = 2..8, iid and without replacement.

Inputs are Dirichlet(0.3) pairs (seed 0). Times are the best of 3 runs for the formula and one
run for the LP. Usage: ``python benchmarks/bench_speculative.py [--quick]`` (quick: V <= 300).
"""

from __future__ import annotations

import sys

import numpy as np

from theory._timing import best_of
from theory.speculative import optimal_acceptance, optimal_acceptance_lp, random_pair


def main() -> None:
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(0)
    print("1. K = 2, iid: sorted-prefix formula vs HiGHS set LP")
    print(f"{'V':>6} {'formula (s)':>12} {'LP (s)':>10} {'LP/formula':>11} {'|difference|':>13}")
    for v in (50, 100, 300) if quick else (50, 100, 300, 1000):
        p, q = random_pair(v, rng, concentration=0.3)
        t_f, a_f = best_of(lambda p=p, q=q: optimal_acceptance(p, q, 2), 3)
        t_lp, res = best_of(lambda p=p, q=q: optimal_acceptance_lp(p, q, 2), 1)
        print(f"{v:>6} {t_f:>12.2e} {t_lp:>10.3f} {t_lp / t_f:>11.0f} {abs(res.value - a_f):>13.1e}")

    print("\n2. formula alone (best of 3)")
    print(f"{'V':>7} {'K':>2} {'iid (ms)':>9} {'wor (ms)':>9} {'alpha*_iid':>11} {'alpha*_wor':>11}")
    for v in (32_000, 150_000):
        p, q = random_pair(v, rng, concentration=0.3)
        for k in (2, 3, 4, 6, 8):
            t_iid, a_iid = best_of(lambda p=p, q=q, k=k: optimal_acceptance(p, q, k), 3)
            t_wor, a_wor = best_of(lambda p=p, q=q, k=k: optimal_acceptance(p, q, k, drafts="wor"),
                                   1 if quick else 3)
            print(f"{v:>7} {k:>2} {1e3 * t_iid:>9.1f} {1e3 * t_wor:>9.1f} {a_iid:>11.6f} {a_wor:>11.6f}")


if __name__ == "__main__":
    main()
