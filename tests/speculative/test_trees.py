"""Token trees on Markov language models: exact vs closed forms, Monte Carlo, brute force."""

from __future__ import annotations

import numpy as np
import pytest

from theory.speculative import (
    acceptance_rate,
    chain_tree,
    check_lossless,
    emitted_law,
    expected_accepted,
    greedy_tree,
    kary_tree,
    positional_acceptance,
    random_markov_pair,
    sequoia_tree,
    tree_structure,
    tree_value,
    tree_verifier,
)
from theory.speculative.claims import trees as claims_trees
from theory.speculative.treeshape import all_trees, best_token_subtree

P0 = np.array([0.5, 0.3, 0.2])
Q0 = np.array([0.2, 0.3, 0.5])


def test_structure_preorder_and_builders():
    st = tree_structure(((((),),), ((),), ()))
    assert st.parent == (-1, 0, 1, 2, 0, 4, 0)
    assert st.children[0] == (1, 4, 6)
    assert st.position == (-1, 0, 0, 0, 1, 0, 2)
    assert st.height == 3 and st.n_nodes == 6
    assert chain_tree(3) == ((((),),),)
    assert kary_tree(4, 2) == (((), ()), ())
    assert kary_tree(3, 3) == ((), (), ())


def test_chain_closed_form_and_depth1():
    alpha = float(np.minimum(P0, Q0).sum())
    for length in (1, 4, 9):
        got = expected_accepted(P0, Q0, chain_tree(length)).value
        assert abs(got - sum(alpha**j for j in range(1, length + 1))) < 1e-13
    for k in (1, 2, 3):
        star = tuple(() for _ in range(k))
        for scheme in ("rrs", "rrs-wor", "kseq"):
            assert abs(expected_accepted(P0, Q0, star, scheme=scheme).value
                       - acceptance_rate(scheme, P0, Q0, k)) < 1e-13
    # spec Sec. 7 case B, K = 2: rrs 19/25, rrs-wor 41/50
    assert abs(expected_accepted(P0, Q0, ((), ())).value - 19 / 25) < 1e-13
    assert abs(expected_accepted(P0, Q0, ((), ()), scheme="rrs-wor").value - 41 / 50) < 1e-13


def test_exact_matches_monte_carlo_order2():
    p, q = random_markov_pair(4, 2, 3)
    tree = ((((),), ()), ((),), ())
    for scheme in ("rrs", "rrs-wor", "kseq"):
        exact = expected_accepted(p, q, tree, scheme=scheme, context=[1, 2])
        mc = expected_accepted(p, q, tree, scheme=scheme, context=[1, 2], method="mc", n=20_000, rng=7)
        assert mc.status == "monte_carlo" and exact.status == "exact"
        assert abs(mc.value - exact.value) <= 4 * mc.stderr
        assert abs(exact.accepted_law.sum() - 1) < 1e-12
        assert np.abs(mc.accepted_law - exact.accepted_law).max() < 0.02


def test_emitted_law_lossless_and_negative_control():
    p, q = random_markov_pair(3, 1, 2, noise=1.5)
    tree = ((((),), ()), ((),))
    for scheme in ("rrs", "rrs-wor", "kseq"):
        assert emitted_law(p, q, tree, scheme=scheme).tv < 1e-12
    # Negative control: no residual update is lossy, and the exact route says so.
    assert emitted_law(p, q, tree, scheme="naive").tv > 1e-2
    assert emitted_law(p, q, tree, scheme="target-resample").tv > 1e-2


def test_broken_claims_fail(monkeypatch):
    """Negative controls of the claims themselves: a perturbed value or a lossy scheme fails."""
    rng = np.random.default_rng(0)
    assert claims_trees._chain_closed(True, rng).passed
    real = claims_trees.expected_accepted

    def off(*args, **kwargs):
        res = real(*args, **kwargs)
        return type(res)(value=res.value * (1 + 1e-9), status=res.status, converged=True,
                         stderr=res.stderr, accepted_law=res.accepted_law)

    monkeypatch.setattr(claims_trees, "expected_accepted", off)
    assert not claims_trees._chain_closed(True, np.random.default_rng(0)).passed
    monkeypatch.setattr(claims_trees, "SCHEME_LIST", ("rrs", "naive"))
    monkeypatch.setattr(claims_trees, "expected_accepted", real)
    assert not claims_trees._lossless(True, np.random.default_rng(0)).passed


