"""The certificate checks of :mod:`theory.testing`: zero on certificates, the violation otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from theory.testing import complementarity, dual_violation, duality_gap, law_error, primal_violation


def test_zero_on_a_certificate():
    g, lam = np.array([1.0, 1.0, 2.5]), np.array([0.3, 0.7, 0.0])  # lambda > 0 only where g = 1
    assert primal_violation(g) == dual_violation(lam) == complementarity(lam, g) == 0.0
    assert duality_gap(2.0, 2.0) == 0.0
    assert law_error(np.array([[0.2, 0.8], [1.0, 0.0]]), axis=1) == 0.0
    assert law_error(np.full((2, 2), 0.25)) == 0.0


def test_reports_each_violation():
    assert primal_violation(np.array([1.0, 0.75])) == 0.25
    assert primal_violation(np.array([0.5]), lower=0.0) == 0.0
    assert dual_violation(np.array([0.1, -0.2])) == 0.2
    assert complementarity(np.array([2.0, 0.0]), np.array([1.5, 3.0]), scale=2.0) == 0.5
    assert duality_gap(10.0, 9.0) == 1.0 and duality_gap(10.0, 9.0, relative=True) == 0.1
    assert law_error(np.array([0.6, 0.6])) == pytest.approx(0.2)
    assert law_error(np.array([1.5, -0.5])) == 0.5          # sums to 1 but has negative mass
    assert law_error(np.array([[0.5, 0.5], [0.5, 0.4]]), axis=1) == pytest.approx(0.1)
