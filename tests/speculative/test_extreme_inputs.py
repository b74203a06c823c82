"""Regression tests for extreme inputs of the speculative area (issue 15), each against an exact
route: tuple enumeration, rational arithmetic or a closed form."""

from __future__ import annotations

import numpy as np
import pytest

from theory.speculative import (
    acceptance_rate,
    draft_set_law,
    exact_scheme,
    full_lp_acceptance,
    optimal_acceptance,
    optimal_subset,
    random_pair,
    simulate,
    wor_all_in,
)
from theory.speculative.draftsets import _wor_all_in_quad_err, poisson_binomial_head
from theory.speculative.reference import wor_all_in_rational

NEAR_POINT = [
    (np.array([1 - 1e-15] + [2.5e-16] * 4), [0, 1, 2], 3),
    (np.array([1 - 4e-12] + [1e-12] * 4), [0, 1], 2),
    (np.array([1 - 4e-12] + [1e-12] * 4), [0, 1, 2], 3),
    (np.array([0.5 - 1e-13, 0.5 - 1e-13, 1e-13, 1e-13]), [0, 2], 2),
]


@pytest.mark.parametrize(("q", "b", "k"), NEAR_POINT)
@pytest.mark.parametrize("method", ["auto", "quad", "enumerate"])
def test_wor_all_in_near_point_masses(q, b, k, method):
    # Before: quadrature 0.01436 against the exact 1/6 on the first case, 1e-5 off on the second.
    exact = wor_all_in_rational(q, b, k)
    assert wor_all_in(q, b, k, method=method) == pytest.approx(exact, abs=1e-12)


def test_wor_quadrature_reports_a_small_error_bound():
    q, b, k = NEAR_POINT[0]
    value, err = _wor_all_in_quad_err(q, np.array(b), k)
    assert err < 1e-10
    assert abs(value - 1 / 6) < 1e-12


def test_poisson_binomial_head_matches_convolution():
    rng = np.random.default_rng(0)
    arrive = rng.random(13)
    law = np.array([1.0])
    for a in arrive:
        law = np.convolve(law, [1 - a, a])
    assert np.allclose(poisson_binomial_head(arrive, 1 - arrive, 5), law[:5], atol=1e-15)


def test_optimal_wor_scheme_near_point_is_a_law():
    # Before: law summed to 1.0008 and the acceptance was 1.0008.
    p, q = [1 - 1e-15, 1e-15, 0.0], [1e-15, 1 - 1e-15, 0.0]
    res = exact_scheme("optimal-wor", p, q, 2)
    assert res.law.sum() == pytest.approx(1.0, abs=1e-12)
    assert 0.0 <= res.acceptance <= 1.0
    assert res.acceptance == pytest.approx(optimal_acceptance(p, q, 2, drafts="wor"), abs=1e-9)
    law = draft_set_law(q, 2, drafts="wor")
    assert law.prob.sum() == pytest.approx(1.0, abs=1e-15)


def test_wor_optimal_with_tiny_mass_is_finite():
    # Before: OverflowError in the race integral's node count.
    p = [1e-300, 0.5, 0.5]
    assert optimal_acceptance(p, p, 3, drafts="wor") == 1.0
    value, _ = optimal_subset(p, [0.2, 0.3, 0.5], 3, drafts="wor")
    assert value == 1.0  # K = V: the drafts are every token


def test_rrs_huge_k_uses_the_fixed_point():
    p, q = np.array([0.3, 0.3, 0.4]), np.array([0.5, 0.45, 0.05])
    # Closed form: beta_1 = 0.65, then the residual is the point mass on token 2 (beta = 0.05).
    for k in (3, 50, 10**9):
        want = 1 - 0.35 * 0.95 ** (k - 1)
        assert acceptance_rate("rrs", p, q, k) == pytest.approx(want, abs=1e-15)


