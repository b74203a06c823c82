"""Benchmark: exact expected accepted tokens of a token tree vs Monte Carlo, the route every public
implementation takes (run the models, average the accepted counts).

1. A 16-node tree (Sequoia's choice for the pair) on V = 6, order 1: the exact value per scheme
   against a Monte Carlo run of n = 100,000 calls (its standard error and |MC - exact| / stderr
   are printed) and the ratio of their times.
2. Monte Carlo throughput (trees verified per second) at V = 32,000, order 0, same 16-node shape,
   n = 20,000 calls, and the exact
   value at that size for comparison.

3. Block vs token-wise verification of one draft chain (V = 6, order 1, L = 2, 4, 6), exact.

Times are the best of 3 runs (1 for Monte Carlo). Usage:
``python benchmarks/bench_speculative_trees.py [--quick]`` (quick: fewer Monte Carlo calls).
"""

from __future__ import annotations

import sys

import numpy as np

from theory._timing import best_of
from theory.speculative import (
    chain_tree,
    expected_accepted,
    positional_acceptance,
    random_markov_pair,
    random_pair,
    sequoia_tree,
    tree_structure,
)


def main() -> None:
    quick = "--quick" in sys.argv
    p, q = random_markov_pair(6, 1, 0)
    tree = sequoia_tree(positional_acceptance(p, q, 6, stationary=True), 16).tree
    st = tree_structure(tree)
    print(f"1. V = 6, order 1, 16-node Sequoia tree (height {st.height}, "
          f"root children {len(st.children[0])}); MC n = {20_000 if quick else 100_000}")
    print(f"{'scheme':>8} {'exact':>10} {'exact (ms)':>11} {'MC':>10} {'stderr':>8} {'z':>6} "
          f"{'MC (s)':>7} {'MC/exact':>9}")
    n = 20_000 if quick else 100_000
    for scheme in ("rrs", "rrs-wor", "kseq"):
        t_ex, ex = best_of(lambda s=scheme: expected_accepted(p, q, tree, scheme=s), 3)
        t_mc, mc = best_of(lambda s=scheme: expected_accepted(p, q, tree, scheme=s, method="mc", n=n,
                                                              rng=1), 1)
        z = (mc.value - ex.value) / mc.stderr
        print(f"{scheme:>8} {ex.value:>10.6f} {1e3 * t_ex:>11.2f} {mc.value:>10.4f} {mc.stderr:>8.4f} "
              f"{z:>6.2f} {t_mc:>7.2f} {t_mc / t_ex:>9.0f}")

    print("\n2. V = 32,000, order 0, Dirichlet(0.3) pair, 16-node Sequoia tree")
    p0, q0 = random_pair(32_000, np.random.default_rng(0), concentration=0.3)
    tree0 = sequoia_tree(positional_acceptance(p0, q0, 6), 16).tree
    print(f"{'scheme':>8} {'calls':>7} {'MC (s)':>7} {'trees/s':>9} {'MC':>8} {'stderr':>8} "
          f"{'exact':>9} {'exact (ms)':>11}")
    for scheme in ("rrs", "kseq", "rrs-wor"):
        calls = 20_000 // (4 if quick else 1)
        t_mc, mc = best_of(lambda s=scheme, c=calls: expected_accepted(p0, q0, tree0, scheme=s, method="mc",
                                                                        n=c, rng=2), 1)
        if scheme == "rrs-wor":
            ex_txt, t_txt = "-", "-"  # perm(32000, K-1) rejected prefixes: refused by the guard
        else:
            t_ex, ex = best_of(lambda s=scheme: expected_accepted(p0, q0, tree0, scheme=s), 3)
            ex_txt, t_txt = f"{ex.value:.5f}", f"{1e3 * t_ex:.1f}"
        print(f"{scheme:>8} {calls:>7} {t_mc:>7.2f} {calls / t_mc:>9.0f} {mc.value:>8.4f} {mc.stderr:>8.4f} "
              f"{ex_txt:>9} {t_txt:>11}")

    print("\n3. block vs token-wise verification of one draft chain, V = 6, order 1 (exact; block")
    print("   enumerates the V**L chains)")
    print(f"{'L':>3} {'token-wise':>11} {'block':>8} {'gain':>7} {'block (ms)':>11}")
    for length in (2, 4, 6):
        tree = chain_tree(length)
        tok = expected_accepted(p, q, tree).value
        t_bl, bl = best_of(lambda t=tree: expected_accepted(p, q, t, scheme="block"), 1)
        print(f"{length:>3} {tok:>11.5f} {bl.value:>8.5f} {bl.value - tok:>7.4f} {1e3 * t_bl:>11.1f}")


if __name__ == "__main__":
    main()
