"""MarkovSource: stationary laws, entropies, sampling, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from theory.tokenization import MarkovSource, binary_entropy
from theory.tokenization.reference import block_entropy_enum


def test_first_order_switching_closed_forms():
    s = MarkovSource.switching(1, 0.2, 0.3)
    np.testing.assert_allclose(s.char_marginal(), [0.6, 0.4], atol=1e-14)
    assert abs(s.entropy_rate() - 0.5445871749448701) < 1e-13
    assert abs(s.block_entropy(1) - 0.6730116670092565) < 1e-13
    s2 = MarkovSource.switching(1, 0.5, 0.8)
    assert abs(s2.char_marginal()[1] - 5 / 13) < 1e-14
    assert abs(s2.entropy_rate() - 0.6190145817054231) < 1e-13
    assert abs(s2.cond_entropy(1) - 0.666278442414676) < 1e-13


@pytest.mark.parametrize("k", [2, 3, 4])
def test_switching_is_k_independent(k):
    s = MarkovSource.switching(k, 0.2, 0.3)
    mu = s.stationary()
    # mu is the k-fold product of pi = (0.6, 0.4)
    prod = np.array([1.0])
    for _ in range(k):
        prod = np.kron(prod, [0.6, 0.4])
    np.testing.assert_allclose(mu, prod, atol=1e-13)
    assert abs(s.entropy_rate() - 0.5445871749448701) < 1e-13
    for j in range(1, k + 1):
        assert abs(s.cond_entropy(j) - 0.6730116670092565) < 1e-12
    assert abs(s.cond_entropy(k + 1) - 0.5445871749448701) < 1e-12


def test_switching_depends_only_on_oldest_symbol():
    s = MarkovSource.switching(3, 0.1, 0.7)
    for idx in range(8):
        oldest = idx >> 2
        assert list(s.cond[idx]) == ([0.9, 0.1] if oldest == 0 else [0.7, 0.30000000000000004])


def test_symmetric_switching_values():
    s = MarkovSource.switching(2, 0.8, 0.8)
    assert abs(s.entropy_rate() - 0.500402423538) < 1e-11
    assert abs(s.block_entropy(1) - np.log(2)) < 1e-14
    assert abs(MarkovSource.switching(3, 0.1, 0.1).entropy_rate() - 0.325082973391) < 1e-11
    for delta, ratio in [(0.1, 2.132216194926), (0.01, 12.377289096543), (0.001, 87.659645568749)]:
        assert abs(np.log(2) / binary_entropy(delta) - ratio) < 1e-9


@given(k=st.integers(1, 3), V=st.integers(2, 3), seed=st.integers(0, 10**6))
def test_stationary_and_block_entropy(k, V, seed):
    s = MarkovSource.random(k, V, rng=seed, min_prob=0.01)
    mu = s.stationary()
    T = s.lifted_matrix()
    np.testing.assert_allclose(mu @ T, mu, atol=1e-12)
    w, vec = np.linalg.eig(T.T)
    v = np.real(vec[:, np.argmin(np.abs(w - 1))])
    np.testing.assert_allclose(mu, v / v.sum(), atol=1e-10)
    for r in range(0, k + 3):
        assert abs(s.block_entropy(r) - block_entropy_enum(s, r)) < 1e-10 if r else s.block_entropy(0) == 0
    assert abs(s.cond_entropy(k + 2) - s.entropy_rate()) < 1e-12


def test_string_prob_sums_to_one():
    s = MarkovSource.random(2, 3, rng=1)
    import itertools
    total = sum(s.string_prob(t) for t in itertools.product(range(3), repeat=3))
    np.testing.assert_allclose(total, np.ones(9), atol=1e-13)
    assert abs(s.string_prob((0, 1), ctx=4) - s.cond[4, 0] * s.cond[(4 * 3) % 9, 1]) < 1e-15


def test_sample_frequencies_match_stationary_law():
    s = MarkovSource.random(2, 2, rng=3, min_prob=0.05)
    x = s.sample(200_000, rng=0)
    ctx = 2 * x[:-1] + x[1:]
    freq = np.bincount(ctx, minlength=4) / ctx.size
    # about 6 standard errors of a correlated chain with short memory
    np.testing.assert_allclose(freq, s.stationary(), atol=0.01)
    x3 = MarkovSource.random(1, 3, rng=4, min_prob=0.05).sample(100_000, rng=1)
    assert set(np.unique(x3)) == {0, 1, 2}
    assert np.array_equal(s.sample(1000, rng=7), s.sample(1000, rng=7))
    assert s.sample(1, rng=0).shape == (1,)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="cond"):
        MarkovSource(np.array([[0.5, 0.6], [0.5, 0.5]]), 1)
    with pytest.raises(ValueError, match="cond"):
        MarkovSource(np.full((3, 2), 0.5), 2)
    with pytest.raises(ValueError, match="p"):
        MarkovSource.switching(2, 1.2, 0.5)
    with pytest.raises(ValueError, match="q"):
        MarkovSource.switching(2, 0.5, -0.1)
    with pytest.raises(ValueError, match="k"):
        MarkovSource.switching(0, 0.5, 0.5)
    with pytest.raises(ValueError, match="min_prob"):
        MarkovSource.random(1, 2, min_prob=0.5)
    with pytest.raises(ValueError, match="closed classes"):
        MarkovSource(np.eye(2), 1)
    with pytest.raises(ValueError, match="s"):
        MarkovSource.switching(1, 0.2, 0.2).string_prob([0, 2])