def test_huge_sizes_are_refused_cleanly():
    p = np.full(10, 0.1)
    with pytest.raises(ValueError, match="k:"):
        simulate("rrs", p, p, 10**9, n=100, rng=0)
    with pytest.raises(ValueError, match="k:"):
        full_lp_acceptance(p, p, 8)
    with pytest.raises(ValueError, match="k:"):
        draft_set_law(p, 1000)


def test_iid_set_law_large_k_without_overflow():
    # Before: OverflowError (1000! as a float) or a hang over the compositions.
    law = draft_set_law([0.5, 0.5], 1000)
    assert law.prob.sum() == pytest.approx(1.0, abs=1e-11)  # log-space terms past K ~ 170
    assert law.prob[:2] == pytest.approx([0.5**1000, 0.5**1000], rel=1e-12)
    small = draft_set_law([0.2, 0.3, 0.5], 3)  # exact integer multinomials
    assert small.prob.sum() == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(("scheme", "p"), [("optimal", [0.5, 0.5]), ("optimal-wor", [0.5, 0.5]),
                                          ("optimal", [1.0]), ("kseq", [0.5, 0.5]),
                                          ("greedy", [0.5, 0.5])])
def test_simulate_when_target_equals_draft(scheme, p):
    # Before: IndexError on the empty residual.
    k = 1 if len(p) == 1 and scheme.endswith("wor") else 2
    res = simulate(scheme, p, p, k, n=20_000, rng=0)
    assert res.counts.sum() == 20_000
    assert res.acceptance == 1.0


def test_random_pair_takes_a_seed():
    a = random_pair(5, 0)
    b = random_pair(5, np.random.default_rng(0))
    assert np.array_equal(a[0], b[0]) and a[0].sum() == pytest.approx(1.0)


def test_set_lp_result_carries_its_certificate():
    from theory.speculative import optimal_acceptance_lp

    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.5, 0.3])
    res = optimal_acceptance_lp(p, q, 2)
    assert res.status == "optimal" and res.diagnostics["duality_gap"] < 1e-9
    assert res.value == pytest.approx(optimal_acceptance(p, q, 2), abs=1e-7)


@pytest.mark.parametrize("tiny", [3.33e-301, 1e-280, 5e-324])
def test_wor_optimum_with_drafts_forced_onto_tiny_tokens(tiny):
    # K = 3 = 1 + |tiny tokens| - 1: the race runs to t ~ 1 / tiny. Before: 0.276 (integral cut
    # at t = 1e300) at 3.33e-301, and 0.0 from the enumeration at 5e-324 (a subnormal product).
    p = [1.0, 1e-16, 1e-16, 1e-16]
    q = np.array([tiny, 1.0, tiny, tiny])
    exact = 1 - 1 / 3  # drafts: token 1, then two of the three tiny ones; Y = 0 needs 0 drafted
    assert optimal_acceptance(p, q, 3, drafts="wor") == pytest.approx(exact, abs=1e-12)
    assert optimal_subset(p, q, 3, drafts="wor", method="bruteforce")[0] == pytest.approx(exact, abs=1e-12)
    for method in ("auto", "quad", "enumerate"):
        assert wor_all_in(q, [1, 2, 3], 3, method=method) == pytest.approx(1 / 3, abs=1e-12)


def test_wor_k2_closed_form_with_subnormal_rest():
    # q = [1, 5e-324]: the odds q_0 / (Q - q_0) overflow. Before: alpha*_wor = NaN.
    p, q = [1 - 1e-15, 1e-15], [1.0, 5e-324]
    assert optimal_acceptance(p, q, 2, drafts="wor") == 1.0  # both tokens are always drafted
    q3 = np.array([1.0, 5e-324, 1e-300])
    assert wor_all_in(q3, [0, 1], 2, method="enumerate") == pytest.approx(
        wor_all_in(q3, [0, 1], 2, method="auto"), abs=1e-15)
