"""Unit tests of theory.speculative: validation, reference values, certificates, laws, Monte Carlo."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import pmfs
from theory.speculative import (
    acceptance_rate,
    draft_set_law,
    exact_scheme,
    kseq_rho,
    optimal_acceptance,
    optimal_acceptance_lp,
    optimal_subset,
    output_law,
    simulate,
    wor_all_in,
)
from theory.speculative.draftsets import wor_prefix_all_in
from theory.speculative.montecarlo import _chisquare_pvalue, draw_drafts

P_B = np.array([0.5, 0.3, 0.2])
Q_B = np.array([0.2, 0.3, 0.5])
LOSSLESS = ("rrs", "rrs-wor", "kseq", "greedy", "optimal", "optimal-wor")


def tv(a, b):
    return 0.5 * float(np.abs(np.asarray(a) - np.asarray(b)).sum())


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("target, draft, match", [
    ([0.5, 0.6], [0.5, 0.5], "target: must sum to 1"),
    ([0.5, np.nan], [0.5, 0.5], "target: contains 1 non-finite"),
    ([1.5, -0.5], [0.5, 0.5], "target: entries must be non-negative"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], "draft: expected the target's length"),
    ([[0.5, 0.5]], [0.5, 0.5], "target: expected a 1-d array"),
])
def test_bad_distributions_raise(target, draft, match):
    for call in (lambda: optimal_acceptance(target, draft, 2),
                 lambda: acceptance_rate("rrs", target, draft, 2),
                 lambda: output_law("rrs", target, draft, 2),
                 lambda: simulate("rrs", target, draft, 2, n=10, rng=0),
                 lambda: optimal_acceptance_lp(target, draft, 2)):
        with pytest.raises(ValueError, match=match):
            call()


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="k: must be >= 1"):
        optimal_acceptance(P_B, Q_B, 0)
    with pytest.raises(ValueError, match="k: expected an integer"):
        optimal_acceptance(P_B, Q_B, 2.0)
    with pytest.raises(ValueError, match="drafts: must be one of"):
        optimal_acceptance(P_B, Q_B, 2, drafts="beam")
    with pytest.raises(ValueError, match="scheme: must be one of"):
        acceptance_rate("spec", P_B, Q_B, 2)
    with pytest.raises(ValueError, match="scheme: must be one of"):
        acceptance_rate("naive", P_B, Q_B, 2)  # controls have no acceptance formula
    with pytest.raises(ValueError, match=r"k: 'wor' drafts need k <= \|supp draft\| = 2"):
        optimal_acceptance(P_B, [0.5, 0.5, 0.0], 3, drafts="wor")
    with pytest.raises(ValueError, match="k: 'wor' drafts"):
        acceptance_rate("rrs-wor", P_B, [0.5, 0.5, 0.0], 3)
    with pytest.raises(ValueError, match="k: 'greedy' drafts"):
        acceptance_rate("greedy", P_B, [0.0, 0.0, 1.0], 2)
    with pytest.raises(ValueError, match="V\\*\\*k <= 1e\\+06"):
        output_law("rrs", np.full(101, 1 / 101), np.full(101, 1 / 101), 3)
    with pytest.raises(ValueError, match="n: must be >= 1"):
        simulate("rrs", P_B, Q_B, 2, n=0)
    with pytest.raises(ValueError, match="rng"):
        simulate("rrs", P_B, Q_B, 2, n=10, rng=-1)


# ------------------------------------------------------------------ reference values


def test_case_b_reference_values():
    assert optimal_acceptance(P_B, Q_B, 2) == pytest.approx(43 / 50, abs=1e-12)
    assert optimal_acceptance(P_B, Q_B, 2, drafts="wor") == pytest.approx(69 / 70, abs=1e-12)
    assert optimal_acceptance(P_B, Q_B, 2, drafts="greedy") == pytest.approx(9 / 10, abs=1e-12)
    assert optimal_subset(P_B, Q_B, 2) == (pytest.approx(43 / 50, abs=1e-12), frozenset({1, 2}))
    assert acceptance_rate("rrs", P_B, Q_B, 2) == pytest.approx(19 / 25, abs=1e-12)
    assert acceptance_rate("rrs-wor", P_B, Q_B, 2) == pytest.approx(41 / 50, abs=1e-12)
    assert acceptance_rate("kseq", P_B, Q_B, 2) == pytest.approx(0.7913552872566, abs=1e-12)
    assert optimal_acceptance(P_B, Q_B, 3) == pytest.approx(247 / 250, abs=1e-12)
    np.testing.assert_allclose(output_law("naive", P_B, Q_B, 2), [0.35, 0.39, 0.26], atol=1e-15)


def test_k1_every_route_is_one_minus_tv():
    p, q = np.array([0.1, 0.6, 0.3]), np.array([0.5, 0.25, 0.25])
    ref = 1 - tv(p, q)
    for drafts in ("iid", "wor", "greedy"):
        assert optimal_acceptance(p, q, 1, drafts=drafts) == pytest.approx(ref, abs=1e-15)
    for scheme in LOSSLESS:
        assert acceptance_rate(scheme, p, q, 1) == pytest.approx(ref, abs=1e-15)


# ------------------------------------------------------------------ LP certificates


@pytest.mark.parametrize("drafts", ["iid", "wor", "greedy"])
def test_lp_certificate(drafts):
    rng = np.random.default_rng(1)
    for _ in range(5):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        res = optimal_acceptance_lp(p, q, 3, drafts=drafts)
        assert res.status == "optimal"
        assert res.diagnostics["dual_objective"] == pytest.approx(res.value, abs=1e-9)
        assert res.diagnostics["dual_integrality"] < 1e-9
        assert res.diagnostics["subset_objective"] == pytest.approx(res.value, abs=1e-9)
        assert res.value == pytest.approx(optimal_acceptance(p, q, 3, drafts=drafts), abs=1e-9)
        # The plan is feasible: per-set mass <= Qbar(S), per-token mass <= p.
        law = draft_set_law(q, 3, drafts=drafts).as_dict()
        per_token = np.zeros(6)
        for s, f in res.plan.items():
            assert f.sum() <= law[s] + 1e-9
            per_token[sorted(s)] += f
        assert np.all(per_token <= p + 1e-9)
        assert per_token.sum() == pytest.approx(res.value, abs=1e-9)


def test_lp_subset_is_empty_when_acceptance_is_one():
    res = optimal_acceptance_lp([0.5, 0.5], [0.8, 0.2], 2, drafts="wor")
    assert res.value == pytest.approx(1.0) and res.subset == frozenset()


@given(p=pmfs(size=st.integers(2, 8)), q=pmfs(size=8), k=st.integers(1, 5))
@settings(max_examples=40)
def test_sorted_prefix_equals_brute_force(p, q, k):
    q = q[: p.shape[0]]
    q = q / q.sum() if q.sum() > 0 else np.full(p.shape[0], 1 / p.shape[0])
    a, _ = optimal_subset(p, q, k)
    b, _ = optimal_subset(p, q, k, method="bruteforce")
    assert a == pytest.approx(b, abs=1e-12)


def test_wor_prefix_equals_brute_force_and_is_above_iid():
    rng = np.random.default_rng(2)
    for _ in range(20):
        v = int(rng.integers(3, 7))
        p, q = rng.dirichlet(np.full(v, 0.5)), rng.dirichlet(np.full(v, 0.5))
        for k in range(2, min(v, 4) + 1):
            a = optimal_acceptance(p, q, k, drafts="wor")
            assert a == pytest.approx(optimal_subset(p, q, k, drafts="wor", method="bruteforce")[0],
                                      abs=1e-10)
            assert a >= optimal_acceptance(p, q, k) - 1e-12


# ------------------------------------------------------------------ draft laws and race integral


@pytest.mark.parametrize("drafts", ["iid", "wor", "greedy"])
def test_draft_set_law_matches_tuple_enumeration(drafts):
    q = np.array([0.4, 0.1, 0.3, 0.2])
    k = 3
    law = draft_set_law(q, k, drafts=drafts).as_dict()
    assert sum(law.values()) == pytest.approx(1.0, abs=1e-14)
    if drafts == "iid":
        want: dict[frozenset[int], float] = {}
        for x in itertools.product(range(4), repeat=k):
            s = frozenset(x)
            want[s] = want.get(s, 0.0) + float(np.prod(q[list(x)]))
        for s, w in want.items():
            assert law[s] == pytest.approx(w, abs=1e-15)
    if drafts == "wor":
        for s, w in law.items():
            assert w == pytest.approx(wor_all_in(q, s, k, method="enumerate"), abs=1e-15)


def test_wor_race_routes_agree():
    rng = np.random.default_rng(3)
    q = rng.dirichlet(np.full(7, 0.5))
    for k in (2, 3, 4):
        grid = wor_prefix_all_in(q, k)
        for j in range(8):
            e = wor_all_in(q, range(j), k, method="enumerate")
            assert wor_all_in(q, range(j), k) == pytest.approx(e, abs=1e-12)
            assert grid[j] == pytest.approx(e, abs=1e-12)


def test_wor_grid_matches_rational_enumeration_on_concentrated_drafts():
    from fractions import Fraction

    def exact(q, members, k):
        qf = [Fraction(float(x)) for x in q]
        acc = Fraction(0)
        for x in itertools.permutations(members, k):
            prob, used = Fraction(1), Fraction(0)
            for xi in x:
                prob *= qf[xi] / (sum(qf) - used)
                used += qf[xi]
            acc += prob
        return float(acc)

    rng = np.random.default_rng(12)
    for _ in range(4):
        q = rng.dirichlet(np.full(6, 0.1))  # entries down to ~1e-15: long races
        grid = wor_prefix_all_in(q, 3)
        for j in range(7):
            assert grid[j] == pytest.approx(exact(q, list(range(j)), 3), abs=1e-11)


def test_wor_concentrated_large_vocabulary():
    # Top-3 mass 0.995: linear scale would overflow (Poisson-binomial route); compare with quad.
    rng = np.random.default_rng(4)
    q = np.concatenate([[0.9, 0.06, 0.035], 0.005 * rng.dirichlet(np.ones(3000))])
    grid = wor_prefix_all_in(q, 4)
    for j in (5, 100, 3003):
        assert grid[j] == pytest.approx(wor_all_in(q, range(j), 4), abs=1e-9)


# ------------------------------------------------------------------ schemes


@given(p=pmfs(size=5), q=pmfs(size=5, min_prob=0.01), k=st.integers(1, 3))
@settings(max_examples=25)
def test_real_schemes_are_lossless_and_formulas_match_enumeration(p, q, k):
    for scheme in ("rrs", "rrs-wor", "kseq", "greedy"):
        ex = exact_scheme(scheme, p, q, k)
        assert tv(ex.law, p) < 1e-12
        assert ex.acceptance == pytest.approx(acceptance_rate(scheme, p, q, k), abs=1e-12)


def test_optimal_samplers_are_lossless():
    rng = np.random.default_rng(5)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    for scheme in ("optimal", "optimal-wor"):
        ex = exact_scheme(scheme, p, q, 3)
        assert tv(ex.law, p) < 1e-7
        assert ex.acceptance == pytest.approx(acceptance_rate(scheme, p, q, 3), abs=1e-7)


def test_negative_controls_are_flagged():
    assert tv(output_law("naive", P_B, Q_B, 2), P_B) > 0.1
    p, q = np.array([0.016, 0.536, 0.448]), np.array([0.697, 0.01, 0.293])
    assert tv(output_law("rrs-dedup", p, q, 3), p) > 0.1
    # ... while rrs on the same witness is exact.
    assert tv(output_law("rrs", p, q, 3), p) < 1e-12


def test_kseq_rho_deterministic_case():
    for k in range(1, 5):
        rho, _ = kseq_rho([1.0, 0.0], [0.5, 0.5], k)
        assert rho == pytest.approx(2 * (1 - 2.0**-k), abs=1e-12)


def test_sanity_chain_example():
    rng = np.random.default_rng(6)
    p, q = rng.dirichlet(np.full(40, 0.5)), rng.dirichlet(np.full(40, 0.5))
    single = 1 - tv(p, q)
    rrs, iid = acceptance_rate("rrs", p, q, 3), optimal_acceptance(p, q, 3)
    wor = optimal_acceptance(p, q, 3, drafts="wor")
    assert single <= rrs <= iid <= wor
    assert acceptance_rate("rrs-wor", p, q, 3) <= wor


# ------------------------------------------------------------------ Monte Carlo


@pytest.mark.parametrize("scheme", LOSSLESS + ("naive", "rrs-dedup"))
def test_simulate_matches_exact(scheme):
    n = 30_000
    sim = simulate(scheme, P_B, Q_B, 2, n=n, rng=7)
    ex = exact_scheme(scheme, P_B, Q_B, 2)
    assert sim.counts.sum() == n and sim.n == n
    assert abs(sim.acceptance - ex.acceptance) <= 5 * max(sim.acceptance_stderr, 1e-12)
    if scheme == "naive":
        assert sim.pvalue < 1e-6
    else:
        assert sim.pvalue > 1e-4


def test_simulate_is_reproducible_with_a_seed():
    a = simulate("rrs-wor", P_B, Q_B, 2, n=2000, rng=11)
    b = simulate("rrs-wor", P_B, Q_B, 2, n=2000, rng=11)
    np.testing.assert_array_equal(a.counts, b.counts)


def test_wor_draws_are_distinct_and_follow_successive_sampling():
    rng = np.random.default_rng(8)
    q = np.array([0.97, 0.02, 0.01])  # concentrated: exercises the exact fallback
    x = draw_drafts(q, 3, 20_000, "wor", rng)
    assert np.all(np.sort(x, axis=1) == np.arange(3))
    share = np.mean(x[:, 0] == 0)
    assert abs(share - 0.97) < 5 * np.sqrt(0.97 * 0.03 / 20_000)


def test_chisquare_flags_a_zero_probability_token():
    assert _chisquare_pvalue(np.array([5, 5, 1]), np.array([0.5, 0.5, 0.0])) == 0.0
    assert _chisquare_pvalue(np.array([500, 500, 0]), np.array([0.5, 0.5, 0.0])) > 0.5


# ------------------------------------------------------------------ performance


def test_iid_formula_is_fast_at_llm_vocabulary():
    rng = np.random.default_rng(9)
    p, q = rng.dirichlet(np.full(32_000, 0.3)), rng.dirichlet(np.full(32_000, 0.3))
    optimal_acceptance(p, q, 4)
    t0 = time.perf_counter()
    optimal_acceptance(p, q, 4)
    assert time.perf_counter() - t0 < 0.5


@pytest.mark.slow
def test_wor_formula_is_under_a_second_at_llm_vocabulary():
    rng = np.random.default_rng(10)
    p, q = rng.dirichlet(np.full(32_000, 0.3)), rng.dirichlet(np.full(32_000, 0.3))
    t0 = time.perf_counter()
    optimal_acceptance(p, q, 4, drafts="wor")
    assert time.perf_counter() - t0 < 1.0


@given(p=pmfs(size=6), q=pmfs(size=6, min_prob=0.005), k=st.integers(2, 5))
@settings(max_examples=30)
def test_orderings_hold_on_random_pairs(p, q, k):
    iid = [optimal_acceptance(p, q, kk) for kk in range(1, k + 1)]
    wor = [optimal_acceptance(p, q, kk, drafts="wor") for kk in range(1, k + 1)]
    assert all(b >= a - 1e-12 for a, b in zip(iid, iid[1:]))
    assert all(b >= a - 1e-12 for a, b in zip(wor, wor[1:]))
    assert all(w >= i - 1e-12 for i, w in zip(iid, wor))
    assert acceptance_rate("rrs", p, q, k) <= iid[-1] + 1e-12
    assert acceptance_rate("kseq", p, q, k) >= (1 - (1 - 1 / k) ** k) * iid[-1] - 1e-12


def test_zeros_in_target_and_draft():
    p, q = np.array([0.0, 0.5, 0.5, 0.0]), np.array([0.5, 0.0, 0.25, 0.25])
    assert optimal_acceptance(p, q, 2) == pytest.approx(0.4375, abs=1e-15)
    assert optimal_acceptance(p, q, 5) == pytest.approx(0.5, abs=1e-15)  # K > V is fine for iid
    assert optimal_acceptance_lp(p, q, 2).value == pytest.approx(0.4375, abs=1e-9)
    for scheme in LOSSLESS:
        assert tv(output_law(scheme, p, q, 3), p) < 1e-9
    assert tv(output_law("naive", p, q, 3), p) > 0.1


def test_large_vocabulary_simulation_matches_formula():
    rng = np.random.default_rng(13)
    p, q = rng.dirichlet(np.full(32_000, 0.3)), rng.dirichlet(np.full(32_000, 0.3))
    for scheme in ("rrs", "kseq", "greedy"):
        sim = simulate(scheme, p, q, 4, n=20_000, rng=14)
        assert abs(sim.acceptance - acceptance_rate(scheme, p, q, 4)) <= 5 * sim.acceptance_stderr
