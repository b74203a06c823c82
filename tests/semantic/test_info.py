"""Mutual, directed and feedback information; transfer entropy; validation of axes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from theory.semantic import (
    causal_conditioning,
    directed_information,
    directed_information_terms,
    feedback_information,
    gaussian_transfer_entropy,
    mutual_information,
    transfer_entropy,
)
from theory.semantic.rate_distortion import h2


def test_mi_of_bsc_and_independence():
    eps = 0.1
    J = np.array([[1 - eps, eps], [eps, 1 - eps]]) / 2
    assert mutual_information(J, [0], [1]) == pytest.approx(1 - h2(eps), abs=1e-14)
    assert mutual_information(np.outer([0.3, 0.7], [0.2, 0.8]), 0, 1) == pytest.approx(0.0, abs=1e-15)


def test_teacher_forcing_has_no_feedback():
    # X autonomous (Markov), Y_i depends on X^i only causally: I(X->Y) = I(X;Y), feedback 0
    rng = np.random.default_rng(1)
    J = rng.dirichlet(np.ones(2))
    J = J[:, None] * rng.dirichlet(np.ones(2), size=2)                 # (x1, x2)
    ch1 = rng.dirichlet(np.ones(2), size=2)                            # y1 | x1
    ch2 = rng.dirichlet(np.ones(2), size=(2, 2, 2))                    # y2 | x1, x2, y1
    full = np.einsum("ab,ac,abcd->abcd", J, ch1, ch2)                  # (x1, x2, y1, y2)
    assert feedback_information(full, [0, 1], [2, 3]) == pytest.approx(0.0, abs=1e-15)
    assert directed_information(full, [0, 1], [2, 3]) == pytest.approx(
        mutual_information(full, [0, 1], [2, 3]), abs=1e-14)


def test_free_running_generation_has_positive_feedback():
    # X_2 copies Y_1 (the model's output is fed back)
    J = np.zeros((2, 2, 2, 2))
    for x1, y1, y2 in itertools.product(range(2), repeat=3):
        J[x1, y1, y1, y2] = 0.5 * (0.9 if y1 == x1 else 0.1) * 0.5        # axes (x1, x2, y1, y2)
    fb = feedback_information(J, [0, 1], [2, 3])
    assert fb > 0.3
    mi = mutual_information(J, [0, 1], [2, 3])
    assert mi == pytest.approx(directed_information(J, [0, 1], [2, 3]) + fb, abs=1e-14)


def test_terms_and_causal_conditioning_factorisation():
    rng = np.random.default_rng(2)
    J = rng.dirichlet(np.ones(16)).reshape(2, 2, 2, 2)
    terms = directed_information_terms(J, [0, 1], [2, 3])
    assert terms.shape == (2,) and np.all(terms >= -1e-15)
    # P(x, y) = P(x || y^{n-1}) P(y || x); the first factor is P(y-delayed) causal conditioning:
    fwd = causal_conditioning(J, [0, 1], [2, 3])                        # axes (x1, x2, y1, y2)
    px_given = J / np.where(fwd > 0, fwd, 1.0)
    # P(x || y^{n-1}) = P(x1) P(x2 | x1, y1): it does not depend on y2
    np.testing.assert_allclose(px_given[..., 0], px_given[..., 1], atol=1e-12)


def test_transfer_entropy_of_independent_chains_is_zero():
    P = np.array([[0.9, 0.1], [0.3, 0.7]])
    Q = np.array([[0.6, 0.4], [0.2, 0.8]])
    T = np.einsum("ac,bd->abcd", P, Q)                                   # X and Y evolve independently
    assert transfer_entropy(T) == pytest.approx(0.0, abs=1e-14)
    assert transfer_entropy(T, k=2, l=2) == pytest.approx(0.0, abs=1e-14)


def test_gaussian_te_detects_coupling():
    A = np.array([[0.5, 0.0], [0.4, 0.3]])
    g = gaussian_transfer_entropy(A, np.eye(2), source=[0], target=[1])
    assert g.te > 0.05 and g.te_nats == pytest.approx(g.gc / 2)
    with pytest.raises(ValueError):
        gaussian_transfer_entropy(2 * np.eye(2), np.eye(2), source=[0], target=[1])


@pytest.mark.parametrize("a, b, c", [([0], [0], []), ([0], [3], []), ([], [1], []), ([0], [1], [1]),
                                     ([-1], [1], [])])
def test_bad_axes(a, b, c):
    J = np.full((2, 2, 2), 1 / 8)
    with pytest.raises(ValueError):
        mutual_information(J, a, b, c)


def test_bad_joint_and_time_axes():
    with pytest.raises(ValueError):
        mutual_information(np.full((2, 2), 0.3), [0], [1])
    J = np.full((2, 2, 2), 1 / 8)
    with pytest.raises(ValueError):
        directed_information(J, [0, 1], [2])
    with pytest.raises(ValueError):
        feedback_information(J, [0, 1], [1, 2])
    with pytest.raises(ValueError):
        transfer_entropy(np.full((2, 2, 2), 0.5))
