"""Hypothesis properties with the shared strategies: identities that must hold for every input."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import cost_matrices, joint_pmfs, pmfs, stochastic_matrices
from theory.semantic import (
    directed_information,
    feedback_information,
    mutual_information,
    rate_distortion,
    semantic_flow,
    semantic_flow_drifts,
)
from theory.semantic.info import entropy_bits
from theory.testing import law_error


@given(joint_pmfs(shape=(2, 3, 2)))
def test_mi_symmetric_nonnegative_bounded(J):
    i_ab = mutual_information(J, [0], [1])
    assert abs(i_ab - mutual_information(J, [1], [0])) < 1e-12
    assert i_ab >= -1e-12
    assert i_ab <= min(entropy_bits(J.sum(axis=(1, 2))), entropy_bits(J.sum(axis=(0, 2)))) + 1e-12
    # chain rule I(A; B, C) = I(A; C) + I(A; B | C)
    assert abs(mutual_information(J, [0], [1, 2])
               - mutual_information(J, [0], [2]) - mutual_information(J, [0], [1], [2])) < 1e-12


@given(joint_pmfs(shape=(2,) * 6))
def test_conservation_law_any_joint(J):
    x, y = [0, 1, 2], [3, 4, 5]
    di = directed_information(J, x, y)
    fb = feedback_information(J, x, y)
    mi = mutual_information(J, x, y)
    assert abs(mi - di - fb) < 1e-12
    assert -1e-12 <= di <= mi + 1e-12 and fb >= -1e-12


@settings(max_examples=25)
@given(pmfs(size=st.integers(2, 5), min_prob=0.01), st.floats(0.2, 5.0), st.data())
def test_ba_certificate_and_range(p, beta, data):
    d = data.draw(cost_matrices(rows=p.size, cols=int(data.draw(st.integers(2, 5))), allow_negative=False))
    r = rate_distortion(p, d, beta=beta)
    assert r.lower_bound <= r.rate + 1e-12
    assert r.gap < 1e-9 or r.status == "max_iter"
    assert -1e-12 <= r.rate <= entropy_bits(p) + 1e-9
    assert law_error(r.test_channel, axis=1) <= 1e-12
    assert law_error(r.output_law) <= 1e-12


@settings(max_examples=8)
@given(pmfs(size=3, min_prob=0.02), cost_matrices(rows=3, cols=3, allow_negative=False))
def test_rd_non_increasing_in_d(p, d):
    D_max = float((p @ d).min())
    D_min = float(p @ d.min(axis=1))
    Ds = np.linspace(D_min, D_max, 4)[1:]
    R = [rate_distortion(p, d, D=float(D)).rate for D in Ds]
    assert all(b <= a + 1e-9 for a, b in zip(R, R[1:]))


@settings(max_examples=20)
@given(pmfs(size=3), stochastic_matrices(rows=3, cols=2), st.data())
def test_flow_monotone_bounded(prior, init, data):
    T = np.stack([data.draw(stochastic_matrices(rows=2, cols=2)) for _ in range(3)])
    f = semantic_flow(prior, init, T, 6)
    assert np.all(np.diff(f) >= -1e-12)
    assert f[-1] <= entropy_bits(prior) + 1e-12
    dr = semantic_flow_drifts(prior, init, T, 6)
    assert dr.min_drift >= -1e-12 and dr.martingale_residual < 1e-12
    np.testing.assert_allclose(np.diff(np.r_[0.0, f]), dr.increments, atol=1e-12)