def test_sequoia_and_greedy_brute_force():
    a = np.array([0.5, 0.25, 0.1])
    prev = 0.0
    for n in range(7):
        best = max(tree_value(t, a) for t in all_trees(n))
        got = sequoia_tree(a, n)
        assert tree_structure(got.tree).n_nodes == n
        assert abs(got.value - best) < 1e-13 and got.value >= prev - 1e-15
        prev = got.value
    assert sequoia_tree(a, 5, max_depth=1).tree == ((), (), (), (), ())
    _, q = random_markov_pair(3, 1, 4)
    for n in range(1, 6):
        assert abs(greedy_tree(q, n).value - best_token_subtree(q, n)) < 1e-13


def test_positional_model_exact_at_order0():
    a = positional_acceptance(P0, Q0, 3)
    beta1 = 0.7
    assert abs(a[0] - beta1) < 1e-15 and abs(a.sum() - acceptance_rate("rrs", P0, Q0, 3)) < 1e-13
    for n in (3, 8):
        tree = sequoia_tree(a, n).tree
        assert abs(tree_value(tree, a) - expected_accepted(P0, Q0, tree).value) < 1e-13


def test_check_lossless_passes_ours_flags_control():
    p, q = random_markov_pair(3, 1, 5, noise=1.5)
    tree = ((((),), ()), ((),))
    ok = check_lossless(tree_verifier("rrs-wor"), p, q, tree, drafts="wor", n=3000, rng=1)
    assert ok.status == "consistent" and ok.pvalue > 1e-3
    assert ok.tv_lower <= ok.tv <= ok.tv_upper and ok.tv_critical < ok.tv_detectable
    bad = check_lossless(tree_verifier("naive"), p, q, tree, n=3000, rng=1)
    assert bad.status == "lossy" and bad.pvalue < 1e-6


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="tree"):
        expected_accepted(P0, Q0, [(), ()])
    with pytest.raises(ValueError, match="tree"):
        expected_accepted(P0, Q0, ((), [1]))
    with pytest.raises(ValueError, match="tree"):
        tree_structure((chain_tree(256),))  # 257 deep
    with pytest.raises(ValueError, match="draft"):
        expected_accepted(P0, np.array([0.5, 0.5]), ((),))
    p1, q1 = random_markov_pair(3, 1, 0)
    with pytest.raises(ValueError, match="draft"):
        expected_accepted(p1, Q0, ((),))
    with pytest.raises(ValueError, match="target"):
        expected_accepted((np.ones((2, 3)) / 3, 1), Q0, ((),))
    with pytest.raises(ValueError, match="drafts"):
        expected_accepted(P0, Q0, ((), ()), scheme="rrs", drafts="wor")
    with pytest.raises(ValueError, match="scheme"):
        expected_accepted(P0, Q0, ((),), scheme="optimal")
    with pytest.raises(ValueError, match="acceptance"):
        sequoia_tree([0.2, 0.5], 3)
    with pytest.raises(ValueError, match="acceptance"):
        tree_value(((),), [1.2])
    with pytest.raises(ValueError, match="acceptance"):
        sequoia_tree([0.6, 0.5], 3)
    with pytest.raises(ValueError, match="tree"):
        emitted_law(P0, Q0, chain_tree(20))
    v = 40
    pw, qw = np.full(v, 1 / v), np.full(v, 1 / v)
    with pytest.raises(ValueError, match="tree"):
        expected_accepted(pw, qw, tuple(() for _ in range(6)), scheme="rrs-wor")
    with pytest.raises(ValueError, match="verifier"):
        check_lossless(lambda *a: [0, 0, 0, 0, 0], P0, Q0, ((),), n=10, rng=0)


def test_block_verification_lossless_and_at_least_tokenwise():
    p, q = random_markov_pair(3, 1, 8, noise=1.5)
    for length in (1, 2, 4):
        tree = chain_tree(length)
        assert emitted_law(p, q, tree, scheme="block").tv < 1e-12
        block = expected_accepted(p, q, tree, scheme="block")
        assert block.value >= expected_accepted(p, q, tree).value - 1e-12
    mc = expected_accepted(p, q, chain_tree(4), scheme="block", method="mc", n=20_000, rng=3)
    assert abs(mc.value - block.value) <= 4 * mc.stderr
    # L = 1: block verification is single-draft speculative sampling.
    assert abs(expected_accepted(P0, Q0, chain_tree(1), scheme="block").value - 0.7) < 1e-13
    res = check_lossless(tree_verifier("block"), p, q, chain_tree(3), n=3000, rng=2)
    assert res.status == "consistent"
    with pytest.raises(ValueError, match="tree"):
        expected_accepted(p, q, ((), ()), scheme="block")
