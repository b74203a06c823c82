"""The shared information primitives of :mod:`theory._info`: closed forms and identities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import pmfs, stochastic_matrices
from theory._info import (
    LN2,
    binary_entropy,
    channel_mutual_information,
    entropy,
    entropy_bits,
    kl_divergence,
    log_softmax,
    softmax,
)


def test_closed_forms():
    assert entropy(np.full(4, 0.25)) == pytest.approx(np.log(4), abs=1e-15)
    assert entropy_bits(np.full(8, 1 / 8)) == pytest.approx(3.0, abs=1e-15)
    assert entropy_bits(np.array([1.0, 0.0])) == 0.0
    assert binary_entropy(0.5) == pytest.approx(1.0, abs=1e-15)
    assert binary_entropy(0.0) == binary_entropy(1.0) == 0.0
    h = binary_entropy(np.array([0.25, 0.75]))
    np.testing.assert_allclose(h, 2 - 0.75 * np.log2(3), rtol=1e-15)  # h(1/4) = h(3/4)
    # KL of two Bernoullis, and of disjoint supports
    a, b = 0.3, 0.6
    kl = a * np.log(a / b) + (1 - a) * np.log((1 - a) / (1 - b))
    assert kl_divergence(np.array([a, 1 - a]), np.array([b, 1 - b])) == pytest.approx(kl, rel=1e-14)
    assert kl_divergence(np.array([0.0, 1.0]), np.array([0.5, 0.5])) == pytest.approx(LN2, rel=1e-15)
    assert kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf
    # binary symmetric channel with a uniform input: C = 1 - h(eps) bits
    eps = 0.1
    W = np.array([[1 - eps, eps], [eps, 1 - eps]])
    mi = channel_mutual_information(np.array([0.5, 0.5]), W)
    assert mi / LN2 == pytest.approx(1 - binary_entropy(eps), abs=1e-15)


def test_softmax_is_stable_and_shift_invariant():
    a = np.array([[1000.0, 1000.0, -1000.0], [0.0, np.log(3.0), -np.inf]])
    s = softmax(a)
    np.testing.assert_allclose(s, [[0.5, 0.5, 0.0], [0.25, 0.75, 0.0]], atol=1e-15)
    np.testing.assert_allclose(np.exp(log_softmax(a)), s, atol=1e-15)
    np.testing.assert_allclose(softmax(a[:1] + 7.0), s[:1], atol=1e-15)
    np.testing.assert_allclose(softmax(a.T, axis=0), s.T, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_gibbs_inequality_and_entropy_bounds(data):
    p = data.draw(pmfs())
    q = data.draw(pmfs(size=p.size))
    assert kl_divergence(p, q) >= -1e-15
    assert kl_divergence(p, p) == 0.0
    assert -1e-15 <= entropy(p) <= np.log(p.size) + 1e-12
    assert entropy_bits(p) == pytest.approx(entropy(p) / LN2, rel=1e-14, abs=1e-15)
    # cross entropy = H(p) + D(p || q) when q > 0 on the support of p
    if np.all(q[p > 0] > 0):
        ce = -float(np.sum(p[p > 0] * np.log(q[p > 0])))
        assert ce == pytest.approx(entropy(p) + kl_divergence(p, q), rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_channel_mi_equals_entropy_difference(data):
    m, k = data.draw(st.integers(2, 5)), data.draw(st.integers(2, 5))
    p = data.draw(pmfs(size=m))
    W = data.draw(stochastic_matrices(rows=m, cols=k))
    joint = p[:, None] * W
    q = p @ W
    by_entropies = entropy(p) + entropy(q) - entropy(joint)
    mi = channel_mutual_information(p, W)
    assert mi == pytest.approx(by_entropies, abs=1e-12)
    assert mi == channel_mutual_information(p, W, q)
    assert -1e-12 <= mi <= min(entropy(p), entropy(q)) + 1e-12


def test_kl_survives_an_overflowing_ratio():
    p, q = np.array([0.5, 0.5]), np.array([1.0, 1e-313])
    want = 0.5 * np.log(0.5) + 0.5 * (np.log(0.5) - np.log(1e-313))
    assert kl_divergence(p, q) == pytest.approx(want, rel=1e-14)
