"""Registered claims on token trees over Markov language models (:mod:`theory.speculative.trees`).

Instances: order-0 pairs p, q ~ Dirichlet(0.5) and random order-1/2 pairs from
:func:`random_markov_pair` (draft = perturbed target), seeded; trees drawn uniformly among the
ordered trees with a few nodes.
"""

from __future__ import annotations

import numpy as np

from theory.claims import Measurement, claim
from theory.speculative.lossless import check_lossless, tree_verifier
from theory.speculative.markov import as_markov, path_law, random_markov_pair
from theory.speculative.schemes import acceptance_rate
from theory.speculative.trees import chain_tree, emitted_law, expected_accepted, kary_tree
from theory.speculative.treeshape import (
    all_trees,
    best_token_subtree,
    greedy_tree,
    positional_acceptance,
    sequoia_tree,
    tree_value,
)

EXACT = 1e-12
SCHEME_LIST = ("rrs", "rrs-wor", "kseq")


def _pair0(rng: np.random.Generator, v: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.dirichlet(np.full(v, 0.5)), rng.dirichlet(np.full(v, 0.5))


def _random_tree(rng: np.random.Generator, max_nodes: int) -> tuple:
    trees = all_trees(int(rng.integers(1, max_nodes + 1)))
    return trees[int(rng.integers(len(trees)))]


@claim("speculative.tree-chain-closed",
       source="leviathan2023fast, single-draft speculative sampling chained",
       statement=("order 0, chain of L draft tokens: E[accepted] = sum_{j=1..L} alpha^j, "
                  "alpha = sum min(p, q)"))
def _chain_closed(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 8 if fast else 100
    worst = 0.0
    for _ in range(trials):
        p, q = _pair0(rng, int(rng.integers(2, 12)))
        alpha = float(np.minimum(p, q).sum())
        for length in (1, 2, 5, 12):
            closed = sum(alpha ** j for j in range(1, length + 1))
            for scheme in SCHEME_LIST:
                got = expected_accepted(p, q, chain_tree(length), scheme=scheme).value
                worst = max(worst, abs(got - closed))
    return Measurement(worst, EXACT, {"trials": trials, "L": [1, 2, 5, 12], "schemes": list(SCHEME_LIST)})


@claim("speculative.tree-depth1",
       source="miao2024specinfer, rrs; jeon2024recursive, rrs-wor; sun2023spectr, kseq",
       statement="order 0, K one-token children: E[accepted] = acceptance_rate(scheme, p, q, K)")
def _depth1(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 8 if fast else 80
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(2, 7))
        p, q = _pair0(rng, v)
        for k in range(1, min(v, 4) + 1):
            star = tuple(() for _ in range(k))
            for scheme in SCHEME_LIST:
                got = expected_accepted(p, q, star, scheme=scheme).value
                worst = max(worst, abs(got - acceptance_rate(scheme, p, q, k)))
    return Measurement(worst, EXACT, {"trials": trials, "V": "2..6", "K": "1..4"})


@claim("speculative.tree-lossless",
       source="miao2024specinfer, tree verification",
       statement=("exact law of the emitted tokens (continued by the target to height + 1) = the "
                  "target's law, every tree, scheme and order tried"))
def _lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 6 if fast else 60
    worst = 0.0
    for t in range(trials):
        order = t % 3
        v = int(rng.integers(2, 5 if order < 2 else 4))
        p, q = random_markov_pair(v, order, rng, noise=float(rng.uniform(0.5, 2.0)))
        tree = _random_tree(rng, 5)
        for scheme in SCHEME_LIST:
            worst = max(worst, emitted_law(p, q, tree, scheme=scheme, context=[1] * order).tv)
    return Measurement(worst, EXACT, {"trials": trials, "orders": [0, 1, 2], "max_nodes": 5})


CONTROL_PAIR_SEED = 5


def _control_instance() -> tuple[tuple[np.ndarray, int], tuple[np.ndarray, int], tuple]:
    p, q = random_markov_pair(3, 1, CONTROL_PAIR_SEED, noise=1.5)
    return p, q, ((((),), ()), ((),))


@claim("speculative.tree-negative-controls",
       source="derived, negative controls (theory.speculative.lossless)",
       statement=("[proposed] exact emitted law is far from the target (TV > 1e-3) for 'naive' (no residual "
                  "update) and 'target-resample' on an order-1 instance"))
def _negative_controls(fast: bool, rng: np.random.Generator) -> Measurement:
    p, q, tree = _control_instance()
    tvs = {s: emitted_law(p, q, tree, scheme=s).tv for s in ("naive", "target-resample")}
    return Measurement(min(tvs.values()), 1e-3, {"tv": tvs, "tree": repr(tree)}, direction=">=")


@claim("speculative.tree-check-lossless",
       source="derived, theory.speculative.lossless.check_lossless (chi-square and TV tests at level 1e-3)",
       statement=("check_lossless passes rrs, rrs-wor, kseq, block and flags naive, rrs-dedup, "
                  "target-resample (order-1 instance; rrs-dedup on an order-0 witness)"))
def _check_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    n = 2_000 if fast else 20_000
    p, q, tree = _control_instance()
    witness = (np.array([0.016, 0.536, 0.448]), np.array([0.697, 0.01, 0.293]))
    cases = [("rrs", "iid", "consistent"), ("rrs-wor", "wor", "consistent"), ("kseq", "iid", "consistent"),
             ("naive", "iid", "lossy"), ("target-resample", "iid", "lossy")]
    wrong, seen = 0, {}
    for scheme, drafts, want in cases:
        res = check_lossless(tree_verifier(scheme), p, q, tree, drafts=drafts, n=n, rng=rng)
        seen[scheme] = [res.status, round(res.pvalue, 4), round(res.tv, 4)]
        wrong += int(res.status != want)
    res = check_lossless(tree_verifier("block"), p, q, chain_tree(3), n=n, rng=rng)
    seen["block"] = [res.status, round(res.pvalue, 4), round(res.tv, 4)]
    wrong += int(res.status != "consistent")
    res = check_lossless(tree_verifier("rrs-dedup"), *witness, ((), (), ()), n=n, rng=rng)
    seen["rrs-dedup"] = [res.status, round(res.pvalue, 4), round(res.tv, 4)]
    wrong += int(res.status != "lossy")
    return Measurement(float(wrong), 0.0, {"n": n, "verdicts": seen, "tv_detectable": res.tv_detectable})


@claim("speculative.tree-exact-vs-mc",
       source="derived, exact enumeration vs Monte Carlo (theory.speculative.trees)",
       statement=("exact E[accepted] within 4 standard errors of Monte Carlo on random order-1 and "
                  "order-2 pairs"))
def _exact_vs_mc(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, n = (3, 20_000) if fast else (24, 200_000)
    worst = 0.0
    for t in range(trials):
        order = 1 + t % 2
        p, q = random_markov_pair(int(rng.integers(3, 6)), order, rng)
        tree = _random_tree(rng, 7)
        scheme = SCHEME_LIST[t % 3]
        exact = expected_accepted(p, q, tree, scheme=scheme).value
        mc = expected_accepted(p, q, tree, scheme=scheme, method="mc", n=n, rng=rng)
        if mc.stderr > 0:
            worst = max(worst, abs(mc.value - exact) / mc.stderr)
        else:
            worst = max(worst, 0.0 if abs(mc.value - exact) < EXACT else np.inf)
    return Measurement(worst, 4.0, {"trials": trials, "n": n})


@claim("speculative.tree-sequoia-optimal",
       source="chen2024sequoia, dynamic program under positional acceptance",
       statement=("sequoia_tree = max of tree_value over all ordered trees with n nodes (also with a "
                  "depth limit); its value is non-decreasing in n"))
def _sequoia_optimal(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, n_max = (3, 6) if fast else (20, 8)
    worst = 0.0
    for _ in range(trials):
        k = int(rng.integers(1, 5))
        a = np.sort(rng.dirichlet(np.ones(k + 1))[:k])[::-1]  # sum < 1, non-increasing
        prev = 0.0
        for n in range(n_max + 1):
            trees = all_trees(n)
            got = sequoia_tree(a, n)
            worst = max(worst, abs(got.value - max(tree_value(t, a) for t in trees)), prev - got.value)
            prev = got.value
            depth = int(rng.integers(1, 4))
            limited = max(tree_value(t, a) for t in trees if _height(t) <= depth)
            worst = max(worst, abs(sequoia_tree(a, n, max_depth=depth).value - limited))
    return Measurement(worst, EXACT, {"trials": trials, "n_max": n_max})


def _height(tree: tuple) -> int:
    return 1 + max((_height(c) for c in tree), default=-1) if tree else 0


@claim("speculative.tree-greedy-optimal",
       source="xiong2024dyspec, greedy expansion",
       statement=("greedy_tree maximises the sum of draft path probabilities over all n-node token "
                  "subtrees (brute force, V = 3)"))
def _greedy_optimal(fast: bool, rng: np.random.Generator) -> Measurement:
    trials, n_max = (2, 5) if fast else (3, 8)
    worst = 0.0
    for t in range(trials):
        _, q = random_markov_pair(3, t % 2, rng, concentration=2.0)  # flat: chains are not optimal
        for n in range(1, n_max + 1):
            worst = max(worst, abs(greedy_tree(q, n).value - best_token_subtree(q, n)))
    return Measurement(worst, EXACT, {"trials": trials, "n_max": n_max, "V": 3})


@claim("speculative.tree-positional-order0",
       source="chen2024sequoia, positional acceptance assumption",
       statement=("order 0: tree_value(tree, positional_acceptance) = exact E[accepted] (rrs, rrs-wor); "
                  "the order-1 gap of Sequoia trees is measured"))
def _positional(fast: bool, rng: np.random.Generator) -> Measurement:
    trials = 4 if fast else 40
    worst = 0.0
    for _ in range(trials):
        v = int(rng.integers(3, 8))
        p, q = _pair0(rng, v)
        chosen = sequoia_tree(positional_acceptance(p, q, 4), 10).tree
        for tree in (_random_tree(rng, 6), kary_tree(9, 3), chosen):
            for scheme in ("rrs", "rrs-wor"):
                a = positional_acceptance(p, q, max(_branching(tree), 1), scheme=scheme)
                exact = expected_accepted(p, q, tree, scheme=scheme).value
                worst = max(worst, abs(tree_value(tree, a) - exact))
    gaps = []
    for _ in range(2 if fast else 10):  # order 1: Sequoia tree from the stationary a_i
        p1, q1 = random_markov_pair(5, 1, rng)
        a1 = positional_acceptance(p1, q1, 8, stationary=True)
        tree = sequoia_tree(a1, 16).tree
        model = tree_value(tree, a1)
        true = expected_accepted(p1, q1, tree).value
        gaps.append((model - true) / true)
    return Measurement(worst, EXACT, {"trials": trials, "order1_relative_gap_min": min(gaps),
                                      "order1_relative_gap_max": max(gaps), "order1_budget": 16})


def _branching(tree: tuple) -> int:
    return max([len(tree)] + [_branching(c) for c in tree])


def _block_cases(fast: bool, rng: np.random.Generator) -> list[tuple[tuple, tuple, int]]:
    cases = []
    for t in range(6 if fast else 60):
        order = t % 3
        v = int(rng.integers(2, 5 if order < 2 else 4))
        cases.append((*random_markov_pair(v, order, rng, noise=float(rng.uniform(0.3, 2.0))),
                      int(rng.integers(1, 5))))
    return cases


@claim("speculative.tree-block-lossless",
       source="sun2024block",
       statement=("[proposed] block verification of a draft chain: exact law of the emitted tokens = the "
                  "target's law (orders 0-2, L = 1..4), exact E[accepted] = Monte Carlo within 4 s.e."))
def _block_lossless(fast: bool, rng: np.random.Generator) -> Measurement:
    worst_tv, worst_z = 0.0, 0.0
    n = 20_000 if fast else 100_000
    for i, (p, q, length) in enumerate(_block_cases(fast, rng)):
        worst_tv = max(worst_tv, emitted_law(p, q, chain_tree(length), scheme="block").tv)
        if i % 3 == 0:
            exact = expected_accepted(p, q, chain_tree(length), scheme="block").value
            mc = expected_accepted(p, q, chain_tree(length), scheme="block", method="mc", n=n, rng=rng)
            worst_z = max(worst_z, abs(mc.value - exact) / mc.stderr if mc.stderr > 0 else 0.0)
    # In units of the tolerances: TV / 1e-12 and z / 4 must both be <= 1.
    return Measurement(max(worst_tv / EXACT, worst_z / 4.0), 1.0,
                       {"worst_tv": worst_tv, "worst_z": worst_z, "n": n})


def _coupling_bound(p: tuple, q: tuple, length: int) -> float:
    """sum_{i<=L} (1 - TV(p^(i), q^(i))), laws of the first i tokens: P(tau >= i) <= P(X^i = Y^i)."""
    pm, qm = as_markov(p, "target"), as_markov(q, "draft")
    return sum(1.0 - 0.5 * float(np.abs(path_law(pm, i)[0] - path_law(qm, i)[0]).sum())
               for i in range(1, length + 1))


@claim("speculative.tree-block-dominates",
       source="sun2024block; derived, coupling bound",
       statement=("token-wise <= block <= sum_i (1 - TV of the first i tokens) for a draft chain "
                  "(left: observed, not proved here; right: holds for every lossless verifier)"))
def _block_dominates(fast: bool, rng: np.random.Generator) -> Measurement:
    low, high, gains = [], [], []
    for p, q, length in _block_cases(fast, rng):
        tree = chain_tree(length)
        block = expected_accepted(p, q, tree, scheme="block").value
        token = expected_accepted(p, q, tree).value
        low.append(block - token)
        high.append(_coupling_bound(p, q, length) - block)
        gains.append(block - token)
    return Measurement(min(min(low), min(high)), -EXACT,
                       {"cases": len(low), "min_gain": min(low), "max_gain": max(gains),
                        "min_slack_to_bound": min(high)}, direction=">=")
